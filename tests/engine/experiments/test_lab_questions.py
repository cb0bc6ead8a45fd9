"""The lab's last questions: NLLs checked against plain NumPy, and the over/underfitting verdict
on synthetic train and test curves, one per verdict."""

import math

import numpy as np
import pytest

from engine import History, RunConfig, fit
from engine.experiments.lab_questions import VERDICTS, fit_diagnosis, lab_answers
from engine.training.loop import Evaluation


@pytest.fixture(scope="module")
def model(digits):
    model = RunConfig(hidden_sizes=(10,)).build_model()
    fit(model, digits.X_train, digits.y_train, epochs=2, learning_rate=0.5, batch_size=16)
    return model


def test_answers_match_plain_numpy(model, digits):
    answers = lab_answers(model, digits)
    P_test = model.forward(digits.X_test)
    P_train = model.forward(digits.X_train)
    y42 = digits.y_test[42]
    assert answers.sample_label == y42
    assert answers.sample_prediction == np.argmax(P_test[42])
    assert answers.sample_probability == pytest.approx(P_test[42, y42], rel=1e-12)
    assert answers.nll_sample == pytest.approx(-np.log(P_test[42, y42]), rel=1e-9)
    rows = np.arange(len(digits.y_test))
    assert answers.test_nll == pytest.approx(-np.log(P_test[rows, digits.y_test]).mean(), rel=1e-9)
    rows = np.arange(len(digits.y_train))
    train_nll = -np.log(P_train[rows, digits.y_train]).mean()
    assert answers.train_nll == pytest.approx(train_nll, rel=1e-9)
    assert answers.framework_train_nll == pytest.approx(train_nll, rel=1e-9)
    assert answers.agree
    # a trained model does far better than chance, log(10) = 2.30
    assert answers.train_nll < 1.0


def test_answers_read_as_sentences(model, digits):
    lines = lab_answers(model, digits, sample=3).lines()
    assert len(lines) == 3
    assert lines[0].startswith(f"NLL of test sample 3 (a {digits.y_test[3]}")
    assert lines[2].endswith("(they agree)")


def test_sample_out_of_range_is_refused(model, digits):
    with pytest.raises(ValueError, match="samples 0..269"):
        lab_answers(model, digits, sample=270)


def history_from(train_loss, test_loss, train_acc, test_acc) -> History:
    history = History()
    for epoch, figures in enumerate(zip(train_loss, train_acc, test_loss, test_acc, strict=True)):
        history.add(Evaluation(epoch + 1, 10 * (epoch + 1), epoch + 1, *figures, end_of_epoch=True))
    return history


CASES = {
    "test loss rising": (
        [0.50, 0.20, 0.10, 0.05, 0.02],
        [0.50, 0.25, 0.20, 0.24, 0.30],
        [0.85, 0.95, 0.97, 0.99, 1.00],
        [0.83, 0.92, 0.94, 0.94, 0.94],
    ),
    "accuracy gap": (
        [0.50, 0.30, 0.20, 0.19, 0.185],
        [0.80, 0.60, 0.55, 0.54, 0.535],
        [0.90, 0.95, 0.99, 0.99, 0.99],
        [0.80, 0.85, 0.88, 0.89, 0.89],
    ),
    "low train accuracy": (
        [2.3, 2.1, 1.9, 1.85, 1.8],
        [2.3, 2.1, 1.9, 1.86, 1.82],
        [0.2, 0.4, 0.5, 0.55, 0.6],
        [0.2, 0.4, 0.5, 0.55, 0.6],
    ),
    "still learning": (
        [0.80, 0.50, 0.35, 0.25, 0.20],
        [0.80, 0.52, 0.38, 0.28, 0.24],
        [0.80, 0.88, 0.91, 0.93, 0.95],
        [0.80, 0.87, 0.90, 0.92, 0.93],
    ),
    "settled": (
        [0.50, 0.20, 0.10, 0.06, 0.058],
        [0.50, 0.25, 0.15, 0.12, 0.118],
        [0.85, 0.95, 0.98, 0.99, 0.99],
        [0.83, 0.93, 0.96, 0.965, 0.965],
    ),
}


@pytest.mark.parametrize(
    "case, verdict, figures",
    [
        ("test loss rising", "overfitting", ["0.200 (epoch 3)", "0.300 (epoch 5)", "0.020"]),
        ("accuracy gap", "overfitting", ["99.0%", "89.0%", "10.0 points"]),
        ("low train accuracy", "underfitting", ["60.0%", "train loss 1.800"]),
        ("still learning", "underfitting", ["fell 20%", "to 0.200", "14%"]),
        ("settled", "good fit", ["99.0%", "96.5%", "2.5 points", "0.118 at epoch 5"]),
    ],
)
def test_diagnosis_of_each_kind_of_curve(case, verdict, figures):
    got, reason = fit_diagnosis(history_from(*CASES[case]))
    assert got == verdict
    for figure in figures:
        assert figure in reason


def test_too_early_to_tell():
    short = history_from([0.5, 0.2], [0.5, 0.3], [0.8, 0.9], [0.8, 0.9])
    assert fit_diagnosis(short)[0] == "too early to tell"
    assert "only 2 epoch(s)" in fit_diagnosis(short)[1]
    nan = [math.nan] * 4
    no_test = history_from([0.5, 0.2, 0.1, 0.05], nan, [0.8, 0.9, 0.95, 0.97], nan)
    assert fit_diagnosis(no_test) == (
        "too early to tell",
        "there is no test set to compare the training set with",
    )
    assert fit_diagnosis(History())[0] in VERDICTS


def test_diagnosis_uses_epoch_ends_only():
    history = history_from(*CASES["settled"])
    # mid-epoch evaluations (end_of_epoch False) are not epochs and change nothing
    history.evaluations.insert(0, Evaluation(0, 0, 0.0, 2.3, 0.1, 2.3, 0.1))
    assert fit_diagnosis(history)[0] == "good fit"
