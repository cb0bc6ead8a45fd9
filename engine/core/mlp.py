"""A multilayer perceptron with backpropagation written by hand, as in the course lab.

``MLP(64, (), 10)`` is the lab's logistic regression, ``MLP(64, (10,), 10)`` its ``NeuralNet``;
any depth works. Layers are numbered from 1 (the first hidden layer) to ``L`` (the softmax output).
Layer ``l`` computes ``Z_l = A_{l-1} @ W_l + b_l`` with ``W_l`` of shape ``(n_in, n_out)`` and
``A_0 = X``; hidden layers apply the activation, the output layer a softmax. The loss is the mean
negative log-likelihood of integer labels.

Deliberately left out: regularization, dropout and any autodiff; every gradient is explicit.
"""

from collections.abc import Sequence

import numpy as np

from engine.core.activations import get_activation
from engine.core.functions import softmax
from engine.core.initializers import DEFAULT_SCALES, get_initializer

# MLP.metrics works on blocks of rows whose layer outputs together hold at most this many numbers
# (512 KiB in float64): on larger arrays NumPy's temporaries cost more than the extra calls
# (measured: full-set gradient of a 64-128-64-10 net 5.2 ms in one block, 3.2 ms in blocks).
METRICS_BLOCK_ELEMENTS = 1 << 16


