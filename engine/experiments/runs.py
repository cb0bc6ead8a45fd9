"""Runs kept across restarts: each run's configuration, summary, history and final model.

A ``RunStore`` keeps one folder (the GUI passes the user's data folder). Each run is two files
named after its id: ``<id>.npz``, a model file in the engine's format (``engine.files``) with the
run's history, and ``<id>.json``, its summary: number, name, configuration, status, final figures,
duration. Starting reads the summaries only; a run's history and weights are read when asked for
(``load_details``), so a store of hundreds of long runs starts as fast as an empty one.

Numbers are given once and never reused or shifted (``numbers.json`` holds the next one). The
model file is written first and the summary last, both atomically, so the summary's presence
marks a complete run. Every file is read defensively: ``load_all`` never raises for a bad stored
run, it skips it and says why (``StoredRunProblem``), and ``move_aside`` puts such files in the
``unreadable`` subfolder. A run another window deleted is reported (``RunMissingError``), never
written back.
"""

import json
import math
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import remove_interrupted, write_text_atomic
from engine.files.json_file import finite_number, read_json, whole_number
from engine.files.model_file import ModelFileError, load_model_file, save_model
from engine.training.config import RunConfig
from engine.training.history import History
from engine.training.hyperparameters import HYPERPARAMETERS

SIDECAR_TAG = "backprop-lab-run"
SIDECAR_VERSION = 2
MAX_NAME_LENGTH = 200
NUMBERS_FILE = "numbers.json"
ASIDE_FOLDER = "unreadable"
STATUSES = ("completed", "stopped", "diverged", "failed", "unfinished")

MAX_NUMBER = 2**63 - 1  # run numbers and epoch counts: whole numbers a file may hold


class RunMissingError(OSError):
    """The run's files are gone (another Backprop Lab window deleted it)."""


def describe_differences(config: RunConfig, previous: RunConfig | None) -> str:
    """What changed from the previous run, e.g. ``lr 0.1 → 0.01, batch 1 → 32``."""
    if previous is None:
        return f"first run: {config.summary()}"
    changed = config.differences(previous)
    if not changed:
        return "same settings"
    return ", ".join(
        f"{h.short} {h.display(h.get(previous))} → {h.display(v)}"
        for h, v in ((HYPERPARAMETERS[name], v) for name, v in changed.items())
    )


@dataclass(frozen=True)
class FinalFigures:
    """A run's last evaluation; NaN where there is none (no test set, no evaluation yet)."""

    epochs: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    my_digits_accuracy: float = math.nan  # on the user's own drawings (NaN: none)

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in
                self.__dict__.items()}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> "FinalFigures":
        if not isinstance(data, dict):
            raise ValueError("final figures must be a mapping")
        epochs = whole_number(data.get("epochs", 0), "final epochs", 0, MAX_NUMBER)
        figures = []
        names = ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "my_digits_accuracy")
        for name in names:
            value = data.get(name)
            figures.append(math.nan if value is None else finite_number(value, name))
        return cls(epochs, *figures)


def final_figures(history: History) -> FinalFigures:
    final = history.final
    if final is None:
        nan = float("nan")
        return FinalFigures(0, nan, nan, nan, nan)
    return FinalFigures(
        history.epochs_completed,
        final.train_loss,
        final.train_accuracy,
        final.test_loss,
        final.test_accuracy,
        final.my_digits_accuracy,
    )


def new_run_id(created: datetime) -> str:
    """Sortable and safe as a file name: ``20250131-142501-3fa2c1``."""
    return f"{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass
class Run:
    """One training run: its summary, and (once loaded) its history and final model.

    ``number`` is given by the store when the run is first saved (None before). ``history``
    and ``model`` are None for a run read from the store until ``RunStore.load_details``.
    """

    id: str
    name: str
    config: RunConfig
    final: FinalFigures
    status: str
    reason: str = ""
    trained_by: str = ""
    number: int | None = None
    continued_from: int | None = None
    created: datetime = field(default_factory=lambda: datetime.now().astimezone())
    duration: float = 0.0  # seconds of training
    hidden: bool = False
    history: History | None = None
    model: MLP | None = None
    scaler: Standardizer | None = None

    @classmethod
    def create(
        cls,
        config: RunConfig,
        model: MLP | None,
        history: History,
        *,
        scaler: Standardizer | None = None,
        name: str | None = None,
        continued_from: int | None = None,
    ) -> "Run":
        """A new run, with a fresh id, created now, summarised from its history."""
        created = datetime.now().astimezone()
        run = cls(
            id=new_run_id(created),
            name=name or config.summary(),
            config=config,
            final=final_figures(history),
            status="unfinished",
            continued_from=continued_from,
            created=created,
            history=history,
            model=model,
            scaler=scaler,
        )
        run.summarise()
        return run

    def summarise(self) -> None:
        """Bring the summary (status, reason, final figures, duration, trained_by) up to date
        with the history (while it trains, and when it has ended)."""
        history = self.history
        if history is None:
            return
        end, final = history.end, history.final
        self.final = final_figures(history)
        self.status = end.status if end else "unfinished"
        self.reason = end.reason if end else ""
        self.trained_by = history.trained_by or ""
        duration = end.elapsed if end is not None else (final.elapsed if final else 0.0)
        self.duration = float(duration) if math.isfinite(duration) else 0.0

    @property
    def loaded(self) -> bool:
        return self.history is not None

    def __repr__(self) -> str:
        return f"Run({self.number}, {self.id!r}, {self.name!r}, {self.status})"


