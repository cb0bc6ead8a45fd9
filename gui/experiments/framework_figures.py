"""The figures of the "Framework check" tab as text: the engine's run beside scikit-learn's.

Plain functions of engine records (no Qt), so the wording lives in one place and is testable.
"""

import math

import numpy as np

from engine import FrameworkCheck, History

ROWS = (
    "Epochs",
    "Train accuracy",
    "Test accuracy",
    "Train loss (full set)",
    "Test loss (full set)",
    "Batch loss, last epoch",
    "Duration",
    "Ended",
)


def _column(
    epochs: int | None, final, batch_loss: float | None, seconds: float | None, status: str | None
) -> list[str]:
    """One side's ``ROWS`` as text; ``final`` is an ``Evaluation`` or a ``FrameworkEpoch``."""

    def loss(value: float | None) -> str:
        return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"

    def pct(name: str) -> str:
        return "—" if final is None else f"{100 * getattr(final, name):.2f} %"

    return [
        "—" if epochs is None else str(epochs),
        pct("train_accuracy"),
        pct("test_accuracy"),
        loss(final.train_loss if final else None),
        loss(final.test_loss if final else None),
        loss(batch_loss),
        "—" if seconds is None else f"{seconds:.2f} s",
        status or "—",
    ]


def figure_columns(
    history: History, engine_curve: np.ndarray, check: FrameworkCheck | None
) -> tuple[list[str], list[str]]:
    """The ``ROWS`` figures of the engine's run and of scikit-learn's, as text."""
    end, last = history.end, check.final if check else None
    engine = _column(
        history.epochs_completed,
        history.final,
        float(engine_curve[-1]) if len(engine_curve) else None,
        end.elapsed if end else None,
        end.status if end else None,
    )
    if check is None:
        return engine, _column(None, None, None, None, None)
    framework = _column(
        len(check.epochs), last, last.loss if last else None, check.elapsed, check.status
    )
    return engine, framework
