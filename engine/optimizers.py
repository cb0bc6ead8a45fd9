"""Update rules, each keeping its own state (as scikit-learn's ``_stochastic_optimizers``).

The network knows nothing about momentum: an optimizer receives the live parameter arrays and
their gradients and updates the arrays in place with ``update_params(params, grads)``.
"""

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

    def __repr__(self) -> str:
        return f"SGD(lr={self.learning_rate}, momentum={self.momentum}, nesterov={self.nesterov})"

    def update_params(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        lr, mu = self.learning_rate, self.momentum
        for key, grad in grads.items():
            if mu == 0.0:
                params[key] -= lr * grad
                continue
            v = self.velocities.setdefault(key, np.zeros_like(params[key]))
            v *= mu
            v -= lr * grad
            params[key] += mu * v - lr * grad if self.nesterov else v


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

    def __repr__(self) -> str:
        return f"Adam(lr={self.learning_rate}, beta1={self.beta1}, beta2={self.beta2})"

    def update_params(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for key, grad in grads.items():
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            params[key] -= step * m / (np.sqrt(v) + self.epsilon)


def make_optimizer(
    name: str, learning_rate: float, momentum: float = 0.0, nesterov: bool = False
) -> SGD | Adam:
    """Build an optimizer by name; an unknown name is refused with the allowed ones."""
    if name == "sgd":
        return SGD(learning_rate, momentum, nesterov)
    if name == "adam":
        return Adam(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
