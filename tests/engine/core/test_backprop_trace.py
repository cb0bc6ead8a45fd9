"""The backprop trace: the lab's formulas by hand, finite differences, shapes, step()."""

import dataclasses

import numpy as np
import pytest

from engine import ACTIVATIONS, MLP, numerical_gradient
from engine.core.activations import LEAKY_SLOPE
from engine.core.backprop_trace import trace_backprop

DEPTHS = [(), (7,), (6, 5), (6, 5, 4)]
KINKED = ("relu", "leaky_relu")

# The activations and their derivatives written again in terms of z, independently of
# engine.core.activations (which writes the derivatives through a = f(z)).
FUNCTIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    "identity": lambda z: z,
}
DERIVATIVES = {
    "sigmoid": lambda z: FUNCTIONS["sigmoid"](z) * (1 - FUNCTIONS["sigmoid"](z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0) * 1.0,
    "leaky_relu": lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
    "identity": np.ones_like,
}


def lab_backprop(model: MLP, X: np.ndarray, y) -> dict:
    """The lab's forward and backward pass, with ``@`` and ``.T`` as on the blackboard."""
    f, df = FUNCTIONS[model.activation.name], DERIVATIVES[model.activation.name]
    Ws = [model.params[f"W{layer}"] for layer in range(1, model.n_layers + 1)]
    bs = [model.params[f"b{layer}"] for layer in range(1, model.n_layers + 1)]
    A, Z = [X], []
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True), 1):
        Z.append(A[-1] @ W + b)
        if layer < model.n_layers:
            A.append(f(Z[-1]))
    exp = np.exp(Z[-1] - Z[-1].max(axis=-1, keepdims=True))
    p = exp / exp.sum(axis=-1, keepdims=True)
    Y = np.eye(model.output_size)[y]
    n = len(X) if X.ndim == 2 else 1
    delta = (p - Y) / n  # δ_out = (p - y) / n
    deltas, grads_W, grads_b = [delta], [], []
    for layer in range(model.n_layers, 0, -1):
        A_prev = A[layer - 1]
        # ∂L/∂W = a_prevᵀ δ (an outer product for one sample), ∂L/∂b = Σ δ
        grads_W.insert(0, np.outer(A_prev, delta) if X.ndim == 1 else A_prev.T @ delta)
        grads_b.insert(0, delta if X.ndim == 1 else delta.sum(axis=0))
        if layer > 1:  # δ_prev = (δ Wᵀ) ⊙ f'(z_prev)
            delta = (delta @ Ws[layer - 1].T) * df(Z[layer - 2])
            deltas.insert(0, delta)
    loss = -np.mean(np.log(np.atleast_2d(p)[np.arange(n), np.atleast_1d(y)]))
    return dict(A=A, Z=Z, p=p, Y=Y, deltas=deltas, grads_W=grads_W, grads_b=grads_b, loss=loss)


def kink_margin(model: MLP, X: np.ndarray) -> float:
    """Smallest |z| of a hidden pre-activation: relu and leaky relu have a kink at 0."""
    Z = model.forward_keep_activations(np.asarray(X, dtype=np.float64))[2][:-1]
    return min((float(np.abs(z).min()) for z in Z), default=np.inf)


def make_case(digits, activation, hidden, batch, first_seed=0):
    """A network, and a sample or a batch, keeping every hidden |z| > 1e-3 for relu and leaky
    relu: a nudge of eps = 1e-6 moves a pre-activation by about eps * |x| <= 4e-5, so no finite
    difference then straddles the kink at 0 (the first seed from ``first_seed`` that does)."""
    if batch:
        X, y = digits.X_train[:6].astype(np.float64), digits.y_train[:6]
    else:
        X, y = digits.X_train[11].astype(np.float64), int(digits.y_train[11])
    for seed in range(first_seed, first_seed + 20):
        model = MLP(64, hidden, 10, activation=activation, init="normal", init_scale=0.5, seed=seed)
        if activation not in KINKED or kink_margin(model, X) > 1e-3:
            return model, X, y
    raise AssertionError("no seed keeps the pre-activations away from 0")


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", DEPTHS, ids=str)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_trace_matches_the_lab_formulas_written_by_hand(digits, activation, hidden, batch):
    model, X, y = make_case(digits, activation, hidden, batch)
    trace = trace_backprop(model, X, y)
    lab = lab_backprop(model, X, y)
    close = dict(rtol=1e-10, atol=1e-13)
    assert len(trace.layers) == model.n_layers
    for i, layer in enumerate(trace.layers):
        np.testing.assert_allclose(layer.inputs, lab["A"][i], **close)
        np.testing.assert_allclose(layer.pre_activation, lab["Z"][i], **close)
        np.testing.assert_allclose(layer.delta, lab["deltas"][i], **close)
        np.testing.assert_allclose(layer.grad_W, lab["grads_W"][i], **close)
        np.testing.assert_allclose(layer.grad_b, lab["grads_b"][i], **close)
        if layer.is_output:
            np.testing.assert_allclose(layer.activation, lab["p"], **close)
        else:
            np.testing.assert_allclose(layer.activation, lab["A"][i + 1], **close)
            f_prime = DERIVATIVES[activation](lab["Z"][i])
            np.testing.assert_allclose(layer.f_prime, f_prime, **close)
    np.testing.assert_allclose(trace.probabilities, lab["p"], **close)
    np.testing.assert_array_equal(trace.target, lab["Y"])
    assert trace.loss == pytest.approx(lab["loss"], rel=1e-12)


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", DEPTHS, ids=str)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_trace_gradients_match_central_finite_differences(digits, activation, hidden, batch):
    model, X, y = make_case(digits, activation, hidden, batch, first_seed=5)
    grads = trace_backprop(model, X, y).grads
    numeric = numerical_gradient(model, X, y)
    assert list(grads) == list(model.params)
    for key in model.params:
        # absolute round-off of a central difference here: a few 1e-9 at most
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-5, atol=2e-8, err_msg=key)


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", DEPTHS, ids=str)
def test_trace_is_what_the_model_computes_bit_for_bit(digits, hidden, batch):
    model, X, y = make_case(digits, "sigmoid", hidden, batch)
    X32 = X.astype(np.float32)  # the lab split is float32: traced as the model sees it
    trace = trace_backprop(model, X32, y)
    expected = model.grad_loss(X32, y)
    for key, grad in trace.grads.items():
        np.testing.assert_array_equal(grad, expected[key])
        assert grad.shape == model.params[key].shape
    assert trace.loss == model.loss(X32, y)
    np.testing.assert_array_equal(trace.probabilities, model.forward(X32))


