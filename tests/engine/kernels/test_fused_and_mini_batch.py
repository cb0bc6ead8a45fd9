"""Kernels against the readable code: the mini-batch SGD kernel and the fused backprop against
``MLP.loss_and_grad`` + ``SGD``, both against the textbook formulas, which kernel trains which
run, one-pass evaluation, and in-place optimizers against their formulas."""

import math
import subprocess
import sys

import numpy as np
import pytest

from engine import MLP, fit
from engine.core.functions import log_softmax, softmax
from engine.core.optimizers import SGD, Adam
from engine.kernels import choose_kernel, fused
from engine.kernels.mini_batch import BatchSGDKernel
from engine.training.evaluation import evaluate

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
N = 150  # samples per epoch: 150 = 4 * 32 + 22 = 11 * 13 + 7 (short last batches)
LR = 0.1
TOL = 1e-12


def generic_epochs(model, X, y, orders, batch_size, lr):
    """Plain SGD with the generic path: losses of every update, weights updated in place."""
    optimizer = SGD(lr)
    losses = []
    for order in orders:
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            loss, grads = model.loss_and_grad(X[batch], y[batch])
            optimizer.update_params(model.params, grads)
            losses.append(loss)
    return np.array(losses)


def assert_params_close(got, want, tol=TOL):
    assert list(got) == list(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=0, atol=tol, err_msg=key)


