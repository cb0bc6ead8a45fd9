"""The one-sample kernel: one epoch of one-sample SGD, checked against the lab's code and a plain
per-sample reference written here."""

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from bench.lab_reference import LogisticRegression, NeuralNet
from engine.kernels.one_sample import ACTIVATION_NAMES, SGDKernel

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
TOL = 1e-10


def sgd_epoch(params, X, y, order, learning_rate, activation="sigmoid", losses_out=None):
    """One pass of the kernel over ``X[order]``, updating ``params`` in place."""
    return SGDKernel(params, X, y, activation).run(np.asarray(order), learning_rate, losses_out)


@pytest.fixture(scope="module")
def lab_split():
    """The lab's data: float32 digits, int32 labels, 85/15 split (seed 37), scaled on train."""
    digits = load_digits()
    data = np.asarray(digits.data, dtype="float32")
    target = np.asarray(digits.target, dtype="int32")
    X_train, X_test, y_train, y_test = train_test_split(
        data, target, test_size=0.15, random_state=37
    )
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    return X_train, X_test, y_train, y_test


# -- a plain reference: per-sample forward, textbook gradients, plain updates ----------------


def _act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    return z.copy()


def _dact(name, z):
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return np.where(z > 0, 1.0, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01)
    return np.ones_like(z)


def _softmax_nll(z, c):
    """Softmax probabilities and -log p[c], the stable way."""
    shifted = z - z.max()
    log_norm = math.log(np.exp(shifted).sum())
    return np.exp(shifted - log_norm), log_norm - shifted[c]


