"""Looking at a trained model: its worst predictions, confusion matrix and nearest neighbours."""

import numpy as np

from engine.core.functions import log_softmax
from engine.core.mlp import MLP


def per_sample_loss(model: MLP, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Negative log-likelihood of each sample ``(n_samples,)``."""
    Z = np.atleast_2d(model.logits(X))
    labels = np.asarray(y, dtype=np.intp)
    return -log_softmax(Z)[np.arange(len(labels)), labels]


def worst_predictions(
    model: MLP, X: np.ndarray, y: np.ndarray, k: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``k`` samples with the highest loss, highest first, and their losses.

    (The lab's own solution sorts ascending and so shows the *best* predictions.)
    """
    losses = per_sample_loss(model, X, y)
    order = np.argsort(-losses, kind="stable")
    if k is not None:
        order = order[:k]
    return order, losses[order]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as ``j``."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, dtype=np.intp), np.asarray(y_pred, dtype=np.intp)), 1)
    return matrix


def nearest_neighbors(X_reference: np.ndarray, x: np.ndarray, k: int = 3) -> np.ndarray:
    """Indices of the ``k`` rows of ``X_reference`` closest to ``x`` (Euclidean), closest first."""
    distances = np.sum((np.asarray(X_reference, dtype=np.float64) - x) ** 2, axis=1)
    return np.argsort(distances, kind="stable")[:k]
