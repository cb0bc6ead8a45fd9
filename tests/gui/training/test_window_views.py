"""Views and their data: the trace buffers, the weight mosaic, exports, the Qt binding itself."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import Evaluation, RunConfig, UpdateLosses
from gui.training.run_trace import GrowingArray, RunTrace
from gui.training.weights_view import make_mosaic, mosaic_shape

ROOT = Path(__file__).resolve().parents[2]


class Emitter(QObject):
    fired = Signal(object)


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_fired(self, value) -> None:
        self.count += 1


def test_emitting_a_signal_leaks_no_reference_to_true(qtbot):
    # PySide6 6.12.0 on Python 3.11 drops a reference to True on every emit, and a live app
    # crashes within seconds; pyproject pins PySide6 below 6.12 there. This catches a regression.
    emitter, receiver = Emitter(), Receiver()
    emitter.fired.connect(receiver.on_fired)
    emitter.fired.emit(True)
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.fired.emit(True)
    after = sys.getrefcount(True)
    assert receiver.count == 1001
    assert after == before


def test_growing_array_appends_amortised_and_keeps_old_views():
    array = GrowingArray(capacity=2)
    array.extend([1.0, 2.0])
    view = array.values
    array.extend(np.arange(10.0))
    array.append(7.0)
    assert len(array) == 13 and array.values[-1] == 7.0
    assert list(view) == [1.0, 2.0]


def test_trace_smooths_with_a_trailing_mean_and_continues_runs():
    trace = RunTrace()
    trace.begin_run(per_epoch=100)  # window of 10 updates
    losses = np.arange(1.0, 31.0)
    trace.add_records([UpdateLosses(1, 1, losses[:7]), UpdateLosses(1, 8, losses[7:])])
    assert trace.n_updates == 30
    np.testing.assert_allclose(trace.update_smooth.values[:3], [1.0, 1.5, 2.0])
    np.testing.assert_allclose(trace.update_smooth.values[-1], np.mean(losses[-10:]))
    np.testing.assert_allclose(trace.update_x.values[[0, -1]], [0.01, 0.30])
    trace.begin_run(per_epoch=100)
    trace.add_records([UpdateLosses(1, 1, np.ones(5))])
    np.testing.assert_allclose(trace.update_x.values[30], 0.31)
    evaluation = Evaluation(1, 100, 1.0, 0.5, 0.9, 0.6, 0.85, grad_norm=0.1, end_of_epoch=True)
    trace.add_records([evaluation])
    assert trace.eval_x.values[-1] == 1.3 and trace.test_accuracy.values[-1] == 85.0


def test_weight_mosaic_layout():
    assert mosaic_shape(10) == (2, 5)
    W = np.arange(64 * 10, dtype=float).reshape(64, 10)
    mosaic = make_mosaic(W)
    assert mosaic.shape == (2 * 9 - 1, 5 * 9 - 1)
    np.testing.assert_array_equal(mosaic[:8, :8], W[:, 0].reshape(8, 8))
    np.testing.assert_array_equal(mosaic[9:17, 9:17], W[:, 6].reshape(8, 8))
    assert np.isnan(mosaic[8]).all()  # the gaps are transparent


def test_weights_view_follows_the_model(make_window, qtbot):
    window = make_window()
    view = window.training_view.weights_view
    assert "per hidden unit" in view.title.text()
    window.apply_preset("Logistic regression")
    assert "Class templates" in view.title.text()
    window.apply_preset("Zero initialization")
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        window.form.epochs_input.setValue(2)
        window.form.batch_input.setValue(2)  # (batch 1's fast kernel drifts by rounding, ~1e-3)
        window.start_training()
    # Zero initialization: every hidden unit received the same updates, so all tiles are equal.
    W1 = window.session.model.params["W1"]
    assert np.ptp(W1, axis=1).max() < 1e-12 and np.abs(W1).max() > 0
    image = view.image.image
    np.testing.assert_allclose(image[:8, :8], image[:8, 9:17])
    assert view.level >= np.abs(W1).max()


def test_plots_export_png_and_csv(make_window, qtbot, tmp_path):
    window = make_window()
    window.show()
    with qtbot.waitSignal(window.training_finished, timeout=60_000):
        window.form.set_config(RunConfig(epochs=1))
        window.start_training()
    plot = window.training_view.accuracy_plot
    plot.export_png(tmp_path / "accuracy.png", width=600)
    plot.export_csv(tmp_path / "accuracy.csv")
    assert (tmp_path / "accuracy.png").stat().st_size > 1000
    lines = (tmp_path / "accuracy.csv").read_text().splitlines()
    assert len(lines) == 1 + window.trace.n_evaluations


def test_quit_after_startup_exits_cleanly_without_scikit_learn(tmp_path):
    script = (
        "import sys, main\n"
        "code = main.main(['--quit-after-startup'])\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn was imported at start-up'\n"
        "sys.exit(code)\n"
    )
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
        "PATH": "/usr/bin",
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    noise = "This plugin does not support propagateSizeHints()"
    warnings = [
        line
        for line in result.stderr.splitlines()
        if line and noise not in line and not line.startswith("startup ok")
    ]
    assert warnings == []
