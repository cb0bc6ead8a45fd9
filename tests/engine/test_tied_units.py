"""Tied hidden units (zero initialization) train exactly symmetrically: the reduced network of
``tied_units`` against ``MLP.loss_and_grad`` + the same optimizer, the lab's zero-init run,
and the routing in ``make_stepper``."""

import numpy as np
import pytest

from engine import MLP, RunConfig, fit
from engine.core.optimizers import make_optimizer
from engine.kernels.mini_batch import BatchSGDKernel
from engine.kernels.one_sample import SGDKernel
from engine.kernels.tied_units import TiedStepper, has_tied_units, tied_layers
from engine.training.loop import make_stepper

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
# (optimizer, momentum, nesterov, learning rate)
OPTIMIZERS = {
    "sgd": ("sgd", 0.0, False, 0.1),
    "momentum": ("sgd", 0.9, False, 0.01),
    "nesterov": ("sgd", 0.9, True, 0.01),
    "adam": ("adam", 0.0, False, 0.01),
}
N = 120  # samples in the symmetry runs (120 = 3 * 32 + 24 = 17 * 7 + 1: short last batches)


def tied_model(hidden, activation, ties=None, seed=0, scale=0.1):
    """A model whose hidden layers flagged in ``ties`` (default all) have tied units with random
    (not zero) shared weights, so that the hidden weights move whatever the activation."""
    model = MLP(64, hidden, 10, activation=activation, init="zeros")
    ties = (True,) * len(hidden) if ties is None else ties
    tied = (False, *ties, False)
    sizes = model.layer_sizes
    rng = np.random.default_rng(seed)
    for i in range(1, model.n_layers + 1):
        rows = 1 if tied[i - 1] else sizes[i - 1]
        cols = 1 if tied[i] else sizes[i]
        model.params[f"W{i}"][...] = rng.normal(0.0, scale, (rows, cols))
        # positive hidden biases: ReLU units start alive
        bias = rng.normal(0.0, scale, cols)
        model.params[f"b{i}"][...] = np.abs(bias) if i < model.n_layers else bias
    return model


def assert_units_identical(model, ties=None):
    """Every copy of a tied unit is bit for bit equal: np.ptp across units is exactly 0."""
    p = model.params
    ties = (True,) * len(model.hidden_sizes) if ties is None else ties
    for layer, tied in enumerate(ties, 1):
        if tied:
            assert np.ptp(p[f"W{layer}"], axis=1).max() == 0.0, f"W{layer} columns"
            assert np.ptp(p[f"b{layer}"]) == 0.0, f"b{layer}"
            assert np.ptp(p[f"W{layer + 1}"], axis=0).max() == 0.0, f"W{layer + 1} rows"


def config_for(hidden, activation, optimizer, batch_size, shuffle=False):
    name, momentum, nesterov, lr = OPTIMIZERS[optimizer]
    return RunConfig(
        hidden_sizes=hidden,
        activation=activation,
        optimizer=name,
        momentum=momentum,
        nesterov=nesterov,
        learning_rate=lr,
        batch_size=batch_size,
        shuffle=shuffle,
    )


def generic_losses(model, X, y, config, order):
    """The normal generic path: ``MLP.loss_and_grad`` + the optimizer, one update per batch."""
    optimizer = make_optimizer(
        config.optimizer, config.learning_rate, config.momentum, config.nesterov
    )
    losses = []
    for start in range(0, len(order), config.batch_size):
        batch = order[start : start + config.batch_size]
        loss, grads = model.loss_and_grad(X[batch], y[batch])
        optimizer.update_params(model.params, grads)
        losses.append(loss)
    return np.array(losses)


def stepper_losses(step, order, batch_size, chunk=64):
    """The stepper called in chunks of ``chunk`` updates, as ``run_training`` calls it."""
    size = chunk * batch_size
    return np.concatenate([step(order[s : s + size]) for s in range(0, len(order), size)])


def data(digits, n=None):
    X = np.ascontiguousarray(digits.X_train[:n], dtype=np.float64)
    return X, digits.y_train[:n].astype(np.intp)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [1, 7, 32])
