"""Runs and sweeps in the main window: keeps every run, draws the selected ones, runs sweeps.

``RunsController`` adds the "Runs" dock and the "Sweep" tab to a ``MainWindow`` and wires them:

- each run the window trains is stored when ``training_finished`` arrives, with the part of the
  session's history that this run added (a run that continues from the current weights
  appends to the same history);
- the runs selected in the table are drawn over the Training tab's plots;
- a sweep runs in a ``SweepWorker`` on its own QThread (``gui.training.worker``'s recipe); each of
  its runs is stored as it ends. While a sweep runs the window's Train is off, and vice versa.
"""

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow

from engine import History, Run, RunStore, SweepResult, TrainingControl
from engine.experiments.runs import summarize
from engine.experiments.sweep import parse_sweep_values, sweep_configs, sweep_run_name
from gui.experiments.run_overlay import overlay_series
from gui.experiments.runs_panel import RunsPanel
from gui.experiments.runs_table import RunsTableModel
from gui.experiments.sweep_panel import SweepPanel
from gui.experiments.sweep_worker import SweepBatch, SweepEnded, SweepWorker
from gui.training.worker import release_thread, worker_thread


def default_runs_folder() -> Path:
    """``runs`` in the user's data folder (e.g. ``~/.local/share/Backprop Lab/...``)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".backprop-lab") / "runs"


class RunsController(QObject):
    """Signals: ``sweep_running_changed(bool)``; ``sweep_finished(SweepResult)`` once the
    sweep's thread is done; ``run_stored(Run)`` after a run was added to the table."""

    sweep_running_changed = Signal(bool)
    sweep_finished = Signal(object)
    run_stored = Signal(object)

    def __init__(self, window: QMainWindow, folder: Path | None = None) -> None:
        super().__init__(window)  # the window is ``parent()``: no reference cycle to it
        self.session = window.session
        self.store = RunStore(folder if folder is not None else default_runs_folder())
        self.model = RunsTableModel(self.store, self)
        self.panel = RunsPanel(self.model)
        self.dock = QDockWidget("Runs", window)
        self.dock.setObjectName("runsDock")
        self.dock.setWidget(self.panel)
        window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.resizeDocks([self.dock], [170], Qt.Orientation.Vertical)
        self.sweep_panel = SweepPanel()
        window.add_view(self.sweep_panel, "Sweep")
        self.sweep_result: SweepResult | None = None
        self.sweep_end: SweepEnded | None = None
        self._thread = self._worker = self._control = None
        self._configs: list = []
        self._closing = False
        # The part of the session's history already stored: (history, evaluations, updates),
        # and the run it was stored as, which a run that continues from its weights names.
        self._seen: tuple[History, int, int] = (self.session.history, 0, 0)
        self._previous: Run | None = None
        skipped = self.model.load()
        if skipped:
            more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
            self.panel.show_problem(skipped[0] + more)
            self.panel.message_label.setToolTip("\n".join(skipped))
        self.panel.fit_columns()
        self.panel.shown_changed.connect(self._on_shown_changed)
        self.session.model_changed.connect(self._on_model_changed)
        window.training_finished.connect(self._on_training_finished)
        self.sweep_panel.start_requested.connect(self.start_sweep)
        self.sweep_panel.stop_requested.connect(self.stop_sweep)

    @property
    def window(self) -> QMainWindow:
        return self.parent()

    @property
    def sweep_running(self) -> bool:
        return self._thread is not None

    def update_state(self) -> None:
        """Sweep controls follow the window: no sweep while a run trains."""
        busy = self.window.is_training or self.sweep_running
        self.sweep_panel.set_state(self.sweep_running, can_start=not busy)

    def add_run(self, run: Run) -> None:
        try:
            self.model.add(run)
        except OSError as error:
            self.panel.show_problem(f"Could not store run '{run.name}': {error}")
            return
        self.panel.fit_columns()
        self.panel.table.scrollToBottom()
        self.run_stored.emit(run)

    # --- runs trained in the window ----------------------------------------------------------

    def _on_model_changed(self) -> None:
        history = self.session.history
        if history is not self._seen[0]:  # a reset or an opened file: start from what it holds
            self._seen = (history, len(history.evaluations), len(history.update_losses))
            self._previous = None

    def _on_training_finished(self, end=None) -> None:
        history, evaluations, updates = self._seen
        full = self.session.history
        if full is not history:
            evaluations = updates = 0
            self._previous = None
        run_history = History(
            update_losses=full.update_losses[updates:],
            evaluations=full.evaluations[evaluations:],
            end=full.end,
        )
        config = self.session.config
        name = summarize(config)
        if self._previous in self.model.runs:
            name += f" (continued from run {self.model.number(self._previous)})"
        elif evaluations:
            name += " (continued)"
        model, scaler = self.session.model.copy(), self.session.data.scaler
        run = Run.create(config, model, run_history, scaler=scaler, name=name)
        self._seen = (full, len(full.evaluations), len(full.update_losses))
        self._previous = run
        self.add_run(run)

    def _on_shown_changed(self) -> None:
        overlay = self.window.training_view.overlay
        known = {run.id for run in self.model.runs}
        for key in [k for k in overlay.loss.curves if k not in known]:
            overlay.forget(key)
        self.window.training_view.show_runs(overlay_series(self.panel.shown_runs()))

    # --- sweeps ------------------------------------------------------------------------------

    def start_sweep(self) -> bool:
        """Start the sweep the Sweep tab describes, from the Experiment panel's settings."""
        if self.sweep_running or self.window.is_training:
            return False
        self.window.form.commit_text()
        base = self.window.form.config()
        if base is None:
            self.sweep_panel.show_message("Fix the marked settings first.", problem=True)
            return False
        name = self.sweep_panel.parameter()
        data = self.session.data
        try:
            values = parse_sweep_values(name, self.sweep_panel.values_text())
            self._configs = sweep_configs(base, name, values, n_train=len(data.y_train))
        except ValueError as error:
            self.sweep_panel.show_message(str(error), problem=True)
            return False
        self.sweep_result, self.sweep_end = SweepResult(name, values), None
        self._control = TrainingControl()
        self._worker = SweepWorker(data, self._configs, self._control)
        self._worker.progress.connect(self._on_sweep_progress)
        self._worker.finished.connect(self._on_sweep_worker_finished)
        self._thread = worker_thread(self._worker)
        self._thread.setObjectName("SweepThread")
        self._thread.finished.connect(self._on_sweep_thread_finished)
        self.sweep_panel.show_message(None)
        self.sweep_panel.show_result(self.sweep_result)
        self.sweep_panel.show_progress(f"Run 1/{len(values)} starting…", 0, len(values))
        self._thread.start()
        self.sweep_running_changed.emit(True)
        self.update_state()
        return True

    def stop_sweep(self, wait: bool = False) -> None:
        if self._control is None:
            return
        self._control.stop()
        self.sweep_panel.show_progress("Stopping after the current update…", 0, 1)
        if wait and self._thread is not None:
            release_thread(self._thread)

    def shutdown(self) -> None:
        """The window closes: stop a sweep, wait for its thread, ignore what still arrives."""
        self._closing = True
        self.stop_sweep(wait=True)

    def _on_sweep_progress(self, batch: SweepBatch) -> None:
        result = self.sweep_result
        if self._closing or result is None:
            return
        epoch = None
        for index, record in batch.records:
            result.add(index, record)
            epoch = getattr(record, "epoch", epoch)
        for index, model in sorted(batch.final_models.items()):
            history = result.histories[index]
            name = sweep_run_name(result.name, result.values[index])
            scaler = self.session.data.scaler
            self.add_run(Run.create(self._configs[index], model, history, scaler=scaler, name=name))
        self.sweep_panel.show_result(result)
        index = batch.records[-1][0]
        row, total = result.rows[index], len(result.values)
        done = sum(r.status not in ("running", "not run") for r in result.rows)
        epochs = self._configs[index].epochs
        at = f", epoch {min(epoch, epochs)}/{epochs}" if epoch and row.status == "running" else ""
        self.sweep_panel.show_progress(
            f"Run {index + 1}/{total}: {result.sweepable.label} {row.label}{at}", done, total
        )

    def _on_sweep_worker_finished(self, end: SweepEnded) -> None:
        self.sweep_end = end

    def _on_sweep_thread_finished(self) -> None:
        if self._thread is not None:
            release_thread(self._thread)
        self._thread = self._worker = self._control = None
        if self._closing:
            return
        end = self.sweep_end or SweepEnded("failed", "the sweep's thread ended without a result")
        result = self.sweep_result
        done = sum(r.status not in ("running", "not run") for r in result.rows) if result else 0
        total = len(result.values) if result else 0
        self.sweep_panel.show_progress(f"Sweep {end.status}: {done}/{total} runs", done, total)
        if end.status == "failed":
            self.sweep_panel.show_message(end.reason, problem=True)
        self.sweep_running_changed.emit(False)
        self.update_state()
        self.sweep_finished.emit(result)
