"""A run's configuration: the network to build and how to train it, validated in one place.

The GUI form, the ``train`` command, the settings and the model file all speak ``RunConfig``;
its rules come from ``engine.training.hyperparameters``, so every front end refuses the same
things the same way. ``validate()`` returns one message per bad hyperparameter.
"""

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from engine.core.mlp import MLP
from engine.core.optimizers import OPTIMIZERS
from engine.training.hyperparameters import (
    HYPERPARAMETERS,
    MAX_PARAMETERS,
    OPTIMIZER_CHOICES,
    format_hidden_sizes,
    optimizer_choice,
    parse_hidden_sizes,
)

__all__ = ["RunConfig", "format_hidden_sizes", "parse_hidden_sizes", "parameter_count"]


def parameter_count(layer_sizes: tuple[int, ...]) -> int:
    """Weights and biases of a network with these layer sizes, inputs first."""
    return sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=False))


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run. Defaults are the lab's: 10 sigmoid units, lr 0.1, one sample
    at a time, uniform(-0.01, 0.01) weights. Each field is described in ``HYPERPARAMETERS``
    (``nesterov`` through the ``optimizer`` choice)."""

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
    augment: bool = False

    def validate(self, n_train: int | None = None) -> dict[str, str]:
        """Messages keyed by hyperparameter name; an empty dict means the configuration is
        usable. ``n_train`` bounds the batch size by the training set."""
        errors: dict[str, str] = {}
        for name, h in HYPERPARAMETERS.items():
            maximum = n_train if name == "batch_size" and n_train is not None else None
            problem = h.check(h.get(self), maximum)
            if problem:
                errors[name] = problem
        if self.optimizer not in OPTIMIZERS:
            errors["optimizer"] = f"choose one of: {', '.join(OPTIMIZER_CHOICES)}"
        if "hidden_sizes" not in errors:
            count = parameter_count((64, *self.hidden_sizes, 10))
            if count > MAX_PARAMETERS:
                errors["hidden_sizes"] = (
                    f"that network has {count:,} parameters; at most {MAX_PARAMETERS:,}"
                )
        return errors

    @property
    def optimizer_choice(self) -> str:
        """``sgd``, ``momentum``, ``nesterov`` or ``adam``: the update rule as offered."""
        return optimizer_choice(self)

    def network_recipe(self) -> tuple:
        """What builds the network and its initial weights (shape, activation, initialization,
        seed): runs whose recipes are equal can continue from each other's weights."""
        return tuple(h.get(self) for h in HYPERPARAMETERS.values() if h.group == "network")

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

    # --- reading and writing ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["hidden_sizes"] = list(self.hidden_sizes)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "RunConfig":
        """Rebuild from ``to_dict()`` output (JSON), checking every value's type and range.

        Unknown keys are ignored, missing ones take the default; anything else raises
        ``ValueError`` naming the field.
        """
        if not isinstance(data, dict):
            raise ValueError(f"a configuration must be a mapping, not {type(data).__name__}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in data:
                values[f.name] = _coerce(f.name, data[f.name], f.default)
        config = cls(**values)
        errors = config.validate()
        if errors:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in errors.items()))
        return config

    def with_changes(self, **changes: Any) -> "RunConfig":
        return replace(self, **changes)

    def differences(self, other: "RunConfig | None") -> dict[str, Any]:
        """Hyperparameters whose value here differs from ``other`` (all when ``other`` is None),
        by name, with this configuration's value."""
        mine = {name: h.get(self) for name, h in HYPERPARAMETERS.items()}
        if other is None:
            return mine
        return {name: v for name, v in mine.items() if HYPERPARAMETERS[name].get(other) != v}

    # --- in words --------------------------------------------------------------------------

    def summary(self) -> str:
        """A one-line summary such as ``10 sigmoid, sgd lr 0.1, batch 1, 15 epochs``."""
        hidden = HYPERPARAMETERS["hidden_sizes"].display(self.hidden_sizes)
        net = "no hidden layer" if not self.hidden_sizes else f"{hidden} {self.activation}"
        rule = self.optimizer_choice
        if OPTIMIZER_CHOICES[rule].uses_momentum:
            rule += f" {self.momentum:g}"
        return (
            f"{net}, {rule} lr {self.learning_rate:g}, batch {self.batch_size}, "
            f"{self.epochs} epochs" + (", augmented" if self.augment else "")
        )

    def describe(self) -> str:
        """``64 → 10 sigmoid → 10 · SGD, lr 0.1, batch 1`` (then ``, augmented`` with augment)."""
        layers = " → ".join(["64", *(f"{h} {self.activation}" for h in self.hidden_sizes), "10"])
        choice = OPTIMIZER_CHOICES[self.optimizer_choice]
        rule = choice.label
        if choice.uses_momentum:
            rule += f" {self.momentum:g}"
        augmented = ", augmented" if self.augment else ""
        return f"{layers} · {rule}, lr {self.learning_rate:g}, batch {self.batch_size}{augmented}"


def _coerce(name: str, value: Any, default: Any) -> Any:
    """A JSON value as the type of field ``name`` (whose default is ``default``)."""

    def refuse(expected: str) -> ValueError:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        return ValueError(f"{name} must be {expected}, not {shown}")

    if name == "hidden_sizes":
        if not isinstance(value, list | tuple) or len(value) > 64:
            raise refuse("a list of layer sizes")
        if not all(isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63
                   for v in value):  # fmt: skip
            raise refuse("a list of whole numbers")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise refuse("true or false")
        return value
    if isinstance(default, str):
        if not isinstance(value, str) or len(value) > 40:
            raise refuse("a name")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**63:
            raise refuse("a whole number")
        return value
    # floats; init_scale may also be None (its initialization's default)
    if value is None and name == "init_scale":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse("a number")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond any float
        raise refuse("a finite number") from None
    if not math.isfinite(value):
        raise refuse("a finite number")
    return value
