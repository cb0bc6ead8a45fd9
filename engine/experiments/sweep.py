"""Sweeps: the same run repeated for a list of values of one hyperparameter.

``SWEEPABLE`` (from ``engine.training.hyperparameters``) names the hyperparameters that can be
swept, how to read a typed value, and how a plot places the values. ``run_sweep`` trains the
runs one after another by driving ``run_training`` and yields ``(index, record)`` pairs; a
``SweepRunStarted`` record opens each run and hands over its fresh model. ``SweepResult``
collects the records, as ``History`` does, into one row per value: final test accuracy and loss.

One ``TrainingControl`` governs the whole sweep: stopping ends the run under way (as
``stopped``) and starts no further run.
"""

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.core.mlp import MLP
from engine.data.augment import training_redraw
from engine.data.digits import N_CLASSES, DigitsSplit
from engine.training.config import RunConfig
from engine.training.control import TrainingControl
from engine.training.history import History
from engine.training.hyperparameters import SWEEPABLE, Hyperparameter
from engine.training.loop import run_training
from engine.training.records import Record, RunEnded

MAX_SWEEP_VALUES = 50


def get_sweepable(name: str) -> Hyperparameter:
    try:
        return SWEEPABLE[name]
    except KeyError:
        raise ValueError(f"cannot sweep {name!r}; choose one of: {', '.join(SWEEPABLE)}") from None


def parse_sweep_values(name: str, text: str) -> list[Any]:
    """Read the typed list of values for hyperparameter ``name``.

    Numbers and names are separated by commas or spaces (``0.001, 0.01, 0.1, 1``); hidden layer
    sizes by semicolons (``10; 64, 32; none``). Raises ``ValueError`` saying what is wrong.
    """
    h = get_sweepable(name)
    if h.kind == "sizes":
        parts = [p.strip() for p in text.split(";") if p.strip()]
    else:
        parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError(
            f"enter the values of the {h.label.lower()}, separated by "
            + ("semicolons, like 10; 64, 32" if h.kind == "sizes" else "commas")
        )
    if len(parts) > MAX_SWEEP_VALUES:
        raise ValueError(f"at most {MAX_SWEEP_VALUES} values, got {len(parts)}")
    values = []
    for part in parts:
        try:
            value = h.parse(part)
        except ValueError as error:
            raise ValueError(f"{h.label.lower()}: {error}") from None
        if value in values:
            raise ValueError(f"{h.label.lower()}: {h.display(value)} is given twice")
        values.append(value)
    return values


def sweep_configs(
    base: RunConfig, name: str, values: Sequence[Any], n_train: int | None = None
) -> list[RunConfig]:
    """``base`` with field ``name`` set to each value; every one validated.

    Raises ``ValueError`` naming each refused value and why.
    """
    h = get_sweepable(name)
    configs, problems = [], []
    for value in values:
        config = h.apply(base, value)
        errors = config.validate(n_train=n_train)
        if errors:
            problems.append(f"{h.display(value)}: {'; '.join(errors.values())}")
        configs.append(config)
    if problems:
        raise ValueError("cannot run " + ", ".join(problems))
    return configs


def sweep_run_name(name: str, value: Any) -> str:
    """A run's name in the runs table, e.g. ``sweep learning rate 0.01``."""
    h = get_sweepable(name)
    return f"sweep {h.label.lower()} {h.display(value)}"


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
    engine: str = "fast",
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
            engine=engine,
            redraw=training_redraw(data.X_train, data.scaler) if config.augment else None,
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
    def sweepable(self) -> Hyperparameter:
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
            rows.append(SweepRow(value, self.sweepable.display(value), status, *figures))
        return rows

    def column(self, name: str) -> np.ndarray:
        """A figure of every row, e.g. ``column("test_accuracy")``."""
        return np.array([getattr(row, name) for row in self.rows], dtype=np.float64)

    @property
    def log_axis(self) -> bool:
        """Whether a plot against the values wants a log axis (all of them positive)."""
        return self.sweepable.sweep_axis == "log" and all(v > 0 for v in self.values)

    @property
    def categorical(self) -> bool:
        """Whether the values are categories (plotted at 0, 1, 2, ... and not joined)."""
        return self.sweepable.sweep_axis == "categories"

    def x_positions(self) -> np.ndarray:
        """Where to plot each value: the value itself when numeric, else 0, 1, 2, ..."""
        if self.categorical:
            return np.arange(len(self.values), dtype=np.float64)
        return np.array(self.values, dtype=np.float64)
