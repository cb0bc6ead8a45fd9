"""Update rules, each keeping its own state (as scikit-learn's ``_stochastic_optimizers``).

The network knows nothing about momentum: an optimizer receives the live parameter arrays and
their gradients and updates the arrays in place with ``update_params(params, grads)``, leaving
the gradients unchanged (momentum and Adam work in preallocated arrays).
"""

import math
from collections.abc import Callable

import numpy as np

OPTIMIZERS = ("sgd", "adam")


class SGD:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``; then ``p <- p + v`` (classical) or
    ``p <- p + momentum * v - lr * g`` (Nesterov, as scikit-learn writes it).
    With ``momentum=0`` this is the lab's plain ``p <- p - lr * g``.
    """

    def __init__(self, learning_rate: float, momentum: float = 0.0, nesterov: bool = False):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities: dict[str, np.ndarray] = {}
        self._scratch: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __repr__(self) -> str:
        return f"SGD(lr={self.learning_rate}, momentum={self.momentum}, nesterov={self.nesterov})"

    def update_params(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        lr, mu = self.learning_rate, self.momentum
        for key, grad in grads.items():
            p = params[key]
            if mu == 0.0:
                p -= lr * grad  # (a work array is no faster on this app's layer sizes)
                continue
            step, tmp = _scratch(self._scratch, key, p)
            np.multiply(grad, lr, out=step)  # lr * g
            v = self.velocities.setdefault(key, np.zeros_like(p))
            v *= mu
            v -= step
            if self.nesterov:  # p += mu * v - lr * g
                np.multiply(v, mu, out=tmp)
                tmp -= step
                p += tmp
            else:
                p += v


class Adam:
    """Adam (Kingma & Ba, 2014) with bias-corrected first and second moment estimates."""

    def __init__(
        self,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self._scratch: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __repr__(self) -> str:
        return f"Adam(lr={self.learning_rate}, beta1={self.beta1}, beta2={self.beta2})"

    def update_params(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for key, grad in grads.items():
            p = params[key]
            m = self.m.setdefault(key, np.zeros_like(p))
            v = self.v.setdefault(key, np.zeros_like(p))
            t1, t2 = _scratch(self._scratch, key, p)
            m *= b1
            np.multiply(grad, 1 - b1, out=t1)
            m += t1  # m = b1 m + (1 - b1) g
            v *= b2
            np.multiply(grad, 1 - b2, out=t1)
            t1 *= grad
            v += t1  # v = b2 v + (1 - b2) g^2
            np.multiply(m, step, out=t1)
            np.sqrt(v, out=t2)
            t2 += self.epsilon
            t1 /= t2
            p -= t1  # p -= step m / (sqrt(v) + eps)


def _scratch(
    buffers: dict[str, tuple[np.ndarray, np.ndarray]], key: str, like: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two work arrays shaped like ``like``, kept per parameter so updates allocate nothing."""
    pair = buffers.get(key)
    if pair is None or pair[0].shape != like.shape or pair[0].dtype != like.dtype:
        pair = buffers[key] = (np.empty_like(like), np.empty_like(like))
    return pair


def make_optimizer(
    name: str, learning_rate: float, momentum: float = 0.0, nesterov: bool = False
) -> SGD | Adam:
    """Build an optimizer by name; an unknown name is refused with the allowed ones."""
    if name == "sgd":
        return SGD(learning_rate, momentum, nesterov)
    if name == "adam":
        return Adam(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")


LossAndGrad = Callable[[np.ndarray, np.ndarray], tuple[float, dict[str, np.ndarray]]]


class BatchStepper:
    """Training steps: one ``optimizer`` update of ``params`` per ``batch_size`` consecutive
    sample indices it is called with (the last batch may be shorter). Returns the batch losses,
    each computed before its update.

    ``loss_and_grad(X_batch, y_batch) -> (loss, grads)`` does the forward and backward pass:
    ``MLP.loss_and_grad`` on the readable path, its fused twin (``engine.kernels.fused``) on the
    fast one.
    """

    def __init__(
        self,
        params: dict[str, np.ndarray],
        loss_and_grad: LossAndGrad,
        X: np.ndarray,
        y: np.ndarray,
        optimizer: SGD | Adam,
        batch_size: int,
    ) -> None:
        self.params, self.loss_and_grad = params, loss_and_grad
        self.X, self.y, self.optimizer, self.batch_size = X, y, optimizer, batch_size

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        bs = self.batch_size
        losses = np.empty(math.ceil(len(indices) / bs))
        for i in range(len(losses)):
            batch = indices[i * bs : (i + 1) * bs]
            losses[i], grads = self.loss_and_grad(self.X[batch], self.y[batch])
            self.optimizer.update_params(self.params, grads)
        return losses
