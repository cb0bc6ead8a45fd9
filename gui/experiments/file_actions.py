"""The File menu: save and open models, export the history, the plots and a NumPy predictor.

Every command comes in two halves: an ``ask_*`` slot that shows a file dialog, and a method that
takes the path (``save_model_to``, ``open_model_from``, ...), which the tests call directly.
Errors go through ``show_error`` (a message box), which tests replace. The engine does the work:
``save_model`` writes atomically, ``load_model_file`` checks a file completely before anything is
built, so a bad file leaves the current model as it was.
"""

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine import (
    MLP,
    History,
    ModelFileError,
    RunConfig,
    UpdateLosses,
    export_numpy,
    load_model_file,
    save_model,
)
from engine.core.initializers import DEFAULT_SCALES
from engine.training.loop import updates_per_epoch
from gui.experiments.exports import IMAGE_FORMATS, export_histories_csv, export_image
from gui.training.messages import describe
from gui.training.run_trace import RunTrace

if TYPE_CHECKING:
    from gui.main_window import MainWindow

MODEL_FILTER = "Backprop Lab model (*.npz)"
LAST_FOLDER_KEY = "files/last_folder"


def config_for(model: MLP, stored: RunConfig | None) -> RunConfig:
    """The stored run settings with the architecture fields of ``model`` (which wins: the
    weights were built by it); the defaults when the file holds no settings."""
    default_scale = DEFAULT_SCALES.get(model.init)
    return (stored or RunConfig()).with_changes(
        hidden_sizes=tuple(model.hidden_sizes),
        activation=model.activation.name,
        init=model.init,
        init_scale=None if model.init_scale == default_scale else model.init_scale,
        seed=model.seed,
    )