@pytest.mark.parametrize("batch_size", [2, 32, 13])
@pytest.mark.parametrize("hidden", [(), (12,)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_batch_kernel_equals_the_generic_path(digits, activation, hidden, batch_size):
    X, y = digits.X_train[:N], digits.y_train[:N]
    rng = np.random.default_rng(7)
    orders = [rng.permutation(N), rng.permutation(N)]  # two epochs, two run() calls
    fast = MLP(64, hidden, 10, activation=activation, init="normal", init_scale=0.3, seed=2)
    slow = fast.copy()
    kernel = BatchSGDKernel(fast.params, X, y, batch_size, activation)
    losses = np.concatenate([kernel.run(order, LR) for order in orders])
    expected = generic_epochs(slow, X, y, orders, batch_size, LR)
    assert len(losses) == 2 * math.ceil(N / batch_size)
    np.testing.assert_allclose(losses, expected, rtol=0, atol=TOL)
    assert_params_close(fast.params, slow.params)


@pytest.mark.parametrize(
    "hidden,init,optimizer,momentum,batch_size,expected",
    [
        ((10,), "uniform", "sgd", 0.0, 1, "one_sample"),
        ((), "uniform", "sgd", 0.0, 1, "one_sample"),
        ((10,), "uniform", "sgd", 0.0, 32, "mini_batch"),
        ((10,), "uniform", "sgd", 0.9, 32, "fused"),
        ((10,), "uniform", "adam", 0.0, 1, "fused"),
        ((8, 6), "glorot", "sgd", 0.0, 1, "fused"),
        ((10,), "zeros", "sgd", 0.0, 1, None),  # tied units: only the readable code keeps them
        ((10, 8), "zeros", "adam", 0.0, 32, None),
        ((1,), "zeros", "sgd", 0.0, 1, "one_sample"),  # one unit: nothing to untie
    ],
)
def test_which_kernel_trains_which_run(hidden, init, optimizer, momentum, batch_size, expected):
    model = MLP(64, hidden, 10, init=init)
    kernel = choose_kernel(model, optimizer, momentum, batch_size)
    assert (kernel.name if kernel else None) == expected
    model.bug = "no_derivative"  # a deliberate mistake only the readable code can make
    assert choose_kernel(model, optimizer, momentum, batch_size) is None


@pytest.mark.parametrize(
    "hidden,momentum,optimizer", [((8, 6), 0.0, "sgd"), ((8,), 0.9, "sgd"), ((8,), 0.0, "adam")]
)
def test_the_fused_stepper_equals_the_readable_path(digits, hidden, momentum, optimizer):
    X = np.ascontiguousarray(digits.X_train[:40], dtype=np.float64)
    y = digits.y_train[:40].astype(np.intp)
    fast = MLP(64, hidden, 10, init="glorot", seed=4)
    slow = fast.copy()
    make = {"sgd": lambda: SGD(0.1, momentum), "adam": lambda: Adam(0.01)}[optimizer]
    losses = fused.fused_stepper(fast, X, y, make(), 8)(np.arange(40))
    readable, expected = make(), []
    for start in range(0, 40, 8):
        loss, grads = slow.loss_and_grad(X[start : start + 8], y[start : start + 8])
        readable.update_params(slow.params, grads)
        expected.append(loss)
    np.testing.assert_allclose(losses, expected, rtol=1e-13)
    assert_params_close(fast.params, slow.params)


def test_kernel_reads_weights_changed_between_calls_and_checks_indices(digits):
    X, y = digits.X_train[:N], digits.y_train[:N]
    fast = MLP(64, (10,), 10, seed=3)
    slow = fast.copy()
    kernel = BatchSGDKernel(fast.params, X, y, 16, "sigmoid")
    kernel.run(np.arange(50), LR)
    generic_epochs(slow, X, y, [np.arange(50)], 16, LR)
    for model in (fast, slow):  # changed from outside between two calls (e.g. a restore)
        model.params["W2"] *= 0.5
        model.params["b1"] += 0.1
    order = np.arange(-N, 0)[::-1]  # negative indices, as NumPy indexing takes them
    kernel.run(order, LR)
    generic_epochs(slow, X, y, [order], 16, LR)
    assert_params_close(fast.params, slow.params)
    with pytest.raises(IndexError):
        kernel.run(np.array([0, N]), LR)
    assert kernel.run(np.arange(0), LR).shape == (0,)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSGDKernel(fast.params, X, y, 0)
    with pytest.raises(ValueError, match="activation"):
        BatchSGDKernel(fast.params, X, y, 4, "swish")


def test_kernel_in_float32_tracks_float64(digits):
    X, y = digits.X_train[:N], digits.y_train[:N]
    model = MLP(64, (10,), 10, activation="tanh", init="normal", init_scale=0.3, seed=4)
    params32 = {k: v.astype(np.float32) for k, v in model.params.items()}
    order = np.random.default_rng(2).permutation(N)
    losses32 = BatchSGDKernel(params32, X, y, 32, "tanh").run(order, LR)
    losses64 = generic_epochs(model, X, y, [order], 32, LR)
    np.testing.assert_allclose(losses32, losses64, rtol=1e-5)
    assert all(params32[k].dtype == np.float32 for k in params32)
    assert_params_close(params32, model.params, tol=1e-5)


@pytest.mark.parametrize("hidden", [(), (10,)])
def test_extreme_logits_give_large_finite_equal_losses_without_warnings(digits, hidden):
    # scaled-up weights put the right class's probability far below the smallest float
    X, y = digits.X_train[:64], digits.y_train[:64]
    model = MLP(64, hidden, 10, activation="identity", init="normal", init_scale=200.0, seed=1)
    fast, slow = model.copy(), model.copy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        losses = BatchSGDKernel(fast.params, X, y, 32, "identity").run(np.arange(64), 1e-6)
        expected = generic_epochs(slow, X, y, [np.arange(64)], 32, 1e-6)
    assert np.isfinite(losses).all() and losses.max() > 1000
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert_params_close(fast.params, slow.params, tol=1e-9)


@pytest.mark.parametrize(
    "activation,status", [("sigmoid", "completed"), ("relu", "diverged"), ("identity", "diverged")]
)
def test_diverging_mini_batch_run_with_the_kernel_stops_cleanly(digits, activation, status):
    model = MLP(64, (10,), 10, activation=activation, init="normal", init_scale=1.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        # run_training must still silence the overflows on the way to inf/NaN
        history = fit(
            model, digits.X_train, digits.y_train, epochs=5, learning_rate=100.0, batch_size=32
        )
    assert history.end.status == status
    if status == "diverged":
        assert "smaller learning rate" in history.end.reason
        # stopped at an epoch's end (loss far too large) every update counts; stopped by a
        # non-finite loss, the update that produced it does not
        overshot = "overshoot" in history.end.reason
        assert len(history.update_losses) == history.end.updates - (0 if overshot else 1)
    assert all(np.isfinite(p).all() for p in model.params.values())
    assert np.isfinite(history.update_losses).all()


# -- the generic path's one softmax, against the textbook formulas ---------------------------


def textbook_loss_and_grad(model, X, y):
    Y, activations, pre = model.forward_keep_activations(X)
    n = len(y)
    loss = float(-log_softmax(pre[-1])[np.arange(n), y].mean())
    dZ = Y.copy()
    dZ[np.arange(n), y] -= 1.0
    dZ /= n
    grads = {}
    derivative = model.activation.derivative_from_output
    for layer in range(model.n_layers, 0, -1):
        grads[f"W{layer}"] = activations[layer - 1].T @ dZ
        grads[f"b{layer}"] = dZ.sum(axis=0)
        if layer > 1:
            dZ = (dZ @ model.params[f"W{layer}"].T) * derivative(activations[layer - 1])
    return loss, grads


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (7,), (6, 5)])
def test_loss_and_grad_equals_the_textbook_formulas(digits, activation, hidden):
    model = MLP(64, hidden, 10, activation=activation, init="normal", init_scale=0.5, seed=6)
    X, y = digits.X_train[:33], digits.y_train[:33].astype(np.intp)
    loss, grads = model.loss_and_grad(X, y)
    want_loss, want_grads = textbook_loss_and_grad(model, X, y)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    assert list(grads) == list(model.params)
    assert_params_close(grads, {k: want_grads[k] for k in model.params}, tol=1e-14)
    # one sample, as the lab's train(x, y) calls it
    loss1, grads1 = model.loss_and_grad(X[3], int(y[3]))
    want1, want_grads1 = textbook_loss_and_grad(model, X[3:4], y[3:4])
    assert loss1 == pytest.approx(want1, rel=1e-13)
    assert_params_close(grads1, {k: want_grads1[k] for k in model.params}, tol=1e-14)
    # and the fused kernel
    fused_loss, _, fused_grads = fused.backprop(model, X, y, with_grad=True)
    assert fused_loss == pytest.approx(want_loss, rel=1e-13)
    assert_params_close(fused_grads, {k: want_grads[k] for k in model.params}, tol=1e-14)


@pytest.mark.parametrize("readable", [False, True])
def test_one_pass_evaluation_equals_the_separate_computations(digits, readable):
    model = MLP(64, (10,), 10, init="normal", init_scale=0.5, seed=8)
    X, y = digits.X_train, digits.y_train
    loss, accuracy, grads, _ = fused.metrics(model, X, y, with_grad=True)
    assert loss == pytest.approx(model.loss(X, y), rel=1e-13)
    assert accuracy == model.accuracy(X, y)
    assert fused.metrics(model, X, y)[2] is None
    want_loss, want_grads = textbook_loss_and_grad(model, X, y.astype(np.intp))
    assert loss == pytest.approx(want_loss, rel=1e-13)
    figures = evaluate(model, X, y, digits.X_test, digits.y_test, readable=readable)
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in want_grads.values()))
    expected = (
        want_loss,
        model.accuracy(X, y),
        model.loss(digits.X_test, digits.y_test),
        model.accuracy(digits.X_test, digits.y_test),
        norm,
    )
    got = (figures.train_loss, figures.train_accuracy, figures.test_loss, figures.test_accuracy,
           figures.grad_norm)  # fmt: skip
    assert got == pytest.approx(expected, rel=1e-12)
    for layer, health in enumerate(figures.layers, 1):
        gW, gb = want_grads[f"W{layer}"], want_grads[f"b{layer}"]
        assert health.grad_norm == pytest.approx(math.hypot(np.linalg.norm(gW), np.linalg.norm(gb)))
    alone = evaluate(model, X, y, None, None, readable=readable)
    assert math.isnan(alone.test_loss) and math.isnan(alone.test_accuracy)


