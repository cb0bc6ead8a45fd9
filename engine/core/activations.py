"""Hidden-layer activations, registered by name with their derivatives.

Each derivative is written in terms of the activation's *output* ``A = f(Z)`` (as scikit-learn's
``neural_network._base`` does), so backpropagation needs to keep only the activations.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.core.functions import sigmoid

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation ``f`` and its derivative expressed through the output, ``f'(Z) = d(A)``."""

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative_from_output: Callable[[np.ndarray], np.ndarray]
    description: str

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, lambda A: A * (1.0 - A), "1 / (1 + exp(-z)), in (0, 1)"),
        Activation("tanh", np.tanh, lambda A: 1.0 - A * A, "tanh(z), in (-1, 1)"),
        Activation(
            "relu",
            lambda Z: np.maximum(Z, 0.0),
            lambda A: (A > 0).astype(A.dtype),
            "max(z, 0)",
        ),
        Activation(
            "leaky_relu",
            lambda Z: np.where(Z > 0, Z, LEAKY_SLOPE * Z),
            lambda A: np.where(A > 0, 1.0, LEAKY_SLOPE).astype(A.dtype),
            f"z if z > 0 else {LEAKY_SLOPE} z",
        ),
        Activation("identity", lambda Z: Z, np.ones_like, "z (a linear network)"),
    )
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; an unknown name is refused with the allowed ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        allowed = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of: {allowed}") from None
