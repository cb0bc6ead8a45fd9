"""Sweeps from the Sweep tab: runs one after another in a worker thread, each one stored,
a plot of the final figures against the value; stoppable; exclusive with Train."""

import numpy as np
import shiboken6
from PySide6.QtCore import Qt

from engine import RunConfig, RunStore

SWEEP_TIMEOUT = 60_000
SLOW = RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40)  # ~0.5 s an epoch


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_two_value_sweep_stores_two_runs_and_plots_them(make_window, qtbot, runs_folder):
    window = make_window()
    panel = window.runs.sweep_panel
    window.form.set_config(RunConfig(epochs=2, batch_size=32))
    panel.set_sweep("learning_rate", "0.01, 0.5")
    with qtbot.waitSignal(window.runs.sweep_finished, timeout=SWEEP_TIMEOUT) as blocker:
        click(qtbot, panel.run_button)
        assert window.runs.sweep_running
        assert not window.controls.train_button.isEnabled()  # no Train during a sweep
        assert not window.train_action.isEnabled()
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
    assert window.runs.panel.proxy.rowCount() == 2
    assert window.controls.train_button.isEnabled() and panel.run_button.isEnabled()
    assert "completed" in panel.progress_bar.format()


def test_stopping_a_sweep_ends_the_run_under_way_and_starts_no_other(make_window, qtbot):
    window = make_window()
    panel = window.runs.sweep_panel
    window.form.set_config(SLOW)
    panel.set_sweep("batch_size", "1, 8")
    click(qtbot, panel.run_button)
    result = window.runs.sweep_result
    qtbot.waitUntil(
        lambda: result.histories[0] is not None and len(result.histories[0].update_losses) > 0,
        timeout=SWEEP_TIMEOUT,
    )
    with qtbot.waitSignal(window.runs.sweep_finished, timeout=SWEEP_TIMEOUT):
        click(qtbot, panel.stop_button)
    assert [row.status for row in result.rows] == ["stopped", "not run"]
    assert window.runs.sweep_end.status == "stopped"
    assert [run.status for run in window.runs.model.runs] == ["stopped"]
    assert not window.runs.sweep_running and window.controls.train_button.isEnabled()


def test_no_sweep_while_training_and_bad_values_are_explained(make_window, qtbot):
    window = make_window()
    panel = window.runs.sweep_panel
    panel.set_sweep("learning_rate", "0.1, fast")
    assert not window.runs.start_sweep()
    assert "'fast' is not a number" in panel.message_label.text()
    panel.set_sweep("batch_size", "1, 99999")
    assert not window.runs.start_sweep()
    assert "99999" in panel.message_label.text()
    window.form.set_config(SLOW)
    with qtbot.waitSignal(window.training_finished, timeout=SWEEP_TIMEOUT):
        click(qtbot, window.controls.train_button)
        assert not panel.run_button.isEnabled()
        assert not window.runs.start_sweep()
        window.stop_training()
    assert panel.run_button.isEnabled()


def test_closing_mid_sweep_stops_its_thread(make_window, qtbot):
    window = make_window()
    window.form.set_config(SLOW)
    window.runs.sweep_panel.set_sweep("seed", "0, 1")
    assert window.runs.start_sweep()
    thread = window.runs._thread
    qtbot.waitUntil(lambda: window.runs.sweep_result.histories[0] is not None, timeout=5000)
    window.close()
    assert shiboken6.isValid(thread) and not thread.isRunning()
