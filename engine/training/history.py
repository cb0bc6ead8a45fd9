"""A run's history, collected from the training records, and ``fit``, the one-call way to train."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.core.mlp import MLP
from engine.training.config import RunConfig
from engine.training.loop import (
    Evaluation,
    Record,
    RunEnded,
    TrainingControl,
    UpdateLosses,
    run_training,
)


@dataclass
class History:
    """Everything a run reported: per-update batch losses, evaluations, and how it ended."""

    update_losses: list[float] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    end: RunEnded | None = None

    def add(self, record: Record) -> None:
        if isinstance(record, UpdateLosses):
            self.update_losses.extend(record.losses.tolist())
        elif isinstance(record, Evaluation):
            self.evaluations.append(record)
        elif isinstance(record, RunEnded):
            self.end = record

    @property
    def epochs(self) -> list[Evaluation]:
        """The evaluation at the end of every completed epoch."""
        return [e for e in self.evaluations if e.end_of_epoch]

    @property
    def final(self) -> Evaluation | None:
        return self.evaluations[-1] if self.evaluations else None

    def column(self, name: str, *, epochs_only: bool = False) -> np.ndarray:
        rows = self.epochs if epochs_only else self.evaluations
        return np.array([np.nan if getattr(e, name) is None else getattr(e, name) for e in rows])

    def to_dict(self) -> dict[str, Any]:
        return {
            "update_losses": self.update_losses,
            "evaluations": [e.to_dict() for e in self.evaluations],
            "end": self.end.to_dict() if self.end else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "History":
        return cls(
            update_losses=[float(x) for x in data.get("update_losses", [])],
            evaluations=[Evaluation(**e) for e in data.get("evaluations", [])],
            end=RunEnded(**data["end"]) if data.get("end") else None,
        )


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
        model, X, y, X_test, y_test, config=config, control=control, eval_every=eval_every
    ):
        history.add(record)
    return history
