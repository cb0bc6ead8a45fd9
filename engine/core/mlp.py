"""A multilayer perceptron with backpropagation written by hand, as in the course lab.

``MLP(64, (), 10)`` is the lab's logistic regression, ``MLP(64, (10,), 10)`` its ``NeuralNet``;
any depth works. Layers are numbered from 1 (the first hidden layer) to ``L`` (the softmax output).
Layer ``l`` computes ``Z_l = A_{l-1} @ W_l + b_l`` with ``W_l`` of shape ``(n_in, n_out)`` and
``A_0 = X``; hidden layers apply the activation, ``A_l = f(Z_l)``, the output layer a softmax.
The loss is the mean negative log-likelihood of integer labels.

Backpropagation, as the lab writes it (``y`` one-hot, ``n`` samples):

- ``δ_L = (softmax(Z_L) - y) / n``                   the output layer's error
- ``∂L/∂W_l = A_{l-1}ᵀ δ_l``, ``∂L/∂b_l = Σ δ_l``   each layer's gradients
- ``δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(Z_{l-1})``            the error sent one layer back

This is the code that trains the network (``python main.py train --engine readable``, or the
Training menu's *Readable backprop only*); the optimised kernels of ``engine.kernels`` compute
the same numbers faster and are tested against it. Deliberately left out: regularization,
dropout and any autodiff; every gradient is explicit.
"""

from collections.abc import Sequence

import numpy as np

from engine.core.activations import get_activation
from engine.core.functions import log_softmax, one_hot, softmax
from engine.core.initializers import DEFAULT_SCALES, get_initializer


