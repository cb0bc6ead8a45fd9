"""The scikit-learn check: the parameter mapping, a real MLPClassifier run against the engine's,
epoch-by-epoch training equal to scikit-learn's own fit, and stopping between epochs."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine import History, RunConfig, TrainingControl, UpdateLosses, fit
from engine.experiments.framework_check import (
    SKLEARN_ACTIVATIONS,
    FrameworkCheckError,
    check_against_sklearn,
    epoch_mean_losses,
    sklearn_params,
)

# The lab's net (10 sigmoid units) with Nesterov momentum and mini-batches.
LAB_NET = RunConfig(
    hidden_sizes=(10,),
    activation="sigmoid",
    optimizer="sgd",
    learning_rate=0.1,
    momentum=0.9,
    nesterov=True,
    batch_size=32,
    epochs=10,
    seed=1,
)


def test_sgd_mapping():
    params = sklearn_params(LAB_NET)
    assert params == {
        "hidden_layer_sizes": (10,),
        "activation": "logistic",
        "solver": "sgd",
        "alpha": 0.0,
        "batch_size": 32,
        "learning_rate_init": 0.1,
        "learning_rate": "constant",
        "max_iter": 10,
        "shuffle": True,
        "random_state": 1,
        "early_stopping": False,
        "momentum": 0.9,
        "nesterovs_momentum": True,
    }


def test_adam_mapping_and_clipped_batch():
    config = LAB_NET.with_changes(optimizer="adam", activation="relu", batch_size=5000)
    params = sklearn_params(config, n_train=1527)
    assert params["solver"] == "adam" and params["activation"] == "relu"
    assert params["batch_size"] == 1527
    assert "momentum" not in params and "nesterovs_momentum" not in params


def test_every_mapped_activation_exists_in_sklearn():
    from sklearn.neural_network._base import ACTIVATIONS

    assert set(SKLEARN_ACTIVATIONS.values()) <= set(ACTIVATIONS)


def test_leaky_relu_is_refused_with_the_alternatives():
    with pytest.raises(FrameworkCheckError, match="no 'leaky_relu' activation; choose one of"):
        sklearn_params(LAB_NET.with_changes(activation="leaky_relu"))


def test_epoch_mean_losses_weight_the_short_last_batch():
    history = History.from_records([UpdateLosses(1, 1, np.arange(1.0, 8.0))])
    # 5 samples in batches of 2, 2, 1: three updates per epoch; the 7th update is an
    # unfinished epoch and is left out
    np.testing.assert_allclose(
        epoch_mean_losses(history, n_train=5, batch_size=2),
        [(2 * 1 + 2 * 2 + 1 * 3) / 5, (2 * 4 + 2 * 5 + 1 * 6) / 5],
    )


def test_sklearn_reaches_what_the_engine_reaches(digits):
    seen = []
    check = check_against_sklearn(LAB_NET, digits, progress=seen.append)
    assert check.status == "completed" and len(check.epochs) == 10 and seen == check.epochs
    final = check.final
    classifier = check.classifier
    np.testing.assert_array_equal(check.column("loss"), classifier.loss_curve_)
    assert final.test_accuracy == pytest.approx(classifier.score(digits.X_test, digits.y_test))
    assert final.train_accuracy == pytest.approx(classifier.score(digits.X_train, digits.y_train))

    model = LAB_NET.build_model()
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        digits.X_test,
        digits.y_test,
        epochs=10,
        learning_rate=0.1,
        momentum=0.9,
        nesterov=True,
        batch_size=32,
        seed=1,
    )
    ours = history.final
    assert ours.test_accuracy > 0.9 and final.test_accuracy > 0.9
    assert abs(ours.test_accuracy - final.test_accuracy) < 0.05
    assert final.train_loss == pytest.approx(ours.train_loss, rel=0.5)
    engine_curve = epoch_mean_losses(history, len(digits.y_train), 32)
    assert len(engine_curve) == 10
    assert engine_curve[-1] == pytest.approx(final.loss, rel=0.5)
    # the first epoch starts from near-chance weights in both: the loss of the whole epoch is
    # well above the last one
    assert check.epochs[0].loss > 2 * final.loss


def test_epoch_by_epoch_equals_sklearns_own_fit(digits):
    """Without shuffling, one partial_fit per epoch trains exactly as one uninterrupted fit:
    the optimizer's momentum carries over from epoch to epoch."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    config = LAB_NET.with_changes(epochs=3, shuffle=False)
    check = check_against_sklearn(config, digits)
    params = sklearn_params(config)
    reference = MLPClassifier(**{**params, "random_state": np.random.RandomState(config.seed)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(digits.X_train.astype(np.float64), digits.y_train)
    np.testing.assert_allclose(check.column("loss"), reference.loss_curve_, rtol=1e-12)
    for ours, theirs in zip(check.classifier.coefs_, reference.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_every_epoch_is_shuffled_in_a_new_order(digits, monkeypatch):
    from sklearn.neural_network import _multilayer_perceptron as sk_mlp

    orders = []

    def recording_shuffle(*args, **kwargs):
        order = original(*args, **kwargs)
        orders.append(order.copy())
        return order

    original = sk_mlp.shuffle
    monkeypatch.setattr(sk_mlp, "shuffle", recording_shuffle)
    check_against_sklearn(LAB_NET.with_changes(epochs=3), digits)
    assert len(orders) == 3
    n = len(digits.y_train)
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(n))
    # with an int random_state scikit-learn re-seeds at every call, and every epoch after the
    # first would repeat the second one's order
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])


def test_stop_between_epochs(digits):
    control = TrainingControl()

    def progress(record):
        if record.epoch == 2:
            control.stop()

    check = check_against_sklearn(LAB_NET, digits, control=control, progress=progress)
    assert check.status == "stopped"
    assert [e.epoch for e in check.epochs] == [1, 2]
    assert "before epoch 3" in check.reason


def test_divergence_is_reported(digits):
    config = LAB_NET.with_changes(
        activation="identity", learning_rate=100.0, momentum=0.0, epochs=3
    )
    check = check_against_sklearn(config, digits)
    assert check.status == "diverged"
    assert "diverged in epoch" in check.reason


def test_notes_mention_what_cannot_match():
    from engine.experiments.framework_check import mapping_notes

    notes = " ".join(mapping_notes(LAB_NET.with_changes(init="he")))
    assert "'he' initialization has no equivalent" in notes
    assert "alpha=0" in notes


def test_importing_the_new_modules_does_not_import_sklearn():
    code = (
        "import sys\n"
        "import engine.experiments.framework_check, engine.experiments.lab_questions\n"
        "import engine.files.numpy_export\n"
        "import engine.experiments.runs, engine.experiments.sweep\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.stdout.strip() == "[]"
