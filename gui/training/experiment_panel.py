"""The Experiment panel: the hyperparameter form and the run controls, and the Training menu's
commands (Train, Train from scratch, Pause/Resume, Step, Stop, Reset, which code trains).

It turns the user's commands into calls on the ``TrainingController`` and shows the run's
progress and end; ``message`` carries what the status bar should say.
"""

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QVBoxLayout, QWidget

from engine import ENGINES
from engine.training.presets import PRESETS
from gui.session import Session
from gui.training.controller import PAUSED, Frame, TrainingController
from gui.training.form import HyperparameterForm
from gui.training.messages import end_messages, evaluation_message
from gui.training.run_controls import RunControls

ENGINE_LABELS = {"fast": "Fast kernels where they apply", "readable": "Readable backprop only"}


class ExperimentPanel(QWidget):
    """Signals: ``message(str)`` for the status bar; ``preset_explained(str, str)`` (title,
    paragraph) when a lab experiment is chosen; ``engine_chosen(str)``."""

    message = Signal(str)
    preset_explained = Signal(str, str)
    engine_chosen = Signal(str)

    def __init__(
        self,
        session: Session,
        controller: TrainingController,
        busy: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.controller, self.busy = session, controller, busy
        self.form = HyperparameterForm(len(session.data.y_train))
        self.controls = RunControls()
        column = QVBoxLayout(self)
        column.addWidget(self.form)
        column.addWidget(self.controls)
        column.addStretch(1)
        controls = self.controls
        self.form.changed.connect(self.update_state)
        self.form.preset_chosen.connect(self._on_preset_chosen)
        controls.train_button.clicked.connect(self.train)
        controls.scratch_button.clicked.connect(self.train_from_scratch)
        controls.pause_button.clicked.connect(controller.toggle_pause)
        controls.step_button.clicked.connect(self.step)
        controls.stop_button.clicked.connect(controller.stop)
        controls.reset_button.clicked.connect(self.reset)
        controls.speed_input.currentIndexChanged.connect(self._on_speed_chosen)
        controller.state_changed.connect(self.update_state)
        controller.progress.connect(self._on_progress)
        controller.run_finished.connect(self._on_run_finished)
        session.model_replaced.connect(self.update_state)

    def fill_menu(self, menu: QMenu, window: QWidget) -> None:
        """The Training menu; shortcuts act anywhere in ``window``."""

        def action(text: str, shortcut: str, slot) -> QAction:
            act = QAction(text, window)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            window.addAction(act)
            menu.addAction(act)
            return act

        controller = self.controller
        self.train_action = action("&Train", "Ctrl+R", self.train)
        self.scratch_action = action("Train from &scratch", "Ctrl+Shift+T", self.train_from_scratch)
        self.pause_action = action("&Pause / Resume", "Space", controller.toggle_pause)
        self.step_action = action("S&tep one update", "N", self.step)
        self.stop_action = action("St&op", "Esc", controller.stop)
        self.reset_action = action("Re&set", "Ctrl+Shift+R", self.reset)
        menu.addSeparator()
        group = QActionGroup(window)
        self.engine_actions: dict[str, QAction] = {}
        for engine in ENGINES:
            act = group.addAction(ENGINE_LABELS[engine])
            act.setCheckable(True)
            act.setData(engine)
            act.setToolTip("Which code trains: the optimised kernels, or MLP's own code")
            menu.addAction(act)
            self.engine_actions[engine] = act
        self.engine_actions[self.session.engine].setChecked(True)
        group.triggered.connect(self._on_engine_chosen)
        self.update_state()

    # --- commands ----------------------------------------------------------------------------

    def train(self, *, fresh: bool = False) -> bool:
        config = self.form.config()
        if config is None or self.busy():
            return False
        continues = not fresh and self.controller.continues(config)
        if not self.controller.start(config, fresh=fresh):
            return False
        self.controls.show_notice(None)
        how = "continuing" if continues else "a fresh network"
        self.message.emit(f"Training ({how}): {config.describe()}, {config.epochs} epochs")
        return True

    def train_from_scratch(self) -> bool:
        return self.train(fresh=True)

    def step(self) -> None:
        config = self.form.config()
        if not self.busy() and (self.controller.is_running or config is not None):
            self.controller.step(config)

    def reset(self) -> None:
        config = self.form.config()
        if config is not None and not self.controller.is_running:
            self.controller.reset(config)
            self.controls.show_notice(None)
            self.controls.show_ready()
            self.message.emit(f"Fresh initialization: {config.describe()}")

    def apply_preset(self, name: str) -> None:
        """Show a lab experiment in the form and start it from a fresh network."""
        self.form.load_preset(name)
        self._on_preset_chosen(name)

    def set_engine(self, engine: str) -> None:
        self.session.set_engine(engine)
        if hasattr(self, "engine_actions"):
            self.engine_actions[engine].setChecked(True)

    # --- reacting ----------------------------------------------------------------------------

    def update_state(self, *_args) -> None:
        running, config = self.controller.is_running, self.form.config()
        can_train = config is not None and not self.busy()
        self.controls.set_state(running, self.controller.state == PAUSED, can_train)
        if hasattr(self, "train_action"):
            for act, button in ((self.train_action, self.controls.train_button),
                                (self.scratch_action, self.controls.scratch_button),
                                (self.reset_action, self.controls.reset_button),
                                (self.step_action, self.controls.step_button)):  # fmt: skip
                act.setEnabled(button.isEnabled())
            self.pause_action.setEnabled(running)
            self.stop_action.setEnabled(running)
        self.form.set_editable(not running)
        last = self.session.last_run
        continues = config is not None and self.controller.continues(config)
        self.controls.show_continuation(continues, last.number if last else None)

    def _on_preset_chosen(self, name: str) -> None:
        self.reset()
        self.preset_explained.emit(PRESETS[name].name, PRESETS[name].explanation)

    def _on_speed_chosen(self) -> None:
        self.controller.set_speed(self.controls.speed())

    def _on_engine_chosen(self, act: QAction) -> None:
        self.session.set_engine(act.data())
        self.engine_chosen.emit(act.data())
        self.message.emit(f"Training with: {ENGINE_LABELS[act.data()].lower()}")

    def _on_progress(self, frame: Frame) -> None:
        self.controls.show_progress(frame.epoch, frame.run.config.epochs, frame.updates_done,
                                    frame.total_updates, frame.seconds_left)  # fmt: skip
        if frame.paused is not None:
            n = frame.paused.next_update
            self.message.emit(f"Paused before update {n:,} (Space resumes, N steps)")
        elif frame.last_evaluation is not None:
            self.message.emit(evaluation_message(frame.last_evaluation))

    def _on_run_finished(self, run) -> None:
        messages = end_messages(run.history.end, run.history.final)
        self.controls.show_done(messages.progress, complete=messages.complete)
        self.controls.show_notice(messages.notice)
        self.message.emit(messages.status)
        self.update_state()