def dense(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One layer's pre-activation ``Z = A @ W + b`` for a sample ``(n_in,)`` or a batch
    ``(n, n_in)``.

    Computed by ``np.einsum`` rather than ``@``: BLAS, behind ``@``, rounds the last few units of a
    layer differently from the others (its SIMD tail), so hidden units that zero initialization
    made identical would drift apart by rounding within a few epochs. einsum treats every unit
    alike, so identical units stay identical to the bit, as the lab's symmetry lesson says.
    """
    return np.einsum("...i,ij->...j", A, W) + b


def weight_gradient(A_prev: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``∂L/∂W = A_prevᵀ δ``: for one sample the outer product, for a batch summed over rows."""
    if A_prev.ndim == 1:
        return np.einsum("i,j->ij", A_prev, delta)
    return np.einsum("ni,nj->ij", A_prev, delta)


def back_through(delta: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``δ Wᵀ``: the error of a layer's outputs sent back to its inputs (einsum, as ``dense``)."""
    return np.einsum("...j,ij->...i", delta, W)


class MLP:
    """Fully connected network: ``hidden_sizes`` hidden layers, then a softmax output.

    Parameters
    ----------
    input_size, output_size : number of features and of classes.
    hidden_sizes : sizes of the hidden layers; ``()`` or ``None`` for none, an int for one.
    activation : a name from ``engine.ACTIVATIONS``.
    init : a name from ``engine.INITIALIZERS``; ``init_scale`` overrides its default scale.
    seed : seeds the initialization, so equal arguments give equal weights.

    Attributes
    ----------
    params : dict of the live parameter arrays ``W1, b1, ..., WL, bL`` (weight before bias,
        by layer). Changing an array in place changes the model.
    bug : None, or the name of a deliberate mistake in the backward pass
        (``engine.core.bugs``) that ``grad_loss`` then makes; never saved in a model file.
    """

    def __init__(
        self,
        input_size: int,
        hidden_sizes: Sequence[int] | int | None,
        output_size: int,
        activation: str = "sigmoid",
        init: str = "uniform",
        init_scale: float | None = None,
        seed: int = 0,
    ) -> None:
        if hidden_sizes is None:
            hidden_sizes = ()
        elif isinstance(hidden_sizes, int | np.integer):
            hidden_sizes = (int(hidden_sizes),)
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        sizes = (int(input_size), *self.hidden_sizes, int(output_size))
        if min(sizes) < 1:
            raise ValueError(f"every layer needs at least one unit, got sizes {sizes}")
        self.input_size, self.output_size = sizes[0], sizes[-1]
        self.activation = get_activation(activation)
        initializer = get_initializer(init)
        self.init = init
        self.init_scale = DEFAULT_SCALES[init] if init_scale is None else float(init_scale)
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.bug: str | None = None
        self.params: dict[str, np.ndarray] = {}
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
            self.params[f"W{layer}"] = initializer(rng, fan_in, fan_out, self.init_scale)
            self.params[f"b{layer}"] = np.zeros(fan_out)

    @property
    def n_layers(self) -> int:
        """Number of weight layers ``L`` (hidden layers plus the output layer)."""
        return len(self.hidden_sizes) + 1

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.input_size, *self.hidden_sizes, self.output_size)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W1, b1), ..., (WL, bL)]``, the live arrays."""
        return [(self.params[f"W{i}"], self.params[f"b{i}"]) for i in range(1, self.n_layers + 1)]

    def __repr__(self) -> str:
        return (
            f"MLP({self.input_size}, {self.hidden_sizes}, {self.output_size}, "
            f"activation={self.activation.name!r}, init={self.init!r})"
        )

    # --- forward -----------------------------------------------------------------------------

    def forward_keep_activations(
        self, X: np.ndarray
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Forward pass keeping what backpropagation needs.

        Returns
        -------
        Y : probabilities, same rank as ``X``.
        activations : ``[A_0 = X, A_1, ..., A_{L-1}]``, the input of every layer.
        pre_activations : ``[Z_1, ..., Z_L]``; with one hidden layer ``Z_1`` is the lab's ``z_h``.
        """
        A = np.asarray(X)
        activations, pre_activations = [A], []
        f = self.activation.function
        for layer, (W, b) in enumerate(self.weights(), 1):
            Z = dense(A, W, b)
            pre_activations.append(Z)
            if layer < self.n_layers:
                A = f(Z)
                activations.append(A)
        return softmax(pre_activations[-1]), activations, pre_activations

    def logits(self, X: np.ndarray) -> np.ndarray:
        """Output pre-activations ``Z_L`` for ``(n_samples, n_features)`` or one sample."""
        return self.forward_keep_activations(X)[2][-1]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities: ``(n_classes,)`` for one sample, ``(n, n_classes)`` for a batch."""
        return self.forward_keep_activations(X)[0]

    predict_proba = forward

    # --- loss and gradients --------------------------------------------------------------

    def loss(self, X: np.ndarray, y: np.ndarray | int) -> float:
        """Mean negative log-likelihood of integer labels ``y``, from the logits (stable: a
        confident wrong answer costs a large finite loss, never ``log(0)``)."""
        return _mean_nll(self.logits(X), y)

    def backward(
        self,
        probabilities: np.ndarray,
        activations: list[np.ndarray],
        pre_activations: list[np.ndarray],
        y: np.ndarray | int,
    ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """Backpropagation from a forward pass (``forward_keep_activations``'s three results).

        Returns the gradients of the mean loss (same keys and shapes as ``params``) and the
        errors ``δ_1 .. δ_L`` (∂L/∂Z of each layer, input side first).
        """
        if self.bug is not None:
            from engine.core.bugs import buggy_backward

            return buggy_backward(self, self.bug, probabilities, activations, pre_activations, y)
        Y = probabilities
        n = len(Y) if Y.ndim == 2 else 1
        delta = (Y - one_hot(self.output_size, y)) / n  # δ_L = (p - y) / n
        grads: dict[str, np.ndarray] = {}
        deltas = [delta]
        for layer in range(self.n_layers, 0, -1):
            A_prev = activations[layer - 1]
            grads[f"W{layer}"] = weight_gradient(A_prev, delta)  # A_{l-1}ᵀ δ_l
            grads[f"b{layer}"] = delta.sum(axis=0) if delta.ndim == 2 else delta.copy()
            if layer > 1:  # δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(Z_{l-1})
                f_prime = self.activation.derivative_from_output(A_prev)
                delta = back_through(delta, self.params[f"W{layer}"]) * f_prime
                deltas.insert(0, delta)
        return {key: grads[key] for key in self.params}, deltas

    def loss_and_grad(
        self, X: np.ndarray, y: np.ndarray | int
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Mean NLL over the given samples and its gradient, one entry per ``params`` key."""
        Y, activations, pre_activations = self.forward_keep_activations(X)
        grads, _ = self.backward(Y, activations, pre_activations, y)
        return _mean_nll(pre_activations[-1], y), grads

    def grad_loss(self, x: np.ndarray, y: np.ndarray | int) -> dict[str, np.ndarray]:
        """Gradient of the mean NLL over the given sample(s); same keys and shapes as ``params``."""
        return self.loss_and_grad(x, y)[1]

    def grad_input(self, x: np.ndarray, y: int) -> np.ndarray:
        """Gradient of one sample's loss with respect to its input features (a saliency map):
        the error sent back through the first layer too, ``δ_1 W_1ᵀ``."""
        Y, activations, pre_activations = self.forward_keep_activations(np.asarray(x))
        delta = Y - one_hot(self.output_size, int(y))
        derivative = self.activation.derivative_from_output
        for layer in range(self.n_layers, 0, -1):
            delta = back_through(delta, self.params[f"W{layer}"])
            if layer > 1:
                delta = delta * derivative(activations[layer - 1])
        return delta

    def train(self, x: np.ndarray, y: np.ndarray | int, learning_rate: float) -> float:
        """One plain SGD step on the given sample(s), as in the lab; returns the loss before it."""
        loss, grads = self.loss_and_grad(x, y)
        for key, grad in grads.items():
            self.params[key] -= learning_rate * grad
        return loss

    # --- evaluation --------------------------------------------------------------------------

    def predict(self, X: np.ndarray) -> np.ndarray | int:
        """Predicted class: an int for one sample, an array for a batch."""
        Z = self.logits(X)
        return int(np.argmax(Z)) if Z.ndim == 1 else np.argmax(Z, axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of samples whose predicted class equals ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # --- copying -----------------------------------------------------------------------------

    def copy(self) -> "MLP":
        """An independent model with the same architecture and a copy of the parameters."""
        clone = MLP.__new__(MLP)
        clone.__dict__.update(self.__dict__)
        clone.params = {key: value.copy() for key, value in self.params.items()}
        return clone

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy ``params`` into the live arrays (shapes must match)."""
        for key, value in params.items():
            if self.params[key].shape != np.shape(value):
                raise ValueError(
                    f"{key}: expected shape {self.params[key].shape}, got {np.shape(value)}"
                )
            self.params[key][...] = value


def _mean_nll(Z: np.ndarray, y: np.ndarray | int) -> float:
    """Mean NLL of integer labels ``y`` under the logits ``Z`` (one row or a batch)."""
    Z = np.atleast_2d(Z)
    labels = np.atleast_1d(np.asarray(y, dtype=np.intp))
    return float(-np.mean(log_softmax(Z)[np.arange(len(labels)), labels]))
