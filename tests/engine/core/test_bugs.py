"""The deliberate backprop bugs: each breaks what it says, the gradient check finds it at the
layer it documents, and a short training run shows it; without a bug everything is correct."""

import numpy as np
import pytest

from engine import ACTIVATIONS, MLP, READABLE, RunConfig, run_training
from engine.core.bugs import BUGS, Bug, buggy_backward, get_bug
from engine.core.gradient_check import check_gradients
from engine.training.loop import EXPLOSION_FACTOR
from engine.training.records import Evaluation, RunStarted

HIDDEN = [(7,), (6, 5), (6, 5, 4)]
CORRECT = Bug("correct", "", "", "")  # replaces no step


def sample_or_batch(digits, batch: bool):
    if batch:
        return digits.X_train[:6], digits.y_train[:6]
    return digits.X_train[11], int(digits.y_train[11])


def backward_with(model: MLP, bug: str | Bug, X, y):
    Y, activations, pre_activations = model.forward_keep_activations(X)
    return buggy_backward(model, bug, Y, activations, pre_activations, y)


# --- the registry -------------------------------------------------------------------------------


def test_every_bug_explains_itself():
    assert set(BUGS) == {
        "no_derivative",
        "activation_not_derivative",
        "no_bias_gradient",
        "no_transpose",
        "wrong_sign",
    }
    for name, bug in BUGS.items():
        assert bug.name == name and get_bug(name) is bug
        assert 0 < len(bug.label) <= 32, bug.label  # fits a combo box
        assert len(bug.explanation) > 200 and "\n" not in bug.explanation
        assert bug.breaks
        assert repr(bug) == f"Bug({name!r})"


def test_unknown_bugs_are_refused_with_the_allowed_ones(digits):
    with pytest.raises(ValueError, match="unknown bug 'typo'.*no_derivative.*wrong_sign"):
        get_bug("typo")
    model = MLP(64, (5,), 10)
    model.bug = "typo"
    with pytest.raises(ValueError, match="choose one of: no_derivative"):
        model.grad_loss(digits.X_train[0], 1)


@pytest.mark.parametrize(
    ("name", "first", "broken"),
    [
        ("no_derivative", 2, ("W1", "b1", "W2", "b2")),
        ("activation_not_derivative", 2, ("W1", "b1", "W2", "b2")),
        ("no_transpose", 2, ("W1", "b1", "W2", "b2")),
        ("no_bias_gradient", 3, ("b1", "b2", "b3")),
        ("wrong_sign", 3, ("W1", "b1", "W2", "b2", "W3", "b3")),
    ],
)
def test_which_layers_each_bug_breaks(name, first, broken):
    bug = BUGS[name]
    assert bug.first_broken_layer(3) == first
    assert bug.broken_params(3) == broken
    if bug.hidden_only:  # nothing to break without hidden layers
        assert bug.broken_layers(1) == () and bug.first_broken_layer(1) is None


# --- the arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_a_bug_that_replaces_nothing_is_mlp_backward_bit_for_bit(digits, activation, batch):
    model = MLP(64, (6, 5), 10, activation=activation, init="normal", init_scale=0.5)
    X, y = sample_or_batch(digits, batch)
    grads, deltas = backward_with(model, CORRECT, X, y)
    Y, activations, pre_activations = model.forward_keep_activations(X)
    expected_grads, expected_deltas = model.backward(Y, activations, pre_activations, y)
    for key in model.params:
        np.testing.assert_array_equal(grads[key], expected_grads[key])
    for delta, expected in zip(deltas, expected_deltas, strict=True):
        np.testing.assert_array_equal(delta, expected)


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("name", list(BUGS))
def test_each_bug_changes_exactly_the_gradients_it_says(digits, name, hidden, batch):
    model = MLP(64, hidden, 10, init="normal", init_scale=0.5, seed=1)
    X, y = sample_or_batch(digits, batch)
    correct = model.grad_loss(X, y)
    model.bug = name
    buggy = model.grad_loss(X, y)
    broken = BUGS[name].broken_params(model.n_layers)
    for key in model.params:
        assert buggy[key].shape == correct[key].shape
        if key in broken:
            assert not np.allclose(buggy[key], correct[key], rtol=1e-3, atol=0), key
        else:
            np.testing.assert_array_equal(buggy[key], correct[key], err_msg=key)


def test_the_wrong_sign_negates_every_gradient_exactly(digits):
    model = MLP(64, (6, 5), 10, init="normal", init_scale=0.5)
    X, y = digits.X_train[:5], digits.y_train[:5]
    correct = model.grad_loss(X, y)
    model.bug = "wrong_sign"
    for key, grad in model.grad_loss(X, y).items():
        np.testing.assert_array_equal(grad, -correct[key])


def test_forgetting_f_prime_changes_nothing_in_a_linear_network(digits):
    model = MLP(64, (6, 5), 10, activation="identity", init="normal", init_scale=0.5)
    X, y = digits.X_train[:5], digits.y_train[:5]
    correct = model.grad_loss(X, y)
    model.bug = "no_derivative"
    for key, grad in model.grad_loss(X, y).items():
        np.testing.assert_array_equal(grad, correct[key])


