"""The Backprop tab: one forward and backward pass of the current network, drawn for one sample,
with the lab's equations and this sample's numbers, the last update it made, the gradient
check, and backpropagation broken on purpose.

Every number comes from ``engine.trace_backprop`` on a copy of the session's model (with the
weights a shown update started from). The tab follows single updates (``step_done``: a Step, or
a slowed-down run) at most ``STEP_REDRAWS`` times a second, and a training run's new weights at
most ``WEIGHTS_REDRAWS`` times, only while it is shown: hidden, it only notes that it is stale
and redraws when shown again.
"""

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine import BackpropTrace, trace_backprop
from gui.backprop.bug_input import BugBanner, BugInput
from gui.backprop.diagram_layout import Hit
from gui.backprop.equations import (
    BACKWARD,
    FORWARD,
    Focus,
    describe_unit,
    describe_weight,
    label,
    num,
    resolve,
    sample,
    stages,
    stages_html,
)
from gui.backprop.gradient_check_panel import BATCH_SIZE, TEST_BATCH, GradientCheckPanel
from gui.backprop.network_diagram import NetworkDiagram
from gui.backprop.sample_source import DRAWING, NEXT, STEP, TEST, SampleChooser, Shown, choose
from gui.backprop.step_strip import StepStrip
from gui.session import Session
from gui.theme import INFO_STYLE
from gui.training.controller import Step, TrainingController
from gui.widgets.digit_widgets import DigitImageView
from gui.widgets.refresh_when_shown import RefreshWhenShown

STEP_REDRAWS = 8  # a second, at most: single updates may arrive 20 times a second
WEIGHTS_REDRAWS = 5  # a second, at most, while a run trains (a test sample, a drawing)
HINT = "Hover a unit or a weight: its value, its formula and the numbers it came from."
COLOUR_KEY = (
    "<span style='color:#2166ac'>■</span> below 0<br>□ 0<br>"
    "<span style='color:#b2182b'>■</span> above 0<br>Each column and layer has its own "
    "scale (max). Thicker edges: larger |value|.<br>◯ the units the equations follow."
)
Drawing = Callable[[], "np.ndarray | None"]


def _no_drawing() -> None:
    return None


