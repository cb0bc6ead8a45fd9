"""Weight initialization schemes, registered by name.

Every scheme fills a weight matrix ``(fan_in, fan_out)``; biases always start at zero, as in the
lab.
``scale`` means the half-width of ``uniform``, the standard deviation of ``normal``, and a gain
multiplying the textbook formula for ``glorot`` and ``he``.
"""

from collections.abc import Callable

import numpy as np

DEFAULT_UNIFORM_SCALE = 0.01  # the lab's uniform(-0.01, 0.01)

Initializer = Callable[[np.random.Generator, int, int, float], np.ndarray]


def _zeros(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return np.zeros((fan_in, fan_out))


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return rng.uniform(-scale, scale, size=(fan_in, fan_out))


def _normal(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return rng.normal(0.0, scale, size=(fan_in, fan_out))


def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    limit = scale * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def _he(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return rng.normal(0.0, scale * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


INITIALIZERS: dict[str, Initializer] = {
    "zeros": _zeros,
    "uniform": _uniform,
    "normal": _normal,
    "glorot": _glorot,
    "he": _he,
}

DEFAULT_SCALES: dict[str, float] = {
    "zeros": 0.0,
    "uniform": DEFAULT_UNIFORM_SCALE,
    "normal": DEFAULT_UNIFORM_SCALE,
    "glorot": 1.0,
    "he": 1.0,
}


def get_initializer(name: str) -> Initializer:
    """Look an initializer up by name; an unknown name is refused with the allowed ones."""
    try:
        return INITIALIZERS[name]
    except KeyError:
        allowed = ", ".join(INITIALIZERS)
        raise ValueError(f"unknown init {name!r}; choose one of: {allowed}") from None
