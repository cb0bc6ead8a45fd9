"""Classic mistakes in backpropagation, to switch on one at a time (``MLP.bug = name``) and watch
the gradient check and training catch them.

The readable backward pass (``engine.core.mlp``) has three steps a student writes by hand:

- the output error ``δ_L = (p - y) / n``                 (``output_error``)
- each layer's bias gradient ``∂L/∂b_l = Σ δ_l``         (``bias_gradient``)
- the error sent back ``δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(Z_{l-1})``   (``send_back``)

A ``Bug`` is that backward pass with exactly one of the steps replaced by a classic slip;
``buggy_backward`` runs it. The weight gradient ``A_{l-1}ᵀ δ_l`` is never replaced: its classic
slip (``δᵀ A``) has the wrong shape, so it crashes instead of teaching anything.

Layers are numbered as in ``engine.core.mlp``: 1 is the first hidden layer, ``L`` the output.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.core.activations import Activation
from engine.core.functions import one_hot
from engine.core.mlp import MLP, back_through, weight_gradient

OutputError = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
BiasGradient = Callable[[np.ndarray], np.ndarray]
SendBack = Callable[[np.ndarray, np.ndarray, np.ndarray, Activation], np.ndarray]


# --- the correct steps, as MLP.backward computes them (bit for bit) ------------------------------


def output_error(probabilities: np.ndarray, target: np.ndarray, n: int) -> np.ndarray:
    """``δ_L = (p - y) / n`` from the probabilities and the one-hot target (same shape)."""
    return (probabilities - target) / n


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """``∂L/∂b = Σ δ`` over the samples of a batch ``(n, n_out)``; ``δ`` itself for one sample."""
    return delta.sum(axis=0) if delta.ndim == 2 else delta.copy()


def send_back(
    delta: np.ndarray, W: np.ndarray, A_prev: np.ndarray, activation: Activation
) -> np.ndarray:
    """``δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(Z_{l-1})``, ``f'`` written through ``A_prev = f(Z_{l-1})``."""
    return back_through(delta, W) * activation.derivative_from_output(A_prev)


# --- the slips ---------------------------------------------------------------------------------


def _reversed_output_error(probabilities: np.ndarray, target: np.ndarray, n: int) -> np.ndarray:
    return (target - probabilities) / n  # y - p: exactly the negative of p - y


def _no_bias_gradient(delta: np.ndarray) -> np.ndarray:
    return np.zeros(delta.shape[-1], dtype=delta.dtype)


def _send_back_without_derivative(
    delta: np.ndarray, W: np.ndarray, A_prev: np.ndarray, activation: Activation
) -> np.ndarray:
    return back_through(delta, W)


def _send_back_times_activation(
    delta: np.ndarray, W: np.ndarray, A_prev: np.ndarray, activation: Activation
) -> np.ndarray:
    return back_through(delta, W) * A_prev  # A_prev is f(Z_{l-1}), not f'(Z_{l-1})


