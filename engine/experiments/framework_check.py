"""Back to a framework: the same run trained by scikit-learn's ``MLPClassifier``.

``sklearn_params`` maps a ``RunConfig`` onto ``MLPClassifier``'s parameters (refusing what it
cannot express); ``check_against_sklearn`` trains it one epoch per ``partial_fit`` call, so it can
be stopped between epochs and reports every epoch's figures, computed as the engine computes its
own. scikit-learn is imported inside the functions, never when this module is imported.

Why ``partial_fit`` and not ``fit(max_iter=1, warm_start=True)``: in scikit-learn 1.9 a
``fit`` call builds a new optimizer, so momentum velocities and Adam's moments would be reset
every epoch; ``partial_fit`` keeps them and runs exactly one shuffled, mini-batched epoch.
Both re-create the random generator from ``random_state`` at every call, so with an int seed
every epoch after the first would be shuffled in the same order; a ``RandomState`` instance is
passed instead, which carries on from one epoch to the next as the engine's generator does.
"""

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.core.functions import nll, one_hot
from engine.data.digits import N_CLASSES, DigitsSplit
from engine.training.config import RunConfig
from engine.training.control import TrainingControl
from engine.training.history import History
from engine.training.loop import updates_per_epoch

# Engine activation -> MLPClassifier's name for it; leaky_relu has none.
SKLEARN_ACTIVATIONS: dict[str, str] = {
    "sigmoid": "logistic",
    "tanh": "tanh",
    "relu": "relu",
    "identity": "identity",
}


class FrameworkCheckError(ValueError):
    """A configuration scikit-learn cannot reproduce; the message says why."""


def sklearn_params(config: RunConfig, n_train: int | None = None) -> dict[str, Any]:
    """``MLPClassifier`` keyword arguments for ``config`` (``random_state`` as the int seed).

    ``n_train`` clips the batch size to the training set, as the engine does.
    """
    if config.activation not in SKLEARN_ACTIVATIONS:
        raise FrameworkCheckError(
            f"scikit-learn's MLPClassifier has no {config.activation!r} activation; "
            f"choose one of {', '.join(SKLEARN_ACTIVATIONS)} to compare"
        )
    batch_size = config.batch_size if n_train is None else min(config.batch_size, n_train)
    params: dict[str, Any] = {
        "hidden_layer_sizes": tuple(config.hidden_sizes),
        "activation": SKLEARN_ACTIVATIONS[config.activation],
        "solver": config.optimizer,
        "alpha": 0.0,
        "batch_size": batch_size,
        "learning_rate_init": config.learning_rate,
        "learning_rate": "constant",
        "max_iter": config.epochs,
        "shuffle": config.shuffle,
        "random_state": config.seed,
        "early_stopping": False,
    }
    if config.optimizer == "sgd":
        params["momentum"] = config.momentum
        params["nesterovs_momentum"] = config.nesterov  # scikit-learn's default is True
    return params


def mapping_notes(config: RunConfig) -> list[str]:
    """What the scikit-learn run cannot match exactly, in sentences for the user."""
    notes = [
        f"initialization: scikit-learn draws its own Glorot-uniform weights and biases; the "
        f"engine's {config.init!r} initialization has no equivalent, so the runs start apart",
        f"seed {config.seed} is used by both, but by different generators: the initial weights "
        "and the shuffling order differ",
        "no L2 penalty (alpha=0), a constant learning rate, no early stopping, and exactly "
        f"{config.epochs} epochs (one partial_fit call each)",
    ]
    if config.optimizer == "adam":
        notes.append("Adam: beta1 0.9, beta2 0.999, epsilon 1e-8 in both; momentum is unused")
    elif config.nesterov and config.momentum == 0:
        notes.append("Nesterov has no effect without momentum, in both")
    return notes


@dataclass(frozen=True)
class FrameworkEpoch:
    """scikit-learn's figures after ``epoch`` epochs.

    ``loss`` is scikit-learn's ``loss_``: the mean batch loss during the epoch, each taken before
    its update. The other figures are computed afterwards on the full sets, as the engine does.
    """

    epoch: int
    loss: float
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    elapsed: float


