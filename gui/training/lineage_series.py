"""The arrays the Training plots draw, from the runs of the current model (no Qt here).

The runs of a lineage are drawn one after another on an axis in epochs. The per-update losses
become a ``LossBand``: bins of consecutive updates (at least a tenth of an epoch, more for long
runs, never more than ``MAX_BINS`` per run), each with its minimum, maximum and mean. The band
(min to max) shows how noisy single updates are, the means are the smoothed curve; drawing costs
the same for 100 updates as for 3 million. A band is kept per run and grows with it.
"""

import math
from dataclasses import dataclass

import numpy as np

from engine import History, Run

MAX_BINS = 1000  # per run; merged in pairs beyond twice that


class LossBand:
    """Min, max and mean of the per-update losses of one run, in bins of ``size`` updates."""

    def __init__(self, min_size: int = 1) -> None:
        self.size = max(1, int(min_size))
        self._lo, self._hi, self._mean = [], [], []  # complete bins, as Python float lists
        self._done = 0  # updates in complete bins

    def update(self, losses: np.ndarray) -> None:
        """Take in the run's losses so far (the whole array; only what is new is read)."""
        n = len(losses)
        while n // self.size > 2 * MAX_BINS:
            self._coarsen()
        complete = (n - self._done) // self.size
        if complete:
            block = np.asarray(losses[self._done : self._done + complete * self.size], np.float64)
            block = block.reshape(complete, self.size)
            self._lo.extend(block.min(axis=1).tolist())
            self._hi.extend(block.max(axis=1).tolist())
            self._mean.extend(block.mean(axis=1).tolist())
            self._done += complete * self.size

    def _coarsen(self) -> None:
        """Bins twice as wide: merge them in pairs (an odd last one is read again later)."""
        if len(self._lo) % 2:
            for values in (self._lo, self._hi, self._mean):
                values.pop()
            self._done -= self.size
        lo, hi, mean = (np.array(v).reshape(-1, 2) for v in (self._lo, self._hi, self._mean))
        self._lo, self._hi = lo.min(axis=1).tolist(), hi.max(axis=1).tolist()
        self._mean = mean.mean(axis=1).tolist()
        self.size *= 2

    def arrays(self, losses: np.ndarray) -> tuple[np.ndarray, ...]:
        """Bin centres (in updates, from 0), minima, maxima and means, the last partial bin of
        ``losses`` (the same array given to ``update``) included."""
        lo, hi, mean = (np.array(v) for v in (self._lo, self._hi, self._mean))
        centres = (np.arange(len(lo)) + 0.5) * self.size
        rest = np.asarray(losses[self._done :], np.float64)
        if len(rest):
            centres = np.append(centres, self._done + len(rest) / 2)
            lo, hi = np.append(lo, rest.min()), np.append(hi, rest.max())
            mean = np.append(mean, rest.mean())
        return centres, lo, hi, mean


@dataclass
class LineageSeries:
    """Everything the Training plots show of the current model's runs; x in epochs."""

    eval_x: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray  # percent
    test_accuracy: np.ndarray
    my_digits_accuracy: np.ndarray  # percent; NaN where there were no drawings
    grad_x: np.ndarray
    grad_norm: np.ndarray
    band_x: np.ndarray
    band_lo: np.ndarray
    band_hi: np.ndarray
    band_mean: np.ndarray
    diverged_at: float | None  # where a run diverged, or None
    x_end: float  # how far the runs went
    initial_loss: float


def _epochs_run(history: History) -> float:
    per_epoch = history.updates_per_epoch or 1
    return history.n_updates / per_epoch


class LineageBands:
    """The loss bands of the runs drawn, by run id (a run's band grows as it trains)."""

    def __init__(self) -> None:
        self._bands: dict[str, LossBand] = {}

    def band(self, run: Run) -> LossBand:
        band = self._bands.get(run.id)
        if band is None:
            per_epoch = run.history.updates_per_epoch or 1
            band = self._bands[run.id] = LossBand(per_epoch // 10)
        band.update(run.history.update_losses)
        return band

    def clear(self) -> None:
        """Forget every run's band (a new network: its runs are gone)."""
        self._bands = {}


def lineage_series(runs: list[Run], bands: LineageBands) -> LineageSeries:
    """The runs' histories end to end: each run starts where the one before it stopped."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in LineageSeries.__dataclass_fields__}
    offset, diverged_at, initial = 0.0, None, math.nan
    for run in runs:
        history = run.history
        if history is None:
            continue
        per_epoch = history.updates_per_epoch or 1
        x = offset + history.column("epoch_progress")
        parts["eval_x"].append(x)
        for name in ("train_loss", "test_loss"):
            parts[name].append(history.column(name))
        for name in ("train_accuracy", "test_accuracy", "my_digits_accuracy"):
            parts[name].append(100.0 * history.column(name))
        grads = history.column("grad_norm")
        keep = np.isfinite(grads) & (grads > 0)  # a log axis cannot show 0
        parts["grad_x"].append(x[keep])
        parts["grad_norm"].append(grads[keep])
        centres, lo, hi, mean = bands.band(run).arrays(history.update_losses)
        parts["band_x"].append(offset + centres / per_epoch)
        parts["band_lo"].append(lo)
        parts["band_hi"].append(hi)
        parts["band_mean"].append(mean)
        if math.isnan(initial) and history.n_evaluations:
            initial = float(history.column("train_loss")[0])
        if history.end is not None and history.end.status == "diverged":
            diverged_at = offset + history.end.updates / per_epoch
        offset += _epochs_run(history)
    arrays = {
        name: np.concatenate(values) if values else np.empty(0)
        for name, values in parts.items()
        if name not in ("diverged_at", "x_end", "initial_loss")
    }
    return LineageSeries(**arrays, diverged_at=diverged_at, x_end=offset, initial_loss=initial)


def loss_top(series: LineageSeries, diverged: bool) -> float:
    """The top of the loss axis: a little above the smoothed and full-set losses, and for a
    diverged run no more than 3 times its initial loss (the explosion goes off the top)."""
    values = np.concatenate([series.band_mean, series.train_loss, series.test_loss])
    values = values[np.isfinite(values)]
    if not len(values):
        return 2.5
    top = 1.1 * float(values.max())
    if diverged and math.isfinite(series.initial_loss):
        top = min(top, 3.0 * series.initial_loss)
    return max(top, 1e-3)


def accuracy_range(values: list[np.ndarray]) -> tuple[float, list[float]]:
    """The bottom of the accuracy axis (the data's lowest, a little below, on a round number)
    and tick positions that include 100."""
    data = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.empty(0)
    low = float(data.min()) if len(data) else 0.0
    span = 100.0 - low
    step = next((s for s in (1, 2, 5, 10, 20) if span / s <= 6), 20)
    bottom = max(0.0, math.floor((low - 0.5 * step) / step) * step)
    ticks = list(np.arange(100.0, bottom - 1e-9, -step))[::-1]
    return bottom, ticks
