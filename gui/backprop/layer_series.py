"""The per-layer curves the Layers tab draws, from the runs of the current model (no Qt here).

Each run's ``History`` keeps, at every evaluation, one figure per weight layer
(``History.layer_column``: ``grad_norm``, ``update_ratio``, ``saturated``, ``dead``). The runs of
a lineage are laid end to end on one axis in epochs, as ``gui.training.lineage_series`` does
for the loss: each run starts where the one before it stopped.
"""

import numpy as np

from engine import Run

HEALTHY_RATIO = 1e-3  # an update-to-weight ratio near this is the usual rule of thumb


def _epochs_run(run: Run) -> float:
    history = run.history
    return history.n_updates / (history.updates_per_epoch or 1)


def layer_curves(
    runs: list[Run], name: str, *, positive: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One ``(x, values)`` per weight layer, input side first: the figure ``name`` of every
    evaluation of every run, x in epochs. Missing figures (NaN) are left out, and with
    ``positive`` values ≤ 0 as well (a log axis cannot show them)."""
    xs: list[list[np.ndarray]] = []
    ys: list[list[np.ndarray]] = []
    offset = 0.0
    for run in runs:
        history = run.history
        if history is None:
            continue
        table = history.layer_column(name)
        x = offset + history.column("epoch_progress")
        offset += _epochs_run(run)
        for layer in range(table.shape[1]):
            while len(xs) <= layer:
                xs.append([])
                ys.append([])
            values = table[:, layer]
            keep = np.isfinite(values) & ((values > 0) if positive else True)
            xs[layer].append(x[keep])
            ys[layer].append(values[keep])
    return [(np.concatenate(x), np.concatenate(y)) for x, y in zip(xs, ys, strict=True)]


def lineage_end(runs: list[Run]) -> float:
    """How many epochs the runs went, end to end."""
    return sum(_epochs_run(run) for run in runs if run.history is not None)
