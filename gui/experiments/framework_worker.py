"""scikit-learn's run off the GUI thread: ``check_against_sklearn`` in a worker QObject.

The same recipe as ``TrainingWorker`` (``worker_thread``, then ``release_thread`` once
the thread's ``finished`` reached the GUI thread). The engine trains one epoch per ``partial_fit``
and checks the ``TrainingControl`` between epochs, so a stop takes effect within one epoch.
"""

import traceback

from PySide6.QtCore import QObject, Signal, Slot

from engine import (
    DigitsSplit,
    FrameworkCheck,
    FrameworkEpoch,
    RunConfig,
    TrainingControl,
    check_against_sklearn,
)


class FrameworkWorker(QObject):
    """Trains scikit-learn's ``MLPClassifier`` like ``config``.

    Signals
    -------
    epoch_done(FrameworkEpoch) : after every epoch (there are few: one signal each).
    finished(FrameworkCheck) : once, at the end; ``status`` is completed, stopped, diverged or
        failed (an exception, whose text is in ``reason``).
    """

    epoch_done = Signal(object)
    finished = Signal(object)

    def __init__(self, config: RunConfig, data: DigitsSplit) -> None:
        super().__init__()
        self.config = config
        self.data = data
        self.control = TrainingControl()

    def stop(self) -> None:
        """Thread-safe: end after the epoch under way."""
        self.control.stop()

    def _on_epoch(self, epoch: FrameworkEpoch) -> None:  # in the worker thread
        self.epoch_done.emit(epoch)

    @Slot()
    def run(self) -> None:
        try:
            check = check_against_sklearn(self.config, self.data, self.control, self._on_epoch)
        except Exception as error:  # the GUI must hear of it, or it waits forever
            traceback.print_exc()
            check = FrameworkCheck(params={}, notes=[], status="failed", reason=str(error))
        self.finished.emit(check)
        self.thread().quit()
