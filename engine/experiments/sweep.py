"""Sweeps: the same run repeated for a list of values of one hyperparameter.

``SWEEPABLE`` names the fields that can be swept, how to read a value typed by the user, and
whether a plot against it wants a log axis. ``run_sweep`` trains the runs one after another by
driving ``engine.training.loop.run_training`` and yields ``(index, record)`` pairs; a
``SweepRunStarted`` record opens each run and hands over its fresh model. ``SweepResult``
collects the records, as ``History`` does, into one row per value: final test accuracy and loss.

One ``TrainingControl`` governs the whole sweep: stopping ends the run under way (as
``stopped``) and starts no further run.
"""

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITIALIZERS
from engine.core.mlp import MLP
from engine.core.optimizers import OPTIMIZERS
from engine.data.digits import N_CLASSES, DigitsSplit
from engine.experiments.runs import format_value
from engine.training.config import RunConfig, parse_hidden_sizes
from engine.training.history import History
from engine.training.loop import Record, RunEnded, TrainingControl, run_training

MAX_SWEEP_VALUES = 50


def _parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _parse_int(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if not value.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def _choice(allowed: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        name = text.strip().lower()
        if name not in allowed:
            raise ValueError(f"{text!r} is not one of: {', '.join(allowed)}")
        return name

    return parse


@dataclass(frozen=True)
class Sweepable:
    """A field that can be swept: its label, a parser for one typed value, and its axis."""

    label: str
    parse: Callable[[str], Any]
    numeric: bool = True  # False: categories, plotted at positions 0, 1, 2, ...
    log_scale: bool = False
    separator: str = ","  # between values in the typed list

    def __repr__(self) -> str:
        return f"Sweepable({self.label!r})"


SWEEPABLE: dict[str, Sweepable] = {
    "learning_rate": Sweepable("learning rate", _parse_float, log_scale=True),
    "batch_size": Sweepable("batch size", _parse_int, log_scale=True),
    "hidden_sizes": Sweepable("hidden layers", parse_hidden_sizes, numeric=False, separator=";"),
    "momentum": Sweepable("momentum", _parse_float),
    "activation": Sweepable("activation", _choice(tuple(ACTIVATIONS)), numeric=False),
    "init": Sweepable("initialization", _choice(tuple(INITIALIZERS)), numeric=False),
    "init_scale": Sweepable("init scale", _parse_float, log_scale=True),
    "optimizer": Sweepable("optimizer", _choice(OPTIMIZERS), numeric=False),
    "epochs": Sweepable("epochs", _parse_int),
    "seed": Sweepable("seed", _parse_int, numeric=False),
}


def get_sweepable(name: str) -> Sweepable:
    try:
        return SWEEPABLE[name]
    except KeyError:
        raise ValueError(f"cannot sweep {name!r}; choose one of: {', '.join(SWEEPABLE)}") from None


def parse_sweep_values(name: str, text: str) -> list[Any]:
    """Read the typed list of values for field ``name``.

    Numbers and names are separated by commas or spaces (``0.001, 0.01, 0.1, 1``); hidden layer
    sizes by semicolons (``10; 64, 32; none``). Raises ``ValueError`` saying what is wrong.
    """
    sweepable = get_sweepable(name)
    if sweepable.separator == ",":
        parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    else:
        parts = [p.strip() for p in text.split(sweepable.separator) if p.strip()]
    if not parts:
        raise ValueError(
            f"enter the values of the {sweepable.label}, separated by "
            + ("semicolons, like 10; 64, 32" if sweepable.separator == ";" else "commas")
        )
    if len(parts) > MAX_SWEEP_VALUES:
        raise ValueError(f"at most {MAX_SWEEP_VALUES} values, got {len(parts)}")
    values = []
    for part in parts:
        try:
            value = sweepable.parse(part)
        except ValueError as error:
            raise ValueError(f"{sweepable.label}: {error}") from None
        if value in values:
            raise ValueError(f"{sweepable.label}: {format_value(name, value)} is given twice")
        values.append(value)
    return values


def sweep_configs(
    base: RunConfig, name: str, values: Sequence[Any], n_train: int | None = None
) -> list[RunConfig]:
    """``base`` with field ``name`` set to each value; every one validated.

    Raises ``ValueError`` naming each refused value and why.
    """
    get_sweepable(name)
    configs, problems = [], []
    for value in values:
        config = base.with_changes(**{name: value})
        errors = config.validate(n_train=n_train)
        if errors:
            problems.append(f"{format_value(name, value)}: {'; '.join(errors.values())}")
        configs.append(config)
    if problems:
        raise ValueError("cannot run " + ", ".join(problems))
    return configs


def sweep_run_name(name: str, value: Any) -> str:
    """A run's name in the runs table, e.g. ``sweep learning rate 0.01``."""
    return f"sweep {get_sweepable(name).label} {format_value(name, value)}"


@dataclass(frozen=True)
class SweepRunStarted:
    """Opens run ``index`` of a sweep; ``model`` is the network it trains in place."""

    config: RunConfig
    model: MLP


def run_sweep(
    data: DigitsSplit,
    configs: Sequence[RunConfig],
    control: TrainingControl | None = None,
    *,
    eval_every: int | None = None,
) -> Iterator[tuple[int, SweepRunStarted | Record]]:
    """Train one fresh model per configuration, one after another.

    Yields ``(index, SweepRunStarted)`` then ``(index, record)`` for every record of
    ``run_training`` on the lab's split, for index 0, 1, ... Stops after the run under way
    once ``control.stop()`` is called.
    """
    control = control or TrainingControl()
    for index, config in enumerate(configs):
        if control.stop_requested:
            return
        model = config.build_model(data.n_features, N_CLASSES)
        yield index, SweepRunStarted(config, model)
        for record in run_training(
            model,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            config=config,
            control=control,
            eval_every=eval_every,
        ):
            yield index, record
            if isinstance(record, RunEnded) and record.status == "stopped":
                return


@dataclass(frozen=True)
class SweepRow:
    """One value's outcome; figures are NaN for a run that never evaluated."""

    value: Any
    label: str
    status: str  # completed, stopped, diverged, running, or "not run"
    test_accuracy: float
    test_loss: float
    train_accuracy: float
    train_loss: float


@dataclass
class SweepResult:
    """The sweep's runs as they come in: call ``add`` with each pair ``run_sweep`` yields."""

    name: str
    values: list[Any]
    histories: list[History | None] = field(init=False)
    models: list[MLP | None] = field(init=False)

    def __post_init__(self) -> None:
        get_sweepable(self.name)
        self.histories = [None] * len(self.values)
        self.models = [None] * len(self.values)

    def add(self, index: int, record: SweepRunStarted | Record) -> None:
        if isinstance(record, SweepRunStarted):
            self.histories[index], self.models[index] = History(), record.model
        else:
            self.histories[index].add(record)

    @property
    def sweepable(self) -> Sweepable:
        return SWEEPABLE[self.name]

    @property
    def rows(self) -> list[SweepRow]:
        rows = []
        for value, history in zip(self.values, self.histories, strict=True):
            final = history.final if history else None
            if history is None:
                status = "not run"
            else:
                status = history.end.status if history.end else "running"
            figures = (
                (final.test_accuracy, final.test_loss, final.train_accuracy, final.train_loss)
                if final
                else (math.nan,) * 4
            )
            rows.append(SweepRow(value, format_value(self.name, value), status, *figures))
        return rows

    def column(self, name: str) -> np.ndarray:
        """A figure of every row, e.g. ``column("test_accuracy")``."""
        return np.array([getattr(row, name) for row in self.rows], dtype=np.float64)

    @property
    def log_axis(self) -> bool:
        """Whether a plot against the values wants a log axis (all of them positive)."""
        return self.sweepable.log_scale and all(v > 0 for v in self.values)

    def x_positions(self) -> np.ndarray:
        """Where to plot each value: the value itself when numeric, else 0, 1, 2, ..."""
        if self.sweepable.numeric:
            return np.array(self.values, dtype=np.float64)
        return np.arange(len(self.values), dtype=np.float64)
