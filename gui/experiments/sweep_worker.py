"""A sweep off the GUI thread: a worker QObject iterating ``engine.run_sweep`` in a QThread.

Same recipe as ``TrainingWorker`` (see ``worker_thread`` and ``release_thread``):
the records are buffered and sent in ``SweepBatch``es at most every ``interval`` seconds, and
at once when one of the sweep's runs ends, carrying a copy of that run's final model. The GUI
never sees a model the worker is still training. Stopping goes through the
``TrainingControl``'s flag: the run under way ends as ``stopped`` and no further run starts.
"""

import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from engine import MLP, DigitsSplit, RunConfig, RunEnded, SweepRunStarted, TrainingControl
from engine.experiments.sweep import run_sweep
from gui.training.worker import EMIT_INTERVAL


@dataclass(frozen=True)
class SweepBatch:
    """``(index, record)`` pairs since the previous batch, in order; ``final_models`` holds a
    copy of the model of every run that ended in this batch, by index."""

    records: list[tuple[int, object]]
    final_models: dict[int, MLP] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepEnded:
    """How the whole sweep ended: ``completed``, ``stopped`` or ``failed``."""

    status: str
    reason: str


class SweepWorker(QObject):
    """Trains one fresh network per configuration, one after another.

    Signals
    -------
    progress(SweepBatch) : records, throttled to ``interval``; a batch ends with each run's end.
    finished(SweepEnded) : once, after the last batch; also when the engine raised.
    """

    progress = Signal(object)
    finished = Signal(object)

    def __init__(
        self,
        data: DigitsSplit,
        configs: list[RunConfig],
        control: TrainingControl | None = None,
        *,
        interval: float = EMIT_INTERVAL,
    ) -> None:
        super().__init__()
        self.data = data
        self.configs = list(configs)
        self.control = control or TrainingControl()
        self.interval = interval
        self.sent_batches = 0
        self._buffer: list[tuple[int, object]] = []
        self._models: dict[int, MLP] = {}
        self._last_emit = 0.0

    def _flush(self) -> None:
        if not self._buffer:
            return
        records, self._buffer = self._buffer, []
        models, self._models = self._models, {}
        self.sent_batches += 1
        self._last_emit = time.monotonic()
        self.progress.emit(SweepBatch(records, models))

    @Slot()
    def run(self) -> None:
        model: MLP | None = None
        self._last_emit = time.monotonic()
        try:
            for index, record in run_sweep(self.data, self.configs, self.control):
                if isinstance(record, SweepRunStarted):
                    model = record.model  # trained in place here: the GUI gets a copy
                    record = SweepRunStarted(record.config, model.copy())
                self._buffer.append((index, record))
                if isinstance(record, RunEnded):
                    self._models[index] = model.copy()
                    self._flush()
                elif time.monotonic() - self._last_emit >= self.interval:
                    self._flush()
            if self.control.stop_requested:
                end = SweepEnded("stopped", "stopped by the user")
            else:
                end = SweepEnded("completed", f"all {len(self.configs)} runs done")
        except Exception as error:  # the GUI must hear of it, or it waits forever
            traceback.print_exc()
            end = SweepEnded("failed", f"the sweep failed: {error!r}")
        self._flush()
        self.finished.emit(end)
        self.thread().quit()  # as TrainingWorker: end the thread as soon as run() returns