@dataclass
class FrameworkCheck:
    """The scikit-learn run: its parameters, notes, per-epoch figures and how it ended."""

    params: dict[str, Any]
    notes: list[str]
    epochs: list[FrameworkEpoch] = field(default_factory=list)
    status: str = "completed"  # completed, stopped or diverged
    reason: str = ""
    elapsed: float = 0.0
    classifier: Any = None  # the fitted MLPClassifier

    @property
    def final(self) -> FrameworkEpoch | None:
        return self.epochs[-1] if self.epochs else None

    def column(self, name: str) -> np.ndarray:
        """One figure per epoch, e.g. ``column("loss")`` is scikit-learn's ``loss_curve_``."""
        return np.array([getattr(e, name) for e in self.epochs], dtype=np.float64)


def epoch_mean_losses(history: History, n_train: int, batch_size: int) -> np.ndarray:
    """The engine's counterpart of scikit-learn's ``loss_curve_``, one value per full epoch.

    The mean of the epoch's batch losses weighted by batch size (the last batch may be short).
    """
    batch_size = min(batch_size, n_train)
    per_epoch = updates_per_epoch(n_train, batch_size)
    weights = np.full(per_epoch, float(batch_size))
    weights[-1] = n_train - batch_size * (per_epoch - 1)
    losses = np.asarray(history.update_losses, dtype=np.float64)
    n_epochs = len(losses) // per_epoch
    by_epoch = losses[: n_epochs * per_epoch].reshape(n_epochs, per_epoch)
    return by_epoch @ weights / n_train


def _figures(proba: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    loss = nll(one_hot(N_CLASSES, y), proba)
    accuracy = float(np.mean(np.argmax(proba, axis=1) == y))
    return loss, accuracy


def check_against_sklearn(
    config: RunConfig,
    data: DigitsSplit,
    control: TrainingControl | None = None,
    progress: Callable[[FrameworkEpoch], None] | None = None,
) -> FrameworkCheck:
    """Train ``MLPClassifier`` on the lab's split with ``config``, one epoch at a time.

    Parameters
    ----------
    config : the engine run to reproduce; a leaky_relu activation raises
        ``FrameworkCheckError``.
    data : the split; ``X_*`` ``(n, 64)`` standardised, fed to scikit-learn as float64.
    control : checked between epochs: pause waits, stop ends the check as ``stopped``.
    progress : called with each epoch's ``FrameworkEpoch`` (from the calling thread).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    control = control or TrainingControl()
    X, y = np.asarray(data.X_train, dtype=np.float64), np.asarray(data.y_train)
    X_test, y_test = np.asarray(data.X_test, dtype=np.float64), np.asarray(data.y_test)
    params = sklearn_params(config, n_train=len(y))
    check = FrameworkCheck(params=params, notes=mapping_notes(config))
    classifier = MLPClassifier(**{**params, "random_state": np.random.RandomState(config.seed)})
    check.classifier = classifier
    classes = np.arange(N_CLASSES)
    started = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(1, config.epochs + 1):
            control.wait_while_paused()
            if control.stop_requested:
                check.status, check.reason = "stopped", f"stopped by the user before epoch {epoch}"
                break
            try:
                classifier.partial_fit(X, y, classes=classes)
            except ValueError as error:  # scikit-learn refuses non-finite weights
                check.status, check.reason = "diverged", f"diverged in epoch {epoch}: {error}"
                break
            if not math.isfinite(classifier.loss_):
                check.status = "diverged"
                check.reason = f"diverged in epoch {epoch}: the loss became {classifier.loss_}"
                break
            record = FrameworkEpoch(
                epoch,
                float(classifier.loss_),
                *_figures(classifier.predict_proba(X), y),
                *_figures(classifier.predict_proba(X_test), y_test),
                elapsed=time.perf_counter() - started,
            )
            check.epochs.append(record)
            if progress is not None:
                progress(record)
        else:
            check.reason = f"completed {config.epochs} epochs"
    check.elapsed = time.perf_counter() - started
    return check
