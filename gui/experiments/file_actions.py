"""The File menu: save and open models, export the history, the plots and a NumPy predictor.

Every command comes in two halves: an ``ask_*`` slot that shows a file dialog (which confirms
before replacing a file), and a method that takes the path (``save_model_to``,
``open_model_from``, ...), which the tests call directly. Nothing writes a file the user did not
pick. Errors go through ``show_error`` (a message box), which tests replace.

Opening is all or nothing: the file is read and checked completely (weights, scaler, every run's
configuration and history) before the session, the form or the plots change; a refused file
leaves everything as it was.
"""

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from engine import (
    MLP,
    N_CLASSES,
    History,
    ModelFileError,
    Run,
    RunConfig,
    export_numpy,
    load_model_file,
    save_model,
)
from engine.core.initializers import DEFAULT_SCALES
from gui.experiments.exports import IMAGE_FORMATS, export_histories_csv, export_image
from gui.experiments.run_library import RunLibrary
from gui.jobs import Job, JobFailed
from gui.session import Session
from gui.training.controller import TrainingController
from gui.widgets.file_dialogs import ask_open_path, ask_save_path

MODEL_FILTER = "Backprop Lab model (*.npz)"


def config_for(model: MLP, stored: RunConfig | None) -> RunConfig:
    """The stored run settings with the network fields of ``model`` (which wins: the weights
    were built by it); the defaults when the file holds no settings."""
    default_scale = DEFAULT_SCALES.get(model.init)
    return (stored or RunConfig()).with_changes(
        hidden_sizes=tuple(model.hidden_sizes),
        activation=model.activation.name,
        init=model.init,
        init_scale=None if model.init_scale == default_scale else model.init_scale,
        seed=model.seed,
    )