def _send_back_untransposed(
    delta: np.ndarray, W: np.ndarray, A_prev: np.ndarray, activation: Activation
) -> np.ndarray:
    # δ W for a square W; for a non-square one the same numbers are read in memory order as an
    # (n_out, n_in) matrix, so the product still runs (and is still wrong) instead of crashing.
    n_in, n_out = W.shape
    untransposed = np.einsum("...j,ji->...i", delta, W.reshape(n_out, n_in))
    return untransposed * activation.derivative_from_output(A_prev)


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bug:
    """One deliberate mistake: the readable backward pass with one step replaced.

    Attributes
    ----------
    name : registry key, the value of ``MLP.bug``.
    label : a few words for a combo box.
    explanation : one paragraph for a student: the mistake, what it does, how to spot it.
    breaks : which layers get wrong gradients, in words.
    broken_arrays : which of each broken layer's arrays are wrong: ``("W", "b")`` or ``("b",)``.
    hidden_only : True when only the hidden layers ``1 .. L-1`` are wrong (the output layer's
        gradient comes before the mistake); False when every layer is.
    output_error, bias_gradient, send_back : the three steps; the correct ones unless replaced.
    """

    name: str
    label: str
    explanation: str
    breaks: str
    broken_arrays: tuple[str, ...] = ("W", "b")
    hidden_only: bool = True
    output_error: OutputError = output_error
    bias_gradient: BiasGradient = bias_gradient
    send_back: SendBack = send_back

    def __repr__(self) -> str:
        return f"Bug({self.name!r})"

    def broken_layers(self, n_layers: int) -> tuple[int, ...]:
        """The layers (input side first) whose gradients the mistake makes wrong in a network
        of ``n_layers`` weight layers; empty when it has nothing to break (a hidden-layer
        mistake in a network without hidden layers)."""
        last = n_layers - 1 if self.hidden_only else n_layers
        return tuple(range(1, last + 1))

    def first_broken_layer(self, n_layers: int) -> int | None:
        """Where backpropagation, which runs from the output back, first goes wrong: the broken
        layer nearest the output (the layers below it inherit its wrong δ). None if none."""
        layers = self.broken_layers(n_layers)
        return layers[-1] if layers else None

    def broken_params(self, n_layers: int) -> tuple[str, ...]:
        """The ``params`` keys whose gradients are wrong, e.g. ``("W1", "b1")``.

        The derivative mistakes change nothing where ``f'`` is 1 (the identity everywhere, a
        relu's active units), so on such networks fewer arrays, or none, may come out wrong."""
        return tuple(
            f"{a}{layer}"
            for layer in self.broken_layers(n_layers)
            for a in ("W", "b")
            if a in self.broken_arrays
        )


BUGS: dict[str, Bug] = {
    bug.name: bug
    for bug in (
        Bug(
            "no_derivative",
            "Forget f′ when sending δ back",
            "Sending the error back through a layer needs the slope of that layer's activation: "
            "δ_{l-1} = (δ_l W_lᵀ) ⊙ f′(z_{l-1}). Here the factor is left out, δ_{l-1} = δ_l W_lᵀ, "
            "as if every hidden unit were linear. The output layer's gradients are still right, "
            "so the gradient check first fails at the last hidden layer, and every layer below "
            "inherits the wrong δ. For sigmoid (f′ ≤ 1/4) the error sent back is 4 or more times "
            "too large and ignores saturation: a unit stuck at 0 or 1 still gets all of it. "
            "Where f′ is 1 the mistake changes nothing: everywhere for the identity, at the "
            "active units of a relu, nearly so for tanh near 0. That is how it hides in code "
            "tested only on linear or barely trained networks.",
            "the hidden layers (W and b), from the last hidden layer down",
            send_back=_send_back_without_derivative,
        ),
        Bug(
            "activation_not_derivative",
            "Use f(z) instead of f′(z)",
            "δ_{l-1} = (δ_l W_lᵀ) ⊙ f(z_{l-1}): the activation where its derivative belongs. An "
            "easy slip, because the derivative is written through the activation's output (for "
            "sigmoid f′ = a(1 − a)) and a = f(z) is right there. For sigmoid f(z) is twice f′(z) "
            "at z = 0 and, where f′ should shut the error off, a unit saturated at 1 passes it "
            "all back. The output layer's gradients are right; the gradient check first fails at "
            "the last hidden layer, and every layer below inherits the wrong δ.",
            "the hidden layers (W and b), from the last hidden layer down",
            send_back=_send_back_times_activation,
        ),
        Bug(
            "no_bias_gradient",
            "Drop the bias gradient",
            "∂L/∂b_l = Σ δ_l (summed over the samples) is forgotten and the bias gradient left at "
            "zero, so the biases never move from their initial zeros. Nothing crashes and the "
            "weight gradients are all right, so the network still learns, with every unit's "
            "threshold pinned at z = 0. On the lab's standardised digits (every pixel centred "
            "on 0) it learns about as well, which is what makes the bug quiet; a problem whose "
            "answer needs a threshold away from 0 cannot be learned at all. The gradient check "
            "catches it at once: it fails on the b arrays of every layer, starting with the "
            "output layer's, and passes on every W.",
            "the biases of every layer, from the output layer down; no weight",
            broken_arrays=("b",),
            hidden_only=False,
            bias_gradient=_no_bias_gradient,
        ),
        Bug(
            "no_transpose",
            "Forget to transpose W",
            "δ_{l-1} = (δ_l W_l) ⊙ f′(z_{l-1}) instead of (δ_l W_lᵀ) ⊙ f′(z_{l-1}): the error "
            "travels back along the wrong connections, from output unit j to input unit i "
            "through W[j, i] instead of W[i, j]. For a square layer, such as the lab's 10 → 10 "
            "output layer, NumPy runs this without complaint; for a non-square one it would "
            "raise a shape error, so here W_l (n_in × n_out) is read in memory order as an "
            "n_out × n_in matrix, which is δ W when the layer is square and still runs when it "
            "is not. The output layer's gradients are right; the gradient check first fails at "
            "the last hidden layer, and every layer below inherits the wrong δ. The lab's "
            "network may still train almost as well: the output layer learns to make the "
            "misrouted error useful (an effect known as feedback alignment), so a falling loss "
            "does not prove a backward pass right.",
            "the hidden layers (W and b), from the last hidden layer down",
            send_back=_send_back_untransposed,
        ),
        Bug(
            "wrong_sign",
            "Wrong sign of δ_out (y − p)",
            "The output error written y − p instead of p − y. Every gradient is then exactly "
            "the negative of the right one, so each gradient-descent step climbs the loss "
            "instead: training makes the network worse, and faster with a larger learning rate. "
            "The gradient check fails on every array, starting with the output layer, with a "
            "relative error of exactly 1 (backprop = −numerical).",
            "every layer (W and b), starting with the output layer",
            hidden_only=False,
            output_error=_reversed_output_error,
        ),
    )
}


