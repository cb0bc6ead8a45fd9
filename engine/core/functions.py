"""The lab's elementary functions: one-hot encoding, softmax, negative log-likelihood, sigmoid.

Conventions: a single sample is a 1-D vector, a batch is ``(n_samples, n_features)``; functions
that accept both return the same rank they were given.
"""

from collections.abc import Sequence

import numpy as np

# Probabilities are clipped to this before the log, so a confident wrong answer costs a large
# but finite loss instead of ``log(0)``.
EPSILON = 1e-15


def one_hot(n_classes: int, y: int | Sequence[int] | np.ndarray) -> np.ndarray:
    """One-hot encode integer labels.

    Parameters
    ----------
    n_classes : number of classes.
    y : an int, or a sequence of ints of length ``n``.

    Returns
    -------
    ``(n_classes,)`` for an int, ``(n, n_classes)`` for a sequence.
    """
    labels = np.asarray(y, dtype=np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return np.eye(n_classes)[labels]


def _as_float(X) -> np.ndarray:
    """``X`` as an array, integers and booleans as float64, floats kept in their precision."""
    X = np.asarray(X)
    return X.astype(np.float64) if X.dtype.kind in "iub" else X


def softmax(X: np.ndarray) -> np.ndarray:
    """Softmax of one logit vector ``(n_classes,)`` or of each row of ``(n_samples, n_classes)``.

    The row maximum is subtracted first, so any finite logits work (no overflow, rows sum to 1).
    """
    X = _as_float(X)
    shifted = X - X.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def log_softmax(X: np.ndarray) -> np.ndarray:
    """``log(softmax(X))`` computed without ever taking ``log(0)``."""
    X = np.asarray(X, dtype=np.float64)
    shifted = X - X.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def nll(Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
    """Mean negative log-likelihood of one-hot targets under predicted probabilities.

    Parameters
    ----------
    Y_true : one-hot targets, ``(n_classes,)`` or ``(n_samples, n_classes)``.
    Y_pred : predicted probabilities of the same shape.

    Returns
    -------
    The average over samples of ``-sum(Y_true * log(Y_pred))``; probabilities are clipped to
    ``EPSILON`` so a zero probability gives a large finite loss, not a warning.
    """
    Y_true = np.atleast_2d(np.asarray(Y_true, dtype=np.float64))
    Y_pred = np.atleast_2d(np.asarray(Y_pred, dtype=np.float64))
    log_likelihood = np.sum(Y_true * np.log(np.clip(Y_pred, EPSILON, 1.0)), axis=1)
    return float(-np.mean(log_likelihood))


def sigmoid(X: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-X))``, stable for any finite input."""
    X = _as_float(X)
    # exp(-|X|) never overflows; the two branches agree mathematically. (This exact formula is
    # also the exported NumPy script's, which predicts bit for bit as the app does. NumPy's
    # vectorised exp makes it faster than SciPy's expit on all but the smallest arrays.)
    e = np.exp(-np.abs(X))
    d = 1.0 + e
    return np.where(X >= 0, 1.0 / d, e / d)


def dsigmoid(X: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid with respect to its input ``X``."""
    s = sigmoid(X)
    return s * (1.0 - s)