class FileActions(QObject):
    """The File menu's commands.

    Signals
    -------
    model_opened(RunConfig) : a model file was opened; the form should show its settings.
    message(str) : something to say in the status bar.
    export_finished(object) : a CSV export ended: its path, or the error's text.
    """

    model_opened = Signal(object)
    message = Signal(str)
    export_finished = Signal(object)

    def __init__(
        self,
        session: Session,
        controller: TrainingController,
        library: RunLibrary,
        plot_targets: dict[str, QWidget],
        settings: QSettings,
        dialog_parent: QWidget,
    ) -> None:
        super().__init__(dialog_parent)
        self.session, self.controller, self.library = session, controller, library
        self.plot_targets, self.settings = plot_targets, settings
        self._job: Job | None = None
        self.save_action = self._action("&Save model…", QKeySequence.StandardKey.Save)
        self.open_action = self._action("&Open model…", QKeySequence.StandardKey.Open)
        self.csv_action = self._action("Export &history as CSV…")
        self.csv_action.setToolTip(
            "The runs selected in the Runs panel, or the current model's runs when none is"
        )
        self.numpy_action = self._action("Export to &NumPy…")
        self.save_action.triggered.connect(self.ask_save_model)
        self.open_action.triggered.connect(self.ask_open_model)
        self.csv_action.triggered.connect(self.ask_export_history)
        self.numpy_action.triggered.connect(self.ask_export_numpy)
        self.plot_menu = QMenu("Export &plot", dialog_parent)
        for name in plot_targets:
            self.plot_menu.addAction(f"{name}…").setData(name)
        self.plot_menu.triggered.connect(self._on_plot_chosen)
        controller.state_changed.connect(self._on_state_changed)

    @property
    def parent_widget(self) -> QWidget:
        """Through Qt's parent link: a Python reference would make a cycle the garbage
        collector frees at a random moment, while Qt may still paint it."""
        return self.parent()

    def _action(self, text: str, shortcut: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self.parent_widget)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.parent_widget.addAction(action)
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

    def _on_state_changed(self, state: str) -> None:
        """The model changes under a run: no saving, opening or NumPy export meanwhile."""
        for action in (self.save_action, self.open_action, self.numpy_action):
            action.setEnabled(not self.controller.is_running)

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent_widget, title, text)

    # --- the commands, given a path ----------------------------------------------------------

    def save_model_to(self, path: str | os.PathLike) -> Path | None:
        session = self.session
        runs = [(run.config, run.history) for run in session.lineage if run.history is not None]
        try:
            saved = save_model(
                path, session.model, config=session.config, scaler=session.data.scaler, runs=runs
            )
        except OSError as error:
            self.show_error("Could not save the model", f"{path}: {error.strerror or error}")
            return None
        self.message.emit(f"Saved the model to {saved}")
        return saved

    def open_model_from(self, path: str | os.PathLike) -> bool:
        """Load a model file into the session; on any problem say what is wrong, change nothing."""
        if self.controller.is_running:
            return False
        data = self.session.data
        try:
            opened = load_model_file(path)
            model = opened.model
            if (model.input_size, model.output_size) != (data.n_features, N_CLASSES):
                raise ModelFileError(
                    f"{path}: a network of {model.input_size} inputs and {model.output_size} "
                    f"outputs; Backprop Lab's digits need {data.n_features} and {N_CLASSES}"
                )
            config = config_for(model, opened.config)
            problems = config.validate(len(data.y_train))
            if problems:
                raise ModelFileError(f"{path}: its settings cannot be used ({problems})")
            lineage = [
                Run.create(run_config, None, history, name=f"{Path(path).name}, run {i}")
                for i, (run_config, history) in enumerate(opened.runs, 1)
            ]
        except ModelFileError as error:
            self.show_error("Could not open the model", str(error))
            return False
        # Everything is checked: only now does anything change.
        self.session.replace_model(model, config, lineage)
        self.model_opened.emit(config)
        self.message.emit(f"Opened {Path(path).name}: {config.describe()}")
        return True

    def histories_to_export(self) -> list[tuple[str, History]]:
        """The runs selected in the Runs panel (named "run N: name"), else the current model's."""
        named = []
        for run in self.library.panel.selected_runs():
            self.library.store.load_details(run)
            named.append((f"run {run.number}: {run.name}", run.history))
        if named:
            return named
        return [
            (f"current run {i}", run.history)
            for i, run in enumerate(self.session.lineage, 1)
            if run.history is not None
        ] or [("current run", History())]

    def export_history_to(self, path: str | os.PathLike, background: bool = True) -> Job | None:
        """Write the histories of ``histories_to_export()`` to one CSV file, in a background job
        (``export_finished`` says when it is done) or, with ``background=False``, at once."""
        try:
            named = self.histories_to_export()
        except (ModelFileError, OSError) as error:
            self.show_error("Could not export the history", str(error))
            return None
        if not background:
            self._attempt("Could not export the history", lambda: export_histories_csv(path, named))
            return None
        self._job = Job(lambda report: export_histories_csv(path, named, report), "ExportJob", self)
        self._job.progress.connect(self._on_export_progress)
        self._job.finished.connect(self._on_export_finished)
        self.csv_action.setEnabled(False)
        self._job.start()
        return self._job

    def _on_export_progress(self, fraction: float) -> None:
        self.message.emit(f"Exporting the history as CSV: {100 * fraction:.0f} %")

    def _on_export_finished(self, result) -> None:
        self._job = None
        self.csv_action.setEnabled(True)
        if isinstance(result, JobFailed):
            self.show_error("Could not export the history", result.error)
            self.export_finished.emit(result.error)
            return
        self.message.emit(f"Wrote {result}")
        self.export_finished.emit(result)

    def export_plot_to(
        self, path: str | os.PathLike, which: str = "All Training plots"
    ) -> Path | None:
        """Export one of ``plot_targets`` as PNG or SVG (by the file's extension)."""
        return self._attempt(
            "Could not export the plot", lambda: export_image(self.plot_targets[which], path)
        )

    def export_numpy_to(self, path: str | os.PathLike) -> Path | None:
        """The standalone script ``folder/name.py`` (its weights inside it): one file, the one
        the user picked."""
        path = Path(path)
        session = self.session
        return self._attempt(
            "Could not export to NumPy",
            lambda: export_numpy(session.model, session.data.scaler, path.parent, path.name),
        )

    def _attempt(self, title: str, write: Callable):
        try:
            written = write()
        except (OSError, ValueError) as error:
            self.show_error(title, str(error))
            return None
        shown = written[0] if isinstance(written, tuple) else written
        self.message.emit(f"Wrote {shown}")
        return written

    # --- the commands, from the menu ---------------------------------------------------------

    def _ask(self, title: str, filters: str) -> Path | None:
        return ask_save_path(self.parent_widget, title, filters, self.settings)

    def ask_save_model(self) -> None:
        if not self.controller.is_running and (path := self._ask("Save model", MODEL_FILTER)):
            self.save_model_to(path)

    def ask_open_model(self) -> None:
        if self.controller.is_running:
            return
        filters = f"{MODEL_FILTER};;All files (*)"
        if path := ask_open_path(self.parent_widget, "Open model", filters, self.settings):
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