def reference_epoch(params, X, y, order, lr, activation):
    """Weights after one-sample SGD over X[order] and the loss before each update (float64)."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    losses = []
    for i in order:
        x, c = X[i].astype(np.float64), int(y[i])
        if "W2" in p:
            z1 = x @ p["W1"] + p["b1"]
            h = _act(activation, z1)
            probs, loss = _softmax_nll(h @ p["W2"] + p["b2"], c)
            g2 = probs - np.eye(len(probs))[c]
            g1 = (p["W2"] @ g2) * _dact(activation, z1)
            grads = {"W1": np.outer(x, g1), "b1": g1, "W2": np.outer(h, g2), "b2": g2}
        else:
            probs, loss = _softmax_nll(x @ p["W1"] + p["b1"], c)
            g2 = probs - np.eye(len(probs))[c]
            grads = {"W1": np.outer(x, g2), "b1": g2}
        losses.append(loss)
        for k in p:
            p[k] = p[k] - lr * grads[k]
    return p, np.array(losses)


def random_problem(seed, n_in, n_hidden, n_out, n=40, scale=0.5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    y = rng.integers(0, n_out, n)
    if n_hidden:
        params = {
            "W1": rng.uniform(-scale, scale, (n_in, n_hidden)),
            "b1": rng.uniform(-scale, scale, n_hidden),
            "W2": rng.uniform(-scale, scale, (n_hidden, n_out)),
            "b2": rng.uniform(-scale, scale, n_out),
        }
    else:
        params = {
            "W1": rng.uniform(-scale, scale, (n_in, n_out)),
            "b1": rng.uniform(-scale, scale, n_out),
        }
    params = {k: v.astype(dtype) for k, v in params.items()}
    # a shuffled pass followed by random repeats
    order = np.concatenate([rng.permutation(n), rng.integers(0, n, n)])
    return params, X.astype(dtype), y, order


def assert_params_close(got, want, tol=TOL):
    assert list(got) == list(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=0, atol=tol, err_msg=k)


# -- against the lab's own code -----------------------------------------------------------------


def lab_params(model):
    return {
        "W1": model.W_h.copy(),
        "b1": model.b_h.copy(),
        "W2": model.W_o.copy(),
        "b2": model.b_o.copy(),
    }


@pytest.mark.parametrize("shuffle", [False, True])
def test_epoch_matches_lab_neural_net(lab_split, shuffle):
    X_train, _, y_train, _ = lab_split
    np.random.seed(0)  # noqa: NPY002 - the lab code draws from the global RNG
    model = NeuralNet(X_train.shape[1], 10, 10)
    params = lab_params(model)
    arrays = dict(params)
    order = np.arange(len(X_train))
    if shuffle:
        order = np.random.permutation(order)  # noqa: NPY002

    for i in order:
        model.train(X_train[i], y_train[i], 0.1)
    losses = sgd_epoch(params, X_train, y_train, order, 0.1, "sigmoid")

    assert all(params[k] is arrays[k] for k in params)  # updated in place
    assert params["W1"].dtype == np.float64
    assert_params_close(params, lab_params(model))
    assert losses.shape == (len(X_train),)
    assert np.all(np.isfinite(losses))
    # one epoch of the lab's network learns: late samples cost much less than the first ones
    assert losses[-200:].mean() < 0.5 * losses[:50].mean()


def test_several_epochs_with_one_kernel_match_lab(lab_split):
    X_train, _, y_train, _ = lab_split
    np.random.seed(1)  # noqa: NPY002 - the lab code draws from the global RNG
    model = NeuralNet(X_train.shape[1], 10, 10)
    params = lab_params(model)
    kernel = SGDKernel(params, X_train, y_train, "sigmoid")
    rng = np.random.default_rng(3)
    for _ in range(3):
        order = rng.permutation(len(X_train))
        for i in order:
            model.train(X_train[i], y_train[i], 0.1)
        kernel.run(order, 0.1)
    assert_params_close(params, lab_params(model))


def test_epoch_matches_lab_logistic_regression(lab_split):
    X_train, _, y_train, _ = lab_split
    np.random.seed(2)  # noqa: NPY002 - the lab code draws from the global RNG
    model = LogisticRegression(X_train.shape[1], 10)
    params = {"W1": model.W.copy(), "b1": model.b.copy()}
    for x, y in zip(X_train, y_train, strict=True):
        model.train(x, y, 0.01)
    sgd_epoch(params, X_train, y_train, np.arange(len(X_train)), 0.01, "sigmoid")
    assert_params_close(params, {"W1": model.W, "b1": model.b})


# -- against the plain reference, every activation ---------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("n_in", "n_hidden", "n_out"), [(6, 5, 4), (7, 3, 5), (5, 10, 10)])
def test_each_activation_matches_reference(activation, n_in, n_hidden, n_out):
    params, X, y, order = random_problem(11, n_in, n_hidden, n_out)
    want, want_losses = reference_epoch(params, X, y, order, 0.05, activation)
    losses = sgd_epoch(params, X, y, order, 0.05, activation)
    assert_params_close(params, want)
    np.testing.assert_allclose(losses, want_losses, rtol=0, atol=TOL)


def test_activation_names_cover_the_product_set():
    assert tuple(ACTIVATIONS) == ACTIVATION_NAMES


def test_relu_and_leaky_relu_see_both_signs():
    """The reference comparison above is meaningful only if some units are off and some on."""
    params, X, _, _ = random_problem(11, 6, 5, 4)
    z1 = X @ params["W1"] + params["b1"]
    assert (z1 > 0).mean() > 0.2
    assert (z1 < 0).mean() > 0.2


def test_logistic_regression_matches_reference():
    params, X, y, order = random_problem(5, 8, 0, 3)
    want, want_losses = reference_epoch(params, X, y, order, 0.1, "sigmoid")
    losses = sgd_epoch(params, X, y, order, 0.1, "relu")  # the activation is irrelevant
    assert list(params) == ["W1", "b1"]
    assert_params_close(params, want)
    np.testing.assert_allclose(losses, want_losses, rtol=0, atol=TOL)


@pytest.mark.parametrize("n_hidden", [0, 5])
def test_losses_are_the_nll_before_each_update(n_hidden):
    params, X, y, order = random_problem(8, 6, n_hidden, 4, n=15)
    before = {k: v.copy() for k, v in params.items()}
    losses = sgd_epoch(params, X, y, order, 0.2, "tanh")
    # replay: the loss of update k is the NLL of sample order[k] under the weights after k updates
    current = before
    for k, i in enumerate(order):
        x = X[i]
        if n_hidden:
            logits = np.tanh(x @ current["W1"] + current["b1"]) @ current["W2"] + current["b2"]
        else:
            logits = x @ current["W1"] + current["b1"]
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        assert losses[k] == pytest.approx(-math.log(probs[y[i]]), rel=1e-12, abs=1e-13)
        current, _ = reference_epoch(current, X, y, [i], 0.2, "tanh")


# -- chunking and output buffers --------------------------------------------------------


def test_chunked_runs_equal_one_run():
    params, X, y, order = random_problem(4, 6, 5, 4, n=50)
    whole = {k: v.copy() for k, v in params.items()}
    want_losses = SGDKernel(whole, X, y, "sigmoid").run(order, 0.1)

    kernel = SGDKernel(params, X, y, "sigmoid")
    out = np.full(len(order), np.nan)
    for start in range(0, len(order), 7):
        got = kernel.run(order[start : start + 7], 0.1, out[start : start + 7])
        assert np.shares_memory(got, out)
    # the split only changes where the weights are copied in and out, not the arithmetic
    for k in whole:
        np.testing.assert_array_equal(params[k], whole[k])
    np.testing.assert_array_equal(out, want_losses)


def test_kernel_rereads_params_between_runs():
    params, X, y, order = random_problem(4, 6, 5, 4, n=20)
    kernel = SGDKernel(params, X, y, "relu")
    kernel.run(order[:5], 0.1)
    params["W1"][...] = 0.25  # e.g. a reset by the caller
    start = {k: v.copy() for k, v in params.items()}
    kernel.run(order[5:], 0.1)
    want, _ = reference_epoch(start, X, y, order[5:], 0.1, "relu")
    assert_params_close(params, want)


def test_empty_order_changes_nothing():
    params, X, y, _ = random_problem(6, 6, 5, 4)
    before = {k: v.copy() for k, v in params.items()}
    losses = sgd_epoch(params, X, y, np.array([], dtype=np.intp), 0.1, "sigmoid")
    assert losses.shape == (0,)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


# -- dtypes and numerical edge cases ------------------------------------------------------------


@pytest.mark.parametrize("n_hidden", [0, 5])
def test_float32_parameters_stay_float32(n_hidden):
    params, X, y, order = random_problem(9, 6, n_hidden, 4, dtype=np.float32)
    want, want_losses = reference_epoch(params, X, y, order, 0.05, "sigmoid")
    losses = sgd_epoch(params, X, y, order, 0.05, "sigmoid")
    assert all(v.dtype == np.float32 for v in params.values())
    assert_params_close(params, want, tol=1e-4)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-4, atol=1e-5)


def test_float64_parameters_with_float32_inputs(lab_split):
    X_train, _, y_train, _ = lab_split
    assert X_train.dtype == np.float32
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.uniform(-0.1, 0.1, (64, 10)),
        "b1": np.zeros(10),
        "W2": rng.uniform(-0.1, 0.1, (10, 10)),
        "b2": np.zeros(10),
    }
    order = rng.permutation(len(X_train))[:200]
    want, want_losses = reference_epoch(params, X_train, y_train, order, 0.1, "leaky_relu")
    losses = sgd_epoch(params, X_train, y_train, order, 0.1, "leaky_relu")
    assert_params_close(params, want)
    np.testing.assert_allclose(losses, want_losses, rtol=0, atol=TOL)


@pytest.mark.parametrize("shift", [1000.0, -1000.0, 60.0, -60.0])
def test_extreme_logits_stay_finite_and_exact(shift):
    """Logits far outside exp's range: softmax falls back to max subtraction, no warnings."""
    params, X, y, order = random_problem(12, 6, 5, 4, n=20)
    params["b2"] += shift
    params["b2"][0] += 30.0  # a confident class, often the wrong one: p[y] underflows
    want, want_losses = reference_epoch(params, X, y, order, 0.05, "sigmoid")
    losses = sgd_epoch(params, X, y, order, 0.05, "sigmoid")
    assert np.all(np.isfinite(losses))
    assert losses.max() > 20.0
    assert_params_close(params, want)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-12, atol=1e-9)


