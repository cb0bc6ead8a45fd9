"""The entrywise gradient check: healthy networks pass, every deliberate bug fails where it
should, and the caller's model is never touched."""

import numpy as np
import pytest

from engine import ACTIVATIONS, MLP, gradient_check, numerical_gradient
from engine.core.bugs import BUGS
from engine.core.gradient_check import (
    DEFAULT_TOLERANCE,
    RELATIVE_ERROR_FLOOR,
    check_gradients,
)

DEPTHS = [(), (7,), (6, 5), (6, 5, 4)]
KINKED = ("relu", "leaky_relu")


def kink_margin(model: MLP, X: np.ndarray) -> float:
    """Smallest |z| of a hidden pre-activation: relu and leaky relu have a kink at 0."""
    Z = model.forward_keep_activations(np.asarray(X, dtype=np.float64))[2][:-1]
    return min((float(np.abs(z).min()) for z in Z), default=np.inf)


def away_from_kinks(activation: str, hidden: tuple, X: np.ndarray, **kwargs) -> MLP:
    """The first seed's network whose hidden pre-activations all keep |z| > 1e-3 on ``X``.

    A nudge of eps = 1e-6 moves a pre-activation by about eps * |x| <= 4e-5, so no finite
    difference then straddles the kink of relu or leaky relu at 0 (smooth activations: seed 0).
    """
    for seed in range(20):
        model = MLP(64, hidden, 10, activation=activation, seed=seed, **kwargs)
        if activation not in KINKED or kink_margin(model, X) > 1e-3:
            return model
    raise AssertionError("no seed keeps the pre-activations away from 0")


def sample_or_batch(digits, batch: bool):
    if batch:
        return digits.X_train[:6], digits.y_train[:6]
    return digits.X_train[11], int(digits.y_train[11])


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", DEPTHS, ids=str)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(("init", "scale"), [("normal", 0.5), ("glorot", 1.0)])
def test_healthy_networks_pass(digits, activation, hidden, batch, init, scale):
    X, y = sample_or_batch(digits, batch)
    model = away_from_kinks(activation, hidden, X, init=init, init_scale=scale)
    check = check_gradients(model, X, y)
    assert check.passed, check.worst
    assert check.failing == () and check.first_failing_layer is None
    assert [array.name for array in check.arrays] == list(model.params)
    assert check.worst.max_relative_error < DEFAULT_TOLERANCE
    # measured at most 2.5e-7 over these networks: the floor keeps round-off well below
    assert check.worst.max_relative_error < 5e-7


def test_the_floor_keeps_vanishing_gradients_from_failing_a_healthy_network(digits):
    # The lab's uniform(-0.01, 0.01) weights in a deep sigmoid network: the first layers'
    # gradients (about 1e-9) are as small as the finite differences' round-off.
    model = MLP(64, (6, 5, 4), 10, init="uniform", seed=0)
    X, y = digits.X_train[:6], digits.y_train[:6]
    assert check_gradients(model, X, y).passed
    without_floor = check_gradients(model, X, y, floor=1e-300)
    assert not without_floor.passed
    assert without_floor.worst.layer == 1 and abs(without_floor.worst.backprop) < 1e-7


def test_entries_that_are_zero_both_ways_score_zero(digits):
    # zero weights: nothing reaches W1 (W2 = 0), so both gradients of W1 are exactly 0
    model = MLP(64, (5,), 10, init="zeros")
    check = check_gradients(model, digits.X_train[:3], digits.y_train[:3])
    assert check.passed
    assert check["W1"].max_relative_error == 0.0 and check["W1"].normwise_error == 0.0


def test_an_array_check_reports_its_worst_entry(digits):
    model = MLP(64, (7,), 10, init="normal", init_scale=0.5, seed=1)
    model.bug = "no_derivative"
    X, y = digits.X_train[:4], digits.y_train[:4]
    check = check_gradients(model, X, y)
    analytic = model.grad_loss(X.astype(np.float64), y)
    model.bug = None
    numeric = numerical_gradient(model, X.astype(np.float64), y)
    worst = check.worst
    assert worst.name in ("W1", "b1") and worst.layer == 1 and not worst.passed
    assert worst.backprop == analytic[worst.name][worst.worst_index]
    assert worst.numerical == pytest.approx(numeric[worst.name][worst.worst_index], abs=1e-8)
    a, n = analytic[worst.name], numeric[worst.name]
    entrywise = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), RELATIVE_ERROR_FLOOR)
    assert worst.max_relative_error == pytest.approx(entrywise.max(), rel=1e-6)
    normwise = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))
    assert worst.normwise_error == pytest.approx(normwise, rel=1e-6)
    assert check["W2"].passed and check["b2"].passed
    with pytest.raises(KeyError):
        check["W3"]


@pytest.mark.parametrize("name", list(BUGS))
def test_each_bug_fails_the_check_on_the_lab_network(digits, name):
    model = MLP(64, (10,), 10, init="normal", init_scale=0.5, seed=2)
    model.bug = name
    check = check_gradients(model, digits.X_train[:5], digits.y_train[:5])
    assert not check.passed
    assert check.first_failing_layer == BUGS[name].first_broken_layer(model.n_layers)
    assert check.worst.max_relative_error > 1e-3


def test_the_callers_model_is_never_changed_and_keeps_its_bug(digits):
    model = MLP(64, (6, 5), 10, init="normal", init_scale=0.5)
    model.params = {key: value.astype(np.float32) for key, value in model.params.items()}
    model.bug = "no_bias_gradient"
    before = {key: value.copy() for key, value in model.params.items()}
    check = check_gradients(model, digits.X_train[:4], digits.y_train[:4])
    assert not check.passed  # the copy kept the bug
    assert check.failing == ("b1", "b2", "b3")
    assert model.bug == "no_bias_gradient"
    for key, value in model.params.items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, before[key])


def test_the_normwise_check_is_kept_and_agrees(digits):
    model = MLP(64, (7,), 10, init="normal", init_scale=0.5, seed=2)
    X, y = digits.X_train[:4], digits.y_train[:4]
    errors = gradient_check(model, X, y)
    check = check_gradients(model, X, y)
    assert set(errors) == set(model.params)
    for array in check.arrays:
        assert array.normwise_error == pytest.approx(errors[array.name], rel=1e-6, abs=1e-12)
    model.bug = "wrong_sign"
    assert min(gradient_check(model, X, y).values()) == pytest.approx(1.0)
