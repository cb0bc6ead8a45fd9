"""Checking backpropagation against central finite differences, as every course on it does.

``gradient_check`` gives one normwise relative error per parameter array; ``check_gradients``
looks entry by entry, says which entry of which array is worst, which arrays fail, and where
backpropagation first goes wrong.
"""

from dataclasses import dataclass

import numpy as np

from engine.core.mlp import MLP

# Entrywise relative errors divide by max(|a| + |n|, RELATIVE_ERROR_FLOOR). A central difference
# carries a round-off of about 1e-16 * (size of the loss and logits) / eps: measured up to
# 2.5e-9 with eps = 1e-6 on networks with logits near 10. Entries of that size are pure noise,
# and two tiny entries would otherwise score an error near 1. Below the floor the error becomes
# the absolute difference over the floor: round-off then scores at most about 2.5e-7 (measured
# on healthy networks of every activation, depths 0-3, one sample and a batch), four times
# under the default tolerance, while the mistakes of ``engine.core.bugs`` score 2.6e-4 or more
# on the same networks, wherever the mistake changes the gradient. A floor of 1e-3 was too
# small: round-off in small entries then scored up to 2.4e-6 and failed healthy networks.
RELATIVE_ERROR_FLOOR = 1e-2
DEFAULT_TOLERANCE = 1e-6


def numerical_gradient(
    model: MLP, X: np.ndarray, y: np.ndarray, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Central finite differences of the mean loss for every parameter (float64).

    Each entry is nudged by ``±eps`` in place and restored, so ``model`` ends as it started."""
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


def _normwise_error(a: np.ndarray, n: np.ndarray) -> float:
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / scale) if scale > 0 else 0.0


def gradient_check(model: MLP, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> dict[str, float]:
    """Relative error of backprop against central finite differences, per parameter array.

    For each parameter, ``||a - n|| / (||a|| + ||n||)`` with ``a`` the backprop gradient and ``n``
    the finite-difference one (Frobenius norms). A correct backprop gives about 1e-8 or less; a
    wrong one, 1e-2 or more. Measured over the whole array rather than entry by entry, so
    entries that are almost zero (where a finite difference is only round-off) cannot dominate.
    The model is run in float64 on a float64 copy of ``X``. An array whose gradient is all as
    small as that round-off (about 1e-9: the first layers of a deep network with the lab's tiny
    initial weights) scores a large error even when backprop is right; ``check_gradients``,
    with its floor, does not.
    """
    X = np.asarray(X, dtype=np.float64)
    analytic = model.grad_loss(X, y)
    numeric = numerical_gradient(model, X, y, eps)
    return {key: _normwise_error(analytic[key], numeric[key]) for key in model.params}


@dataclass(frozen=True)
class ArrayCheck:
    """The check of one parameter array (``W2``, ``b2``, ...).

    Attributes
    ----------
    name, layer : the ``params`` key and its layer (1 = first hidden, ``L`` = output).
    max_relative_error : largest entrywise ``|a - n| / max(|a| + |n|, floor)``.
    worst_index : where it is, an index into the array (``(i, j)`` for W, ``(j,)`` for b).
    backprop, numerical : the two values of the gradient at ``worst_index``.
    normwise_error : ``||a - n|| / (||a|| + ||n||)`` over the array, as ``gradient_check``.
    passed : ``max_relative_error`` below the tolerance.
    """

    name: str
    layer: int
    max_relative_error: float
    worst_index: tuple[int, ...]
    backprop: float
    numerical: float
    normwise_error: float
    passed: bool


@dataclass(frozen=True)
class GradientCheck:
    """An entrywise gradient check of every parameter array, in ``params`` order.

    ``first_failing_layer`` is where backpropagation, which runs from the output back, first goes
    wrong: the failing layer nearest the output (the layers below usually fail too, having
    inherited its error). Layers count from 1 (first hidden layer) to ``L`` (output).
    """

    arrays: tuple[ArrayCheck, ...]
    tolerance: float
    eps: float
    floor: float

    def __getitem__(self, name: str) -> ArrayCheck:
        for array in self.arrays:
            if array.name == name:
                return array
        raise KeyError(name)

    @property
    def passed(self) -> bool:
        return all(array.passed for array in self.arrays)

    @property
    def worst(self) -> ArrayCheck:
        """The array holding the worst entry (its ``worst_index``, ``backprop``, ``numerical``)."""
        return max(self.arrays, key=lambda array: array.max_relative_error)

    @property
    def failing(self) -> tuple[str, ...]:
        """Names of the arrays that fail, in ``params`` order."""
        return tuple(array.name for array in self.arrays if not array.passed)

    @property
    def failing_layers(self) -> tuple[int, ...]:
        """Layers with at least one failing array, input side first."""
        return tuple(sorted({array.layer for array in self.arrays if not array.passed}))

    @property
    def first_failing_layer(self) -> int | None:
        """The failing layer nearest the output, or None when everything passes."""
        layers = self.failing_layers
        return layers[-1] if layers else None


def _float64_copy(model: MLP) -> MLP:
    clone = model.copy()  # keeps the architecture and ``bug``
    clone.params = {key: np.array(value, dtype=np.float64) for key, value in model.params.items()}
    return clone


def _check_array(
    name: str, a: np.ndarray, n: np.ndarray, tolerance: float, floor: float
) -> ArrayCheck:
    errors = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)
    flat = int(np.argmax(errors))
    worst = tuple(int(i) for i in np.unravel_index(flat, a.shape))
    largest = float(errors.reshape(-1)[flat])
    return ArrayCheck(
        name,
        int(name[1:]),
        largest,
        worst,
        float(a[worst]),
        float(n[worst]),
        _normwise_error(a, n),
        bool(largest < tolerance),
    )


def check_gradients(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray | int,
    eps: float = 1e-6,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = RELATIVE_ERROR_FLOOR,
) -> GradientCheck:
    """Compare backprop with central finite differences, entry by entry, on a float64 copy.

    Parameters
    ----------
    model : the network; never changed. Its copy keeps ``bug``, so a deliberate mistake
        (``engine.core.bugs``) is what gets checked.
    X, y : one sample ``(n_features,)`` with an int label, or a batch ``(n, n_features)``
        with labels ``(n,)``; the loss is the mean over the batch.
    eps : the finite-difference step.
    tolerance : an array passes when its largest entrywise relative error is below this.
    floor : the smallest denominator of an entrywise relative error (``RELATIVE_ERROR_FLOOR``).

    Two limits of finite differences. A relu or leaky relu network has a kink at ``z = 0``: if
    a pre-activation lies within about ``eps * |x|`` of 0, the finite difference straddles it
    and disagrees with backprop even when backprop is right; choose inputs and weights that
    keep pre-activations away from 0. And differences below the round-off (about 1e-9, see
    ``RELATIVE_ERROR_FLOOR``) cannot be seen: an array whose whole gradient is that small (the
    first layers of a deep network with the lab's tiny initial weights) passes whatever
    backprop says.
    """
    clone = _float64_copy(model)
    X = np.asarray(X, dtype=np.float64)
    analytic = clone.grad_loss(X, y)
    numeric = numerical_gradient(clone, X, y, eps)
    arrays = tuple(
        _check_array(key, analytic[key], numeric[key], tolerance, floor) for key in clone.params
    )
    return GradientCheck(arrays, tolerance, eps, floor)
