"""Rate-limit a burst of requests (mouse moves, live weight snapshots) to one call per interval.

The first request of a burst runs at once (leading edge), later ones within the interval are
merged into a single trailing call, so the last state is always shown.
"""

from PySide6.QtCore import QObject, QTimer, Signal


class Throttle(QObject):
    """Emit ``triggered`` at most once per ``interval_ms``, never dropping the last request."""

    triggered = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)

    def request(self) -> None:
        """Ask for a call: now if the last one is older than the interval, else at its end."""
        if self._timer.isActive():
            self._pending = True
        else:
            self._fire()

    def fire_now(self) -> None:
        """Call at once (the end of a stroke), replacing any pending call."""
        self._fire()

    def cancel(self) -> None:
        self._pending = False
        self._timer.stop()

    def _fire(self) -> None:
        self._pending = False
        self._timer.start()
        self.triggered.emit()

    def _on_timeout(self) -> None:
        if self._pending:
            self._fire()
