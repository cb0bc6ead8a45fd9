"""One run's record, built while it trains (``History``), and ``fit``, the one-call way to train.

A ``History`` keeps NumPy columns, not Python objects: the per-update batch losses as float32
(a 3-million-update run takes 12 MB), and one float64 row per evaluation, with the health of
every layer beside it. Plots, files and tables read it; nobody rebuilds it.
"""

import math
from typing import Any

import numpy as np

from engine.core.mlp import MLP
from engine.training.config import RunConfig
from engine.training.control import TrainingControl
from engine.training.growing_array import GrowingArray
from engine.training.loop import run_training
from engine.training.records import (
    Evaluation,
    LayerHealth,
    Record,
    RunEnded,
    RunStarted,
    UpdateLosses,
)

EVALUATION_COLUMNS = (
    "epoch",
    "update",
    "epoch_progress",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "grad_norm",
    "end_of_epoch",
    "elapsed",
    "my_digits_loss",
    "my_digits_accuracy",
)
OLD_EVALUATION_WIDTH = 10  # files written before the my-digits columns
LAYER_COLUMNS = ("grad_norm", "update_ratio", "saturated", "dead")
_INTEGER_COLUMNS = {"epoch", "update"}
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


class History:
    """Everything one run reported: batch losses, evaluations, layer health, how it ended.

    Attributes
    ----------
    trained_by : ``"readable"`` or the kernel that did the updates (None before the run).
    updates_per_epoch, batch_size : the run's (None before the run).
    end : the ``RunEnded`` record, None while the run goes on.
    """

    def __init__(self) -> None:
        self.trained_by: str | None = None
        self.updates_per_epoch: int | None = None
        self.batch_size: int | None = None
        self.end: RunEnded | None = None
        self._losses = GrowingArray(np.float32)
        self._evaluations = GrowingArray(np.float64, width=len(EVALUATION_COLUMNS))
        self._layers: GrowingArray | None = None  # (evaluation, layer, LAYER_COLUMNS)

    def __repr__(self) -> str:
        status = self.end.status if self.end else "running"
        return f"History({self.n_updates} updates, {self.n_evaluations} evaluations, {status})"

    # --- building --------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        if isinstance(record, UpdateLosses):
            # a diverging run's losses beyond float32's range are kept as its largest number
            self._losses.extend(np.clip(record.losses, None, FLOAT32_MAX))
        elif isinstance(record, Evaluation):
            self._add_evaluation(record)
        elif isinstance(record, RunStarted):
            self.trained_by = record.trained_by
            self.updates_per_epoch = record.updates_per_epoch
            self.batch_size = record.batch_size
            self._losses.reserve(record.total_updates)
        elif isinstance(record, RunEnded):
            self.end = record
            self.trained_by = record.trained_by or self.trained_by

    def _add_evaluation(self, e: Evaluation) -> None:
        self._evaluations.append([_number(getattr(e, name)) for name in EVALUATION_COLUMNS])
        if e.layers:
            if self._layers is None:
                self._layers = GrowingArray(np.float64, width=len(e.layers) * len(LAYER_COLUMNS))
                self._layers.extend(np.full((self.n_evaluations - 1, self._layers.width), np.nan))
            row = [_number(getattr(layer, name)) for layer in e.layers for name in LAYER_COLUMNS]
            self._layers.append(row)
        elif self._layers is not None:
            self._layers.append(np.full(self._layers.width, np.nan))

    # --- reading ---------------------------------------------------------------------------

    @property
    def update_losses(self) -> np.ndarray:
        """The batch loss of every update, float32 ``(n_updates,)`` (a view)."""
        return self._losses.values

    @property
    def n_updates(self) -> int:
        return len(self._losses)

    @property
    def n_evaluations(self) -> int:
        return len(self._evaluations)

    @property
    def n_layers(self) -> int:
        return 0 if self._layers is None else self._layers.width // len(LAYER_COLUMNS)

    def column(self, name: str, *, epochs_only: bool = False) -> np.ndarray:
        """One figure of every evaluation (of every epoch's end), float64; NaN where missing."""
        values = self._evaluations.values[:, EVALUATION_COLUMNS.index(name)]
        if epochs_only:
            values = values[
                self._evaluations.values[:, EVALUATION_COLUMNS.index("end_of_epoch")] > 0
            ]
        return values.copy()

    def layer_column(self, name: str) -> np.ndarray:
        """One layer-health figure, ``(n_evaluations, n_layers)`` float64; NaN where missing."""
        if self._layers is None:
            return np.empty((self.n_evaluations, 0))
        table = self._layers.values.reshape(self.n_evaluations, -1, len(LAYER_COLUMNS))
        return table[:, :, LAYER_COLUMNS.index(name)].copy()

    def evaluation(self, index: int) -> Evaluation:
        row = self._evaluations.values[index]
        values: dict[str, Any] = dict(zip(EVALUATION_COLUMNS, row.tolist(), strict=True))
        for name in _INTEGER_COLUMNS:
            values[name] = int(values[name])
        values["end_of_epoch"] = bool(values["end_of_epoch"])
        values["grad_norm"] = _optional(values["grad_norm"])
        layers: tuple[LayerHealth, ...] = ()
        if self._layers is not None and not np.isnan(self._layers.values[index]).all():
            cells = self._layers.values[index].reshape(-1, len(LAYER_COLUMNS))
            layers = tuple(
                LayerHealth(float(g), _optional(r), _optional(s), _optional(d))
                for g, r, s, d in cells
            )
        return Evaluation(**values, layers=layers)

    @property
    def evaluations(self) -> list[Evaluation]:
        """Every evaluation as a record, built now and kept by nobody (a long run has tens of
        thousands: for a few figures, use ``column``)."""
        return [self.evaluation(index) for index in range(self.n_evaluations)]

    @property
    def epochs(self) -> list[Evaluation]:
        """The evaluation at the end of every completed epoch (built now, as ``evaluations``)."""
        ends = np.flatnonzero(self._evaluations.values[:, EVALUATION_COLUMNS.index("end_of_epoch")])
        return [self.evaluation(int(index)) for index in ends]

    @property
    def final(self) -> Evaluation | None:
        return self.evaluation(self.n_evaluations - 1) if self.n_evaluations else None

    @property
    def epochs_completed(self) -> int:
        if self.end is not None:
            return self.end.epochs_completed
        return int(np.count_nonzero(self.column("end_of_epoch")))

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        layers = self._layers.nbytes if self._layers is not None else 0
        return self._losses.nbytes + self._evaluations.nbytes + layers

    # --- to and from a file ----------------------------------------------------------------

    def to_parts(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able facts and the arrays, as a model file stores them."""
        facts = {
            "trained_by": self.trained_by,
            "updates_per_epoch": self.updates_per_epoch,
            "batch_size": self.batch_size,
            "end": self.end.to_dict() if self.end else None,
        }
        arrays = {
            "update_losses": self.update_losses,
            "evaluations": self._evaluations.values,
        }
        if self._layers is not None:
            arrays["layers"] = self._layers.values
        return facts, arrays

    @classmethod
    def from_parts(cls, facts: dict[str, Any], arrays: dict[str, np.ndarray]) -> "History":
        """Rebuild from ``to_parts``; raises ``ValueError`` for anything malformed."""
        history = cls()
        for key in ("updates_per_epoch", "batch_size"):
            value = facts.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"history {key} must be a whole number")
            setattr(history, key, value)
        trained_by = facts.get("trained_by")
        if trained_by is not None and (not isinstance(trained_by, str) or len(trained_by) > 200):
            raise ValueError("history trained_by must be a short name")
        history.trained_by = trained_by
        history.end = _run_ended(facts.get("end"))
        losses = arrays.get("update_losses", np.empty(0, np.float32))
        if losses.ndim != 1 or losses.dtype.kind != "f":
            raise ValueError(f"update losses of shape {losses.shape} ({losses.dtype})")
        history._losses.extend(losses)
        evaluations = arrays.get("evaluations", np.empty((0, len(EVALUATION_COLUMNS))))
        widths = (len(EVALUATION_COLUMNS), OLD_EVALUATION_WIDTH)
        if evaluations.ndim != 2 or evaluations.shape[1] not in widths:
            raise ValueError(f"evaluations of shape {evaluations.shape}")
        if evaluations.shape[1] < len(EVALUATION_COLUMNS):  # no drawings then: NaN
            missing = len(EVALUATION_COLUMNS) - evaluations.shape[1]
            evaluations = np.hstack([evaluations, np.full((len(evaluations), missing), np.nan)])
        history._evaluations.extend(evaluations)
        layers = arrays.get("layers")
        if layers is not None:
            width = layers.shape[1] if layers.ndim == 2 else 0
            if layers.shape[0] != len(evaluations) or width % len(LAYER_COLUMNS) or not width:
                raise ValueError(f"layer health of shape {layers.shape}")
            history._layers = GrowingArray(np.float64, width=width)
            history._layers.extend(layers)
        return history

    @classmethod
    def from_records(cls, records: list[Record]) -> "History":
        history = cls()
        for record in records:
            history.add(record)
        return history


def _run_ended(data: Any) -> RunEnded | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("history end must be a mapping")
    try:
        end = RunEnded(**{k: v for k, v in data.items() if k in RunEnded.__dataclass_fields__})
    except TypeError as error:
        raise ValueError(f"history end: {error}") from None
    if not (isinstance(end.status, str) and isinstance(end.reason, str)):
        raise ValueError("history end: status and reason must be text")
    for name in ("epochs_completed", "updates"):
        value = getattr(end, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"history end: {name} must be a whole number")
    if isinstance(end.elapsed, bool) or not isinstance(end.elapsed, int | float):
        raise ValueError("history end: elapsed must be a number")
    return end


def fit(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    *,
    epochs: int,
    learning_rate: float,
    batch_size: int = 1,
    momentum: float = 0.0,
    nesterov: bool = False,
    optimizer: str = "sgd",
    shuffle: bool = True,
    seed: int = 0,
    eval_every: int | None = None,
    control: TrainingControl | None = None,
    engine: str = "fast",
) -> History:
    """Train ``model`` in place and return its history (see ``run_training``)."""
    config = RunConfig(
        hidden_sizes=model.hidden_sizes,
        activation=model.activation.name,
        init=model.init,
        optimizer=optimizer,
        learning_rate=learning_rate,
        momentum=momentum,
        nesterov=nesterov,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=shuffle,
        seed=seed,
    )
    errors = config.validate(n_train=len(y))
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    history = History()
    for record in run_training(
        model,
        X,
        y,
        X_test,
        y_test,
        config=config,
        control=control,
        eval_every=eval_every,
        engine=engine,
    ):
        history.add(record)
    return history
