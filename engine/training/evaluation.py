"""The figures of an evaluation: loss and accuracy on the full training and test sets, the norm of
the full-set average gradient, and each layer's health (``LayerHealth``).

With ``readable=True`` everything is computed by ``MLP``'s own code; otherwise the fused kernel
(``engine.kernels.fused``) computes the same numbers faster.
"""

import math
from dataclasses import dataclass

import numpy as np

from engine.core.mlp import MLP, _mean_nll
from engine.kernels import fused
from engine.training.records import LayerHealth

SATURATION_MARGIN = 0.01  # within 1 % of an activation's range from its bounds
BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # activations that saturate
DYING = ("relu", "leaky_relu")  # activations whose units can die


@dataclass(frozen=True)
class SetFigures:
    """An evaluation's figures (test figures NaN without a test set)."""

    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    grad_norm: float
    layers: tuple[LayerHealth, ...]
    my_digits_loss: float = math.nan
    my_digits_accuracy: float = math.nan


def unit_statistics(activation: str, A: np.ndarray) -> tuple[float | None, float | None]:
    """The saturated fraction of a hidden layer's outputs ``A`` ``(n_samples, n_units)``, and the
    fraction of its units that are dead; None where the activation has no such notion."""
    saturated = dead = None
    if activation in BOUNDS:
        low, high = BOUNDS[activation]
        margin = SATURATION_MARGIN * (high - low)
        saturated = float(np.mean((low + margin >= A) | (high - margin <= A)))
    if activation in DYING:
        dead = float(np.mean(np.all(A <= 0, axis=0)))  # relu 0, leaky relu negative: z <= 0
    return saturated, dead


def layer_health(
    model: MLP,
    grads: dict[str, np.ndarray],
    hidden_outputs: list[np.ndarray],
    last_update: dict[str, np.ndarray] | None,
) -> tuple[LayerHealth, ...]:
    """Each weight layer's health, input side first.

    ``grads`` is the full-set average gradient, ``hidden_outputs`` the outputs ``A_1 ..
    A_{L-1}`` of the hidden layers on the training set, ``last_update`` the change ``ΔW`` of
    every parameter in the last update (None before any)."""
    health = []
    for layer in range(1, model.n_layers + 1):
        gW, gb = grads[f"W{layer}"], grads[f"b{layer}"]
        grad_norm = math.sqrt(float(np.vdot(gW, gW)) + float(np.vdot(gb, gb)))
        ratio = None
        if last_update is not None:
            W = model.params[f"W{layer}"]
            size = float(np.linalg.norm(W))
            step = float(np.linalg.norm(last_update[f"W{layer}"]))
            ratio = step / size if size > 0 else (math.inf if step > 0 else 0.0)
        saturated = dead = None
        if layer < model.n_layers:
            saturated, dead = unit_statistics(model.activation.name, hidden_outputs[layer - 1])
        health.append(LayerHealth(grad_norm, ratio, saturated, dead))
    return tuple(health)


def evaluate(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    *,
    readable: bool = False,
    last_update: dict[str, np.ndarray] | None = None,
    X_mine: np.ndarray | None = None,
    y_mine: np.ndarray | None = None,
) -> SetFigures:
    """Evaluate ``model`` on the training set (with its average gradient and the layers' health)
    and on the test set. ``readable`` computes with ``MLP``'s own code, else with the fused
    kernel. ``X_mine``, ``y_mine``: the user's own drawings, evaluated too when given."""
    labels = np.asarray(y, dtype=np.intp)
    if readable:
        Y, activations, pre_activations = model.forward_keep_activations(X)
        train_loss = _mean_nll(pre_activations[-1], labels)
        train_accuracy = float(np.mean(np.argmax(Y, axis=1) == labels))
        grads, _ = model.backward(Y, activations, pre_activations, labels)
        hidden = activations[1:]
    else:
        train_loss, train_accuracy, grads, hidden = fused.metrics(
            model, X, labels, with_grad=True, with_hidden=True
        )
    grad_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    layers = layer_health(model, grads, hidden, last_update)
    if X_test is None or y_test is None or len(y_test) == 0:
        test_loss = test_accuracy = math.nan
    elif readable:
        test_loss = model.loss(X_test, y_test)
        test_accuracy = model.accuracy(X_test, y_test)
    else:
        test_loss, test_accuracy, *_ = fused.metrics(model, X_test, y_test)
    mine_loss = mine_accuracy = math.nan
    if X_mine is not None and y_mine is not None and len(y_mine):
        if readable:
            mine_loss, mine_accuracy = model.loss(X_mine, y_mine), model.accuracy(X_mine, y_mine)
        else:
            mine_loss, mine_accuracy, *_ = fused.metrics(model, X_mine, y_mine)
    return SetFigures(
        train_loss, train_accuracy, test_loss, test_accuracy, grad_norm, layers,
        mine_loss, mine_accuracy,
    )  # fmt: skip


def activation_histograms(
    model: MLP, X: np.ndarray, bins: int = 30
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Histograms of each hidden layer's outputs over the samples ``X`` ``(n, n_features)``.

    Returns one ``(edges, counts)`` per hidden layer, input side first (none without hidden
    layers): ``edges`` ``(bins + 1,)`` and ``counts`` ``(bins,)`` as ``np.histogram`` gives them,
    counting every output of every unit on every sample. Sigmoid and tanh use their fixed
    ranges, (0, 1) and (-1, 1), so histograms stay comparable from one evaluation to the next and
    saturation piles up in the end bins; other activations span the outputs' own range.
    Non-finite outputs (a diverged network) are left out.
    """
    _, activations, _ = model.forward_keep_activations(np.atleast_2d(X))
    histograms = []
    for A in activations[1:]:
        values = A[np.isfinite(A)]
        if model.activation.name in BOUNDS:
            value_range = BOUNDS[model.activation.name]
        elif values.size:
            value_range = (float(values.min()), float(values.max()))
        else:
            value_range = (0.0, 1.0)
        counts, edges = np.histogram(values, bins=bins, range=value_range)
        histograms.append((edges, counts))
    return histograms
