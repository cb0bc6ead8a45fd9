"""``TrainingControl``: what another thread may ask of a training loop between two updates.

Pause, resume, stop, one single update at a time (``step``), and a speed limit in updates per
second. All methods are thread-safe; the loop (``run_training``) asks ``next_action`` before
every update and blocks in ``wait_while_paused`` or ``pace`` without spinning.
"""

import threading
import time
from collections.abc import Callable

STOP, RUN, STEP, PAUSED = "stop", "run", "step", "paused"


class TrainingControl:
    """Thread-safe flags shared by a training loop and whoever drives it.

    ``clock`` is ``time.monotonic`` unless a test gives another.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._changed = threading.Condition()
        self._stop = False
        self._paused = False
        self._steps = 0  # single updates granted while paused
        self._speed: float | None = None  # at most this many updates per second
        self._next_slot: float | None = None
        self._clock = clock

    # --- from the driver -------------------------------------------------------------------

    def pause(self) -> None:
        with self._changed:
            self._paused, self._next_slot = True, None
            self._changed.notify_all()

    def resume(self) -> None:
        with self._changed:
            self._paused, self._steps, self._next_slot = False, 0, None
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stop = True
            self._changed.notify_all()

    def step(self) -> None:
        """Do exactly one more update, then wait (a running loop pauses after it)."""
        with self._changed:
            self._paused = True
            self._steps += 1
            self._changed.notify_all()

    def set_speed(self, updates_per_second: float | None) -> None:
        """Limit the pace (None: as fast as possible)."""
        with self._changed:
            self._speed = updates_per_second if updates_per_second else None
            self._next_slot = None
            self._changed.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def speed(self) -> float | None:
        return self._speed

    # --- from the loop ---------------------------------------------------------------------

    def next_action(self) -> str:
        """What the loop does next: ``stop``, ``run`` (free running), ``step`` (one granted
        update, consumed by this call) or ``paused`` (wait first)."""
        with self._changed:
            if self._stop:
                return STOP
            if not self._paused:
                return RUN
            if self._steps:
                self._steps -= 1
                return STEP
            return PAUSED

    @property
    def slow(self) -> bool:
        """Updates go one at a time: stepping, or at a limited speed."""
        return self._paused or self._speed is not None

    def wait_while_paused(self) -> None:
        """Block until resumed, stopped or granted a step."""
        with self._changed:
            while self._paused and not self._stop and not self._steps:
                self._changed.wait()

    def pace(self) -> None:
        """After an update at a limited speed: wait for its time slot (a pause, a stop or a
        new speed ends the wait early)."""
        with self._changed:
            speed = self._speed
            if speed is None or self._paused or self._stop:
                return
            now = self._clock()
            slot = (self._next_slot if self._next_slot is not None else now) + 1.0 / speed
            self._next_slot = max(slot, now)  # late: go on at once, but no burst after it
            delay = self._next_slot - now
        if delay > 0:
            self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the flags change meanwhile."""
        with self._changed:
            self._changed.wait(seconds)
