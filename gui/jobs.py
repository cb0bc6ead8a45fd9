"""The one recipe for background work: a ``Job`` runs a plain function in its own ``QThread``.

``Job(work)`` runs ``work(report)`` in a new thread; ``report(payload)`` (thread-safe) reaches
the GUI thread as the ``progress`` signal; the function's return value (or the exception it
raised, as ``JobFailed``) arrives as ``finished`` once the thread has fully ended, so a new job
can start at once. Training runs, sweeps and the scikit-learn check all use it; this is the only
module that creates a ``QThread``.

The recipe is superqt's ``new_worker_qthread``: the thread is created in the GUI thread, a
worker QObject is moved into it, everything is connected before ``start()``, and the worker's
end quits the thread. Stopping is the work function's business (a flag it checks, such as
``engine.TrainingControl``): a stop sent through a queued slot would wait behind the work and
never run. One departure: no ``deleteLater``. Both objects are created in Python, so Python owns
them; a ``deleteLater`` racing with the last Python reference crashed the process now and then.
The ``Job`` keeps both until the thread has ended, then drops them.

``wait()`` joins the thread and then delivers, synchronously, what it reported and returned:
closing the window mid-run can still record how the run ended.

When a job has ended and ``finished`` has been handled, the memory freed meanwhile is handed back
to the system (``release_freed_memory``):
glibc keeps freed heap pages in the process, so a 2,000-epoch run in the window (every frame
builds arrays as long as the run so far, then frees them) otherwise left about 20 MB of free
pages counted in the app's memory (``bench/bench_memory.py``).
"""

import ctypes
import functools
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

Report = Callable[[Any], None]


def release_freed_memory() -> None:
    """Return the heap's free pages to the system: glibc's ``malloc_trim(0)`` (all arenas, the
    worker threads' too; a few milliseconds). Other C libraries and platforms release freed
    memory by themselves, or do not offer this: then it does nothing."""
    if trim := _malloc_trim():
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # the process's own symbols: its C library's
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


@dataclass(frozen=True)
class JobFailed:
    """What ``finished`` carries when the work function raised."""

    error: str
    details: str


class _Worker(QObject):
    reported = Signal(object)
    returned = Signal(object)

    def __init__(self, work: Callable[[Report], Any]) -> None:
        super().__init__()
        self._work = work

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.reported.emit)
        except Exception as error:  # noqa: BLE001 - the GUI must hear of it, or it waits forever
            result = JobFailed(f"{type(error).__name__}: {error}", traceback.format_exc())
        self.returned.emit(result)
        self.thread().quit()  # ends the thread now, not after the GUI thread handled the result


class Job(QObject):
    """One background job.

    Signals
    -------
    progress(object) : each payload ``work`` reported, in the GUI thread, in order.
    finished(object) : what ``work`` returned, or a ``JobFailed``, once the thread has ended.
    """

    progress = Signal(object)
    finished = Signal(object)
    _live: set["Job"] = set()  # started and not finished: what ``wait_for_all`` waits for

    def __init__(
        self, work: Callable[[Report], Any], name: str = "Job", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._worker: _Worker | None = _Worker(work)
        self._thread: QThread | None = QThread()
        self._thread.setObjectName(name)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.reported.connect(self._on_reported)  # queued: methods of a GUI object
        self._worker.returned.connect(self._on_returned)
        self._thread.finished.connect(self._on_thread_finished)
        self._result: Any = None
        self._done = False

    @property
    def running(self) -> bool:
        """Started and not yet finished."""
        return self._thread is not None and self._thread.isRunning()

    @property
    def done(self) -> bool:
        return self._done

    def start(self) -> None:
        if self._thread is not None:
            Job._live.add(self)
            self._thread.start()

    @classmethod
    def wait_for_all(cls) -> None:
        """Wait for every job still running, delivering what each reported and returned (for
        closing the window: a thread must not outlive it). Ask the stoppable ones to stop first."""
        for job in list(cls._live):
            job.wait()

    def wait(self) -> None:
        """Block until the thread has ended, then deliver what is still queued (``progress``,
        then ``finished``) before returning. Call after asking the work to stop."""
        if self._thread is not None:
            self._thread.wait()
        QCoreApplication.sendPostedEvents(self, 0)

    @Slot(object)
    def _on_reported(self, payload: Any) -> None:
        if not self._done:
            self.progress.emit(payload)

    @Slot(object)
    def _on_returned(self, result: Any) -> None:
        self._result = result

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._done or self._thread is None:
            return
        self._thread.wait()  # it has ended: returns at once
        self._thread = self._worker = None
        self._done = True
        Job._live.discard(self)
        self.finished.emit(self._result)
        release_freed_memory()  # after the slots above: a run's end saves it, which frees much