def test_no_transpose_is_delta_times_w_when_square_and_still_runs_when_not(digits):
    # the lab's network: the output layer is 10 x 10, so the mistake is literally δ W
    model = MLP(64, (10,), 10, init="normal", init_scale=0.5)
    X, y = digits.X_train[:3], digits.y_train[:3]
    Y, activations, _ = model.forward_keep_activations(X)
    _, deltas = backward_with(model, "no_transpose", X, y)
    A1, W2 = activations[1], model.params["W2"]
    expected = (deltas[1] @ W2) * A1 * (1 - A1)  # δ W instead of δ Wᵀ
    np.testing.assert_allclose(deltas[0], expected, rtol=1e-12)
    # 7 -> 5 -> 3 -> 10: no square layer; W (n_in, n_out) is read as (n_out, n_in)
    model = MLP(64, (7, 5, 3), 10, init="normal", init_scale=0.5)
    _, deltas = backward_with(model, "no_transpose", X, y)
    assert [d.shape for d in deltas] == [(3, 7), (3, 5), (3, 3), (3, 10)]
    Y, activations, _ = model.forward_keep_activations(X)
    A3, W4 = activations[3], model.params["W4"]
    expected = (deltas[3] @ W4.reshape(10, 3)) * A3 * (1 - A3)
    np.testing.assert_allclose(deltas[2], expected, rtol=1e-12)


# --- the gradient check finds each bug where it says ---------------------------------------------


@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("name", list(BUGS))
def test_the_gradient_check_fails_at_the_documented_layer(digits, name, hidden, batch):
    model = MLP(64, hidden, 10, init="normal", init_scale=0.5, seed=2)
    X, y = sample_or_batch(digits, batch)
    assert check_gradients(model, X, y).passed
    model.bug = name
    bug = BUGS[name]
    check = check_gradients(model, X, y)
    assert not check.passed
    assert check.first_failing_layer == bug.first_broken_layer(model.n_layers)
    assert check.failing == bug.broken_params(model.n_layers)
    assert check.worst.max_relative_error > 1e-3
    model.bug = None
    assert check_gradients(model, X, y).passed


# --- training shows each bug -----------------------------------------------------------------


def train_two_epochs(digits, bug: str | None, hidden=(32, 16), init="glorot"):
    """Two epochs of the lab's SGD (lr 0.1, one sample at a time) on the readable code."""
    model = MLP(64, hidden, 10, init=init, seed=0)
    model.bug = bug
    records = list(
        run_training(
            model, digits.X_train, digits.y_train, config=RunConfig(epochs=2), engine=READABLE
        )
    )
    evaluations = [r for r in records if isinstance(r, Evaluation)]
    assert records[0].trained_by == READABLE
    if bug != "wrong_sign":
        assert records[-1].status == "completed"
    return model, [e.train_loss for e in evaluations]


@pytest.fixture(scope="module")
def correct_losses(digits):
    return train_two_epochs(digits, None)[1]


@pytest.mark.parametrize("name", ["no_derivative", "activation_not_derivative", "no_transpose"])
def test_a_hidden_layer_bug_slows_training_down(digits, correct_losses, name):
    # measured after 2 epochs, over seeds 0-3: 2.4-4.0x (no_derivative), 3.5-5.1x
    # (activation_not_derivative), 1.5-2.1x (no_transpose) the correct run's loss
    _, losses = train_two_epochs(digits, name)
    assert correct_losses[-1] < 0.3
    assert losses[-1] > 1.3 * correct_losses[-1]


def test_the_wrong_sign_makes_training_climb_the_loss_until_the_run_stops(digits, correct_losses):
    model = MLP(64, (32, 16), 10, init="glorot", seed=0)
    initial = {key: value.copy() for key, value in model.params.items()}
    model.bug = "wrong_sign"
    records = list(run_training(model, digits.X_train, digits.y_train, config=RunConfig(epochs=2)))
    losses = [r.train_loss for r in records if isinstance(r, Evaluation)]
    assert correct_losses[-1] < correct_losses[0]
    assert losses[0] == correct_losses[0]
    # gradient ascent: the loss climbs past 100x the initial one in the first epoch, and the
    # run ends there as diverged, back to the only sound weights (the initial ones)
    assert losses[1] > EXPLOSION_FACTOR * losses[0]
    end = records[-1]
    assert (end.status, end.epochs_completed, end.weights_from_update) == ("diverged", 1, 0)
    assert "overshoot" in end.reason and "smaller learning rate" in end.reason
    for key, value in initial.items():
        np.testing.assert_array_equal(model.params[key], value)


def test_without_the_bias_gradient_the_biases_never_move(digits):
    model, _ = train_two_epochs(digits, "no_bias_gradient", hidden=(10,), init="uniform")
    for layer in (1, 2):
        np.testing.assert_array_equal(model.params[f"b{layer}"], 0.0)
    assert np.any(model.params["W1"] != 0.0)
    healthy, _ = train_two_epochs(digits, None, hidden=(10,), init="uniform")
    assert all(np.any(healthy.params[f"b{layer}"] != 0.0) for layer in (1, 2))


def test_without_the_bias_gradient_a_threshold_cannot_be_learned():
    # One feature x in (0, 2), class 1 when x > 1: logistic regression needs its bias for the
    # threshold. Without it z_1 - z_0 = (w_1 - w_0) x has one sign for every x > 0, so every
    # sample gets the same class.
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 2.0, size=(200, 1))
    y = (x[:, 0] > 1.0).astype(int)
    accuracies = {}
    for bug in (None, "no_bias_gradient"):
        model = MLP(1, (), 2, init="zeros")
        model.bug = bug
        for _ in range(300):
            model.train(x, y, learning_rate=2.0)
        accuracies[bug] = model.accuracy(x, y)
    assert accuracies[None] > 0.9
    assert accuracies["no_bias_gradient"] <= max(np.mean(y), 1 - np.mean(y))


def test_a_bug_keeps_training_on_the_readable_code(digits):
    # the fast kernels cannot make the mistake, so a model with a bug must not use them
    model = MLP(64, (10,), 10)
    model.bug = "wrong_sign"
    config = RunConfig(epochs=1, batch_size=32)
    started = next(iter(run_training(model, digits.X_train, digits.y_train, config=config)))
    assert isinstance(started, RunStarted) and started.trained_by == READABLE
