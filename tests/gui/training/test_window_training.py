"""Runs through the window: to the end, paused, stepped, stopped, continued or from scratch,
diverged, closed mid-run (and stored as stopped)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel

from engine import RunConfig

ROOT = Path(__file__).resolve().parents[3]
RUN_TIMEOUT = 60_000  # ms; a run here takes well under a second to a few seconds
# One sample at a time through two hidden layers with momentum takes the fused kernel, about
# half a second per epoch: long enough to pause, stop or close it mid-run.
SLOW = RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40, momentum=0.5)


def train(window, qtbot, config: RunConfig, button: str = "train_button"):
    window.form.set_config(config)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(getattr(window.controls, button), Qt.MouseButton.LeftButton)
    return blocker.args[0]


def start(window, qtbot, config: RunConfig = SLOW):
    window.form.set_config(config)
    with qtbot.waitSignal(window.controller.progress, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    assert window.controller.is_running


def test_run_to_the_end_plots_every_record_and_stores_the_run(make_window, qtbot):
    window = make_window()
    run = train(window, qtbot, RunConfig(epochs=3))
    history = run.history
    assert history.end.status == "completed" and history.n_updates == 3 * 1527
    assert (
        run.trained_by == "one_sample"
        and "one-sample kernel" in window.statusBar().currentMessage()
    )
    bar = window.controls.progress_bar
    assert bar.value() == bar.maximum() > 1
    assert "%" in bar.text() and "%%" not in bar.text()  # the final figures, in percent
    view = window.training_view
    x, y = view.loss_plot.train.getOriginalDataset()
    assert len(x) == history.n_evaluations == 1 + 3 * 11  # every 152 updates, each epoch's end
    accuracy = view.accuracy_plot.test.getOriginalDataset()[1]
    assert accuracy[-1] > 90
    band_x, band_mean = view.loss_plot.smooth.getOriginalDataset()
    assert 3 * 10 <= len(band_x) <= 3 * 11 and band_x[-1] <= 3.0  # bins of a tenth of an epoch
    np.testing.assert_allclose(band_mean.mean(), history.update_losses.mean(), rtol=0.05)
    norms = view.gradient_plot.norm.getOriginalDataset()[1]
    assert len(norms) == 3 and np.all(norms > 0)
    assert not window.controller.is_running and window.controls.train_button.isEnabled()
    assert "Completed" in window.statusBar().currentMessage()
    [stored] = window.library.model.runs  # the run's own record, stored as it is
    assert (
        stored is run
        and run.number == 1
        and (window.library.store.folder / f"{run.id}.npz").exists()
    )


def test_train_continues_and_says_so_train_from_scratch_starts_over(make_window, qtbot):
    window = make_window()
    window.show()
    first = train(window, qtbot, RunConfig(epochs=1, batch_size=32))
    assert window.controls.train_button.text() == "Continue training"
    assert "run 1" in window.controls.continue_label.text()
    weights = window.current_model().params["W1"].copy()
    second = train(window, qtbot, RunConfig(epochs=1, batch_size=32, learning_rate=0.05))
    assert second.continued_from == first.number == 1
    assert window.session.lineage == [first, second]
    x = window.training_view.loss_plot.train.getOriginalDataset()[0]
    assert x[-1] == 2.0  # drawn after the first run
    third = train(window, qtbot, RunConfig(epochs=1, batch_size=32), "scratch_button")
    assert third.continued_from is None and window.session.lineage == [third]
    # a fresh network with run 1's settings: run 1 again, to the bit
    np.testing.assert_array_equal(window.current_model().params["W1"], weights)
    assert [r.number for r in window.library.model.runs] == [1, 2, 3]
    table = window.library.model
    assert table.data(table.index(1, 2)) == "run 1"  # the "From" column


def test_pause_and_resume(make_window, qtbot):
    window = make_window()
    start(window, qtbot, SLOW.with_changes(epochs=2))
    with qtbot.waitSignal(window.controller.progress, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    assert window.controls.pause_button.text() == "Resume"
    while blocker.args[0].paused is None:  # the batch flushed when the loop started waiting
        with qtbot.waitSignal(window.controller.progress, timeout=RUN_TIMEOUT) as blocker:
            pass
    run = window.controller.current_run
    updates = run.history.n_updates
    assert "Paused" in window.statusBar().currentMessage()
    with qtbot.assertNotEmitted(window.controller.progress, wait=300):
        pass
    assert run.history.n_updates == updates
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].status == "completed" and run.history.n_updates == 2 * 1527


def test_step_from_idle_does_one_update_then_waits(make_window, qtbot):
    window = make_window()
    window.form.set_config(RunConfig(epochs=1, learning_rate=0.1))
    before = window.current_model().copy()
    with qtbot.waitSignal(window.controller.step_done, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    step = blocker.args[0]
    assert window.controller.is_paused and window.controller.current_run.history.n_updates == 1
    [sample] = step.indices
    data = window.session.data
    grads = before.grad_loss(data.X_train[sample].astype(np.float64), int(data.y_train[sample]))
    for key, value in window.current_model().params.items():
        np.testing.assert_allclose(value, before.params[key] - 0.1 * grads[key], atol=1e-15)
    nxt = window.controller.next_indices
    with qtbot.waitSignal(window.controller.step_done, timeout=RUN_TIMEOUT) as blocker:
        window.experiment.step()
    np.testing.assert_array_equal(blocker.args[0].indices, nxt)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        window.controller.stop()


def test_stop_mid_run_then_train_again(make_window, qtbot):
    window = make_window()
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # window shortcuts (Esc) need the active window
    start(window, qtbot)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    stopped = blocker.args[0]
    assert stopped.status == "stopped" and stopped.history.n_updates < 40 * 1527
    x_end = window.training_view.loss_plot.getPlotItem().getViewBox().viewRange()[0][1]
    assert x_end < 5  # the axis fits what ran, not the 40 epochs planned
    again = train(window, qtbot, SLOW.with_changes(epochs=1))
    assert again.status == "completed" and again.continued_from == stopped.number


def test_start_and_stop_many_times(make_window, qtbot):
    window = make_window()
    for _ in range(8):
        start(window, qtbot)
        with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
            window.controller.stop()
        assert blocker.args[0].status == "stopped"
    assert not window.controller.is_running


def test_closing_mid_run_stores_it_as_stopped(make_window, qtbot):
    window = make_window()
    window.show()
    start(window, qtbot)
    run = window.controller.current_run
    window.close()
    assert not window.controller.is_running and run.status == "stopped"
    assert run in window.library.model.runs and run.number is not None


def test_diverging_run_keeps_usable_weights_and_explains(make_window, qtbot):
    window = make_window()
    window.show()
    diverging = RunConfig(activation="identity", init="glorot", learning_rate=0.45,
                          batch_size=4, epochs=20)  # fmt: skip
    run = train(window, qtbot, diverging)
    assert run.status == "diverged"
    assert all(np.isfinite(p).all() for p in window.current_model().params.values())
    notice = window.findChild(QLabel, "noticeLabel")
    assert notice.isVisible() and notice.text().startswith("<b>Training diverged</b> at epoch")
    assert "diverged diverged" not in notice.text().lower()
    assert window.training_view.loss_plot.diverged_line.isVisible()
    top = window.training_view.loss_plot.getPlotItem().getViewBox().viewRange()[1][1]
    assert top <= 3 * run.history.column("train_loss")[0]  # the explosion is cut off


CLOSE_MID_RUN = """
import sys, time
from pathlib import Path
from PySide6.QtCore import QSettings
from gui.app import make_application
from gui import MainWindow
from engine import RunConfig, RunStore

