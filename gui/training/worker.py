"""Training off the GUI thread: a worker QObject that iterates the engine's generator in a QThread.

The canonical recipe (superqt's ``new_worker_qthread``): the thread is created in the GUI thread,
the worker is moved into it, everything is connected before ``start()``, the worker's
``finished`` quits the thread; the owner waits for the thread and then drops both (see
``worker_thread`` for why not ``deleteLater``). Pause and stop go
through ``TrainingControl``'s thread-safe flags, called directly from the GUI thread: a queued
slot would wait behind ``run()`` and never execute.

The worker never emits per record: it buffers records and sends a ``ProgressBatch`` at most every
``interval`` seconds, when training pauses, and once more before ``finished`` so that nothing is
lost. Every batch carries a copy of the parameters, so the GUI never reads the training model.
"""

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine import MLP, DigitsSplit, Evaluation, RunConfig, RunEnded, TrainingControl, UpdateLosses
from engine.training.loop import Record, run_training, updates_per_epoch

# Seconds between two batches: at most 20 a second. Drawing a batch holds the GIL that the
# trainer needs (PySide keeps it during C++ painting too), so the GUI stretches the interval
# when its frames get costly (``pace_for_frame_cost``); see bench/bench_window.py.
EMIT_INTERVAL = 0.05
MAX_INTERVAL = 0.25
GUI_SHARE = 0.1  # the fraction of the time the GUI thread may spend drawing during training


def pace_for_frame_cost(seconds: float) -> float:
    """The interval between batches that keeps a frame costing ``seconds`` of the GUI thread's
    time within ``GUI_SHARE``, clamped to [EMIT_INTERVAL, MAX_INTERVAL]."""
    return min(MAX_INTERVAL, max(EMIT_INTERVAL, seconds / GUI_SHARE))


@dataclass(frozen=True)
class ProgressBatch:
    """Records since the previous batch, in order, and the parameters after the last of them."""

    records: list[Record]
    params: dict[str, np.ndarray]
    paused: bool = False
    final: bool = False
    n_updates: int = field(default=0)  # update losses carried by ``records``
    n_evaluations: int = field(default=0)


class _PauseAwareControl(TrainingControl):
    """A ``TrainingControl`` that calls back (in the worker thread) just before the loop blocks
    on a pause, so the records buffered until then reach the screen while it waits."""

    def __init__(self) -> None:
        super().__init__()
        self.on_pause: Callable[[], None] | None = None

    def wait_while_paused(self) -> None:
        if self.on_pause is not None:
            self.on_pause()
        super().wait_while_paused()


def make_control() -> TrainingControl:
    return _PauseAwareControl()


class TrainingWorker(QObject):
    """Trains its own copy of a model; the GUI only sees the batches it emits.

    Signals
    -------
    progress(ProgressBatch) : records and a parameter snapshot, throttled to ``interval``
        (which the GUI thread may change at any time: a float, read once per record).
    finished(RunEnded) : once, after the final batch; also when the engine raised.
    """

    progress = Signal(object)
    finished = Signal(object)

    def __init__(
        self,
        model: MLP,
        data: DigitsSplit,
        config: RunConfig,
        control: TrainingControl | None = None,
        *,
        interval: float = EMIT_INTERVAL,
    ) -> None:
        super().__init__()
        self.model = model.copy()
        self.data = data
        self.config = config
        self.control = control or make_control()
        self.interval = interval
        per_epoch = updates_per_epoch(len(data.y_train), min(config.batch_size, len(data.y_train)))
        self.eval_every = max(1, per_epoch // 10)
        self.total_updates = config.epochs * per_epoch
        self._updates_seen = 0
        self._started = 0.0
        self.sent_batches = 0
        self.sent_updates = 0
        self.sent_evaluations = 0
        self._buffer: list[Record] = []
        self._last_emit = 0.0

    def _flush(self, *, paused: bool = False, final: bool = False) -> None:
        records, self._buffer = self._buffer, []
        n_updates = sum(len(r.losses) for r in records if isinstance(r, UpdateLosses))
        n_evals = sum(isinstance(r, Evaluation) for r in records)
        params = {key: value.copy() for key, value in self.model.params.items()}
        self.sent_batches += 1
        self.sent_updates += n_updates
        self.sent_evaluations += n_evals
        self._last_emit = time.monotonic()
        self.progress.emit(ProgressBatch(records, params, paused, final, n_updates, n_evals))

    def _ends_before_next_frame(self) -> bool:
        """True when, at the pace so far, the run ends (and its final batch is drawn) sooner
        than the next frame would be due: a short run then costs one frame, not two."""
        if self._updates_seen == 0:
            return False
        elapsed = time.monotonic() - self._started
        left = elapsed * (self.total_updates - self._updates_seen) / self._updates_seen
        return left < self.interval

    @Slot()
    def run(self) -> None:
        if isinstance(self.control, _PauseAwareControl):
            self.control.on_pause = lambda: self._flush(paused=True)
        data = self.data
        end = None
        self._last_emit = self._started = time.monotonic()
        try:
            for record in run_training(
                self.model,
                data.X_train,
                data.y_train,
                data.X_test,
                data.y_test,
                config=self.config,
                control=self.control,
                eval_every=self.eval_every,
            ):
                self._buffer.append(record)
                if isinstance(record, UpdateLosses):
                    self._updates_seen += len(record.losses)
                if isinstance(record, RunEnded):
                    end = record
                elif (
                    time.monotonic() - self._last_emit >= self.interval
                    and not self._ends_before_next_frame()
                ):
                    self._flush()
        except Exception as error:  # the GUI must hear of it, or it waits forever
            traceback.print_exc()
            end = RunEnded("failed", f"training failed: {error!r}", 0, 0, 0.0)
            self._buffer.append(end)
        finally:
            if isinstance(self.control, _PauseAwareControl):
                self.control.on_pause = None
        if end is None:
            end = RunEnded("failed", "the trainer ended without saying how", 0, 0, 0.0)
            self._buffer.append(end)
        self._flush(final=True)
        self.finished.emit(end)
        # Also quit from here (QThread.quit is thread-safe): the thread then ends as soon as
        # run() returns, instead of after the GUI thread has drawn the last batch.
        self.thread().quit()


def worker_thread(worker: QObject) -> QThread:
    """A new QThread with ``worker`` moved into it and wired by the recipe; not started yet.

    The worker needs a ``run`` slot and a ``finished`` signal; its ``finished`` quits the thread.
    Connect the worker's and the thread's signals to GUI slots, then call ``start()``.

    One departure from the C++ recipe: no ``deleteLater``. Both objects were created in Python,
    so Python owns them, and a ``deleteLater`` racing with the last Python reference (the thread
    deleting the worker while it finishes, the GUI dropping it at the same time) crashed the
    process now and then. Instead the owner keeps both until the thread's ``finished`` reaches
    the GUI thread, calls ``release_thread``, and only then drops its references.
    """
    thread = QThread()
    thread.setObjectName("TrainingThread")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    return thread


def release_thread(thread: QThread, timeout_ms: int = 2000) -> bool:
    """Make sure ``thread`` has fully ended (after a stop, or once its ``finished`` arrived), so
    that it and its worker can be deleted. Returns False if it was still running after
    ``timeout_ms`` (it is then waited for without limit: deleting a running QThread aborts)."""
    thread.quit()  # thread-safe; takes effect once the worker's run() has returned
    if thread.wait(timeout_ms):
        return True
    thread.wait()
    return False
