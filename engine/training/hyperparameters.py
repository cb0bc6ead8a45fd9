"""Every hyperparameter described once: label, command-line flag, range, tooltip and sweep example.

``HYPERPARAMETERS`` maps a name to its ``Hyperparameter``. Everything else is generated from it:
``RunConfig.validate`` (the ranges), the ``train`` command's flags, the form's fields and
tooltips, the stored settings, the runs table's "what changed" and the sweeps. Adding a
hyperparameter is one entry here plus its field (and default) on ``RunConfig``.

A hyperparameter's value is read from a ``RunConfig`` with ``get`` and written with ``apply``;
most are one field of the same name. The optimizer is the exception: the four choices offered
(SGD, SGD with momentum, Nesterov, Adam) set two fields, ``optimizer`` and ``nesterov``.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITIALIZERS

if TYPE_CHECKING:
    from engine.training.config import RunConfig

MAX_UNITS = 4096
MAX_HIDDEN_LAYERS = 10
MAX_PARAMETERS = 5_000_000  # 40 MB of float64 weights: far beyond what the digits need
MAX_EPOCHS = 100_000
MAX_SEED = 2**32 - 1
MAX_BATCH = 1_000_000  # without a data set to bound it


@dataclass(frozen=True)
class OptimizerChoice:
    """One of the update rules offered: its label and the ``RunConfig`` fields it sets."""

    label: str
    optimizer: str  # RunConfig.optimizer: "sgd" or "adam"
    nesterov: bool
    uses_momentum: bool


OPTIMIZER_CHOICES: dict[str, OptimizerChoice] = {
    "sgd": OptimizerChoice("SGD", "sgd", nesterov=False, uses_momentum=False),
    "momentum": OptimizerChoice("SGD with momentum", "sgd", nesterov=False, uses_momentum=True),
    "nesterov": OptimizerChoice("Nesterov momentum", "sgd", nesterov=True, uses_momentum=True),
    "adam": OptimizerChoice("Adam", "adam", nesterov=False, uses_momentum=False),
}
DEFAULT_MOMENTUM = 0.9  # what momentum starts at when a momentum optimizer is chosen


def optimizer_choice(config: "RunConfig") -> str:
    """The choice a configuration stands for: SGD with momentum > 0 is "momentum"."""
    if config.optimizer == "adam":
        return "adam"
    if config.nesterov:
        return "nesterov"
    return "momentum" if config.momentum > 0 else "sgd"


def with_optimizer_choice(config: "RunConfig", choice: str) -> "RunConfig":
    """``config`` with the update rule ``choice``; momentum is kept where it is used, set to
    ``DEFAULT_MOMENTUM`` if it was 0 there, and 0 where it is not."""
    rule = OPTIMIZER_CHOICES[choice]
    momentum = config.momentum if rule.uses_momentum else 0.0
    if rule.uses_momentum and momentum == 0:
        momentum = DEFAULT_MOMENTUM
    return replace(config, optimizer=rule.optimizer, nesterov=rule.nesterov, momentum=momentum)


# --- parsing and formatting by kind ---------------------------------------------------------


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """Parse ``"10"``, ``"64, 32"`` or ``""``/``"none"`` (no hidden layer) into layer sizes."""
    text = str(text).strip().lower()
    if text in ("", "none", "()"):
        return ()
    sizes = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not (part.isdigit() and len(part) <= 6 and 1 <= int(part) <= MAX_UNITS):
            raise ValueError(
                f"hidden layers must be a comma list of sizes 1..{MAX_UNITS} (like 10 or 64, 32), "
                f"or empty for none; {part[:20]!r} is not one"
            )
        sizes.append(int(part))
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes)}")
    return tuple(sizes)


def format_hidden_sizes(sizes: tuple[int, ...]) -> str:
    return ", ".join(map(str, sizes))


def _parse_float(text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(f"{str(text)[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{str(text)[:20]!r} is not a finite number")
    return value


def _parse_int(text: str) -> int:
    stripped = str(text).strip()
    if re.fullmatch(r"[+-]?\d{1,12}", stripped):
        return int(stripped)
    try:  # 1e2, 32.0
        value = float(stripped) if len(stripped) <= 24 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer() and abs(value) < 1e12):
        raise ValueError(f"{stripped[:20]!r} is not a whole number")
    return int(value)


def _parse_bool(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("true", "1", "on", "yes"):
        return True
    if lowered in ("false", "0", "off", "no"):
        return False
    raise ValueError(f"{lowered[:20]!r} is not on or off")


@dataclass(frozen=True)
class Hyperparameter:
    """What Backprop Lab knows about one hyperparameter.

    ``kind`` is ``int``, ``float``, ``optional_float`` (empty means the default), ``choice``,
    ``sizes`` (hidden layer sizes) or ``bool``. ``group`` is ``network`` for what builds the
    network and its initial weights, ``training`` for how it is trained. ``minimum`` and
    ``maximum`` bound numbers (``open_minimum``/``open_maximum`` exclude the bound itself).
    ``sweep_example`` is None for a hyperparameter that cannot be swept; ``sweep_axis`` says
    whether plots against its values use a ``log`` or ``linear`` axis, or ``categories``.
    """

    name: str
    label: str
    flag: str
    kind: str
    group: str
    short: str
    help: str
    tooltip: str
    minimum: float | None = None
    maximum: float | None = None
    open_minimum: bool = False
    open_maximum: bool = False
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    sweep_example: str | None = None
    sweep_axis: str = "categories"  # how sweep plots place its values: log, linear, categories
    ladder_step: bool = False  # the field's arrows step along 1, 2, 5, 10, ...
    flag_value: bool = True  # for a bool: the value its flag sets (--no-shuffle sets False)
    getter: Callable[["RunConfig"], Any] | None = None
    setter: Callable[["RunConfig", Any], "RunConfig"] | None = None

    def __repr__(self) -> str:
        return f"Hyperparameter({self.name!r})"

    # --- values in a configuration ---------------------------------------------------------

    def get(self, config: "RunConfig") -> Any:
        return self.getter(config) if self.getter else getattr(config, self.name)

    def apply(self, config: "RunConfig", value: Any) -> "RunConfig":
        if self.setter:
            return self.setter(config, value)
        return replace(config, **{self.name: value})

    # --- text ------------------------------------------------------------------------------

    def parse(self, text: str) -> Any:
        """Read a value as typed by a user (a form field, a flag, a settings file); raises
        ``ValueError`` saying what is wrong. Only the type is checked, not the range."""
        if self.kind == "sizes":
            return parse_hidden_sizes(text)
        if self.kind == "choice":
            name = str(text).strip().lower()
            if name not in self.choices:
                raise ValueError(f"{str(text)[:20]!r} is not one of: {', '.join(self.choices)}")
            return name
        if self.kind == "bool":
            return _parse_bool(text)
        if self.kind == "optional_float" and not str(text).strip():
            return None
        if self.kind == "int":
            return _parse_int(text)
        return _parse_float(text)

    def format(self, value: Any) -> str:
        """A value as it is typed (``parse(format(v)) == v``)."""
        if self.kind == "sizes":
            return format_hidden_sizes(tuple(value))
        if value is None:
            return ""
        if self.kind == "bool":
            return "on" if value else "off"
        if isinstance(value, float):
            return repr(value) if self.kind != "int" else str(int(value))
        return str(value)

    def display(self, value: Any) -> str:
        """A value as tables show it: ``(64, 32)``, ``0.01``, ``on``, ``default``."""
        if self.kind == "sizes":
            sizes = tuple(value)
            if not sizes:
                return "none"
            return str(sizes[0]) if len(sizes) == 1 else f"({', '.join(map(str, sizes))})"
        if value is None:
            return "default"
        if self.kind == "bool":
            return "on" if value else "off"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    # --- rules -----------------------------------------------------------------------------

    def range_text(self, maximum: float | None = None) -> str:
        top = self.maximum if maximum is None else maximum
        low = "above" if self.open_minimum else "from"
        high = "below" if self.open_maximum else "to"
        return f"{low} {_bound(self.minimum)} {high} {_bound(top)}"

    def check(self, value: Any, maximum: float | None = None) -> str | None:
        """Why ``value`` is refused, or None when it is allowed (``maximum`` overrides the
        upper bound: the batch size is bounded by the training set)."""
        if self.kind == "choice":
            return None if value in self.choices else f"choose one of: {', '.join(self.choices)}"
        if self.kind == "bool":
            return None if isinstance(value, bool) else "must be on or off"
        if self.kind == "sizes":
            try:
                parse_hidden_sizes(format_hidden_sizes(tuple(value)))
            except (ValueError, TypeError) as error:
                return str(error)
            return None
        if value is None and self.kind == "optional_float":
            return None
        top = self.maximum if maximum is None else maximum
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return f"must be a number {self.range_text(top)}"
        if self.kind == "int" and value != int(value):
            return f"must be a whole number {self.range_text(top)}"
        low_ok = value > self.minimum if self.open_minimum else value >= self.minimum
        high_ok = value < top if self.open_maximum else value <= top
        if not (low_ok and high_ok and math.isfinite(value)):
            return f"{self.label.lower()} must be {self.range_text(top)}"
        return None


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) >= 1 else f"{value:g}"


HYPERPARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        Hyperparameter(
            "hidden_sizes", "Hidden layers", "--hidden", "sizes", "network", "hidden",
            help="hidden layer sizes, a comma list such as 64,32; 'none' for the logistic "
            "regression (default: 10)",
            tooltip="Sizes of the hidden layers, first to last: '10' is the lab's network, "
            "'64, 32' two layers.\nLeave empty for no hidden layer: a logistic regression (a "
            "linear model).\nMore units fit the training set better and train slower per update.",
            sweep_example="5; 10; 30; 64, 32",
        ),
        Hyperparameter(
            "activation", "Activation", "--activation", "choice", "network", "activation",
            help="activation of the hidden units (default: sigmoid)",
            tooltip="The non-linearity of the hidden units.\nsigmoid (the lab's) and tanh "
            "saturate: large |z| gives tiny gradients.\nrelu trains fast but its units can die "
            "(stuck at 0); with a large learning rate relu or identity networks can diverge.",
            choices=tuple(ACTIVATIONS),
            choice_labels=tuple(ACTIVATIONS),
            sweep_example="sigmoid, tanh, relu",
        ),
        Hyperparameter(
            "init", "Initialization", "--init", "choice", "network", "init",
            help="weight initialization (default: uniform, the lab's +-0.01)",
            tooltip="How the weights start (biases start at 0).\nzeros: every hidden unit gets "
            "the same gradient and they stay identical forever (symmetry is never broken).\n"
            "uniform / normal: small random weights, the lab's uniform(-0.01, 0.01).\nglorot "
            "(sigmoid, tanh) and he (relu) scale the weights with the layer sizes to keep "
            "signals from shrinking or growing.",
            choices=tuple(INITIALIZERS),
            choice_labels=tuple(INITIALIZERS),
            sweep_example=", ".join(INITIALIZERS),
        ),
        Hyperparameter(
            "init_scale", "Init scale", "--init-scale", "optional_float", "network",
            "init scale",
            help="scale of the initialization: half-width of uniform, standard deviation of "
            "normal, a gain on glorot and he (default: the initialization's own)",
            tooltip="Half-width of uniform, standard deviation of normal, a gain on glorot and "
            "he.\nEmpty: the default shown in grey. Too small: the gradients of deep networks "
            "vanish; too large: sigmoid units start saturated.",
            minimum=0.0,
            maximum=100.0,
            sweep_example="0.01, 0.1, 1",
            sweep_axis="log",
            ladder_step=True,
        ),
        Hyperparameter(
            "optimizer", "Optimizer", "--optimizer", "choice", "training", "optimizer",
            help="sgd, momentum (SGD with momentum), nesterov, or adam (default: sgd)",
            tooltip="The update rule.\nSGD: w <- w - lr * gradient.\nSGD with momentum: a "
            "velocity accumulates past gradients (smoother, faster along consistent "
            "directions).\nNesterov: momentum that looks ahead, a little more stable.\nAdam: "
            "per-weight step sizes from running gradient statistics; use a small learning rate "
            "(about 0.001).",
            choices=tuple(OPTIMIZER_CHOICES),
            choice_labels=tuple(c.label for c in OPTIMIZER_CHOICES.values()),
            sweep_example="sgd, momentum, adam",
            getter=optimizer_choice,
            setter=with_optimizer_choice,
        ),
        Hyperparameter(
            "learning_rate", "Learning rate", "--lr", "float", "training", "lr",
            help="learning rate (default: 0.1)",
            tooltip="Step size of every update; the arrows step along 1, 2, 5, 10, ... (log "
            "scale), and you can type values like 3e-4.\nToo small: the loss creeps down. Too "
            "large: it jumps around or diverges to NaN (the run then stops and keeps its last "
            "good weights).\nThe lab uses 0.1 with one sample at a time.",
            minimum=0.0,
            maximum=100.0,
            open_minimum=True,
            sweep_example="0.001, 0.01, 0.1, 1",
            sweep_axis="log",
            ladder_step=True,
        ),
        Hyperparameter(
            "momentum", "Momentum", "--momentum", "float", "training", "momentum",
            help="momentum in [0, 1) for the momentum and nesterov optimizers (default: 0.9 "
            "with them; sgd with a momentum above 0 is the momentum optimizer)",
            tooltip="Fraction of the previous velocity kept at every update, from 0 (plain SGD) "
            "to below 1; 0.9 is typical.\nUsed by 'SGD with momentum' and 'Nesterov' only. High "
            "momentum with a high learning rate overshoots.",
            minimum=0.0,
            maximum=1.0,
            open_maximum=True,
            sweep_example="0, 0.5, 0.9",
            sweep_axis="linear",
        ),
        Hyperparameter(
            "batch_size", "Batch size", "--batch-size", "int", "training", "batch",
            help="samples per update, 1 (the lab) to 1527 (the whole training set)",
            tooltip="Samples averaged per update: 1 is the lab's stochastic gradient descent "
            "(noisy, many updates per epoch), the full training set is batch gradient descent "
            "(smooth, one update per epoch).\nLarger batches usually want a larger learning "
            "rate.",
            minimum=1,
            maximum=MAX_BATCH,
            sweep_example="1, 8, 32, 128",
            sweep_axis="log",
            ladder_step=True,
        ),
        Hyperparameter(
            "epochs", "Epochs", "--epochs", "int", "training", "epochs",
            help="passes over the training set (default: 15)",
            tooltip="Passes over the training set. Train again later to continue from the "
            "current weights; Reset (or Train from scratch) starts from a fresh "
            "initialization.",
            minimum=1,
            maximum=MAX_EPOCHS,
            sweep_example="5, 10, 20",
            sweep_axis="linear",
        ),
        Hyperparameter(
            "shuffle", "Shuffle", "--no-shuffle", "bool", "training", "shuffle",
            help="visit the samples in the same order every epoch, as the lab does",
            tooltip="Visit the training samples in a new random order every epoch "
            "(recommended).\nUnchecked: always the same order, as the lab's loop does.",
            flag_value=False,
        ),
        Hyperparameter(
            "augment", "Augment", "--augment", "bool", "training", "augment",
            help="train for drawing: every epoch, re-draw three quarters of the training images "
            "with random changes of position, size, aspect, slant, rotation and stroke, through "
            "the canvas's pipeline (off by default: the lab's numbers stay the lab's)",
            tooltip="Train for drawing: every epoch three quarters of the training images (chosen "
            "at random) are re-drawn with random changes in position, size, aspect, slant, "
            "rotation and stroke width, rendered large and sent through the same pipeline as the "
            "Draw canvas, so the network learns what drawings look like.\nAbout 0.5 s more per "
            "epoch; off by default, so the lab's numbers stay the lab's.",
        ),
        Hyperparameter(
            "seed", "Seed", "--seed", "int", "network", "seed",
            help="seeds the initialization and the shuffling: the same seed gives the same run "
            "(default: 0)",
            tooltip="Seeds the initialization and the shuffling: the same seed and settings "
            "give the same run, another seed a different draw of the same experiment.",
            minimum=0,
            maximum=MAX_SEED,
            sweep_example="0, 1, 2, 3",
        ),
    )
}  # fmt: skip

SWEEPABLE: dict[str, Hyperparameter] = {
    name: h for name, h in HYPERPARAMETERS.items() if h.sweep_example is not None
}
