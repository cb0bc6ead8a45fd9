"""Runs through the window: to the end, paused, stopped, restarted, diverged, closed mid-run."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine import RunConfig

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 60_000  # ms; a run here takes well under a second to a few seconds
# One sample at a time through two hidden layers takes the engine's generic (slower) path, about
# half a second per epoch: long enough to pause, stop or close it mid-run.
SLOW = RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40)


def train(window, qtbot, config: RunConfig):
    window.form.set_config(config)
    with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def start(window, qtbot, config: RunConfig = SLOW):
    window.form.set_config(config)
    qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    assert window.is_training
    qtbot.waitUntil(lambda: window.trace.n_updates > 0, timeout=RUN_TIMEOUT)


def test_run_to_the_end_plots_every_record(make_window, qtbot):
    window = make_window()
    end = train(window, qtbot, RunConfig(epochs=3))
    assert end.status == "completed"
    bar = window.controls.progress_bar
    assert bar.value() == bar.maximum() > 1
    assert "%" in bar.text() and "%%" not in bar.text()  # the final figures, in percent
    counts = window.last_run_counts
    assert counts["updates"] == end.updates == 3 * 1527
    plot = window.training_view.loss_plot
    x, y = plot.raw.getOriginalDataset()
    assert len(x) == len(y) == counts["updates"] == window.trace.n_updates
    assert len(plot.smooth.getOriginalDataset()[0]) == counts["updates"]
    assert len(plot.train.getOriginalDataset()[0]) == counts["evaluations"]
    accuracy = window.training_view.accuracy_plot.test.getOriginalDataset()[1]
    assert len(accuracy) == counts["evaluations"] == len(window.session.history.evaluations)
    assert accuracy[-1] > 90
    norms = window.training_view.gradient_plot.norm.getOriginalDataset()[1]
    assert len(norms) == 3 and np.all(norms > 0)
    assert 1 <= counts["batches"] < counts["updates"] / 64  # throttled, not one per chunk
    assert not window.is_training and window.controls.train_button.isEnabled()
    assert "Completed" in window.statusBar().currentMessage()


def test_pause_and_resume(make_window, qtbot):
    window = make_window()
    start(window, qtbot, SLOW.with_changes(epochs=2))
    qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    assert window.controls.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: "Paused" in window.statusBar().currentMessage(), timeout=5000)
    updates = window.trace.n_updates
    with qtbot.assertNotEmitted(window._worker.progress, wait=300):
        pass
    assert window.trace.n_updates == updates
    with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].status == "completed"
    assert window.trace.n_updates == 2 * 1527


def test_stop_mid_run_then_train_again(make_window, qtbot):
    window = make_window()
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # window shortcuts (Esc) need the active window
    start(window, qtbot)
    with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    end = blocker.args[0]
    assert end.status == "stopped"
    assert window.trace.n_updates == end.updates < 40 * 1527
    stopped_at = window.trace.update_x.values[-1]
    end = train(window, qtbot, SLOW.with_changes(epochs=1))
    assert end.status == "completed"
    # The second run continued from the weights and is drawn after the first.
    assert window.trace.update_x.values[-1] > stopped_at
    assert window.trace.n_updates == blocker.args[0].updates + 1527


def test_start_and_stop_many_times(make_window, qtbot):
    window = make_window()
    for _ in range(8):
        start(window, qtbot)
        with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT) as blocker:
            window.stop_training()
        assert blocker.args[0].status == "stopped"
    assert not window.is_training


def test_closing_mid_run_stops_the_thread(make_window, qtbot):
    window = make_window()
    window.show()
    start(window, qtbot)
    thread = window.training_thread
    window.close()
    assert shiboken6.isValid(thread) and not thread.isRunning()
    assert not window.is_training or not thread.isRunning()


def test_diverging_run_keeps_finite_weights_and_explains(make_window, qtbot):
    window = make_window()
    window.show()
    diverging = RunConfig(activation="identity", learning_rate=50.0, batch_size=1, epochs=3)
    end = train(window, qtbot, diverging)
    assert end.status == "diverged"
    assert all(np.isfinite(p).all() for p in window.session.model.params.values())
    notice = window.findChild(QLabel, "noticeLabel")
    assert notice.isVisible() and "diverged" in notice.text()
    assert "diverged" in window.statusBar().currentMessage()
    assert np.isfinite(window.trace.update_loss.values).all()


CLOSE_MID_RUN = """
import sys, tempfile, time
from pathlib import Path
from PySide6.QtCore import QSettings
from gui.app import make_application
from gui import MainWindow
from engine import RunConfig

app = make_application([], "test")
folder = Path(tempfile.mkdtemp())
window = MainWindow(settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat),
                    runs_folder=folder / "runs")
window.show()
window.form.set_config(RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=200))
closed = []

def close_once():
    if not closed:
        closed.append(time.perf_counter())
        window.close()  # the last window: the application quits

window.progress_drawn.connect(close_once)
window.start_training()
code = app.exec()
print(f"exit after close: {time.perf_counter() - closed[0]:.3f} s, thread {window.training_thread}")
sys.exit(code)
"""


def test_closing_mid_run_exits_the_process_cleanly_and_quickly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", CLOSE_MID_RUN], capture_output=True, text=True, timeout=60,
        cwd=ROOT, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no Qt warning
    seconds = float(result.stdout.split("exit after close: ")[1].split(" s")[0])
    assert seconds < 2.0
    assert "thread None" in result.stdout