def test_saturated_sigmoid_gives_no_warning():
    params, X, y, order = random_problem(13, 6, 5, 4, n=20)
    params["W1"] *= 1000.0  # |z1| in the hundreds or thousands: exp(-z) overflows naively
    want, _ = reference_epoch_quiet(params, X, y, order, 0.05)
    sgd_epoch(params, X, y, order, 0.05, "sigmoid")
    assert_params_close(params, want, tol=1e-8)


def reference_epoch_quiet(params, X, y, order, lr):
    with np.errstate(over="ignore"):
        return reference_epoch(params, X, y, order, lr, "sigmoid")


# -- argument checking --------------------------------------------------------------------------


def test_rejects_bad_arguments():
    params, X, y, order = random_problem(1, 6, 5, 4)
    with pytest.raises(ValueError, match="unknown activation"):
        SGDKernel(params, X, y, "softplus")
    with pytest.raises(ValueError, match="X must have shape"):
        SGDKernel(params, X[:, :5], y, "tanh")
    with pytest.raises(ValueError, match="y must have shape"):
        SGDKernel(params, X, y[:-1], "tanh")
    with pytest.raises(ValueError, match="labels"):
        SGDKernel(params, X, y + 4, "tanh")
    with pytest.raises(TypeError, match="float64 or float32"):
        SGDKernel({k: v.astype(np.float16) for k, v in params.items()}, X, y, "tanh")
    mixed = dict(params, b2=params["b2"].astype(np.float32))
    with pytest.raises(TypeError, match="same dtype"):
        SGDKernel(mixed, X, y, "tanh")
    bad = dict(params, b2=np.zeros(3))
    with pytest.raises(ValueError, match="shapes"):
        SGDKernel(bad, X, y, "tanh")
    with pytest.raises(ValueError, match="shorter"):
        SGDKernel(params, X, y, "tanh").run(order, 0.1, np.empty(3))