def _mean_nll(
    Z: np.ndarray, labels: np.ndarray, with_grad: bool
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Mean NLL of the rows of the 2-D logits ``Z`` (overwritten), the predicted classes, and
    if asked the gradient of the mean NLL with respect to ``Z`` (written into ``Z``).

    One softmax serves both, on the max-shifted logits: the loss is
    ``log(sum(exp(shifted))) - shifted[label]``, stable and finite even where a probability
    underflows to 0. (Row maxima come from ``argmax`` and row sums from a product with ones:
    NumPy's reductions along short rows are several times slower.)
    """
    n, n_classes = Z.shape
    rows = np.arange(n)
    predicted = Z.argmax(axis=1)
    # the row maxima (NaN if a row holds one, as max would give)
    Z -= Z.reshape(-1).take(rows * n_classes + predicted)[:, None]
    picked = Z[rows, labels]
    np.exp(Z, out=Z)
    sums = Z @ np.ones(n_classes, Z.dtype)
    loss = float(np.mean(np.log(sums) - picked))
    if not with_grad:
        return loss, predicted, None
    sums *= n
    Z /= sums[:, None]  # softmax / n
    Z[rows, labels] -= 1.0 / n  # (softmax - onehot) / n: the gradient of the mean loss
    return loss, predicted, Z


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

    def logits(self, X: np.ndarray) -> np.ndarray:
        """Output pre-activations ``Z_L`` for ``(n_samples, n_features)`` or one sample."""
        return self._forward(np.asarray(X))[1]

    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The input of every layer ``[A_0 = X, A_1, ..., A_{L-1}]`` and the logits ``Z_L``
        (a new array, which the caller may overwrite)."""
        A = X
        inputs = [A]
        f = self.activation.function
        *hidden, (W_out, b_out) = self.weights()
        for W, b in hidden:
            Z = A @ W
            Z += b
            A = f(Z)
            inputs.append(A)
        Z = A @ W_out
        Z += b_out
        return inputs, Z

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities: ``(n_classes,)`` for one sample, ``(n, n_classes)`` for a batch."""
        return softmax(self.logits(X))

    predict_proba = forward

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
            Z = A @ W + b
            pre_activations.append(Z)
            if layer < self.n_layers:
                A = f(Z)
                activations.append(A)
        return softmax(pre_activations[-1]), activations, pre_activations

    # --- loss and gradients --------------------------------------------------------------

    def loss(self, X: np.ndarray, y: np.ndarray | int) -> float:
        """Mean negative log-likelihood of integer labels ``y`` (computed from the logits)."""
        labels = np.atleast_1d(np.asarray(y, dtype=np.intp))
        return _mean_nll(np.atleast_2d(self.logits(X)), labels, with_grad=False)[0]

    def loss_and_grad(
        self, X: np.ndarray, y: np.ndarray | int
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Mean NLL over the given samples and its gradient, one entry per ``params`` key."""
        loss, _, grads = self._backprop(X, y, with_grad=True)
        return loss, grads

    def metrics(
        self, X: np.ndarray, y: np.ndarray | int, *, with_grad: bool = False
    ) -> tuple[float, float, dict[str, np.ndarray] | None]:
        """Mean NLL and accuracy from one forward pass; with ``with_grad`` also the gradient of
        the mean NLL (one entry per ``params`` key) from the same pass, else ``None``.

        A large set is processed in blocks of rows whose layer outputs hold at most
        ``METRICS_BLOCK_ELEMENTS`` numbers together (large temporaries cost more than the extra
        calls), the blocks' figures weighted by their sizes."""
        X = np.atleast_2d(X)
        labels = np.atleast_1d(np.asarray(y, dtype=np.intp))
        n = len(labels)
        rows = max(1, METRICS_BLOCK_ELEMENTS // (sum(self.hidden_sizes) + self.output_size))
        if n <= rows:
            loss, predicted, grads = self._backprop(X, labels, with_grad)
            return loss, float(np.mean(predicted == labels)), grads
        loss_sum, correct, grad_sums = 0.0, 0, None
        for start in range(0, n, rows):
            block = slice(start, start + rows)
            k = len(labels[block])
            loss, predicted, grads = self._backprop(X[block], labels[block], with_grad)
            loss_sum += loss * k
            correct += int(np.count_nonzero(predicted == labels[block]))
            if grads is not None:
                if grad_sums is None:
                    grad_sums = {key: g * k for key, g in grads.items()}
                else:
                    for key, g in grads.items():
                        g *= k
                        grad_sums[key] += g
        if grad_sums is not None:
            for g in grad_sums.values():
                g /= n
        return loss_sum / n, correct / n, grad_sums

    def _backprop(
        self, X: np.ndarray, y: np.ndarray | int, with_grad: bool
    ) -> tuple[float, np.ndarray, dict[str, np.ndarray] | None]:
        """Mean NLL, predicted classes and (if asked) the gradient of the mean NLL."""
        labels = np.atleast_1d(np.asarray(y, dtype=np.intp))
        inputs, Z = self._forward(np.atleast_2d(X))
        loss, predicted, dZ = _mean_nll(Z, labels, with_grad)
        if dZ is None:
            return loss, predicted, None
        grads: dict[str, np.ndarray] = {}
        derivative = self.activation.derivative_from_output
        for layer in range(self.n_layers, 0, -1):
            A_prev = inputs[layer - 1]
            grads[f"W{layer}"] = A_prev.T @ dZ
            grads[f"b{layer}"] = dZ.sum(axis=0)
            if layer > 1:
                dA = dZ @ self.params[f"W{layer}"].T
                dA *= derivative(A_prev)
                dZ = dA
        return loss, predicted, {key: grads[key] for key in self.params}

    def grad_loss(self, x: np.ndarray, y: np.ndarray | int) -> dict[str, np.ndarray]:
        """Gradient of the mean NLL over the given sample(s); same keys and shapes as ``params``."""
        return self.loss_and_grad(x, y)[1]

    def grad_input(self, x: np.ndarray, y: int) -> np.ndarray:
        """Gradient of one sample's loss with respect to its input features (a saliency map)."""
        x = np.atleast_2d(x)
        Y, activations, _ = self.forward_keep_activations(x)
        dZ = Y.copy()
        dZ[0, int(y)] -= 1.0
        derivative = self.activation.derivative_from_output
        for layer in range(self.n_layers, 0, -1):
            dA = dZ @ self.params[f"W{layer}"].T
            dZ = dA * derivative(activations[layer - 1]) if layer > 1 else dA
        return dZ[0]

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