app = make_application("test")
folder = Path(sys.argv[1])
window = MainWindow(settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat),
                    runs_folder=folder / "runs")
window.show()
window.form.set_config(RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=200))
closed = []

def close_once():
    if not closed:
        closed.append(time.perf_counter())
        window.close()  # the last window: the application quits

window.controller.progress.connect(close_once)
window.experiment.train()
code = app.exec()
runs, _ = RunStore(folder / "runs").load_all()
print(f"exit after close: {time.perf_counter() - closed[0]:.3f} s, running "
      f"{window.controller.is_running}, stored {[r.status for r in runs]}")
sys.exit(code)
"""


def test_closing_mid_run_exits_the_process_cleanly_and_quickly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", CLOSE_MID_RUN, str(tmp_path)], capture_output=True, text=True,
        timeout=60,
        cwd=ROOT, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no Qt warning
    assert "running False, stored ['stopped']" in result.stdout


def test_the_augment_box_trains_on_re_drawn_digits(make_window, qtbot):
    window = make_window()
    box = window.form.findChild(QCheckBox, "augmentInput")
    assert not box.isChecked() and "re-drawn" in box.toolTip()  # off: the lab's numbers
    config = RunConfig(hidden_sizes=(16,), epochs=1)
    plain = train(window, qtbot, config, button="scratch_button")
    window.form.set_config(config)
    box.click()
    assert window.form.config().augment
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.scratch_button, Qt.MouseButton.LeftButton)
    drawn = blocker.args[0]
    assert drawn.status == "completed" and drawn.config.augment
    # the same initial network and order of samples, re-drawn inputs: other losses
    assert not np.array_equal(drawn.history.update_losses, plain.history.update_losses)
    assert drawn.history.final.test_accuracy > 0.85
    assert window.library.model.runs[-1].config.describe().endswith(", augmented")