def replay_history(trace: RunTrace, history: History, per_epoch: int) -> None:
    """Refill ``trace`` from a saved ``history``, as if its runs had just been drawn.

    Each run of a history starts with an evaluation at update 0; the batch losses are shared
    out by the last update each run evaluated (the last run takes the rest). ``per_epoch`` is
    the fallback when no end-of-epoch evaluation tells a run's updates per epoch.
    """
    trace.clear()
    runs: list[list] = []
    for evaluation in history.evaluations:
        if evaluation.update == 0 or not runs:
            runs.append([])
        runs[-1].append(evaluation)
    runs = runs or [[]]
    losses = np.asarray(history.update_losses, dtype=np.float64)
    start = 0
    for number, evaluations in enumerate(runs, start=1):
        ends = [e for e in evaluations if e.end_of_epoch and e.epoch > 0]
        trace.begin_run(ends[0].update // ends[0].epoch if ends else per_epoch)
        last = number == len(runs)
        count = len(losses) - start if last else max((e.update for e in evaluations), default=0)
        records: list = []
        if count > 0:
            records.append(UpdateLosses(0, 1, losses[start : start + count]))
        trace.add_records([*records, *evaluations])
        start += count
    trace.end = history.end


class FileActions(QObject):
    """The File menu's commands for ``window`` (a ``MainWindow``)."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.save_action = self._action("&Save model…", QKeySequence.StandardKey.Save)
        self.open_action = self._action("&Open model…", QKeySequence.StandardKey.Open)
        self.csv_action = self._action("Export &history as CSV…")
        self.csv_action.setToolTip(
            "The runs selected in the Runs panel, or the current run when none is selected"
        )
        self.numpy_action = self._action("Export to &NumPy…")
        self.save_action.triggered.connect(self.ask_save_model)
        self.open_action.triggered.connect(self.ask_open_model)
        self.csv_action.triggered.connect(self.ask_export_history)
        self.numpy_action.triggered.connect(self.ask_export_numpy)
        view = window.training_view
        self.plot_targets: dict[str, QWidget] = {
            "All Training plots": view.splitter,
            "Loss": view.loss_plot,
            "Weights": view.weights_view,
            "Accuracy": view.accuracy_plot,
            "Gradient norm": view.gradient_plot,
        }
        self.plot_menu = QMenu("Export &plot", window)
        for name in self.plot_targets:
            action = self.plot_menu.addAction(f"{name}…")
            action.setData(name)
        self.plot_menu.triggered.connect(self._on_plot_chosen)

    @property
    def window(self) -> "MainWindow":
        """The window, through Qt's parent link: a Python reference would make a cycle that
        the garbage collector frees at a random moment, while Qt may still paint it."""
        return self.parent()

    def _action(self, text: str, shortcut: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.window.addAction(action)
        return action

    def fill_menu(self, menu: QMenu) -> None:
        """Add the commands to the File menu (before Quit, which the window adds)."""
        menu.addAction(self.open_action)
        menu.addAction(self.save_action)
        menu.addSeparator()
        menu.addAction(self.csv_action)
        menu.addMenu(self.plot_menu)
        menu.addAction(self.numpy_action)
        menu.addSeparator()

    def set_training(self, training: bool) -> None:
        """The model changes under a run: no saving, opening or NumPy export meanwhile."""
        for action in (self.save_action, self.open_action, self.numpy_action):
            action.setEnabled(not training)

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def _report(self, text: str) -> None:
        self.window.statusBar().showMessage(text)

    # --- the commands, given a path ----------------------------------------------------------

    def save_model_to(self, path: str | os.PathLike) -> Path | None:
        session = self.window.session
        try:
            saved = save_model(
                path,
                session.model,
                config=session.config,
                scaler=session.data.scaler,
                history=session.history,
            )
        except OSError as error:
            self.show_error("Could not save the model", f"{path}: {error.strerror or error}")
            return None
        self._report(f"Saved the model to {saved}")
        return saved

    def open_model_from(self, path: str | os.PathLike) -> bool:
        """Load a model file into the session; on any problem say what is wrong, change nothing."""
        window = self.window
        if window.is_training:
            return False
        try:
            opened = load_model_file(path)
        except ModelFileError as error:
            self.show_error("Could not open the model", str(error))
            return False
        data = window.session.data
        model = opened.model
        if (model.input_size, model.output_size) != (data.n_features, 10):
            self.show_error(
                "Could not open the model",
                f"{path}: a network of {model.input_size} inputs and {model.output_size} "
                f"outputs; Backprop Lab's digits need {data.n_features} and 10",
            )
            return False
        config = config_for(model, opened.config)
        history = opened.history or History()
        window.training_view.weights_view.reset_levels()
        window.session.set_model(model, config, history)
        window.form.set_config(config)
        n_train = len(data.y_train)
        replay_history(
            window.trace, history, updates_per_epoch(n_train, min(config.batch_size, n_train))
        )
        view = window.training_view
        view.show_trace(window.trace)
        view.gradient_plot.show_trace(window.trace)  # show_trace skips it if the count is equal
        done = window.trace.epoch_offset + window.trace.run_updates / window.trace.per_epoch
        view.set_epoch_span(0.0, max(done, config.epochs))
        window.controls.show_notice(None)
        window.controls.show_done(f"Opened {Path(path).name}", complete=True)
        self._report(f"Opened {Path(path).name}: {describe(config)}")
        return True

    def histories_to_export(self) -> list[tuple[str, History]]:
        """The runs selected in the Runs panel (named "run N: name"), else the current run."""
        runs = self.window.runs.panel
        selected = [(runs.model.number(run), run) for run in runs.selected_runs()]
        if selected:
            return [(f"run {number}: {run.name}", run.history) for number, run in selected]
        return [("current run", self.window.session.history)]

    def export_history_to(self, path: str | os.PathLike) -> Path | None:
        """Write the histories of ``histories_to_export()`` to one CSV file."""
        return self._attempt(
            "Could not export the history",
            lambda: export_histories_csv(path, self.histories_to_export()),
        )

    def export_plot_to(
        self, path: str | os.PathLike, which: str = "All Training plots"
    ) -> Path | None:
        """Export one of ``plot_targets`` as PNG or SVG (by the file's extension)."""
        return self._attempt(
            "Could not export the plot", lambda: export_image(self.plot_targets[which], path)
        )

    def export_numpy_to(self, path: str | os.PathLike) -> tuple[Path, Path] | None:
        """``folder/name.py`` and ``folder/name.npz`` from a path such as ``folder/name.py``."""
        path = Path(path)
        session = self.window.session
        return self._attempt(
            "Could not export to NumPy",
            lambda: export_numpy(session.model, session.data.scaler, path.parent, path.name),
        )

    def _attempt(self, title: str, write):
        try:
            written = write()
        except (OSError, ValueError) as error:
            self.show_error(title, str(error))
            return None
        shown = written[0] if isinstance(written, tuple) else written
        self._report(f"Wrote {shown}")
        return written

    # --- the commands, from the menu ---------------------------------------------------------

    def _ask(self, title: str, filters: str, *, save: bool = True) -> Path | None:
        """A path from a file dialog; a name typed without its extension gets the chosen
        filter's (``report.svg`` stays, ``report`` becomes ``report.png`` under PNG)."""
        folder = str(self.window.settings.value(LAST_FOLDER_KEY, str(Path.home())))
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        chosen, chosen_filter = ask(self.window, title, folder, filters)
        if not chosen:
            return None
        path = Path(chosen)
        suffixes = re.findall(r"\*(\.\w+)", filters)
        if save and path.suffix.lower() not in suffixes:
            wanted = re.search(r"\*(\.\w+)", chosen_filter or "")
            path = path.with_name(path.name + (wanted.group(1) if wanted else suffixes[0]))
        self.window.settings.setValue(LAST_FOLDER_KEY, str(path.parent))
        return path

    def ask_save_model(self) -> None:
        if not self.window.is_training and (path := self._ask("Save model", MODEL_FILTER)):
            self.save_model_to(path)

    def ask_open_model(self) -> None:
        if self.window.is_training:
            return
        path = self._ask("Open model", f"{MODEL_FILTER};;All files (*)", save=False)
        if path:
            self.open_model_from(path)

    def ask_export_history(self) -> None:
        if path := self._ask("Export history", "CSV file (*.csv)"):
            self.export_history_to(path)

    def ask_export_numpy(self) -> None:
        if path := self._ask("Export to NumPy", "Python script (*.py)"):
            self.export_numpy_to(path)

    def _on_plot_chosen(self, action: QAction) -> None:
        which = action.data()
        if path := self._ask(f"Export {which}", ";;".join(IMAGE_FORMATS.values())):
            self.export_plot_to(path, which)
