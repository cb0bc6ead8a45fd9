"""Runs kept across restarts: each run's configuration, history, model, duration and how it ended.

A ``RunStore`` keeps one folder (the GUI passes the user's data folder). Each run is two files
named after its id: ``<id>.npz``, a model file in the engine's format (``engine.files.model_file``,
holding the parameters, scaler, configuration and history), and ``<id>.json``, a small sidecar
with what the user can change (name, hidden) and when the run was made. The model is written
first and the sidecar last, both atomically, so the sidecar's presence marks a complete run.

``load_all`` never raises for a bad stored run: it skips it and returns a message saying why.
Saving, renaming and deleting raise ``OSError`` when the disk refuses (full, read-only).
"""

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import write_text_atomic
from engine.files.model_file import ModelFileError, load_model_file, save_model
from engine.training.config import RunConfig
from engine.training.history import History

SIDECAR_TAG = "backprop-lab-run"
SIDECAR_VERSION = 1
MAX_NAME_LENGTH = 200

# Short names of the configuration fields, for the "what changed" column.
SHORT_LABELS: dict[str, str] = {
    "hidden_sizes": "hidden",
    "activation": "activation",
    "init": "init",
    "init_scale": "init scale",
    "optimizer": "optimizer",
    "learning_rate": "lr",
    "momentum": "momentum",
    "nesterov": "nesterov",
    "batch_size": "batch",
    "epochs": "epochs",
    "shuffle": "shuffle",
    "seed": "seed",
}


def format_value(name: str, value: Any) -> str:
    """A configuration value as the runs table shows it: ``(64, 32)``, ``0.01``, ``on``."""
    if name == "hidden_sizes":
        sizes = tuple(value)
        if not sizes:
            return "none"
        return str(sizes[0]) if len(sizes) == 1 else f"({', '.join(map(str, sizes))})"
    if name == "init_scale" and value is None:
        return "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def summarize(config: RunConfig) -> str:
    """A one-line summary such as ``10 sigmoid, sgd lr 0.1, batch 1, 15 epochs``."""
    hidden = format_value("hidden_sizes", config.hidden_sizes)
    net = "no hidden layer" if not config.hidden_sizes else f"{hidden} {config.activation}"
    optimizer = config.optimizer
    if config.optimizer == "sgd" and config.momentum:
        optimizer += f" momentum {config.momentum:g}" + (" nesterov" if config.nesterov else "")
    return (
        f"{net}, {optimizer} lr {config.learning_rate:g}, "
        f"batch {config.batch_size}, {config.epochs} epochs"
    )


def describe_differences(config: RunConfig, previous: RunConfig | None) -> str:
    """What changed from the previous run, e.g. ``lr 0.1 → 0.01, batch 1 → 32``."""
    if previous is None:
        return f"first run: {summarize(config)}"
    changed = config.differences(previous)
    if not changed:
        return "same settings"
    before = previous.to_dict()
    return ", ".join(
        f"{SHORT_LABELS.get(k, k)} {format_value(k, before[k])} → {format_value(k, v)}"
        for k, v in changed.items()
    )


@dataclass(frozen=True)
class FinalFigures:
    """A run's last evaluation; NaN where there is none (no test set, no evaluation yet)."""

    epochs: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float


def final_figures(history: History) -> FinalFigures:
    final = history.final
    if final is None:
        nan = float("nan")
        return FinalFigures(0, nan, nan, nan, nan)
    epochs = history.end.epochs_completed if history.end else len(history.epochs)
    return FinalFigures(
        epochs, final.train_loss, final.train_accuracy, final.test_loss, final.test_accuracy
    )


def new_run_id(created: datetime) -> str:
    """Sortable and safe as a file name: ``20250131-142501-3fa2c1``."""
    return f"{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass
class Run:
    """One training run and what it produced. ``model`` holds the final parameters."""

    id: str
    name: str
    config: RunConfig
    history: History
    model: MLP
    scaler: Standardizer | None = None
    created: datetime = field(default_factory=lambda: datetime.now().astimezone())
    duration: float = 0.0  # seconds of training
    hidden: bool = False

    @classmethod
    def create(
        cls,
        config: RunConfig,
        model: MLP,
        history: History,
        *,
        scaler: Standardizer | None = None,
        name: str | None = None,
    ) -> "Run":
        """A new run, with a fresh id, created now; its duration is the history's."""
        created = datetime.now().astimezone()
        if history.end is not None:
            duration = history.end.elapsed
        else:
            duration = history.final.elapsed if history.final else 0.0
        return cls(
            id=new_run_id(created),
            name=name or summarize(config),
            config=config,
            history=history,
            model=model,
            scaler=scaler,
            created=created,
            duration=float(duration),
        )

    @property
    def status(self) -> str:
        """``completed``, ``stopped``, ``diverged``, or ``unfinished`` without an end record."""
        return self.history.end.status if self.history.end else "unfinished"

    @property
    def final(self) -> FinalFigures:
        return final_figures(self.history)

    def __repr__(self) -> str:
        return f"Run({self.id!r}, {self.name!r}, {self.status})"


