"""The lab's experiments as ready-made configurations: preset name -> ``RunConfig``. Pure data.

Each preset changes one thing from the lab's run (10 sigmoid units, lr 0.1, one sample at a time,
uniform(-0.01, 0.01) weights), so a student can compare it with the run before.
"""

from dataclasses import dataclass

from engine.training.config import RunConfig

LAB_RUN = RunConfig()


@dataclass(frozen=True)
class Preset:
    name: str
    config: RunConfig
    description: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Logistic regression",
            LAB_RUN.with_changes(hidden_sizes=()),
            "No hidden layer: a softmax on the 64 pixels. Its weights are ten class templates.",
        ),
        Preset(
            "Lab: 10 sigmoid units",
            LAB_RUN,
            "The lab's network: one hidden layer of 10 sigmoid units, SGD one sample at a time.",
        ),
        Preset(
            "Zero initialization",
            LAB_RUN.with_changes(init="zeros"),
            "Every weight starts at 0: all hidden units get the same gradient and stay identical "
            "(watch the weight images: they never differ).",
        ),
        Preset(
            "Uniform initialization",
            LAB_RUN.with_changes(init="uniform", init_scale=0.1),
            "Small random weights, uniform(-0.1, 0.1): the symmetry is broken and every hidden "
            "unit learns its own feature.",
        ),
        Preset(
            "Mini-batches of 32",
            LAB_RUN.with_changes(batch_size=32, learning_rate=0.5),
            "Average the gradient over 32 samples: 48 smoother updates per epoch instead of 1527.",
        ),
        Preset(
            "Momentum",
            LAB_RUN.with_changes(batch_size=32, learning_rate=0.1, momentum=0.9),
            "Mini-batches of 32 with momentum 0.9: the velocity smooths and speeds up descent.",
        ),
        Preset(
            "Second hidden layer",
            LAB_RUN.with_changes(hidden_sizes=(32, 16), init="glorot"),
            "Two sigmoid hidden layers of 32 and 16 units, Glorot initialization.",
        ),
        Preset(
            "ReLU",
            LAB_RUN.with_changes(
                hidden_sizes=(64,), activation="relu", init="he", learning_rate=0.01
            ),
            "64 ReLU units with He initialization and a smaller learning rate.",
        ),
    )
}
