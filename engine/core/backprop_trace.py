"""One backpropagation laid out layer by layer, for a view that walks a student through it.

``trace_backprop(model, X, y)`` runs the model's own forward and backward pass
(``MLP.forward_keep_activations`` and ``MLP.backward``, so a ``model.bug`` shows up here too) and
keeps, for every weight layer ``l`` (1 = first hidden layer, ``L`` = softmax output):

- the forward pass: ``A_{l-1}`` in, ``Z_l = A_{l-1} W_l + b_l``, ``A_l = f(Z_l)``;
- the backward pass: ``δ_l = ∂L/∂Z_l``, ``∂L/∂W_l = A_{l-1}ᵀ δ_l``, ``∂L/∂b_l = Σ δ_l``,
  with ``δ_L = (p - y) / n`` and ``δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(Z_{l-1})``.

One sample (``X`` of shape ``(n_features,)``, an int label) gives 1-D arrays, as the lab's code
does; a batch ``(n, n_features)`` gives arrays with a leading batch axis, and the loss and the
gradients are means over it. Every array of a trace is a read-only copy: the trace never
changes, and never changes the model.
"""

from dataclasses import dataclass

import numpy as np

from engine.core.functions import one_hot
from engine.core.mlp import MLP, _mean_nll

OUTPUT_ACTIVATION = "softmax"


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, copy=True)
    copy.setflags(write=False)
    return copy


@dataclass(frozen=True)
class LayerTrace:
    """Layer ``l``'s part of one forward and backward pass.

    Shapes are for one sample; a batch adds a leading axis of ``n`` to the per-sample arrays
    (``inputs`` to ``delta``). ``n_in`` and ``n_out`` are the layer's input and output sizes.

    Attributes
    ----------
    layer : ``l``, from 1 (first hidden layer) to ``L`` (output layer).
    activation_name : the hidden activation's name (``engine.ACTIVATIONS``), or ``"softmax"``
        for the output layer.
    weights, bias : ``W_l (n_in, n_out)`` and ``b_l (n_out,)`` as they were.
    inputs : ``A_{l-1} (n_in,)``: the previous layer's activations; the (standardised) input
        ``X`` for layer 1.
    pre_activation : ``Z_l = A_{l-1} W_l + b_l``, ``(n_out,)``.
    activation : ``A_l = f(Z_l)``, ``(n_out,)``; the softmax probabilities for the output layer.
    f_prime : ``f'(Z_l)`` ``(n_out,)`` for a hidden layer (what ``δ_l`` was multiplied by on
        its way back); None for the output layer, whose ``δ`` comes straight from the loss.
    delta : ``δ_l = ∂L/∂Z_l`` of the mean loss, ``(n_out,)``.
    grad_W, grad_b : ``∂L/∂W_l = A_{l-1}ᵀ δ_l`` ``(n_in, n_out)`` and ``∂L/∂b_l = Σ δ_l``
        ``(n_out,)`` (summed over the batch; the ``1/n`` of the mean is already in ``δ``).
    """

    layer: int
    activation_name: str
    weights: np.ndarray
    bias: np.ndarray
    inputs: np.ndarray
    pre_activation: np.ndarray
    activation: np.ndarray
    f_prime: np.ndarray | None
    delta: np.ndarray
    grad_W: np.ndarray
    grad_b: np.ndarray

    @property
    def is_output(self) -> bool:
        return self.f_prime is None

    @property
    def n_in(self) -> int:
        return self.weights.shape[0]

    @property
    def n_out(self) -> int:
        return self.weights.shape[1]

    def __repr__(self) -> str:
        return f"LayerTrace(layer={self.layer}, {self.activation_name}, {self.n_in}->{self.n_out})"