def test_one_sample_gives_1d_arrays_and_a_batch_a_leading_axis(digits):
    model = MLP(64, (10, 8), 10)
    one = trace_backprop(model, digits.X_train[0], int(digits.y_train[0]))
    batch = trace_backprop(model, digits.X_train[:5], digits.y_train[:5])
    assert not one.is_batch and one.n_samples == 1 and one.labels == int(digits.y_train[0])
    assert batch.is_batch and batch.n_samples == 5
    sizes = [(64, 10), (10, 8), (8, 10)]
    for trace, lead in ((one, ()), (batch, (5,))):
        assert trace.probabilities.shape == trace.target.shape == (*lead, 10)
        for layer, (n_in, n_out) in zip(trace.layers, sizes, strict=True):
            assert layer.inputs.shape == (*lead, n_in)
            for array in (layer.pre_activation, layer.activation, layer.delta):
                assert array.shape == (*lead, n_out)
            assert layer.grad_W.shape == layer.weights.shape == (n_in, n_out)
            assert layer.grad_b.shape == layer.bias.shape == (n_out,)
            assert (layer.n_in, layer.n_out) == (n_in, n_out)


def test_each_layer_says_what_it_is(digits):
    model = MLP(64, (10, 8), 10, activation="tanh")
    trace = trace_backprop(model, digits.X_train[0], 3)
    assert [layer.layer for layer in trace.layers] == [1, 2, 3]
    assert [layer.activation_name for layer in trace.layers] == ["tanh", "tanh", "softmax"]
    assert [layer.is_output for layer in trace.layers] == [False, False, True]
    assert trace.layers[-1].f_prime is None
    assert trace.layers[0].f_prime.shape == (10,)
    np.testing.assert_array_equal(trace.layers[0].inputs, digits.X_train[0])
    assert trace.bug is None
    assert "layer=2" in repr(trace.layers[1])


def test_a_trace_is_frozen_and_shares_nothing_with_the_model_or_the_input(digits):
    model = MLP(64, (10,), 10)
    X = digits.X_train[:3].copy()
    trace = trace_backprop(model, X, digits.y_train[:3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.loss = 0.0
    with pytest.raises(ValueError, match="read-only"):
        trace.layers[0].grad_W[0, 0] = 1.0
    first_input = trace.layers[0].inputs.copy()
    X[:] = 0.0
    model.params["W1"][:] = 0.0
    np.testing.assert_array_equal(trace.layers[0].inputs, first_input)
    assert np.any(trace.layers[0].weights != 0)


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
def test_step_is_one_sgd_step_and_leaves_the_model_alone(digits, batch):
    model, X, y = make_case(digits, "sigmoid", (7, 5), batch)
    before = {key: value.copy() for key, value in model.params.items()}
    trace = trace_backprop(model, X, y)
    lr = 0.5
    stepped = trace.step(lr)
    grads = model.grad_loss(X, y)
    assert list(stepped) == list(model.params)
    for key, value in stepped.items():
        np.testing.assert_array_equal(value, before[key] - lr * grads[key])
        np.testing.assert_array_equal(model.params[key], before[key])
        assert not np.shares_memory(value, model.params[key])
    stepped["W1"][:] = 0.0  # the result is the caller's to change
    np.testing.assert_array_equal(model.params["W1"], before["W1"])
    # and it is what MLP.train does to the model
    model.train(X, y, lr)
    for key, value in trace.step(lr).items():
        np.testing.assert_array_equal(model.params[key], value)


def test_a_bug_set_on_the_model_shows_in_the_trace(digits):
    model = MLP(64, (10,), 10, init="normal", init_scale=0.5)
    X, y = digits.X_train[:4], digits.y_train[:4]
    correct = trace_backprop(model, X, y)
    model.bug = "wrong_sign"
    buggy = trace_backprop(model, X, y)
    assert buggy.bug == "wrong_sign"
    for key, grad in buggy.grads.items():
        np.testing.assert_array_equal(grad, -correct.grads[key])
    np.testing.assert_array_equal(buggy.layers[-1].delta, -correct.layers[-1].delta)
    assert buggy.loss == correct.loss  # the forward pass is unchanged


def test_labels_must_fit_the_input(digits):
    model = MLP(64, (), 10)
    with pytest.raises(ValueError, match="one int label"):
        trace_backprop(model, digits.X_train[0], digits.y_train[:2])
    with pytest.raises(ValueError, match="3 labels"):
        trace_backprop(model, digits.X_train[:3], digits.y_train[:2])
    with pytest.raises(ValueError, match="0..9"):
        trace_backprop(model, digits.X_train[0], 10)
