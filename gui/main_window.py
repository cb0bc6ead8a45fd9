"""Backprop Lab's main window: the hyperparameter dock on the left, views in tabs on the right.

The window only draws. Training runs in a ``TrainingWorker`` moved to a QThread
(``gui.training.worker``); the window receives throttled batches of records, appends them to a
``RunTrace`` and the session's history, copies the parameter snapshot into the session's model
and redraws. Pause and stop set the run's ``TrainingControl`` flags directly.
"""

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import RunConfig, RunEnded
from engine.training.loop import updates_per_epoch
from gui import settings as stored
from gui.draw.draw_panel import DrawPanel
from gui.errors.errors_panel import ErrorsPanel
from gui.experiments.file_actions import FileActions
from gui.experiments.framework_view import FrameworkView
from gui.experiments.lab_questions_view import LabQuestionsView
from gui.experiments.runs_controller import RunsController
from gui.session import Session
from gui.training.form import HyperparameterForm
from gui.training.messages import architecture, describe, end_messages, evaluation_message
from gui.training.plots import configure_pyqtgraph
from gui.training.run_controls import RunControls
from gui.training.run_trace import RunTrace
from gui.training.training_view import TrainingView
from gui.training.worker import (
    ProgressBatch,
    TrainingWorker,
    make_control,
    pace_for_frame_cost,
    release_thread,
    worker_thread,
)

ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "icons" / "backprop-lab.png"
DEFAULT_SIZE = (1366, 768)


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area, so a small screen scrolls it rather than clipping it."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


