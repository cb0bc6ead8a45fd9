"""The lab's experiments as ready-made configurations, each with what it teaches. Pure data.

Each preset changes one thing from the lab's run (10 sigmoid units, lr 0.1, one sample at a time,
uniform(-0.01, 0.01) weights), so a student can compare it with the run before. ``description``
is one line (a tooltip); ``explanation`` is the paragraph shown when the preset is chosen and
after its run: what to look at and why it happens.
"""

from dataclasses import dataclass

from engine.training.config import RunConfig

LAB_RUN = RunConfig()


@dataclass(frozen=True)
class Preset:
    name: str
    config: RunConfig
    description: str
    explanation: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Logistic regression",
            LAB_RUN.with_changes(hidden_sizes=()),
            "No hidden layer: a softmax on the 64 pixels. Its weights are ten class templates.",
            "With no hidden layer the network is linear in the pixels: each class gets one "
            "weight per pixel, and the First-layer weights view shows them as ten templates "
            "(red where ink speaks for the digit, blue where it speaks against). It already "
            "reaches about 96 % on the test set: most digits are told apart by where their ink "
            "is. Compare with the lab's 10 hidden units next.",
        ),
        Preset(
            "Lab: 10 sigmoid units",
            LAB_RUN,
            "The lab's network: one hidden layer of 10 sigmoid units, SGD one sample at a time.",
            "The lab's run: 64 inputs, 10 sigmoid units, 10 outputs, weights uniform in ±0.01, "
            "learning rate 0.1, one sample per update for 15 epochs (22,905 updates). The "
            "per-update loss is noisy (one sample each), the full-set losses fall smoothly, and "
            "the gradient norm shrinks as the network settles. Expect about 98 % test accuracy.",
        ),
        Preset(
            "Zero initialization (symmetry)",
            LAB_RUN.with_changes(init="zeros"),
            "Every weight starts at 0: all hidden units get the same gradient and stay identical.",
            "Every weight starts at 0, so every hidden unit computes the same output, receives "
            "the same δ and the same gradient, and takes the same step: the units stay identical "
            "forever (watch the weight images: all alike) and the hidden layer is worth one "
            "unit. Training still improves a little, through that one feature and the biases. "
            "Random initial weights break the symmetry; Backprop Lab trains this run with the "
            "readable code, which keeps the units equal to the last bit.",
        ),
        Preset(
            "Uniform initialization",
            LAB_RUN.with_changes(init="uniform", init_scale=0.1),
            "Small random weights, uniform(-0.1, 0.1): the symmetry is broken.",
            "Small random weights, uniform in ±0.1: each hidden unit starts different, gets its "
            "own gradient and learns its own feature (every weight image differs). Compare the "
            "weight images and the final accuracy with the zero initialization.",
        ),
        Preset(
            "Mini-batches of 32",
            LAB_RUN.with_changes(batch_size=32, learning_rate=0.5),
            "Average the gradient over 32 samples: 48 smoother updates per epoch instead of 1527.",
            "Each update averages the gradient of 32 samples: 48 updates per epoch instead of "
            "1,527, each less noisy (the per-update loss band is narrower) and computed with "
            "matrix products, so an epoch takes a fraction of the time. A larger learning rate "
            "(0.5) makes up for the fewer steps.",
        ),
        Preset(
            "Momentum",
            LAB_RUN.with_changes(batch_size=32, learning_rate=0.1, momentum=0.9),
            "Mini-batches of 32 with momentum 0.9: the velocity smooths and speeds up descent.",
            "Mini-batches of 32 with momentum 0.9: each step adds 0.9 of the previous one, so "
            "steps build up along directions the gradients agree on and cancel where they "
            "zigzag. With the learning rate of plain SGD it goes faster in the first epochs; "
            "the per-update loss overshoots a little now and then.",
        ),
        Preset(
            "Second hidden layer",
            LAB_RUN.with_changes(hidden_sizes=(32, 16), init="glorot"),
            "Two sigmoid hidden layers of 32 and 16 units, Glorot initialization.",
            "Two sigmoid hidden layers of 32 and 16 units with Glorot initialization, which "
            "scales the initial weights to the layer sizes. Backpropagation now sends δ through "
            "two layers: see the Layers view, where the first layer's gradient is smaller than "
            "the last one's. More capacity, a little better on the test set.",
        ),
        Preset(
            "ReLU",
            LAB_RUN.with_changes(
                hidden_sizes=(64,), activation="relu", init="he", learning_rate=0.01
            ),
            "64 ReLU units with He initialization and a smaller learning rate.",
            "64 ReLU units with He initialization: f'(z) is 1 for active units, so gradients do "
            "not shrink through them, and learning is fast even with a learning rate ten times "
            "smaller. A unit whose z is negative for every sample gets no gradient at all (it "
            "is dead): the Layers view counts them.",
        ),
        Preset(
            "Deep sigmoid net (vanishing gradients)",
            LAB_RUN.with_changes(
                hidden_sizes=(20, 20, 20, 20, 20), init="glorot", batch_size=16, epochs=20
            ),
            "5 hidden layers of 20 sigmoid units: the first layers barely learn.",
            "Five hidden layers of 20 sigmoid units. Going back through each layer, δ is "
            "multiplied by Wᵀ and by f'(z), and the sigmoid's f' is at most 0.25: the gradient "
            "shrinks layer after layer. In the Layers view the first layer's gradient norm is "
            "orders of magnitude below the last layer's, its weights hardly move "
            "(update-to-weight ratio far below 1e-3), and the loss stays near 2.3, chance "
            "level, for many epochs. ReLU units, or fewer layers, fix it.",
        ),
        Preset(
            "Large initialization (saturation)",
            LAB_RUN.with_changes(init="uniform", init_scale=5.0, epochs=5),
            "Weights uniform in ±5: most sigmoid units start saturated and learning stalls.",
            "Weights uniform in ±5 make |z| large, so most sigmoid outputs sit at 0 or 1 (the "
            "Layers view counts them as saturated), where f'(z) = a(1 − a) is almost 0: the "
            "units barely pass any gradient back and learning stalls. Compare the first "
            "layer's gradient norm with the uniform ±0.1 run. Small initial weights keep the "
            "units in the sigmoid's steep middle.",
        ),
    )
}