def differences_column(runs: list[Run]) -> list[str]:
    """``describe_differences`` of each run against the one before it in ``runs``."""
    return [
        describe_differences(run.config, runs[i - 1].config if i else None)
        for i, run in enumerate(runs)
    ]


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("a run needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a run name has at most {MAX_NAME_LENGTH} characters")
    return name


class RunStore:
    """The runs kept in ``folder``: ``<id>.npz`` (model file) plus ``<id>.json`` (sidecar)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"RunStore({str(self.folder)!r})"

    def model_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.npz"

    def sidecar_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.json"

    def save(self, run: Run) -> None:
        """Write the run's model file, then its sidecar; both atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_model(
            self.model_path(run.id),
            run.model,
            config=run.config,
            scaler=run.scaler,
            history=run.history,
        )
        self._write_sidecar(run)

    def rename(self, run: Run, name: str) -> None:
        """Rename ``run`` and store the new name; an empty name is refused (``ValueError``)."""
        run.name = _clean_name(name)
        self._write_sidecar(run)

    def set_hidden(self, run: Run, hidden: bool) -> None:
        run.hidden = bool(hidden)
        self._write_sidecar(run)

    def delete(self, run: Run) -> None:
        """Remove the run's files; the sidecar goes first, so a half-deleted run is not listed."""
        self.sidecar_path(run.id).unlink(missing_ok=True)
        self.model_path(run.id).unlink(missing_ok=True)

    def _write_sidecar(self, run: Run) -> None:
        sidecar = {
            "format": SIDECAR_TAG,
            "version": SIDECAR_VERSION,
            "id": run.id,
            "name": run.name,
            "hidden": run.hidden,
            "created": run.created.isoformat(),
            "duration": run.duration,
        }
        write_text_atomic(self.sidecar_path(run.id), json.dumps(sidecar, indent=1))

    def load_all(self) -> tuple[list[Run], list[str]]:
        """Every readable run, oldest first, and one message per stored run that was skipped."""
        if not self.folder.is_dir():
            return [], []
        runs, messages = [], []
        sidecars = sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))
        for path in sidecars:
            try:
                runs.append(self._load(path))
            except (ModelFileError, ValueError, TypeError, KeyError, OSError) as error:
                messages.append(f"stored run {path.stem} skipped: {error}")
        described = {p.stem for p in sidecars}
        for path in sorted(self.folder.glob("*.npz")):
            if not path.name.startswith(".") and path.stem not in described:
                messages.append(
                    f"stored run {path.stem} skipped: its description file "
                    f"{path.stem}.json is missing (an interrupted save?)"
                )
        runs.sort(key=lambda run: (run.created, run.id))
        return runs, messages

    def _load(self, path: Path) -> Run:
        try:
            sidecar = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path.name} is not valid JSON ({error})") from None
        if not isinstance(sidecar, dict) or sidecar.get("format") != SIDECAR_TAG:
            raise ValueError(f"{path.name} is not a Backprop Lab run description")
        if sidecar.get("version") != SIDECAR_VERSION:
            raise ValueError(f"{path.name} has format version {sidecar.get('version')!r}")
        if sidecar.get("id") != path.stem:
            raise ValueError(f"{path.name} describes another run ({sidecar.get('id')!r})")
        try:
            created = datetime.fromisoformat(str(sidecar["created"]))
        except ValueError:
            raise ValueError(f"{path.name}: the creation date is not valid") from None
        if created.tzinfo is None:
            created = created.astimezone()
        stored = load_model_file(self.model_path(path.stem))
        if stored.config is None:
            raise ValueError(f"{path.stem}.npz holds no run configuration")
        return Run(
            id=path.stem,
            name=_clean_name(sidecar["name"]),
            config=stored.config,
            history=stored.history or History(),
            model=stored.model,
            scaler=stored.scaler,
            created=created,
            duration=float(sidecar.get("duration", 0.0)),
            hidden=bool(sidecar.get("hidden", False)),
        )
