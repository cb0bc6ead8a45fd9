"""Looking at a trained model: its worst predictions, confusion matrix, saliency, and a
finite-difference check of its backpropagation."""

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


def numerical_gradient(
    model: MLP, X: np.ndarray, y: np.ndarray, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Central finite differences of the mean loss for every parameter (float64)."""
    grads = {}
    for key, param in model.params.items():
        grad = np.zeros_like(param)
        flat, flat_grad = param.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + eps
            plus = model.loss(X, y)
            flat[i] = saved - eps
            minus = model.loss(X, y)
            flat[i] = saved
            flat_grad[i] = (plus - minus) / (2 * eps)
        grads[key] = grad
    return grads


def gradient_check(model: MLP, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> dict[str, float]:
    """Relative error of backprop against central finite differences, per parameter array.

    For each parameter, ``||a - n|| / (||a|| + ||n||)`` with ``a`` the backprop gradient and ``n``
    the finite-difference one (Frobenius norms). A correct backprop gives about 1e-8 or less; a
    wrong one, 1e-2 or more. Measured over the whole array rather than entry by entry, so
    entries that are almost zero (where a finite difference is only round-off) cannot dominate.
    The model is run in float64 on a float64 copy of ``X``.
    """
    X = np.asarray(X, dtype=np.float64)
    analytic = model.grad_loss(X, y)
    numeric = numerical_gradient(model, X, y, eps)
    errors = {}
    for key in model.params:
        a, n = analytic[key], numeric[key]
        scale = np.linalg.norm(a) + np.linalg.norm(n)
        errors[key] = float(np.linalg.norm(a - n) / scale) if scale > 0 else 0.0
    return errors
