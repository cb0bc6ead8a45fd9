"""A run's configuration: the network to build and how to train it, validated in one place.

The GUI form, the ``train`` command and the model file all speak ``RunConfig``; ``validate()``
returns one message per bad field, so every front end refuses the same things the same way.
"""

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITIALIZERS
from engine.core.mlp import MLP
from engine.core.optimizers import OPTIMIZERS

MAX_UNITS = 4096
MAX_EPOCHS = 100_000


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """Parse ``"10"``, ``"64, 32"`` or ``""``/``"none"`` (no hidden layer) into layer sizes."""
    text = text.strip().lower()
    if text in ("", "none", "()"):
        return ()
    sizes = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= MAX_UNITS:
            raise ValueError(
                f"hidden layers must be a comma list of sizes 1..{MAX_UNITS} (like 10 or 64, 32), "
                f"or empty for none; {part!r} is not one"
            )
        sizes.append(int(part))
    return tuple(sizes)


def format_hidden_sizes(sizes: tuple[int, ...]) -> str:
    return ", ".join(map(str, sizes))


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run. Defaults are the lab's: 10 sigmoid units, lr 0.1, one sample
    at a time, uniform(-0.01, 0.01) weights."""

    hidden_sizes: tuple[int, ...] = (10,)
    activation: str = "sigmoid"
    init: str = "uniform"
    init_scale: float | None = None
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.0
    nesterov: bool = False
    batch_size: int = 1
    epochs: int = 15
    shuffle: bool = True
    seed: int = 0

    def validate(self, n_train: int | None = None) -> dict[str, str]:
        """Messages keyed by field name; an empty dict means the configuration is usable."""
        errors: dict[str, str] = {}
        if any(not 1 <= h <= MAX_UNITS for h in self.hidden_sizes):
            errors["hidden_sizes"] = f"each hidden layer needs 1..{MAX_UNITS} units"
        if self.activation not in ACTIVATIONS:
            errors["activation"] = f"choose one of: {', '.join(ACTIVATIONS)}"
        if self.init not in INITIALIZERS:
            errors["init"] = f"choose one of: {', '.join(INITIALIZERS)}"
        if self.init_scale is not None and not (
            math.isfinite(self.init_scale) and 0 <= self.init_scale <= 100
        ):
            errors["init_scale"] = "the init scale must be a number from 0 to 100"
        if self.optimizer not in OPTIMIZERS:
            errors["optimizer"] = f"choose one of: {', '.join(OPTIMIZERS)}"
        if not (math.isfinite(self.learning_rate) and 0 < self.learning_rate <= 100):
            errors["learning_rate"] = "the learning rate must be above 0 and at most 100"
        if not (math.isfinite(self.momentum) and 0 <= self.momentum < 1):
            errors["momentum"] = "momentum must be at least 0 and below 1"
        limit = n_train if n_train is not None else 1_000_000
        if not 1 <= self.batch_size <= limit:
            errors["batch_size"] = f"the batch size must be from 1 to {limit} (the training set)"
        if not 1 <= self.epochs <= MAX_EPOCHS:
            errors["epochs"] = f"epochs must be from 1 to {MAX_EPOCHS}"
        if not 0 <= self.seed < 2**32:
            errors["seed"] = "the seed must be from 0 to 4294967295"
        return errors

    def build_model(self, input_size: int = 64, output_size: int = 10) -> MLP:
        """A freshly initialised network for this configuration."""
        return MLP(
            input_size,
            self.hidden_sizes,
            output_size,
            activation=self.activation,
            init=self.init,
            init_scale=self.init_scale,
            seed=self.seed,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["hidden_sizes"] = list(self.hidden_sizes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        """Rebuild from ``to_dict()`` output; unknown keys are ignored, missing ones defaulted."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "hidden_sizes" in values:
            values["hidden_sizes"] = tuple(int(h) for h in values["hidden_sizes"])
        return cls(**values)

    def with_changes(self, **changes: Any) -> "RunConfig":
        return replace(self, **changes)

    def differences(self, other: "RunConfig | None") -> dict[str, Any]:
        """Fields whose value here differs from ``other`` (all of them when ``other`` is None)."""
        mine = self.to_dict()
        if other is None:
            return mine
        theirs = other.to_dict()
        return {k: v for k, v in mine.items() if theirs.get(k) != v}
