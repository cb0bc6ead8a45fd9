"""The run library: every run kept across restarts (the Runs dock), and the selected ones drawn
over the Training plots.

``RunLibrary`` stores each run when the ``TrainingController`` reports its end (the run's own
record, as the session's lineage holds it: nothing is sliced out of anything), lists the store's
summaries at start, reports the stored runs that could not be read (the status bar and the Runs
panel, with a way to move them aside), and reads a stored run's history only when it is drawn.
"""

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from engine import HYPERPARAMETERS, ModelFileError, Run, RunStore
from gui.experiments.runs_panel import RunsPanel
from gui.experiments.runs_table import RunsTableModel
from gui.session import Session
from gui.theme import RUN_COLOURS
from gui.training.controller import TrainingController
from gui.training.plots import OverlaySeries

MAX_LOADED = 16  # stored runs whose histories stay in memory after being drawn


def default_runs_folder() -> Path:
    """``runs`` in the user's data folder (e.g. ``~/.local/share/Backprop Lab/...``)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".backprop-lab") / "runs"


def varying_fields(runs: list[Run]) -> list[str]:
    """The hyperparameters whose values are not all the same across ``runs``."""
    if not runs:
        return []
    first, *others = runs
    return [
        name
        for name, h in HYPERPARAMETERS.items()
        if any(h.get(run.config) != h.get(first.config) for run in others)
    ]


def overlay_label(run: Run, fields: list[str]) -> str:
    """``run 2: init zeros``; the run's name when no field sets it apart."""
    described = (HYPERPARAMETERS[k] for k in fields)
    apart = ", ".join(f"{h.short} {h.display(h.get(run.config))}" for h in described)
    return f"run {run.number}: {apart or run.name}"


def overlay_series(runs: list[Run]) -> list[OverlaySeries]:
    """The series of loaded runs, coloured by their place in the list."""
    fields = varying_fields(runs)
    series = []
    for place, run in enumerate(runs):
        history = run.history
        series.append(
            OverlaySeries(
                key=run.id,
                label=overlay_label(run, fields),
                colour=RUN_COLOURS[place % len(RUN_COLOURS)],
                x=history.column("epoch_progress"),
                train_loss=history.column("train_loss"),
                test_loss=history.column("test_loss"),
                train_accuracy=100.0 * history.column("train_accuracy"),
                test_accuracy=100.0 * history.column("test_accuracy"),
            )
        )
    return series


class RunLibrary(QObject):
    """Keeps the runs; draws the selected ones.

    Signals
    -------
    overlays_changed(list) : the stored runs to draw changed (``OverlaySeries``).
    problems_found(str) : a one-line report of stored runs that could not be read.
    """

    overlays_changed = Signal(object)
    problems_found = Signal(str)

    def __init__(
        self,
        session: Session,
        controller: TrainingController,
        folder: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.store = RunStore(folder if folder is not None else default_runs_folder())
        self.model = RunsTableModel(self.store, self)
        self.panel = RunsPanel(self.model)
        self.problems: list = []
        self._loaded: list[Run] = []  # stored runs holding their history, most recent last
        self.panel.shown_changed.connect(self._on_shown_changed)
        self.panel.move_aside_requested.connect(self.move_aside)
        controller.run_finished.connect(self.add_run)
        session.model_replaced.connect(self._on_shown_changed)

    def load(self) -> None:
        """Read the store (at start): list the runs, report those that could not be read."""
        self.problems = self.model.load()
        self.panel.show_problems(self.problems)
        self.panel.fit_columns()
        if self.problems:
            n = len(self.problems)
            self.problems_found.emit(
                f"{n} stored run{'s' if n > 1 else ''} could not be read: see the Runs panel"
            )

    def move_aside(self) -> None:
        try:
            folder = self.store.move_aside(self.problems)
        except OSError as error:
            self.panel.show_problem(f"Could not move the unreadable runs: {error}")
            return
        self.panel.show_problem(f"Moved {len(self.problems)} unreadable run(s) to {folder}")
        self.problems = []
        self.panel.show_problems([])

    def add_run(self, run: Run) -> None:
        """Store a run that ended and list it."""
        try:
            self.model.add(run)
        except OSError as error:
            self.panel.show_problem(f"Could not store run '{run.name}': {error}")
            return
        self.panel.fit_columns()
        self.panel.table.scrollToBottom()

    def clear_selection(self, *_args) -> None:
        """No stored run drawn over the plots (an opened model shows its own runs alone)."""
        self.panel.table.clearSelection()

    # --- drawing -----------------------------------------------------------------------------

    def _load(self, run: Run) -> bool:
        if run.loaded:
            return True
        try:
            self.store.load_details(run)
        except (ModelFileError, OSError) as error:
            self.panel.show_problem(f"Run {run.number} cannot be drawn: {error}")
            return False
        self._loaded.append(run)
        return True

    def _unload_extra(self, keep: list[Run]) -> None:
        """Memory stays bounded: forget the histories of runs drawn long ago."""
        lineage = {id(r) for r in self.session.lineage}
        while len(self._loaded) > MAX_LOADED:
            candidates = [r for r in self._loaded if r not in keep and id(r) not in lineage]
            if not candidates:
                break
            self._loaded.remove(candidates[0])
            self.store.unload(candidates[0])

    def _on_shown_changed(self) -> None:
        shown = [run for run in self.panel.shown_runs() if self._load(run)]
        self._unload_extra(shown)
        self.overlays_changed.emit(overlay_series(shown))