def differences_column(runs: list[Run]) -> list[str]:
    """``describe_differences`` of each run against the one before it in ``runs``."""
    return [
        describe_differences(run.config, runs[i - 1].config if i else None)
        for i, run in enumerate(runs)
    ]


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("a run needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a run name has at most {MAX_NAME_LENGTH} characters")
    return name


@dataclass(frozen=True)
class StoredRunProblem:
    """A stored run that could not be read: its files and why."""

    run_id: str
    reason: str
    paths: tuple[Path, ...]

    def __str__(self) -> str:
        return f"stored run {self.run_id}: {self.reason}"


class RunStore:
    """The runs kept in ``folder``: ``<id>.npz`` (model file) plus ``<id>.json`` (summary)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"RunStore({str(self.folder)!r})"

    def model_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.npz"

    def sidecar_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.json"

    # --- writing ---------------------------------------------------------------------------

    def save(self, run: Run) -> None:
        """Give the run its number (if it has none), write its model file, then its summary.
        The run must hold its history and model."""
        if run.history is None or run.model is None:
            raise ValueError("only a run with its history and model can be saved")
        self.folder.mkdir(parents=True, exist_ok=True)
        if run.number is None:
            run.number = self._claim_number()
        save_model(
            self.model_path(run.id),
            run.model,
            config=run.config,
            scaler=run.scaler,
            history=run.history,
        )
        self._write_sidecar(run)

    def rename(self, run: Run, name: str) -> None:
        """Rename ``run``; ``ValueError`` for an empty or too long name, ``RunMissingError`` if
        another window deleted it."""
        cleaned = clean_name(name)
        self._check_present(run)
        run.name = cleaned
        self._write_sidecar(run)

    def set_hidden(self, run: Run, hidden: bool) -> None:
        self._check_present(run)
        run.hidden = bool(hidden)
        self._write_sidecar(run)

    def delete(self, run: Run) -> bool:
        """Remove the run's files (the summary first, so a half-deleted run is not listed).
        Returns False when they were already gone."""
        present = self.sidecar_path(run.id).exists()
        self.sidecar_path(run.id).unlink(missing_ok=True)
        self.model_path(run.id).unlink(missing_ok=True)
        return present

    def _check_present(self, run: Run) -> None:
        if not self.sidecar_path(run.id).exists():
            raise RunMissingError(f"run {run.number} was deleted by another Backprop Lab window")

    def _write_sidecar(self, run: Run) -> None:
        sidecar = {
            "format": SIDECAR_TAG,
            "version": SIDECAR_VERSION,
            "id": run.id,
            "number": run.number,
            "name": run.name,
            "hidden": run.hidden,
            "created": run.created.isoformat(),
            "duration": run.duration,
            "status": run.status,
            "reason": run.reason,
            "trained_by": run.trained_by,
            "continued_from": run.continued_from,
            "config": run.config.to_dict(),
            "final": run.final.to_dict(),
        }
        write_text_atomic(self.sidecar_path(run.id), json.dumps(sidecar, indent=1))

    @contextmanager
    def _numbers_lock(self, timeout: float = 2.0):
        """A lock file, so two windows saving at once never get the same number."""
        lock = self.folder / ".numbers.lock"
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                stale = time.time() - lock.stat().st_mtime > 10 if lock.exists() else False
                if stale or time.monotonic() > deadline:
                    lock.unlink(missing_ok=True)  # left by a killed window
                time.sleep(0.01)
        try:
            yield
        finally:
            os.close(fd)
            lock.unlink(missing_ok=True)

    def _claim_number(self) -> int:
        with self._numbers_lock():
            path = self.folder / NUMBERS_FILE
            try:
                number = whole_number(read_json(path)["next"], "the next run number", 1, MAX_NUMBER)
            except (OSError, ValueError, KeyError, TypeError):  # lost: go past every number seen
                number = max(self._numbers_on_disk(), default=0) + 1
            write_text_atomic(path, json.dumps({"next": number + 1}))
            return number

    def _numbers_on_disk(self):
        for path in self.folder.glob("*.json"):
            if path.name == NUMBERS_FILE or path.name.startswith("."):
                continue
            try:
                number = read_json(path).get("number")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(number, int) and not isinstance(number, bool):
                yield number

    # --- reading ---------------------------------------------------------------------------

    def load_all(self) -> tuple[list[Run], list[StoredRunProblem]]:
        """Every readable run's summary, by number, and one problem per run that was skipped.

        Also removes the temporary files of saves that a killed process left behind."""
        if not self.folder.is_dir():
            return [], []
        remove_interrupted(self.folder)
        runs, problems = [], []
        sidecars = sorted(
            p
            for p in self.folder.glob("*.json")
            if not p.name.startswith(".") and p.name != NUMBERS_FILE
        )
        for path in sidecars:
            paths = tuple(p for p in (path, self.model_path(path.stem)) if p.exists())
            try:
                runs.append(self._load_summary(path))
            except (ValueError, TypeError, KeyError, OSError, ModelFileError) as error:
                problems.append(StoredRunProblem(path.stem, str(error), paths))
        described = {p.stem for p in sidecars}
        for path in sorted(self.folder.glob("*.npz")):
            if not path.name.startswith(".") and path.stem not in described:
                problems.append(
                    StoredRunProblem(
                        path.stem,
                        f"its summary {path.stem}.json is missing (an interrupted save?)",
                        (path,),
                    )
                )
        self._number_old_runs(runs)
        runs.sort(key=lambda run: (run.number, run.created, run.id))
        return runs, problems

    def _load_summary(self, path: Path) -> Run:
        data = read_json(path)
        if not isinstance(data, dict) or data.get("format") != SIDECAR_TAG:
            raise ValueError(f"{path.name} is not a Backprop Lab run summary")
        version = data.get("version")
        if version not in (1, SIDECAR_VERSION):
            raise ValueError(f"{path.name} has format version {version!r}")
        if data.get("id") != path.stem:
            raise ValueError(f"{path.name} describes another run ({str(data.get('id'))[:40]!r})")
        try:
            created = datetime.fromisoformat(str(data["created"])[:64])
        except (KeyError, ValueError):
            raise ValueError(f"{path.name}: the creation date is not valid") from None
        if created.tzinfo is None:
            created = created.astimezone()
        hidden = data.get("hidden", False)
        if not isinstance(hidden, bool):
            raise ValueError(f"{path.name}: hidden must be true or false")
        duration = finite_number(data.get("duration", 0.0), "duration", minimum=0.0)
        if version == 1:  # the summary lived in the model file: read it once, write version 2
            return self._upgrade(path, data, created, duration, hidden)
        number = whole_number(data.get("number"), f"{path.name}: the run number", 1, MAX_NUMBER)
        continued = data.get("continued_from")
        if continued is not None:
            whole_number(continued, f"{path.name}: continued_from", 1, MAX_NUMBER)
        status = data.get("status")
        if status not in STATUSES:
            raise ValueError(f"{path.name}: unknown status {str(status)[:20]!r}")
        texts = {k: data.get(k, "") for k in ("reason", "trained_by")}
        if not all(isinstance(v, str) and len(v) < 2000 for v in texts.values()):
            raise ValueError(f"{path.name}: reason and trained_by must be short texts")
        return Run(
            id=path.stem,
            name=clean_name(data.get("name", "")),
            config=RunConfig.from_dict(data.get("config")),
            final=FinalFigures.from_dict(data.get("final")),
            status=status,
            reason=texts["reason"],
            trained_by=texts["trained_by"],
            number=number,
            continued_from=continued,
            created=created,
            duration=duration,
            hidden=hidden,
        )

    def _upgrade(self, path: Path, data: dict, created, duration: float, hidden: bool) -> Run:
        stored = load_model_file(self.model_path(path.stem))
        if stored.config is None or stored.history is None:
            raise ValueError(f"{path.stem}.npz holds no run configuration")
        run = Run.create(stored.config, stored.model, stored.history, scaler=stored.scaler)
        run.id, run.created, run.duration, run.hidden = path.stem, created, duration, hidden
        run.name = clean_name(data.get("name", ""))
        return run

    def _number_old_runs(self, runs: list[Run]) -> None:
        """Runs stored by version 1 get numbers after the others, oldest first, for good."""
        for run in sorted((r for r in runs if r.number is None), key=lambda r: r.created):
            try:
                run.number = self._claim_number()
                self._write_sidecar(run)
            except OSError:
                run.number = run.number or 0
            run.history = run.model = None  # read again when needed, like the others

    def load_details(self, run: Run) -> Run:
        """Read the run's history and final model (``ModelFileError`` if its file is bad);
        returns ``run``, now holding them."""
        if run.loaded:
            return run
        stored = load_model_file(self.model_path(run.id))
        run.history = stored.history or History()
        run.model, run.scaler = stored.model, stored.scaler
        return run

    def unload(self, run: Run) -> None:
        """Forget a run's history and model (they are read again when needed)."""
        run.history = run.model = None

    def move_aside(self, problems: list[StoredRunProblem]) -> Path:
        """Move the files of unreadable runs into the ``unreadable`` subfolder; returns it."""
        aside = self.folder / ASIDE_FOLDER
        aside.mkdir(parents=True, exist_ok=True)
        for problem in problems:
            for path in problem.paths:
                if path.exists():
                    shutil.move(str(path), aside / path.name)
        return aside
