"""The small immutable records a training run yields, in this order: ``RunStarted``, then
``Evaluation`` (before training, every ``eval_every`` updates and at every epoch's end),
``UpdateLosses`` (the batch loss of every update, in chunks), ``Paused`` (whenever the loop
waits, saying which samples the next update will use), and ``RunEnded``, once, last."""

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RunStarted:
    """Opens a run: which code trains it (``"readable"`` or a kernel's name) and its size."""

    trained_by: str
    updates_per_epoch: int
    total_updates: int
    batch_size: int


@dataclass(frozen=True)
class UpdateLosses:
    """Batch losses of updates ``first_update .. first_update + len(losses) - 1`` (1-based).

    A single update done slowly (a step, or at a limited speed) also says which training
    samples it used (``indices``); chunks of fast updates leave it None."""

    epoch: int
    first_update: int
    losses: np.ndarray
    indices: np.ndarray | None = None


@dataclass(frozen=True)
class LayerHealth:
    """How one weight layer is learning, at an evaluation.

    grad_norm : norm of the layer's average gradient (weights and bias) on the training set.
    update_ratio : ``‖ΔW‖ / ‖W‖`` of the last update (healthy near 1e-3); None before any.
    saturated : fraction of the layer's outputs on the training set within 1 % of the
        activation's bounds (sigmoid, tanh); None for other activations and the output layer.
    dead : fraction of the layer's units that are zero (relu) or negative (leaky relu) for every
        training sample; None for other activations and the output layer.
    """

    grad_norm: float
    update_ratio: float | None = None
    saturated: float | None = None
    dead: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Evaluation:
    """Figures on the full training and test sets after ``update`` updates (0: initial weights)."""

    epoch: int  # epochs completed when end_of_epoch, else the epoch under way
    update: int
    epoch_progress: float  # epochs completed as a fraction, e.g. 1.5
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    grad_norm: float | None = None  # norm of the whole average gradient, at an epoch's end
    end_of_epoch: bool = False
    elapsed: float = 0.0  # seconds since the run started
    layers: tuple[LayerHealth, ...] = field(default=())  # input side first
    my_digits_loss: float = math.nan  # on the user's own labelled drawings (NaN: none)
    my_digits_accuracy: float = math.nan

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["layers"] = [layer.to_dict() for layer in self.layers]
        return data


@dataclass(frozen=True)
class Paused:
    """The loop waits (paused, or after a single step); ``next_indices`` are the training
    samples the next update will use, update number ``next_update`` of epoch ``epoch``."""

    epoch: int
    next_update: int
    next_indices: np.ndarray


@dataclass(frozen=True)
class RunEnded:
    """How a run ended: ``status`` is ``completed``, ``stopped``, ``diverged`` or ``failed``.

    ``trained_by`` names the code that did the updates. After a divergence the network holds
    the weights of the last sound evaluation, after update ``weights_from_update``.
    """

    status: str
    reason: str
    epochs_completed: int
    updates: int
    elapsed: float
    trained_by: str = ""
    weights_from_update: int | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


Record = RunStarted | UpdateLosses | Evaluation | Paused | RunEnded


def finite_or_none(value: float | None) -> float | None:
    """``value``, or None when it is missing or not finite (for JSON)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
