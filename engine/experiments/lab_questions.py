"""The lab's last questions, answered for the current model.

1. The negative log-likelihood of test sample 42.
2. The average NLL over the test set.
3. The average NLL over the training set, next to the loss scikit-learn's ``log_loss`` reports
   for the same predicted probabilities (they agree: it is the same quantity).
4. Does the model over- or underfit? ``fit_diagnosis`` judges it from the train and test curves
   and says why, with the figures.

scikit-learn is imported inside ``lab_answers`` only.
"""

import math
from dataclasses import dataclass

import numpy as np

from engine.core.mlp import MLP
from engine.data.digits import LAB_SAMPLE, N_CLASSES, DigitsSplit
from engine.experiments.analysis import per_sample_loss
from engine.training.history import History

# Thresholds of the diagnosis.
MIN_EPOCHS = 3  # fewer end-of-epoch evaluations: too early to tell
UNDERFIT_ACCURACY = 0.90  # train accuracy below this: the model does not fit its training set
GAP_POINTS = 5.0  # train accuracy above test accuracy by more points than this: overfitting
RISE_FRACTION = 0.10  # test loss this much above its minimum, train loss still falling
STILL_FALLING = 0.05  # train and test loss fell this fraction over the last epoch: still learning

VERDICTS = ("overfitting", "underfitting", "good fit", "too early to tell")


@dataclass(frozen=True)
class LabAnswers:
    """The answers; NLLs are natural-log means over samples."""

    sample_index: int
    sample_label: int
    sample_prediction: int
    sample_probability: float  # of the true class
    nll_sample: float
    test_nll: float
    train_nll: float
    framework_train_nll: float  # sklearn.metrics.log_loss on the same probabilities

    @property
    def agree(self) -> bool:
        """Whether our training NLL and scikit-learn's ``log_loss`` agree (to 1e-6)."""
        return math.isclose(self.train_nll, self.framework_train_nll, rel_tol=1e-6, abs_tol=1e-9)

    def lines(self) -> list[str]:
        """The answers as sentences."""
        return [
            f"NLL of test sample {self.sample_index} ({_article(self.sample_label)} "
            f"{self.sample_label}, predicted "
            f"{self.sample_prediction}, p = {self.sample_probability:.4f}): {self.nll_sample:.4f}",
            f"Average NLL over the test set: {self.test_nll:.4f}",
            f"Average NLL over the training set: {self.train_nll:.4f}; scikit-learn's log_loss "
            f"on the same predictions: {self.framework_train_nll:.4f} "
            + ("(they agree)" if self.agree else "(they differ!)"),
        ]


def _article(number: int) -> str:
    """'an' before a number read with a vowel sound (8, 11, 18, 80...), else 'a'."""
    text = str(number)
    return "an" if text.startswith("8") or text in ("11", "18") else "a"


def lab_answers(model: MLP, data: DigitsSplit, sample: int = LAB_SAMPLE) -> LabAnswers:
    """Answer questions 1-3 for ``model`` on the lab's split (test sample ``sample``)."""
    from sklearn.metrics import log_loss

    if not 0 <= sample < len(data.y_test):
        raise ValueError(f"the test set has samples 0..{len(data.y_test) - 1}, not {sample}")
    test_losses = per_sample_loss(model, data.X_test, data.y_test)
    train_losses = per_sample_loss(model, data.X_train, data.y_train)
    proba = model.predict_proba(data.X_test[sample])
    label = int(data.y_test[sample])
    framework = log_loss(data.y_train, model.predict_proba(data.X_train), labels=range(N_CLASSES))
    return LabAnswers(
        sample_index=sample,
        sample_label=label,
        sample_prediction=int(np.argmax(proba)),
        sample_probability=float(proba[label]),
        nll_sample=float(test_losses[sample]),
        test_nll=float(test_losses.mean()),
        train_nll=float(train_losses.mean()),
        framework_train_nll=float(framework),
    )


def fit_diagnosis(history: History) -> tuple[str, str]:
    """Judge over- or underfitting from the end-of-epoch train and test curves.

    Returns
    -------
    verdict : one of ``VERDICTS``.
    reason : why, with the figures.

    In order: too few epochs or no test set -> too early to tell; train accuracy below
    ``UNDERFIT_ACCURACY`` -> underfitting; test loss risen ``RISE_FRACTION`` above its minimum
    while the train loss kept falling, or a train-test accuracy gap above ``GAP_POINTS`` ->
    overfitting; both losses still falling fast -> underfitting; otherwise a good fit.
    """
    epochs = history.epochs
    if len(epochs) < MIN_EPOCHS:
        return "too early to tell", (
            f"only {len(epochs)} epoch(s) completed; train at least {MIN_EPOCHS} to judge"
        )
    last = epochs[-1]
    if math.isnan(last.test_loss):
        return "too early to tell", "there is no test set to compare the training set with"
    train_loss = np.array([e.train_loss for e in epochs])
    test_loss = np.array([e.test_loss for e in epochs])
    train_pct, test_pct = 100 * last.train_accuracy, 100 * last.test_accuracy
    gap = train_pct - test_pct
    accuracies = f"train accuracy {train_pct:.1f}%, test {test_pct:.1f}%"

    if last.train_accuracy < UNDERFIT_ACCURACY:
        return "underfitting", (
            f"{accuracies}: the model does not even fit its training set "
            f"(train loss {last.train_loss:.3f}); train longer, change the learning rate or "
            "add hidden units"
        )
    best = int(np.argmin(test_loss))
    if test_loss[-1] > (1 + RISE_FRACTION) * test_loss[best] and train_loss[-1] < train_loss[best]:
        return "overfitting", (
            f"the test loss rose from {test_loss[best]:.3f} (epoch {epochs[best].epoch}) to "
            f"{test_loss[-1]:.3f} (epoch {last.epoch}) while the train loss fell from "
            f"{train_loss[best]:.3f} to {train_loss[-1]:.3f}; {accuracies}"
        )
    if gap > GAP_POINTS:
        return "overfitting", (
            f"{accuracies}: a gap of {gap:.1f} points; the model learns its training samples "
            "better than it generalises"
        )
    train_drop = 1 - train_loss[-1] / train_loss[-2] if train_loss[-2] > 0 else 0.0
    test_drop = 1 - test_loss[-1] / test_loss[-2] if test_loss[-2] > 0 else 0.0
    if train_drop > STILL_FALLING and test_drop > STILL_FALLING:
        return "underfitting", (
            f"still learning: in the last epoch the train loss fell {100 * train_drop:.0f}% "
            f"(to {train_loss[-1]:.3f}) and the test loss {100 * test_drop:.0f}% "
            f"(to {test_loss[-1]:.3f}); more epochs should help. {accuracies}"
        )
    return "good fit", (
        f"{accuracies} (a gap of {gap:.1f} points), and the test loss {test_loss[-1]:.3f} is "
        f"near its lowest, {test_loss[best]:.3f} at epoch {epochs[best].epoch}"
    )
