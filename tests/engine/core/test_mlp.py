"""The model: shapes, the lab's API, backprop against finite differences, initializations."""

import numpy as np
import pytest

from engine import ACTIVATIONS, INITIALIZERS, MLP, get_activation, gradient_check, one_hot
from engine.core.functions import nll

DEPTHS = [(), (7,), (6, 5)]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("hidden", DEPTHS)
def test_backprop_matches_finite_differences_on_a_batch(digits, activation, hidden):
    model = MLP(64, hidden, 10, activation=activation, init="normal", init_scale=0.5, seed=3)
    errors = gradient_check(model, digits.X_train[:6], digits.y_train[:6])
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("hidden", DEPTHS)
def test_backprop_matches_finite_differences_for_one_sample(digits, activation, hidden):
    model = MLP(64, hidden, 10, activation=activation, init="normal", init_scale=0.5, seed=4)
    x, y = digits.X_train[11], int(digits.y_train[11])
    errors = gradient_check(model, x, y)
    assert max(errors.values()) < 1e-6, errors
    grads = model.grad_loss(x, y)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in model.params.items()}


def test_gradient_check_detects_a_wrong_gradient(digits, monkeypatch):
    model = MLP(64, (5,), 10, init="normal", init_scale=0.5)
    real = model.loss_and_grad

    def broken(X, y):
        loss, grads = real(X, y)
        grads["W1"] = grads["W1"] * 1.01
        return loss, grads

    monkeypatch.setattr(model, "loss_and_grad", broken)
    assert gradient_check(model, digits.X_train[:4], digits.y_train[:4])["W1"] > 1e-3


def test_forward_shapes_and_lab_api(digits):
    model = MLP(64, (10,), 10)
    one = model.forward(digits.X_train[0])
    batch = model.forward(digits.X_train[:5])
    assert one.shape == (10,) and batch.shape == (5, 10)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0)
    Y, activations, pre = model.forward_keep_activations(digits.X_train[0])
    assert Y.shape == (10,) and activations[1].shape == (10,) and pre[0].shape == (10,)
    assert isinstance(model.predict(digits.X_train[0]), int)
    assert model.predict(digits.X_train[:5]).shape == (5,)
    # loss is the mean NLL of the lab
    expected = nll(one_hot(10, digits.y_train[:5]), batch)
    assert model.loss(digits.X_train[:5], digits.y_train[:5]) == pytest.approx(expected)
    assert 0 <= model.accuracy(digits.X_test, digits.y_test) <= 1


def test_params_are_live_and_ordered():
    model = MLP(64, (16, 8), 10)
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.params["W1"].shape == (64, 16) and model.params["b3"].shape == (10,)
    x = np.ones(64)
    before = model.forward(x)
    model.params["b3"][2] += 5.0
    assert model.forward(x)[2] > before[2]


def test_train_is_one_sgd_step_worked_by_hand():
    # logistic regression with zero weights: p = uniform 1/3, gradient of W = x^T (p - onehot)
    model = MLP(2, (), 3, init="zeros")
    x, y, lr = np.array([1.0, 2.0]), 1, 0.5
    loss = model.train(x, y, lr)
    assert loss == pytest.approx(np.log(3))
    # dZ = [1/3, -2/3, 1/3]; W -= 0.5 * outer(x, dZ)
    expected_W = -0.5 * np.outer(x, [1 / 3, -2 / 3, 1 / 3])
    np.testing.assert_allclose(model.params["W1"], expected_W)
    np.testing.assert_allclose(model.params["b1"], -0.5 * np.array([1 / 3, -2 / 3, 1 / 3]))


@pytest.mark.parametrize("init", list(INITIALIZERS))
def test_initializers_are_seeded_and_scaled(init):
    a, b = MLP(64, (32,), 10, init=init, seed=1), MLP(64, (32,), 10, init=init, seed=1)
    c = MLP(64, (32,), 10, init=init, seed=2)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not a.params["b1"].any()
    if init == "zeros":
        assert not a.params["W1"].any()
    else:
        assert not np.array_equal(a.params["W1"], c.params["W1"])
    if init == "uniform":
        assert np.abs(a.params["W1"]).max() <= 0.01


def test_uniform_scale_is_adjustable():
    model = MLP(64, (10,), 10, init="uniform", init_scale=0.5, seed=0)
    assert 0.4 < np.abs(model.params["W1"]).max() <= 0.5


def test_unknown_names_are_refused_with_the_allowed_list():
    with pytest.raises(ValueError, match="sigmoid, tanh, relu, leaky_relu, identity"):
        get_activation("swish")
    with pytest.raises(ValueError, match="zeros, uniform"):
        MLP(64, (10,), 10, init="orthogonal")


def test_copy_is_independent():
    model = MLP(64, (10,), 10)
    clone = model.copy()
    clone.params["W1"] += 1
    assert not np.allclose(clone.params["W1"], model.params["W1"])
