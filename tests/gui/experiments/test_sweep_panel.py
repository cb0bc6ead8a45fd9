"""Sweeps from the Sweep tab: runs one after another in a background job, each one stored,
a plot of the final figures against the value (categories as points, not a trend); stoppable;
exclusive with Train."""

import numpy as np
from PySide6.QtCore import Qt

from engine import RunConfig, RunStore

SWEEP_TIMEOUT = 60_000
SLOW = RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40)  # ~0.5 s an epoch


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_two_value_sweep_stores_two_runs_and_plots_them(make_window, qtbot, runs_folder):
    window = make_window()
    panel = window.sweep_panel
    window.form.set_config(RunConfig(epochs=2, batch_size=32))
    panel.set_sweep("learning_rate", "0.01, 0.5")
    with qtbot.waitSignal(window.sweeps.finished, timeout=SWEEP_TIMEOUT) as blocker:
        click(qtbot, panel.run_button)
        assert window.sweeps.running
        assert not window.controls.train_button.isEnabled()  # no Train during a sweep
        assert not window.experiment.train_action.isEnabled()
        assert not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    result = blocker.args[0]
    assert [row.status for row in result.rows] == ["completed", "completed"]
    assert result.log_axis
    for name in ("test_accuracy", "train_accuracy", "test_loss", "train_loss"):
        x, y = panel.curves[name].getOriginalDataset()
        assert list(x) == [0.01, 0.5] and len(y) == 2 and np.isfinite(y).all()
    assert panel.accuracy_plot.getPlotItem().getAxis("bottom").logMode
    low, high = panel.curves["test_accuracy"].getOriginalDataset()[1]
    assert high > low + 10  # in 2 epochs of batches of 32, lr 0.5 learns much more than 0.01
    runs, messages = RunStore(runs_folder).load_all()
    assert messages == []
    assert [run.name for run in runs] == ["sweep learning rate 0.01", "sweep learning rate 0.5"]
    assert [run.config.learning_rate for run in runs] == [0.01, 0.5]
    assert all(run.config.epochs == 2 and run.status == "completed" for run in runs)
    assert 100 * runs[1].final.test_accuracy == panel.curves["test_accuracy"].yData[1]
    assert window.library.panel.proxy.rowCount() == 2
    assert window.controls.train_button.isEnabled() and panel.run_button.isEnabled()
    assert "completed" in panel.progress_bar.format()


def test_stopping_a_sweep_ends_the_run_under_way_and_starts_no_other(make_window, qtbot):
    window = make_window()
    panel = window.sweep_panel
    window.form.set_config(SLOW)
    panel.set_sweep("batch_size", "1, 8")
    click(qtbot, panel.run_button)
    result = window.sweeps.result
    with qtbot.waitSignal(window.sweeps.progress_shown, timeout=SWEEP_TIMEOUT):
        pass  # the first batch of the first run arrived
    with qtbot.waitSignal(window.sweeps.finished, timeout=SWEEP_TIMEOUT):
        click(qtbot, panel.stop_button)
    assert [row.status for row in result.rows] == ["stopped", "not run"]
    assert "stopped" in panel.progress_bar.format()
    assert [run.status for run in window.library.model.runs] == ["stopped"]
    assert not window.sweeps.running and window.controls.train_button.isEnabled()


def test_no_sweep_while_training_and_bad_values_are_explained(make_window, qtbot):
    window = make_window()
    panel = window.sweep_panel
    panel.set_sweep("learning_rate", "0.1, fast")
    assert not window.sweeps.start()
    assert "'fast' is not a number" in panel.message_label.text()
    panel.set_sweep("batch_size", "1, 99999")
    assert not window.sweeps.start()
    assert "99999" in panel.message_label.text()
    window.form.set_config(SLOW)
    panel.set_sweep("seed", "0, 1")  # values that would sweep: only the run under way stops it
    with qtbot.waitSignal(window.controller.run_finished, timeout=SWEEP_TIMEOUT):
        click(qtbot, window.controls.train_button)
        assert not panel.run_button.isEnabled()
        assert not window.sweeps.start() and not window.sweeps.running
        window.controller.stop()
    assert panel.run_button.isEnabled()


def test_closing_mid_sweep_stops_its_job(make_window, qtbot):
    window = make_window()
    window.form.set_config(SLOW)
    window.sweep_panel.set_sweep("seed", "0, 1")
    assert window.sweeps.start()
    with qtbot.waitSignal(window.sweeps.progress_shown, timeout=SWEEP_TIMEOUT):
        pass
    window.close()
    assert not window.sweeps.running


def test_a_categorical_sweep_is_drawn_as_points(make_window, qtbot):
    window = make_window()
    window.form.set_config(RunConfig(epochs=1, batch_size=64))
    window.sweep_panel.set_sweep("hidden_sizes", "5; 10, 10")
    with qtbot.waitSignal(window.sweeps.finished, timeout=SWEEP_TIMEOUT) as blocker:
        assert window.sweeps.start()
    assert blocker.args[0].categorical
    curve = window.sweep_panel.curves["test_accuracy"]
    assert curve.opts["pen"].style() == Qt.PenStyle.NoPen  # points, not a line
    assert list(curve.getOriginalDataset()[0]) == [0.0, 1.0]
    ticks = window.sweep_panel.accuracy_plot.getPlotItem().getAxis("bottom")._tickLevels
    assert [label for _, label in ticks[0]] == ["5", "(10, 10)"]