@pytest.mark.parametrize("block_elements", [None, 700])
@pytest.mark.parametrize("hidden", [(), (70,), (30, 20)])
def test_metrics_in_blocks_equal_one_pass(digits, monkeypatch, hidden, block_elements):
    if block_elements is not None:  # 700 // (70 + 10) = 8 rows per block, the last one shorter
        monkeypatch.setattr(fused, "METRICS_BLOCK_ELEMENTS", block_elements)
    model = MLP(64, hidden, 10, activation="tanh", init="normal", init_scale=0.3, seed=9)
    X, y = digits.X_train[:205], digits.y_train[:205].astype(np.intp)
    loss, accuracy, grads, _ = fused.metrics(model, X, y, with_grad=True)
    want_loss, want_grads = textbook_loss_and_grad(model, X, y)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    assert accuracy == model.accuracy(X, y)
    assert list(grads) == list(model.params)
    assert_params_close(grads, {k: want_grads[k] for k in model.params}, tol=1e-15)
    assert fused.metrics(model, X, y)[:2] == (loss, accuracy)
    # the hidden outputs of the same pass, joined across blocks: the model's own forward pass
    hidden = fused.metrics(model, X, y, with_hidden=True).hidden
    _, activations, _ = model.forward_keep_activations(X)
    assert len(hidden) == len(model.hidden_sizes)
    for got, want in zip(hidden, activations[1:], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_loss_is_stable_for_extreme_logits():
    model = MLP(3, (), 3, init="zeros")
    model.params["W1"][...] = np.diag([1e300, 1e300, -1e300])
    X = np.eye(3)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grads = model.loss_and_grad(X, [2, 0, 1])
        probs = softmax(model.logits(X))
    assert np.isfinite(loss) and loss > 1e299
    assert all(np.isfinite(g).all() for g in grads.values())
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


# -- in-place optimizers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "optimizer", [SGD(0.1), SGD(0.1, 0.9), SGD(0.1, 0.9, nesterov=True), Adam(0.01)]
)
def test_optimizers_update_in_place_as_their_formulas_and_keep_the_gradients(optimizer):
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3)}
    want = {k: v.copy() for k, v in params.items()}
    arrays = dict(params)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v2 = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(1, 4):
        grads = {k: rng.standard_normal(p.shape) for k, p in params.items()}
        copies = {k: g.copy() for k, g in grads.items()}
        optimizer.update_params(params, grads)
        for k, g in copies.items():
            np.testing.assert_array_equal(grads[k], g)  # gradients untouched
            if isinstance(optimizer, Adam):
                b1, b2 = optimizer.beta1, optimizer.beta2
                m[k] = b1 * m[k] + (1 - b1) * g
                v2[k] = b2 * v2[k] + (1 - b2) * g * g
                step = optimizer.learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
                want[k] = want[k] - step * m[k] / (np.sqrt(v2[k]) + optimizer.epsilon)
            else:
                lr, mu = optimizer.learning_rate, optimizer.momentum
                velocity[k] = mu * velocity[k] - lr * g
                if mu == 0.0:
                    want[k] = want[k] - lr * g
                elif optimizer.nesterov:
                    want[k] = want[k] + (mu * velocity[k] - lr * g)
                else:
                    want[k] = want[k] + velocity[k]
    for k in params:
        assert params[k] is arrays[k]  # updated in place
        np.testing.assert_allclose(params[k], want[k], rtol=0, atol=1e-14)


def test_importing_the_engine_does_not_import_scipy():
    code = (
        "import sys\n"
        "import engine, engine.training.loop\n"
        "import engine.kernels.mini_batch, engine.kernels.one_sample\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