@pytest.mark.parametrize("hidden", [(10,), (10, 8)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_tied_units_stay_exactly_identical(
    digits, activation, hidden, batch_size, optimizer, shuffle
):
    X, y = data(digits, N)
    model = tied_model(hidden, activation)
    before = {k: v.copy() for k, v in model.params.items()}
    arrays = [id(v) for v in model.params.values()]
    config = config_for(hidden, activation, optimizer, batch_size, shuffle)
    history = fit(
        model,
        X,
        y,
        epochs=2,
        learning_rate=config.learning_rate,
        batch_size=batch_size,
        momentum=config.momentum,
        nesterov=config.nesterov,
        optimizer=config.optimizer,
        shuffle=shuffle,
    )
    assert history.end.status == "completed"
    assert_units_identical(model)
    hidden_keys = [k for k in before if int(k[1:]) <= len(hidden)]
    assert any(not np.array_equal(model.params[k], before[k]) for k in hidden_keys)  # they moved
    assert [id(v) for v in model.params.values()] == arrays  # updated in place


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("init", ["zeros", "uniform_zero_scale"])
def test_zero_init_stays_exactly_identical(digits, activation, init):
    X, y = data(digits, N)
    if init == "zeros":
        model = MLP(64, (10, 8), 10, activation=activation, init="zeros")
    else:
        model = MLP(64, (10, 8), 10, activation=activation, init="uniform", init_scale=0.0)
    fit(model, X, y, epochs=3, learning_rate=0.1, batch_size=1)
    assert_units_identical(model)
    if activation != "sigmoid":  # h = f(0) = 0 and f'(0) h = 0: nothing but b3 moves
        assert not model.params["W1"].any() and not model.params["W3"].any()


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(
    "hidden,ties",
    [((10,), None), ((10, 8), None), ((9, 6), (False, True)), ((9, 6), (True, False))],
)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_first_updates_equal_the_generic_path(digits, activation, hidden, ties, optimizer):
    """Losses and weights of the first updates agree with ``MLP.loss_and_grad`` + the same
    optimizer to rounding (the reduced network computes ``n * x`` where BLAS sums ``n``
    copies of ``x``); a partly tied network keeps its tied layers exactly tied."""
    X, y = data(digits)
    order = np.random.default_rng(3).permutation(len(y))
    for batch_size, n_updates in ((1, 150), (7, 60)):
        model = tied_model(hidden, activation, ties)
        reference = model.copy()
        config = config_for(hidden, activation, optimizer, batch_size)
        step = make_stepper(model, X, y, config, batch_size)
        assert isinstance(step, TiedStepper)
        part = order[: n_updates * batch_size]
        losses = stepper_losses(step, part, batch_size)
        expected = generic_losses(reference, X, y, config, part)
        np.testing.assert_allclose(losses, expected, rtol=1e-12, atol=0)
        for key, value in reference.params.items():
            np.testing.assert_allclose(model.params[key], value, rtol=0, atol=1e-12, err_msg=key)
        assert_units_identical(model, ties)


def test_lab_zero_init_run_ends_with_all_units_identical(digits):
    """The lab's run: zero init, 15 epochs, one sample at a time, lr 0.1, no shuffling."""
    model = MLP(64, (10,), 10, init="zeros", activation="sigmoid")
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        digits.X_test,
        digits.y_test,
        epochs=15,
        learning_rate=0.1,
        batch_size=1,
        shuffle=False,
    )
    assert history.end.status == "completed"
    assert_units_identical(model)
    assert np.abs(model.params["W1"]).max() > 0.1  # the units moved, in lockstep
    # The network is one hidden unit copied ten times: a one-unit network with the shared
    # weights (outgoing weights times 10) makes the same predictions...
    p = model.params
    one = MLP(64, (1,), 10)
    one.set_params({"W1": p["W1"][:, :1], "b1": p["b1"][:1], "W2": 10 * p["W2"][:1], "b2": p["b2"]})
    np.testing.assert_allclose(one.logits(digits.X_test), model.logits(digits.X_test), atol=1e-12)
    assert np.array_equal(one.predict(digits.X_test), model.predict(digits.X_test))
    # ... so it stays at one unit's level: 0.293 here; one sigmoid unit trained 200-300 epochs
    # with Adam reaches 0.22-0.31 (0.36 at its best epoch); the lab's ten distinct units: 0.959
    assert history.final.test_accuracy < 0.4
    assert history.final.train_accuracy < 0.4


def test_untied_models_keep_the_normal_paths(digits):
    X, y = data(digits, N)
    sgd = RunConfig(learning_rate=0.1)
    # random weights: the batch-1 kernel, the mini-batch kernel, the generic path
    model = MLP(64, (10,), 10, init="uniform")
    assert not has_tied_units(model)
    assert isinstance(make_stepper(model, X, y, sgd, 1).func.__self__, SGDKernel)
    assert isinstance(make_stepper(model, X, y, sgd, 8).func.__self__, BatchSGDKernel)
    adam = RunConfig(optimizer="adam", learning_rate=0.01)
    step = make_stepper(MLP(64, (10, 8), 10), X, y, adam, 1)
    assert not isinstance(step, TiedStepper) and not hasattr(step, "func")
    # nothing to tie: no hidden layer, or one-unit hidden layers
    for hidden in ((), (1,), (1, 1)):
        model = MLP(64, hidden, 10, init="zeros")
        assert not has_tied_units(model)
        assert not isinstance(make_stepper(model, X, y, sgd, 1), TiedStepper)
    # equal incoming weights and biases, but different outgoing weights: not interchangeable
    model = tied_model((10,), "sigmoid")
    model.params["W2"][3] += 0.1
    assert tied_layers(model.params, 1) == (False,)
    assert isinstance(make_stepper(model, X, y, sgd, 1).func.__self__, SGDKernel)
    # a zero-init model is routed to the tied stepper, whatever the optimizer and batch
    for config, batch_size in ((sgd, 1), (sgd, 8), (adam, 1)):
        model = MLP(64, (10,), 10, init="zeros")
        assert has_tied_units(model)
        assert isinstance(make_stepper(model, X, y, config, batch_size), TiedStepper)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_weights_changed_between_chunks_are_read_again(digits, optimizer):
    """Between two chunks the live arrays may change: a change that keeps the units tied is
    read as the new state; one that unties them sends the stepper to the generic path with the
    optimizer's state expanded, as if it had run on the full arrays all along."""
    X, y = data(digits)
    order = np.random.default_rng(5).permutation(len(y))[:192]
    config = config_for((10,), "sigmoid", optimizer, 1)
    model = tied_model((10,), "sigmoid")
    reference = model.copy()
    step = make_stepper(model, X, y, config, 1)
    ref_optimizer = make_optimizer(
        config.optimizer, config.learning_rate, config.momentum, config.nesterov
    )

    def reference_losses(part):
        losses = []
        for i in part:
            loss, grads = reference.loss_and_grad(X[i : i + 1], y[i : i + 1])
            ref_optimizer.update_params(reference.params, grads)
            losses.append(loss)
        return np.array(losses)

    chunks = [order[:64], order[64:128], order[128:]]
    np.testing.assert_allclose(step(chunks[0]), reference_losses(chunks[0]), rtol=1e-12)
    for m in (model, reference):  # keeps the units tied
        m.params["W2"] *= 0.5
        m.params["b1"] += 0.25
    np.testing.assert_allclose(step(chunks[1]), reference_losses(chunks[1]), rtol=1e-12)
    assert not step.untied
    assert_units_identical(model)
    for m in (model, reference):  # unties unit 3
        m.params["W1"][:, 3] += 0.01
    np.testing.assert_allclose(step(chunks[2]), reference_losses(chunks[2]), rtol=1e-12)
    assert step.untied
    for key, value in reference.params.items():
        np.testing.assert_allclose(model.params[key], value, rtol=0, atol=1e-12, err_msg=key)


def test_diverging_tied_run_restores_tied_finite_weights(digits):
    X, y = data(digits, 200)
    model = tied_model((10,), "identity")
    arrays = [id(v) for v in model.params.values()]
    history = fit(model, X, y, epochs=3, learning_rate=5.0, batch_size=1)
    assert history.end.status == "diverged"
    assert all(np.isfinite(v).all() for v in model.params.values())
    assert_units_identical(model)
    assert [id(v) for v in model.params.values()] == arrays