def get_bug(name: str) -> Bug:
    """Look a bug up by name; an unknown name is refused with the allowed ones."""
    try:
        return BUGS[name]
    except KeyError:
        allowed = ", ".join(BUGS)
        raise ValueError(f"unknown bug {name!r}; choose one of: {allowed}") from None


def buggy_backward(
    model: MLP,
    bug: str | Bug,
    probabilities: np.ndarray,
    activations: list[np.ndarray],
    pre_activations: list[np.ndarray],
    y: np.ndarray | int,
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """``MLP.backward`` with one mistake: same arguments, same results (gradients keyed as
    ``model.params``, errors ``δ_1 .. δ_L`` input side first), computed with ``bug``'s steps.

    ``bug`` is a name from ``BUGS`` or a ``Bug``; a ``Bug`` that replaces no step gives exactly
    ``MLP.backward``'s numbers. ``pre_activations`` is unused (the derivatives are written
    through the activations), kept so the signature is ``MLP.backward``'s.
    """
    mistake = bug if isinstance(bug, Bug) else get_bug(bug)
    n = len(probabilities) if probabilities.ndim == 2 else 1
    delta = mistake.output_error(probabilities, one_hot(model.output_size, y), n)
    grads: dict[str, np.ndarray] = {}
    deltas = [delta]
    for layer in range(model.n_layers, 0, -1):
        A_prev = activations[layer - 1]
        grads[f"W{layer}"] = weight_gradient(A_prev, delta)
        grads[f"b{layer}"] = mistake.bias_gradient(delta)
        if layer > 1:
            W = model.params[f"W{layer}"]
            delta = mistake.send_back(delta, W, A_prev, model.activation)
            deltas.insert(0, delta)
    return {key: grads[key] for key in model.params}, deltas
