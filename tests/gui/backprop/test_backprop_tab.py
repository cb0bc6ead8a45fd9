"""The Backprop and Layers tabs through the window: single steps shown exactly, slow motion,
the gradient check on every lab experiment, deliberate bugs, layer health, and the layout at
1366x768."""

import contextlib

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableWidget, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout

from engine import BUGS, GradientCheck, RunConfig, trace_backprop
from engine.training.presets import PRESETS
from gui.backprop.sample_source import STEP
from gui.training.controller import Step

TIMEOUT = 30_000  # ms
LAB = RunConfig(batch_size=1, epochs=1)  # plain SGD, one sample per update
DEEP = "Deep sigmoid net (vanishing gradients)"
# One sample at a time through two hidden layers: about half a second per epoch, long enough to
# pause mid-run.
SLOW = RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40)


@pytest.fixture
def window(make_window, qtbot):
    window = make_window()
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.controller.stop(wait=True)


def show_tab(window, widget: QWidget) -> None:
    window.tabs.setCurrentWidget(widget)
    assert widget.isVisible()


def click(qtbot, window, name: str) -> None:
    qtbot.mouseClick(window.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def step_exactly(window, qtbot):
    """Click Step once; check that the parameters moved by exactly −lr × the gradient that
    trace_backprop gives on the weights before, for the samples the update used."""
    session, controller, view = window.session, window.controller, window.backprop_view
    before = {key: value.copy() for key, value in session.model.params.items()}
    waiting = controller.next_indices
    updates = session.history.n_updates if controller.is_running else 0
    with qtbot.waitSignal(view.step_shown, timeout=TIMEOUT) as blocker:
        click(qtbot, window, "stepButton")
    step = blocker.args[0]
    if waiting is not None:
        assert np.array_equal(step.indices, waiting)
    assert len(step.indices) == 1
    model = session.model.copy()
    model.set_params(before)
    data = session.data
    trace = trace_backprop(model, data.X_train[step.indices], data.y_train[step.indices])
    lr = session.config.learning_rate
    for key, value in session.model.params.items():
        assert np.array_equal(value, before[key] - lr * trace.grads[key]), key
        assert np.array_equal(step.before[key], before[key])
    assert session.history.n_updates == updates + 1  # one more update in the plots' record
    # the tab shows this update: its samples, its pass on the weights before, its change
    assert view.chooser.kind == STEP and view.shown.step is step
    assert view.trace.loss == pytest.approx(trace.loss, rel=1e-12)
    assert f"#{int(step.indices[0])}" in view.sample_label.text()
    assert view.step_strip.isVisible()
    for layer, delta in enumerate(view.step_strip.deltas, 1):
        assert np.array_equal(delta, step.after[f"W{layer}"] - step.before[f"W{layer}"])
    assert f"Update {session.history.n_updates:,}" in view.step_strip.summary.text()
    assert "Update" in view.equations.text() and "δ" in view.equations.text()
    return step


def test_steps_change_the_weights_by_exactly_lr_times_the_traced_gradient(window, qtbot):
    window.form.set_config(LAB)
    show_tab(window, window.backprop_view)
    first = step_exactly(window, qtbot)  # starts a paused run
    assert window.controller.is_paused and window.controller.next_indices is not None
    second = step_exactly(window, qtbot)  # steps the paused run
    assert not np.array_equal(first.indices, second.indices)


def test_a_running_run_can_be_paused_and_stepped(window, qtbot):
    window.form.set_config(SLOW)
    show_tab(window, window.backprop_view)
    controller = window.controller
    with qtbot.waitSignal(controller.progress, timeout=TIMEOUT):
        click(qtbot, window, "trainButton")
    assert controller.state == "running"
    with qtbot.waitSignal(
        controller.progress, timeout=TIMEOUT, check_params_cb=lambda frame: frame.paused
    ):
        click(qtbot, window, "pauseButton")
    step_exactly(window, qtbot)
    assert controller.is_paused


def test_a_burst_of_updates_is_drawn_once_or_twice_and_the_last_one_is_kept(window, qtbot):
    window.form.set_config(LAB)
    show_tab(window, window.backprop_view)
    view, controller = window.backprop_view, window.controller
    first = step_exactly(window, qtbot)
    shown = []
    view.step_shown.connect(shown.append)
    burst = [Step(first.before, first.after, np.array([i]), first.config) for i in range(20)]
    last = burst[-1]
    with qtbot.waitSignal(view.step_shown, timeout=TIMEOUT, check_params_cb=lambda s: s is last):
        for step in burst:  # as fast as a run could send them: far faster than 20 a second
            controller.step_done.emit(step)
    assert len(shown) <= 3 and shown[-1] is burst[-1]
    assert "#19" in view.sample_label.text()


def test_a_run_slowed_to_20_updates_a_second_is_followed(window, qtbot):
    window.form.set_config(LAB)
    show_tab(window, window.backprop_view)
    view, controller = window.backprop_view, window.controller
    speed = window.findChild(QComboBox, "speedInput")
    speed.setCurrentIndex(speed.findData(20))
    steps, shown = [], []
    controller.step_done.connect(steps.append)
    view.step_shown.connect(shown.append)
    click(qtbot, window, "trainButton")
    for _ in range(12):
        with qtbot.waitSignal(controller.step_done, timeout=2000):
            pass
    assert 1 <= len(shown) < len(steps)  # redrawn at most 8 times a second, not 20


def test_the_view_follows_the_mouse_with_numbers(window, qtbot):
    show_tab(window, window.backprop_view)
    view = window.backprop_view
    diagram = view.diagram
    hidden_unit = diagram.scene_position(*diagram.plan.unit_position(1, 3))
    diagram.scene().sigMouseMoved.emit(hidden_unit)
    z = float(view.trace.layers[0].pre_activation[3])
    assert "z<sup>1</sup><sub>3</sub>" in view.readout.text()
    assert f"<b>{z:.3g}</b>".replace("-", "−") in view.readout.text()
    assert "a<sup>1</sup><sub>3</sub>" in view.equations.text()  # the equations follow it
    click(qtbot, window, "backwardButton")
    assert "δ<sup>1</sup><sub>3</sub> = (Σ" in view.readout.text()
    output = diagram.scene_position(*diagram.plan.unit_position(2, 7))
    diagram.scene().sigMouseMoved.emit(output)
    delta = float(view.trace.layers[1].delta[7])
    assert "δ<sup>2</sup><sub>7</sub>" in view.readout.text()
    assert f"<b>{delta:.3g}</b>".replace("-", "−") in view.readout.text()
    # a level edge W²[i, i] of the 10 -> 10 layer: no other edge passes near its middle
    i = next(int(a) for a, b in zip(*diagram.drawn[2], strict=True) if a == b)
    x0, y0, x1, y1 = diagram.plan.weight_position(2, i, i)
    diagram.scene().sigMouseMoved.emit(diagram.scene_position((x0 + x1) / 2, (y0 + y1) / 2))
    assert f"∂L/∂W<sup>2</sup><sub>{i},{i}</sub>" in view.readout.text()


def test_the_samples_it_can_show(window, qtbot):
    show_tab(window, window.backprop_view)
    view = window.backprop_view
    source = window.findChild(QComboBox, "backpropSourceInput")
    source.setCurrentIndex(source.findData("drawing"))
    assert view.notice.isVisible() and "Draw tab" in view.notice.text()
    assert "Test sample #" in view.sample_label.text()  # meanwhile, a test sample
    show_tab(window, window.draw_panel)
    window.draw_panel.show_test_sample(7)  # what the Draw tab shows, as the model gets it
    show_tab(window, window.backprop_view)  # read when the tab is shown again
    assert not view.notice.isVisible() and "Draw tab's digit" in view.sample_label.text()
    view.chooser.target_input.setValue(3)
    assert not view.notice.isVisible() and "as a 3" in view.sample_label.text()
    assert np.array_equal(view.shown.X, window.session.data.X_test[7]) and view.shown.labels == 3
    source.setCurrentIndex(source.findData("next"))
    assert "No run is waiting" in view.notice.text()
    window.form.set_config(LAB)
    with qtbot.waitSignal(view.step_shown, timeout=TIMEOUT):
        click(qtbot, window, "stepButton")
    source.setCurrentIndex(source.findData("next"))
    waiting = int(window.controller.next_indices[0])
    assert not view.notice.isVisible() and f"#{waiting}" in view.sample_label.text()
    source.setCurrentIndex(source.findData("test"))
    view.chooser.index_input.setValue(11)
    assert "Test sample #11" in view.sample_label.text()


def test_gradient_check_passes_on_every_lab_experiment(window, qtbot):
    show_tab(window, window.backprop_view)
    panel = window.backprop_view.gradient_check
    table = window.findChild(QTableWidget, "gradientCheckTable")
    for name in PRESETS:
        window.apply_preset(name)
        with qtbot.waitSignal(panel.finished, timeout=TIMEOUT) as blocker:
            click(qtbot, window, "gradientCheckButton")
        result = blocker.args[0]
        assert isinstance(result, GradientCheck) and result.passed, name
        assert table.rowCount() == 2 * window.session.model.n_layers
        for row in range(table.rowCount()):
            assert float(table.item(row, 1).text()) < 1e-6, name
            assert "pass" in table.item(row, 3).text()
        assert window.backprop_view.diagram.worst is not None


def test_each_bug_fails_the_check_where_it_breaks_backprop_until_reset(window, qtbot):
    show_tab(window, window.backprop_view)
    window.apply_preset("Lab: 10 sigmoid units")
    view, session = window.backprop_view, window.session
    combo = window.findChild(QComboBox, "backpropBugInput")
    banner = window.findChild(QLabel, "bugBanner")
    assert combo.itemData(0) is None and not banner.isVisible()
    assert [combo.itemData(i) for i in range(1, combo.count())] == list(BUGS)
    for index in range(1, combo.count()):
        combo.setCurrentIndex(index)
        name = combo.itemData(index)
        assert session.bug == name and session.model.bug == name
        assert banner.isVisible() and BUGS[name].label in banner.text()
        assert window.findChild(QLabel, "bugOnLabel").isVisible()
        with qtbot.waitSignal(view.gradient_check.finished, timeout=TIMEOUT) as blocker:
            click(qtbot, window, "gradientCheckButton")
        result = blocker.args[0]
        layer = BUGS[name].first_broken_layer(2)
        assert not result.passed and result.first_failing_layer == layer, name
        assert f"layer {layer}" in view.gradient_check.summary.text()
        assert view.diagram.worst[1] == layer  # the drawing points at that layer
    combo.setCurrentIndex(combo.findData("wrong_sign"))
    window.form.set_config(LAB)
    with qtbot.waitSignal(view.step_shown, timeout=TIMEOUT):
        click(qtbot, window, "stepButton")
    before, after = view.step_strip.losses
    assert after > before  # the update climbs the loss: training visibly goes wrong
    assert not combo.isEnabled()  # the run trains with the backprop it started with
    with qtbot.waitSignal(window.controller.run_finished, timeout=TIMEOUT):
        click(qtbot, window, "stopButton")
    click(qtbot, window, "resetButton")
    assert session.bug is None and combo.currentIndex() == 0 and combo.isEnabled()
    assert not banner.isVisible()


def test_layers_view_draws_one_curve_per_layer(window, qtbot):
    window.apply_preset(DEEP)
    window.form.set_config(PRESETS[DEEP].config.with_changes(epochs=1))
    view = window.layer_health_view
    show_tab(window, view)
    with qtbot.waitSignals([window.controller.run_finished, view.refreshed], timeout=TIMEOUT):
        click(qtbot, window, "trainButton")
    n_layers = window.session.model.n_layers
    assert n_layers == 6
    drawn = {
        name: [c for c in curves if c.isVisible() and len(c.getOriginalDataset()[0])]
        for name, curves in view.curves.items()
    }
    assert len(drawn["grad_norm"]) == len(drawn["update_ratio"]) == n_layers
    assert len(drawn["units"]) == len(drawn["histogram"]) == n_layers - 1  # hidden layers
    norms = [curve.getOriginalDataset()[1][-1] for curve in drawn["grad_norm"]]
    assert norms[0] < norms[-1] / 10  # vanishing gradients: the first layer's is far smaller
    assert f"layer {n_layers} (output" in view.legend.text()


BACKPROP_NAMES = (
    "backpropView", "backpropSourceInput", "forwardButton", "backwardButton", "backpropBugInput",
    "backpropSampleLabel", "networkDiagram", "backpropReadout", "backpropEquationsScroll",
    "gradientCheckButton", "gradientCheckScope", "gradientCheckTable", "gradientCheckSummary",
)  # fmt: skip
TEST_SAMPLE_NAMES = ("backpropSampleInput",)
BUG_AND_STEP_NAMES = ("bugOnLabel", "bugBanner", "stepStrip")
LAYER_NAMES = ("layerHealthView", "layerHealthLegend", "layerGradientPlot", "layerRatioPlot",
               "layerUnitsPlot", "layerHistogramPlot")  # fmt: skip


def visible_region(widget: QWidget) -> QRegion:
    """What of ``widget`` can be seen: its own visible region and its children's (a graphics
    view's viewport covers the view, so the view's own region is only its frame)."""
    region = widget.visibleRegion()
    for child in widget.findChildren(QWidget):
        if child.isVisible():
            region += child.visibleRegion().translated(child.mapTo(widget, QPoint(0, 0)))
    return region


def clipped(window, names: tuple[str, ...]) -> list[str]:
    """The named widgets not shown whole."""
    widgets = [(name, window.findChild(QWidget, name)) for name in names]
    return [name for name, w in widgets if visible_region(w) != QRegion(w.rect())]


def assert_shown_whole(window, qtbot, names: tuple[str, ...]) -> None:
    assert [n for n in names if not window.findChild(QWidget, n).isVisible()] == []
    with contextlib.suppress(WaitTimeout):  # the layouts settle in the event loop
        qtbot.waitUntil(lambda: not clipped(window, names), timeout=5000)
    assert clipped(window, names) == []  # says which


def test_tabs_fit_1366x768_with_both_docks(window, qtbot):
    assert window.dock.isVisible() and window.runs_dock.isVisible()
    show_tab(window, window.backprop_view)
    assert window.size().width() == 1366 and window.size().height() == 768
    assert window.tabs.currentWidget().width() <= 1010
    assert_shown_whole(window, qtbot, BACKPROP_NAMES + TEST_SAMPLE_NAMES)
    window.findChild(QComboBox, "backpropBugInput").setCurrentIndex(1)  # the banner too
    window.form.set_config(LAB)
    with qtbot.waitSignal(window.backprop_view.step_shown, timeout=TIMEOUT):
        click(qtbot, window, "stepButton")  # and the update's strip
    assert window.size().width() == 1366 and window.size().height() == 768
    assert_shown_whole(window, qtbot, BACKPROP_NAMES + BUG_AND_STEP_NAMES)
    show_tab(window, window.layer_health_view)
    assert_shown_whole(window, qtbot, LAYER_NAMES)