class BackpropView(RefreshWhenShown, QWidget):
    """Signals: ``step_shown(Step)`` once an update is drawn; ``refreshed`` after every redraw.

    ``drawing`` returns the standardised input the Draw tab shows (None without one), so this
    view needs nothing of the Draw tab but that function.
    """

    step_shown = Signal(object)
    refreshed = Signal()
    _step_arrived = Signal(object)

    def __init__(
        self,
        session: Session,
        controller: TrainingController,
        drawing: Drawing = _no_drawing,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backpropView")
        self.session, self.controller, self.drawing = session, controller, drawing
        self.mode = FORWARD
        self.focus = Focus()
        self.trace: BackpropTrace | None = None
        self.shown: Shown | None = None
        self.last_step: Step | None = None
        self._step_update: int | None = None
        self._step_bug: str | None = None
        self._drawn_step: Step | None = None
        self._hover: Hit | None = None
        self._build()
        self._wire()

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.chooser = SampleChooser(len(self.session.data.y_test))
        self.forward_button = QPushButton("Forward")
        self.forward_button.setObjectName("forwardButton")
        self.forward_button.setToolTip("Units show x, a and p; weights show W")
        self.backward_button = QPushButton("Backward")
        self.backward_button.setObjectName("backwardButton")
        self.backward_button.setToolTip("Units show the error δ = ∂L/∂z; weights show ∂L/∂W")
        self.mode_group = QButtonGroup(self)
        for button in (self.forward_button, self.backward_button):
            button.setCheckable(True)
            self.mode_group.addButton(button)
        self.forward_button.setChecked(True)
        self.bug_input = BugInput(self.session, self.controller)
        self.banner = BugBanner(self.session)
        self.notice = QLabel()
        self.notice.setObjectName("backpropNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(INFO_STYLE)
        self.show_test_button = QPushButton("Show a test sample")
        self.show_test_button.setObjectName("backpropShowTestButton")
        self.sample_label = QLabel()
        self.sample_label.setObjectName("backpropSampleLabel")
        self.sample_label.setWordWrap(True)
        self.input_view = DigitImageView("input x, 8×8")
        self.input_view.setFixedWidth(96)
        self.input_view.setMaximumHeight(124)
        self.colour_key = QLabel(COLOUR_KEY)
        self.colour_key.setObjectName("backpropColourKey")
        self.colour_key.setWordWrap(True)
        self.colour_key.setFixedWidth(96)
        self.colour_key.setStyleSheet("font-size: 8pt;")
        self.diagram = NetworkDiagram()
        self.diagram.setMinimumSize(380, 200)
        self.diagram.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.readout = QLabel(HINT)
        self.readout.setObjectName("backpropReadout")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.readout.setFixedHeight(2 * self.readout.fontMetrics().lineSpacing() + 6)
        self.step_strip = StepStrip()
        self.step_strip.setFixedHeight(125)
        self.step_strip.hide()
        self.equations = QLabel()
        self.equations.setObjectName("backpropEquations")
        self.equations.setWordWrap(True)
        self.equations.setTextFormat(Qt.TextFormat.RichText)
        self.equations.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.equations.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gradient_check = GradientCheckPanel(self.session, self._check_sample)
        self._layout_widgets()

    def _layout_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.chooser)
        top.addSpacing(8)
        top.addWidget(self.forward_button)
        top.addWidget(self.backward_button)
        top.addStretch(1)
        top.addWidget(self.bug_input)
        notice = QHBoxLayout()
        notice.addWidget(self.notice, 1)
        notice.addWidget(self.show_test_button)
        picture = QHBoxLayout()
        picture.setSpacing(4)
        inputs = QVBoxLayout()
        inputs.addWidget(self.input_view)
        inputs.addWidget(self.colour_key)
        inputs.addStretch(1)
        picture.addLayout(inputs)
        picture.addWidget(self.diagram, 1)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.setSpacing(3)
        left_column.addWidget(self.sample_label)
        left_column.addLayout(picture, 1)
        left_column.addWidget(self.readout)
        left_column.addWidget(self.step_strip)
        scroll = QScrollArea()
        scroll.setObjectName("backpropEquationsScroll")
        scroll.setWidget(self.equations)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        check_box = QGroupBox("Gradient check")
        check_column = QVBoxLayout(check_box)
        check_column.setContentsMargins(4, 4, 4, 4)
        check_column.addWidget(self.gradient_check)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(scroll, 1)
        right_column.addWidget(check_box)
        right.setMinimumWidth(300)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("backpropSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.banner)
        column.addLayout(notice)
        column.addWidget(self.splitter, 1)
        self._show_notice(None)

    def _wire(self) -> None:
        session, controller = self.session, self.controller
        self.chooser.changed.connect(self.refresh_when_visible)
        self.mode_group.buttonClicked.connect(self._on_mode_chosen)
        self.show_test_button.clicked.connect(self._on_show_test)
        self.diagram.hovered.connect(self._on_hovered)
        self.gradient_check.worst_found.connect(self._on_worst_found)
        controller.step_done.connect(self._on_step_done)
        controller.state_changed.connect(self._on_state_changed)
        session.model_replaced.connect(self._on_model_replaced)
        session.settings_changed.connect(self.refresh_when_visible)
        # pyqtgraph's SignalProxy: at most `rate` redraws a second, the first at once, the last
        # never dropped
        self.step_proxy = pg.SignalProxy(
            self._step_arrived, delay=1.0 / STEP_REDRAWS, rateLimit=STEP_REDRAWS,
            slot=self._on_step_proxy, threadSafe=False,
        )  # fmt: skip
        self.weights_proxy = pg.SignalProxy(
            session.weights_changed, delay=1.0 / WEIGHTS_REDRAWS, rateLimit=WEIGHTS_REDRAWS,
            slot=self._on_weights_proxy, threadSafe=False,
        )  # fmt: skip

    # --- drawing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Trace the chosen sample with the current weights (or the shown update's) and draw."""
        self.stale = False
        data = self.session.data
        chooser = self.chooser
        options = {
            "test_index": chooser.index_input.value(),
            "drawing": self.drawing() if chooser.kind == DRAWING else None,
            "target": chooser.target_input.value(),
            "next_indices": self.controller.next_indices,
            "step": self.last_step,
        }
        shown = choose(chooser.kind, data, **options)
        self._show_notice(shown if isinstance(shown, str) else None)
        if isinstance(shown, str):
            shown = choose(TEST, data, **options)
        model = self.session.model.copy()
        if shown.step is not None:
            model.set_params(shown.step.before)
            model.bug = self._step_bug  # the backprop the update was made with
        self.trace = trace_backprop(model, shown.X, shown.labels)
        self.shown = shown
        if self.diagram.plan is None or self.diagram.plan.sizes != model.layer_sizes:
            self._hover, self.focus = None, Focus()  # they pointed into another network
        self.diagram.set_architecture(model.layer_sizes)
        self.step_strip.set_architecture(model.layer_sizes)
        self._draw()
        self._draw_step(shown)
        self.refreshed.emit()

    def _draw(self) -> None:
        trace, shown = self.trace, self.shown
        self.diagram.show_trace(trace, self.mode)
        self.input_view.set_image(shown.image)
        p = sample(trace, trace.probabilities, 0)
        predicted, y = int(np.argmax(p)), label(trace, 0)
        verdict = "right" if predicted == y else "wrong"
        first, loss = "", "loss"
        if trace.n_samples > 1:
            first, loss = "; the first is drawn", "the batch's mean loss"
        self.sample_label.setText(
            f"<b>{shown.title[0].upper()}{shown.title[1:]}</b>{first}: target {y}, predicted "
            f"{predicted} ({verdict}, p = {num(p[predicted])}), {loss} L = {num(trace.loss)}"
        )
        self._draw_focus()

    def _draw_focus(self) -> None:
        trace = self.trace
        if trace is None:
            return
        resolved = resolve(trace, self.focus, self.mode)
        n_layers = len(trace.layers)
        layer, i, j = resolved.weight
        marks = [(n_layers, resolved.output), (layer - 1, i), (layer, j)]
        if resolved.hidden is not None:
            marks.append(resolved.hidden)
        self.diagram.set_focus(sorted(set(marks)), resolved.weight)
        learning_rate, plain, after = self._update_rule()
        items = stages(trace, resolved, learning_rate, after=after, plain_sgd=plain)
        self.equations.setText(stages_html(items, self.mode))
        self._draw_readout()

    def _draw_readout(self) -> None:
        hit, trace = self._hover, self.trace
        if hit is None or trace is None:
            self.readout.setText(HINT)
        elif hit.kind == "unit":
            self.readout.setText(describe_unit(trace, hit.column, hit.unit, self.mode))
        else:
            learning_rate, _, after = self._update_rule()
            self.readout.setText(describe_weight(
                trace, hit.layer, hit.i, hit.j, self.mode, learning_rate, after=after
            ))  # fmt: skip

    def _update_rule(self) -> tuple[float, bool, dict | None]:
        """The learning rate, whether the update is plain SGD, and the weights after the shown
        update (None when no update is shown)."""
        step = self.shown.step if self.shown is not None else None
        config = step.config if step is not None else self.session.config
        plain = config.optimizer == "sgd" and config.momentum == 0
        return config.learning_rate, plain, step.after if step is not None else None

    def _draw_step(self, shown: Shown) -> None:
        step = shown.step
        self.step_strip.setVisible(step is not None)
        if step is None or step is self._drawn_step:
            return
        self._drawn_step = step
        after = self.session.model.copy()
        after.set_params(step.after)
        loss_after = after.loss(shown.X, shown.labels)
        self.step_strip.show_step(step, self._step_update, self.trace.loss, loss_after, shown.what)
        self.step_shown.emit(step)

    def _show_notice(self, text: str | None) -> None:
        self.notice.setVisible(text is not None)
        self.show_test_button.setVisible(text is not None)
        if text is not None:
            index = self.chooser.index_input.value()
            self.notice.setText(f"{text} Meanwhile: test sample #{index}.")

    def _check_sample(self, scope: str):
        """The samples the gradient check uses: ``(X, y, description)``."""
        data = self.session.data
        if scope == TEST_BATCH:
            start = self.chooser.index_input.value()
            indices = (start + np.arange(BATCH_SIZE)) % len(data.y_test)
            what = f"{BATCH_SIZE} test samples from #{start}"
            return data.X_test[indices], data.y_test[indices], what
        if self.shown is None:
            self.refresh()
        shown = self.shown
        return shown.X, shown.labels, shown.what

    # --- reacting ------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's naming)
        if self.chooser.kind == DRAWING:
            self.stale = True  # the drawing may have changed in the Draw tab
        super().showEvent(event)

    def _on_mode_chosen(self, button) -> None:
        self.mode = BACKWARD if button is self.backward_button else FORWARD
        if self.trace is None:
            self.refresh_when_visible()
        else:
            self.diagram.show_trace(self.trace, self.mode)
            self._draw_focus()

    def _on_show_test(self) -> None:
        self.chooser.set_kind(TEST)
        self.refresh_when_visible()

    def _on_hovered(self, hit: Hit | None) -> None:
        self._hover = hit
        if hit is not None and self.trace is not None:
            self.focus = self.focus.pointed(hit, len(self.trace.layers))
            self._draw_focus()
        else:
            self._draw_readout()

    def _on_worst_found(self, worst) -> None:
        if worst is None:
            self.diagram.set_worst(None)
            return
        kind, layer, index = worst
        name = f"{kind}{layer}[{', '.join(str(i) for i in index)}]"
        self.diagram.set_worst(worst, f"worst: {name}")

    def _on_step_done(self, step: Step) -> None:
        self.last_step, self._step_bug = step, self.session.bug
        run = self.controller.current_run
        self._step_update = run.history.n_updates if run is not None else None
        self._step_arrived.emit(step)

    def _on_step_proxy(self, _args) -> None:
        self.chooser.set_kind(STEP)
        self.refresh_when_visible()

    def _on_weights_proxy(self, _args) -> None:
        if self.chooser.kind in (TEST, DRAWING, NEXT):
            self.refresh_when_visible()

    def _on_state_changed(self, _state: str) -> None:
        if self.chooser.kind == NEXT:
            self.refresh_when_visible()

    def _on_model_replaced(self) -> None:
        self.last_step = self._drawn_step = None
        self.focus, self._hover = Focus(), None
        if self.chooser.kind == STEP:
            self.chooser.set_kind(TEST)
        self.refresh_when_visible()

    def stop(self, wait: bool = False) -> None:
        """The window closes: wait for a gradient check under way."""
        self.gradient_check.stop(wait)
