"""What a training run does in its background thread: iterate ``engine.run_training`` on a copy of
the model and report batches of records, throttled.

The work never reports per record: it buffers records and reports a ``ProgressBatch`` at most
every ``pacing.interval`` seconds, at once when the loop waits (a pause, after a single step),
and once more at the end, so that nothing is lost. Every batch carries a copy of the parameters,
so the GUI never reads the model being trained.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from engine import (
    MLP,
    DigitsSplit,
    Paused,
    RunConfig,
    RunEnded,
    Standardizer,
    TrainingControl,
    UpdateLosses,
    run_training,
)
from engine.data.augment import training_redraw
from engine.training.records import Record
from gui.jobs import Report

# Seconds between two batches: at most 20 a second. Drawing a batch holds the GIL that the
# trainer needs (PySide keeps it during C++ painting too), so the controller stretches the
# interval when its frames get costly (``pace_for_frame_cost``); see bench/bench_window.py.
EMIT_INTERVAL = 0.05
MAX_INTERVAL = 0.25
GUI_SHARE = 0.1  # the fraction of the time the GUI thread may spend drawing during training


def pace_for_frame_cost(seconds: float) -> float:
    """The interval between batches that keeps a frame costing ``seconds`` of the GUI thread's
    time within ``GUI_SHARE``, clamped to [EMIT_INTERVAL, MAX_INTERVAL]."""
    return min(MAX_INTERVAL, max(EMIT_INTERVAL, seconds / GUI_SHARE))


@dataclass
class Pacing:
    """The interval between two batches; the GUI thread may change it at any time (a float,
    read once per record)."""

    interval: float = EMIT_INTERVAL


@dataclass(frozen=True)
class TrainingSet:
    """What a run trains on and is measured against besides the test set: the training
    samples (the lab's, and the user's drawings when they train too), the user's drawings as an
    extra evaluation, and the scaler that standardised them all (to re-draw each epoch's
    samples, ``engine.data.augment.training_redraw``)."""

    X: np.ndarray
    y: np.ndarray
    scaler: Standardizer
    X_mine: np.ndarray | None = None
    y_mine: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        data: DigitsSplit,
        my_digits: np.ndarray | None = None,
        my_labels: np.ndarray | None = None,
        train_on_them: bool = False,
    ) -> "TrainingSet":
        if my_digits is None or not len(my_digits):
            return cls(data.X_train, data.y_train, data.scaler)
        mine_raw = np.asarray(my_digits, dtype=np.float64).reshape(-1, 64)
        X_mine, y_mine = data.scaler.transform(mine_raw), np.asarray(my_labels, dtype=np.intp)
        if not train_on_them:
            return cls(data.X_train, data.y_train, data.scaler, X_mine, y_mine)
        X = np.concatenate([data.X_train, X_mine])
        y = np.concatenate([data.y_train, y_mine.astype(data.y_train.dtype)])
        return cls(X, y, data.scaler, X_mine, y_mine)


@dataclass(frozen=True)
class ProgressBatch:
    """Records since the previous batch, in order, and the parameters after the last of them.
    ``paused`` is the ``Paused`` record when the loop now waits (its last record), else None."""

    records: list[Record]
    params: dict[str, np.ndarray]
    paused: Paused | None = None
    n_updates: int = field(default=0)


class TrainingWork:
    """The work function of a training ``Job``: ``TrainingWork(...)(report)`` returns the
    ``RunEnded`` record."""

    def __init__(
        self,
        model: MLP,
        data: DigitsSplit,
        config: RunConfig,
        control: TrainingControl,
        *,
        engine: str,
        eval_every: int,
        pacing: Pacing,
        training: TrainingSet | None = None,
    ) -> None:
        self.model = model.copy()  # trained here; the GUI gets snapshots
        self.data, self.config, self.control = data, config, control
        self.training = training or TrainingSet.of(data)
        self.engine, self.eval_every, self.pacing = engine, eval_every, pacing
        self.total_updates = 0
        self._updates_seen = 0
        self._started = self._last_report = 0.0

    def _each_update_shown(self) -> bool:
        """Slow enough for one batch per update: a step, or at most one update a frame."""
        speed = self.control.speed
        return self.control.paused or (speed is not None and speed <= 1.0 / EMIT_INTERVAL)

    def _ends_before_next_frame(self) -> bool:
        """True when, at the pace so far, the run ends (and its final batch is drawn) sooner
        than the next frame would be due: a short run then costs one frame, not two."""
        if self._updates_seen == 0 or self.control.slow:
            return False
        elapsed = time.monotonic() - self._started
        left = elapsed * (self.total_updates - self._updates_seen) / self._updates_seen
        return left < self.pacing.interval

    def __call__(self, report: Report) -> RunEnded:
        data, buffer = self.data, []
        end: RunEnded | None = None
        self._last_report = self._started = time.monotonic()

        def flush(paused: Paused | None = None) -> None:
            nonlocal buffer
            records, buffer = buffer, []
            params = {key: value.copy() for key, value in self.model.params.items()}
            updates = sum(len(r.losses) for r in records if isinstance(r, UpdateLosses))
            self._last_report = time.monotonic()
            report(ProgressBatch(records, params, paused, updates))

        training = self.training
        for record in run_training(
            self.model, training.X, training.y, data.X_test, data.y_test,
            config=self.config, control=self.control, eval_every=self.eval_every,
            engine=self.engine, X_mine=training.X_mine, y_mine=training.y_mine,
            redraw=training_redraw(training.X, training.scaler) if self.config.augment else None,
        ):  # fmt: skip
            buffer.append(record)
            if isinstance(record, UpdateLosses):
                self._updates_seen += len(record.losses)
                if record.indices is not None and self._each_update_shown():
                    flush()  # a slow single update is a batch of its own: the Backprop tab shows it
                    continue
            elif isinstance(record, Paused):
                flush(record)  # the screen shows where the loop waits
                continue
            elif isinstance(record, RunEnded):
                end = record
                continue
            elif hasattr(record, "total_updates"):  # RunStarted
                self.total_updates = record.total_updates
            if (
                time.monotonic() - self._last_report >= self.pacing.interval
                and not self._ends_before_next_frame()
            ):
                flush()
        flush()
        return end