class MainWindow(QMainWindow):
    """The application window.

    Signals
    -------
    training_finished(RunEnded) : in the GUI thread, once per run, when the run has ended
        (completed, stopped, diverged) and its thread is done.
    progress_drawn : a batch of progress from the worker has been drawn.
    """

    training_finished = Signal(object)
    progress_drawn = Signal()  # after each batch from the worker has been drawn

    def __init__(
        self,
        session: Session | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        runs_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        configure_pyqtgraph()
        self.session = session if session is not None else Session()
        self.settings = settings if settings is not None else QSettings()
        self.trace = RunTrace()
        self.runs_folder = runs_folder  # None: the user's data folder
        self.last_run_counts: dict[str, int] = {}
        self._thread = self._worker = self._control = None
        self._run_config: RunConfig | None = None
        self._end: RunEnded | None = None
        self._closing = False
        self._started = self._paused_since = 0.0
        self._paused_total = 0.0
        self._gui_cpu = self._frame_cost = 0.0
        self.setWindowTitle("Backprop Lab")
        self.setWindowIcon(QIcon(str(ICON_PATH)))
        self._build()
        self.form.set_config(stored.load_config(self.settings, self.session.config))
        self.resize(*DEFAULT_SIZE)
        stored.restore_window(self.settings, self)
        config = self.form.config()
        if config is not None and architecture(config) != architecture(self.session.config):
            self.reset_model()
        self.training_view.show_model(self.session.model)
        self.session.model_changed.connect(self._on_model_changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)
        self._update_state()
        self.statusBar().showMessage("Ready: pick a lab experiment or set the network, then Train")

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = HyperparameterForm(len(self.session.data.y_train))
        self.controls = RunControls()
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.addWidget(self.form)
        column.addWidget(self.controls)
        column.addStretch(1)
        scroll = scrollable(panel)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.dock = QDockWidget("Experiment", self)
        self.dock.setObjectName("controlsDock")
        self.dock.setWidget(scroll)
        self.dock.setMinimumWidth(330)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.training_view = TrainingView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(self.training_view, "Training")
        self.draw_panel = DrawPanel(self.session)
        self.tabs.addTab(scrollable(self.draw_panel), "Draw")
        self.errors_panel = ErrorsPanel(self.session)
        self.tabs.addTab(scrollable(self.errors_panel), "Worst errors")
        self.framework_view = FrameworkView(self.session)
        self.tabs.addTab(self.framework_view, "Framework check")
        self.lab_questions_view = LabQuestionsView(self.session)
        self.tabs.addTab(scrollable(self.lab_questions_view), "Lab questions")
        self.setCentralWidget(self.tabs)
        self.runs = RunsController(self, self.runs_folder)  # the Runs dock and the Sweep tab
        self.runs.sweep_running_changed.connect(self._update_state)
        self.model_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)
        self._build_actions()
        self.form.changed.connect(self._update_state)
        self.form.preset_chosen.connect(self._on_preset_chosen)
        self.controls.train_button.clicked.connect(self.start_training)
        self.controls.pause_button.clicked.connect(self.toggle_pause)
        self.controls.stop_button.clicked.connect(self.stop_training)
        self.controls.reset_button.clicked.connect(self.reset_model)

    def _build_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str, slot) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.train_action = action("&Train", "Ctrl+R", self.start_training)
        self.pause_action = action("&Pause / Resume", "Space", self.toggle_pause)
        self.stop_action = action("&Stop", "Esc", self.stop_training)
        self.reset_action = action("Re&set", "Ctrl+Shift+R", self.reset_model)
        self.quit_action = action("&Quit", "Ctrl+Q", self.close)
        file_menu = self.menuBar().addMenu("&File")
        self.file_actions = FileActions(self)
        self.file_actions.fill_menu(file_menu)
        file_menu.addAction(self.quit_action)
        run_menu = self.menuBar().addMenu("&Training")
        for act in (self.train_action, self.pause_action, self.stop_action, self.reset_action):
            run_menu.addAction(act)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.runs.dock.toggleViewAction())

    def add_view(self, widget: QWidget, title: str) -> int:
        """Add a tab (e.g. "Draw", "Worst errors"); returns its index."""
        return self.tabs.addTab(widget, title)

    # --- state -------------------------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        return self._thread is not None

    @property
    def training_thread(self):
        """The QThread of the run under way, or None."""
        return self._thread

    def _update_state(self) -> None:
        paused = bool(self._control and self._control.paused)
        can_train = self.form.is_valid() and not self.runs.sweep_running
        self.controls.set_state(self.is_training, paused, can_train)
        self.train_action.setEnabled(self.controls.train_button.isEnabled())
        self.reset_action.setEnabled(self.controls.reset_button.isEnabled())
        self.pause_action.setEnabled(self.is_training)
        self.stop_action.setEnabled(self.is_training)
        self.form.set_editable(not self.is_training)
        self.runs.update_state()
        self.file_actions.set_training(self.is_training)
        config = self.form.config()
        self.model_label.setText(describe(config) if config else "Fix the marked fields to train")

    # --- commands ----------------------------------------------------------------------------

    def start_training(self) -> None:
        """Train with the form's settings, from the current weights when the network is the
        same, else from a fresh initialization."""
        self.form.commit_text()
        config = self.form.config()
        if self.is_training or config is None or self.runs.sweep_running:
            return
        if architecture(config) != architecture(self.session.config):
            self.reset_model()
        self.session.set_config(config)
        data = self.session.data
        per_epoch = updates_per_epoch(len(data.y_train), min(config.batch_size, len(data.y_train)))
        self.trace.begin_run(per_epoch)
        self.training_view.set_epoch_span(0.0, self.trace.epoch_offset + config.epochs)
        self._run_config, self._end = config, None
        self._control = make_control()
        # The cost of a frame is remembered from the previous run, so even a short run is paced
        # from its first batch.
        self._worker = TrainingWorker(
            self.session.model, data, config, self._control,
            interval=pace_for_frame_cost(self._frame_cost),
        )  # fmt: skip
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_worker_finished)
        self._thread = worker_thread(self._worker)
        self._thread.finished.connect(self._on_thread_finished)
        self._started, self._paused_total = time.monotonic(), 0.0
        self._gui_cpu = time.thread_time()
        self.controls.show_notice(None)
        self.controls.show_progress(0, config.epochs, 0, config.epochs * per_epoch, None)
        self.statusBar().showMessage(f"Training: {describe(config)}, {config.epochs} epochs")
        self._thread.start()
        self._update_state()

    def toggle_pause(self) -> None:
        if self._control is None:
            return
        if self._control.paused:
            self._control.resume()
            self._paused_total += time.monotonic() - self._paused_since
            self.statusBar().showMessage("Training resumed")
        else:
            self._paused_since = time.monotonic()
            self._control.pause()
            self.statusBar().showMessage("Pausing after the current update…")
        self._update_state()

    def stop_training(self, wait: bool = False) -> None:
        """Ask the run to stop between two updates; ``wait`` also waits for its thread."""
        if self._control is None:
            return
        self._control.stop()
        self.statusBar().showMessage("Stopping after the current update…")
        if wait and self._thread is not None:
            release_thread(self._thread)

    def reset_model(self) -> None:
        """A fresh initialization of the form's network, and empty plots."""
        config = self.form.config()
        if config is None or self.is_training:
            return
        data = self.session.data
        self.trace.clear()
        self.training_view.weights_view.reset_levels()
        self.session.set_model(config.build_model(data.n_features, 10), config)
        self.training_view.show_trace(self.trace)
        self.training_view.set_epoch_span(0.0, config.epochs)
        self.controls.show_notice(None)
        self.controls.progress_bar.setRange(0, 1)
        self.controls.progress_bar.setValue(0)
        self.controls.progress_bar.setFormat("Ready")
        self.statusBar().showMessage(f"Fresh initialization: {describe(config)}")

    def apply_preset(self, name: str) -> None:
        """Show a lab experiment in the form and start it from a fresh network."""
        self.form.load_preset(name)
        self._on_preset_chosen(name)

    # --- from the worker (queued into the GUI thread) ----------------------------------------

    def _on_progress(self, batch: ProgressBatch) -> None:
        if self._closing:
            return
        self._pace_worker()
        for record in batch.records:
            self.session.history.add(record)
        updates, evaluations = self.trace.add_records(batch.records)
        self.session.update_params(batch.params)  # redraws the weights via model_changed
        self.training_view.show_trace(self.trace, updates, evaluations)
        self._show_progress()
        if evaluations and self.trace.last_evaluation is not None:
            self.statusBar().showMessage(evaluation_message(self.trace.last_evaluation))
        if batch.paused:
            self.statusBar().showMessage(
                f"Paused after update {self.trace.run_updates:,} (Space or Resume to go on)"
            )
        self.progress_drawn.emit()

    def _pace_worker(self) -> None:
        """Slow the batches down when drawing them costs the GUI thread (and the trainer, which
        waits for the GIL meanwhile) too much: measured as the GUI thread's CPU time since the
        previous batch, smoothed."""
        now = time.thread_time()
        spent, self._gui_cpu = now - self._gui_cpu, now
        self._frame_cost = 0.7 * self._frame_cost + 0.3 * spent
        if self._worker is not None:
            self._worker.interval = pace_for_frame_cost(self._frame_cost)

    def _show_progress(self) -> None:
        config = self._run_config
        if config is None:
            return
        done, per_epoch = self.trace.run_updates, self.trace.per_epoch
        total = config.epochs * per_epoch
        active = time.monotonic() - self._started - self._paused_total
        left = (total - done) * active / done if done else None
        epoch = min(config.epochs, done // per_epoch + 1)
        self.controls.show_progress(epoch, config.epochs, done, total, left)

    def _on_worker_finished(self, end: RunEnded) -> None:
        self._end = end
        if self._worker is not None:
            self.last_run_counts = {
                "batches": self._worker.sent_batches,
                "updates": self._worker.sent_updates,
                "evaluations": self._worker.sent_evaluations,
            }

    def _on_thread_finished(self) -> None:
        if self._thread is not None:
            release_thread(self._thread)  # it has emitted finished: this returns at once
        self._thread = self._worker = self._control = None
        if self._closing:
            return
        end = self._end or RunEnded(
            "failed", "the training thread ended without a result", 0, 0, 0.0
        )
        self.session.finish_run(end)
        self._report_end(end)
        self._update_state()
        self.training_finished.emit(end)

    def _report_end(self, end: RunEnded) -> None:
        messages = end_messages(end, self.trace.last_evaluation)
        self.controls.show_done(messages.progress, complete=messages.complete)
        self.controls.show_notice(messages.notice)
        self.statusBar().showMessage(messages.status)

    # --- other events ------------------------------------------------------------------------

    def _on_preset_chosen(self, name: str) -> None:
        self.reset_model()
        self.statusBar().showMessage(f"Preset '{name}': {describe(self.session.config)}")

    def _on_model_changed(self) -> None:
        self.training_view.show_model(self.session.model)

    def _on_scheme_changed(self) -> None:
        configure_pyqtgraph()
        self.training_view.apply_theme()

    def save_settings(self) -> None:
        config = self.form.config()
        if config is not None:
            stored.save_config(self.settings, config)
        stored.save_window(self.settings, self)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.stop_training(wait=True)
        self.runs.shutdown()
        self.framework_view.stop(wait=True)
        self.save_settings()
        super().closeEvent(event)