@dataclass(frozen=True)
class BackpropTrace:
    """One forward and backward pass of a network on a sample or a batch.

    Attributes
    ----------
    layers : one ``LayerTrace`` per weight layer, input side first.
    loss : the mean negative log-likelihood.
    probabilities : the softmax output ``p``, ``(n_classes,)`` or ``(n, n_classes)``.
    target : the one-hot labels ``y``, same shape.
    labels : the integer label(s) as given: an int for one sample, ``(n,)`` for a batch.
    bug : the model's ``bug`` when traced (None: the correct backpropagation).
    """

    layers: tuple[LayerTrace, ...]
    loss: float
    probabilities: np.ndarray
    target: np.ndarray
    labels: int | np.ndarray
    bug: str | None = None

    @property
    def is_batch(self) -> bool:
        return self.probabilities.ndim == 2

    @property
    def n_samples(self) -> int:
        return len(self.probabilities) if self.is_batch else 1

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameters the pass used, keyed and ordered as ``MLP.params``."""
        return {
            key: value
            for trace in self.layers
            for key, value in ((f"W{trace.layer}", trace.weights), (f"b{trace.layer}", trace.bias))
        }

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """The gradients, keyed and ordered as ``MLP.params`` (what ``MLP.grad_loss`` returns)."""
        return {
            key: value
            for trace in self.layers
            for key, value in ((f"W{trace.layer}", trace.grad_W), (f"b{trace.layer}", trace.grad_b))
        }

    def step(self, learning_rate: float) -> dict[str, np.ndarray]:
        """The parameters one plain SGD step would give, ``θ - learning_rate * ∂L/∂θ``, as new
        arrays keyed as ``MLP.params``; the traced model is left as it was."""
        grads = self.grads
        return {key: value - learning_rate * grads[key] for key, value in self.params.items()}


def _check_labels(X: np.ndarray, y: int | np.ndarray) -> int | np.ndarray:
    if X.ndim == 1:
        if np.ndim(y) != 0:
            raise ValueError(f"one sample takes one int label, got an array of shape {np.shape(y)}")
        return int(y)
    if X.ndim != 2:
        raise ValueError(f"X must be one sample (n_features,) or a batch, got shape {X.shape}")
    labels = np.asarray(y, dtype=np.intp)
    if labels.shape != (len(X),):
        raise ValueError(f"a batch of {len(X)} samples takes {len(X)} labels, got {labels.shape}")
    return labels


def trace_backprop(model: MLP, X: np.ndarray, y: int | np.ndarray) -> BackpropTrace:
    """Run ``model``'s forward and backward pass on ``X`` and keep every intermediate array.

    Parameters
    ----------
    model : the network; not changed. Its ``bug``, if any, is traced.
    X : one standardised sample ``(n_features,)`` or a batch ``(n, n_features)``.
    y : an int label for one sample, ``(n,)`` integer labels for a batch.

    Returns
    -------
    A ``BackpropTrace``; its gradients equal ``model.grad_loss(X, y)`` bit for bit.
    """
    X = np.asarray(X)
    labels = _check_labels(X, y)
    probabilities, activations, pre_activations = model.forward_keep_activations(X)
    grads, deltas = model.backward(probabilities, activations, pre_activations, labels)
    outputs = [*activations[1:], probabilities]  # A_1 .. A_{L-1}, then p
    hidden = model.activation
    layers = []
    for layer in range(1, model.n_layers + 1):
        is_output = layer == model.n_layers
        A = outputs[layer - 1]
        layers.append(
            LayerTrace(
                layer=layer,
                activation_name=OUTPUT_ACTIVATION if is_output else hidden.name,
                weights=_frozen(model.params[f"W{layer}"]),
                bias=_frozen(model.params[f"b{layer}"]),
                inputs=_frozen(activations[layer - 1]),
                pre_activation=_frozen(pre_activations[layer - 1]),
                activation=_frozen(A),
                f_prime=None if is_output else _frozen(hidden.derivative_from_output(A)),
                delta=_frozen(deltas[layer - 1]),
                grad_W=_frozen(grads[f"W{layer}"]),
                grad_b=_frozen(grads[f"b{layer}"]),
            )
        )
    return BackpropTrace(
        layers=tuple(layers),
        loss=_mean_nll(pre_activations[-1], labels),
        probabilities=_frozen(probabilities),
        target=_frozen(one_hot(model.output_size, labels)),
        labels=labels if isinstance(labels, int) else _frozen(labels),
        bug=model.bug,
    )
