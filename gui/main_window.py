"""Backprop Lab's main window: layout, menus and wiring, nothing else.

The Experiment dock (the form and the run controls) on the left, the views in tabs, the Runs dock
below. The ``TrainingController`` owns the run's lifecycle, the ``Session`` the model and its
runs; the window connects them to the views and says in the status bar what happens.
"""

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QScrollArea, QTabWidget, QWidget

from engine import MLP
from gui import settings as stored
from gui.backprop.backprop_view import BackpropView
from gui.backprop.layer_health_view import LayerHealthView
from gui.draw.draw_panel import DrawPanel
from gui.draw.my_digits_keeper import MyDigitsKeeper, my_digits_path
from gui.draw.my_digits_panel import MyDigitsPanel
from gui.errors.errors_panel import ErrorsPanel
from gui.experiments.file_actions import FileActions
from gui.experiments.framework_view import FrameworkView
from gui.experiments.lab_questions_view import LabQuestionsView
from gui.experiments.run_library import RunLibrary
from gui.experiments.sweep_controller import SweepController
from gui.experiments.sweep_panel import SweepPanel
from gui.jobs import Job
from gui.session import Session
from gui.theme import configure_pyqtgraph
from gui.training.controller import TrainingController
from gui.training.experiment_panel import ExperimentPanel
from gui.training.training_view import TrainingView

ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "icons" / "backprop-lab.png"
DEFAULT_SIZE = (1366, 768)


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` in a vertical scroll area, so a small screen scrolls it rather than clip it."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # room for the vertical scroll bar beside the content, never over it
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumWidth(widget.minimumSizeHint().width() + bar)
    return scroll


class MainWindow(QMainWindow):
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
        self.controller = TrainingController(self.session, self)
        self.setWindowTitle("Backprop Lab")
        self.setWindowIcon(QIcon(str(ICON_PATH)))
        self._build_docks(runs_folder)
        self._build_tabs()
        self._build_menus()
        self._wire()
        config, problems = stored.load_config(self.settings, self.session.config)
        self.experiment.set_engine(stored.load_engine(self.settings))
        self.form.set_config(config)
        self.resize(*DEFAULT_SIZE)
        stored.restore_window(self.settings, self)
        self.controller.reset(config)
        self.library.load()
        self.startup_problems = problems + ([self.session.data.note] if self.session.data.note
                                            else [])  # fmt: skip
        if self.startup_problems:
            self.say(f"{len(problems)} stored setting(s) could not be read: {problems[0]}"
                     if problems else self.session.data.note)  # fmt: skip
        elif not self.library.problems:
            self.say("Ready: pick a lab experiment or set the network, then Train")
        self.my_digits.load()  # an unreadable file is reported in the status bar

    @property
    def form(self):
        return self.experiment.form

    @property
    def controls(self):
        return self.experiment.controls

    # --- building ----------------------------------------------------------------------------

    def _build_docks(self, runs_folder: Path | None) -> None:
        self.library = RunLibrary(self.session, self.controller, runs_folder, self)
        self.experiment = ExperimentPanel(self.session, self.controller, self._sweep_running)
        self.dock = QDockWidget("Experiment", self)
        self.dock.setObjectName("controlsDock")
        self.dock.setWidget(scrollable(self.experiment))
        self.dock.setMinimumWidth(330)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.runs_dock = QDockWidget("Runs", self)
        self.runs_dock.setObjectName("runsDock")
        self.runs_dock.setWidget(self.library.panel)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.runs_dock)
        self.resizeDocks([self.runs_dock], [190], Qt.Orientation.Vertical)

    def _build_tabs(self) -> None:
        session = self.session
        self.training_view = TrainingView(session, self.controller)
        self.my_digits = MyDigitsKeeper(session, my_digits_path(self.library.store.folder), self)
        self.draw_panel = DrawPanel(session, self.my_digits)
        self.my_digits_panel = MyDigitsPanel(session, self.my_digits, self.settings)
        self.errors_panel = ErrorsPanel(session)
        self.sweep_panel = SweepPanel()
        self.framework_view = FrameworkView(session)
        self.lab_questions_view = LabQuestionsView(session)
        self.backprop_view = BackpropView(
            session, self.controller, drawing=lambda: self.draw_panel.model_input
        )
        self.layer_health_view = LayerHealthView(session, self.controller)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        for widget, title in (
            (self.training_view, "Training"),
            (self.backprop_view, "Backprop"),
            (self.layer_health_view, "Layers"),
            (self.draw_panel, "Draw"),
            (self.my_digits_panel, "My digits"),
            (self.errors_panel, "Worst errors"),
            (self.sweep_panel, "Sweep"),
            (self.framework_view, "Framework check"),
            (scrollable(self.lab_questions_view), "Lab questions"),
        ):
            self.tabs.addTab(widget, title)
        self.setCentralWidget(self.tabs)
        self.sweeps = SweepController(
            session, self.library, self.sweep_panel, self.form.config, self.controller, self
        )
        view = self.training_view
        targets = {"All Training plots": view.splitter, "Loss": view.loss_plot,
                   "Weights": view.weights_view, "Accuracy": view.accuracy_plot,
                   "Gradient norm": view.gradient_plot}  # fmt: skip
        self.file_actions = FileActions(
            session, self.controller, self.library, targets, self.settings, self
        )
        self.model_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.file_actions.fill_menu(file_menu)
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.setShortcut("Ctrl+Q")
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
        self.experiment.fill_menu(self.menuBar().addMenu("&Training"), self)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.runs_dock.toggleViewAction())

    def _wire(self) -> None:
        self.experiment.message.connect(self.say)
        self.experiment.preset_explained.connect(self.training_view.show_explanation)
        self.experiment.engine_chosen.connect(self._on_engine_chosen)
        self.form.changed.connect(self._show_model_label)
        self.sweeps.running_changed.connect(self.experiment.update_state)
        self.controller.state_changed.connect(self._on_state_changed)
        self.library.overlays_changed.connect(self.training_view.show_runs)
        self.library.problems_found.connect(self.say)
        self.file_actions.model_opened.connect(self.form.set_config)
        self.file_actions.model_opened.connect(self.library.clear_selection)
        self.file_actions.message.connect(self.say)
        self.my_digits.message.connect(self.say)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    # --- for tests and scripts ---------------------------------------------------------------

    def current_model(self) -> MLP:
        """The live network the window shows (a contract for tests and scripts)."""
        return self.session.model

    def apply_preset(self, name: str) -> None:
        self.experiment.apply_preset(name)

    def say(self, text: str) -> None:
        self.statusBar().showMessage(text)

    # --- reacting ----------------------------------------------------------------------------

    def _sweep_running(self) -> bool:
        return hasattr(self, "sweeps") and self.sweeps.running

    def _on_state_changed(self, _state: str) -> None:
        self.sweeps.set_can_start(not self.controller.is_running)

    def _show_model_label(self) -> None:
        config = self.form.config()
        self.model_label.setText(config.describe() if config else "Fix the marked fields to train")

    def _on_engine_chosen(self, engine: str) -> None:
        stored.save_engine(self.settings, engine)

    def _on_scheme_changed(self) -> None:
        configure_pyqtgraph()
        self.training_view.apply_theme()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's naming)
        self.controller.shutdown()  # a run under way ends as "stopped", and is stored
        self.sweeps.stop(wait=True)
        self.framework_view.stop(wait=True)
        self.backprop_view.stop(wait=True)
        Job.wait_for_all()  # and what cannot be stopped (a CSV export) ends before the window
        config = self.form.config()
        if config is not None:
            stored.save_config(self.settings, config)
        stored.save_window(self.settings, self)
        self.settings.sync()
        super().closeEvent(event)
