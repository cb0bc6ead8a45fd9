"""What the live plots show, kept in growing NumPy buffers (no Qt here).

A run sends tens of thousands of update losses; appending to Python lists and converting them on
every frame would cost more than the drawing. ``GrowingArray`` doubles its capacity when full
(amortised O(1) appends) and hands out views, so ``setData`` gets arrays without copies.

The x coordinate of every series is in epochs. Runs that continue from the current weights
are drawn after the previous ones (``epoch_offset``); a reset clears everything.
"""

import numpy as np

from engine.training.loop import Evaluation, Record, RunEnded, UpdateLosses

MAX_SMOOTHING = 100  # updates in the trailing mean of the smoothed loss curve


class GrowingArray:
    """A 1-D float64 array with amortised O(1) append; ``values`` is a view of the filled part."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"GrowingArray(size={self._size}, capacity={len(self._data)})"

    @property
    def values(self) -> np.ndarray:
        return self._data[: self._size]

    def extend(self, values: np.ndarray | list[float]) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        end = self._size + len(values)
        if end > len(self._data):
            # A new array, never a resize in place: views handed out earlier stay valid.
            grown = np.empty(max(end, 2 * len(self._data)))
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        self._size = end

    def append(self, value: float) -> None:
        self.extend([value])

    def clear(self) -> None:
        self._data = np.empty(len(self._data))  # fresh storage: old views keep their values
        self._size = 0


class RunTrace:
    """Series of the current run(s): update losses (raw and smoothed), evaluations, grad norms."""

    SERIES = (
        "update_x",
        "update_loss",
        "update_smooth",
        "eval_x",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "grad_x",
        "grad_norm",
    )

    def __init__(self) -> None:
        for name in self.SERIES:
            setattr(self, name, GrowingArray())
        self._cumsum = GrowingArray()  # running sum of the raw losses, for the trailing mean
        self.epoch_offset = 0.0
        self.per_epoch = 1
        self.window = 1
        self.run_updates = 0  # updates of the run under way
        self.last_evaluation: Evaluation | None = None
        self.end: RunEnded | None = None
        self.loss_top = 0.0  # the highest smoothed or full-set loss, to scale the loss plot

    @property
    def n_updates(self) -> int:
        return len(self.update_loss)

    @property
    def n_evaluations(self) -> int:
        return len(self.eval_x)

    def clear(self) -> None:
        for name in (*self.SERIES, "_cumsum"):
            getattr(self, name).clear()
        self.epoch_offset = 0.0
        self.run_updates = 0
        self.last_evaluation = None
        self.end = None
        self.loss_top = 0.0

    def begin_run(self, per_epoch: int) -> None:
        """A run starts, continuing after what is already drawn."""
        self.epoch_offset += self.run_updates / self.per_epoch
        self.per_epoch = max(1, per_epoch)
        self.window = int(np.clip(per_epoch // 10, 1, MAX_SMOOTHING))
        self.run_updates = 0
        self.end = None

    def add_records(self, records: list[Record]) -> tuple[bool, bool]:
        """Append records; returns (new update losses, new evaluations)."""
        chunks = [r for r in records if isinstance(r, UpdateLosses) and len(r.losses)]
        if chunks:  # one vectorised append for the whole batch (often ~100 chunks)
            first = np.concatenate([r.first_update + np.arange(len(r.losses)) for r in chunks])
            self._add_losses(first, np.concatenate([r.losses for r in chunks]))
        new_evals = False
        for record in records:
            if isinstance(record, Evaluation):
                self._add_evaluation(record)
                new_evals = True
            elif isinstance(record, RunEnded):
                self.end = record
        return bool(chunks), new_evals

    def _add_losses(self, updates: np.ndarray, losses: np.ndarray) -> None:
        losses = np.asarray(losses, dtype=np.float64)
        self.run_updates = int(updates[-1])
        self.update_x.extend(self.epoch_offset + updates / self.per_epoch)
        start = len(self._cumsum)
        total = self._cumsum.values[-1] if start else 0.0
        self._cumsum.extend(total + np.cumsum(losses))
        sums = self._cumsum.values
        index = np.arange(start, start + len(losses))
        low = index - self.window
        before = np.where(low >= 0, sums[np.maximum(low, 0)], 0.0)
        count = np.minimum(index + 1, self.window)
        smooth = (sums[index] - before) / count
        self.update_smooth.extend(smooth)
        self.update_loss.extend(losses)
        self._raise_top(float(smooth.max()))

    def _raise_top(self, value: float) -> None:
        if np.isfinite(value) and value > self.loss_top:
            self.loss_top = value

    def _add_evaluation(self, e: Evaluation) -> None:
        x = self.epoch_offset + e.epoch_progress
        self.eval_x.append(x)
        self.train_loss.append(e.train_loss)
        self._raise_top(max(e.train_loss, e.test_loss))
        self.test_loss.append(e.test_loss)
        self.train_accuracy.append(100.0 * e.train_accuracy)
        self.test_accuracy.append(100.0 * e.test_accuracy)
        if e.grad_norm is not None:
            self.grad_x.append(x)
            self.grad_norm.append(e.grad_norm)
        self.last_evaluation = e
