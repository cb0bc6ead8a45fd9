"""The Training tab's views and their data: the loss band, the lineage's series, the weight
mosaic, axes that read at a glance, exports, and the Qt binding itself."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from engine import RunConfig
from gui.training.lineage_series import LossBand, accuracy_range
from gui.training.training_job import EMIT_INTERVAL, MAX_INTERVAL, pace_for_frame_cost
from gui.training.weights_view import GAP, TILE, make_mosaic, mosaic_shape, robust_level
from gui.widgets.live_plot import LogAxis

ROOT = Path(__file__).resolve().parents[3]


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


def test_frames_are_paced_by_their_cost_within_bounds():
    assert pace_for_frame_cost(0.0) == EMIT_INTERVAL
    assert pace_for_frame_cost(0.012) == pytest.approx(0.12)  # a 12 ms frame: 10 % of the time
    assert pace_for_frame_cost(1.0) == MAX_INTERVAL


def test_the_loss_band_keeps_min_max_and_mean_in_bounded_bins():
    losses = np.arange(1.0, 101.0, dtype=np.float32)
    band = LossBand(min_size=10)
    band.update(losses[:35])  # three whole bins, and five in the fourth
    centres, lo, hi, mean = band.arrays(losses[:35])
    np.testing.assert_allclose(centres, [5, 15, 25, 32.5])
    np.testing.assert_allclose(lo, [1, 11, 21, 31])
    np.testing.assert_allclose(hi, [10, 20, 30, 35])
    np.testing.assert_allclose(mean, [5.5, 15.5, 25.5, 33])
    band.update(losses)
    assert len(band.arrays(losses)[0]) == 10


def test_a_long_run_keeps_few_bins_and_the_same_envelope():
    rng = np.random.default_rng(0)
    losses = rng.exponential(size=3_000_000).astype(np.float32)
    band = LossBand(min_size=152)
    for end in range(0, len(losses) + 1, 400_000):
        band.update(losses[:end])
    band.update(losses)
    centres, lo, hi, mean = band.arrays(losses)
    assert len(centres) <= 2000
    assert lo.min() == losses.min() and hi.max() == losses.max()
    assert mean.mean() == pytest.approx(losses.mean(), rel=1e-3)


@pytest.mark.parametrize(
    "low, bottom, has",
    [(8.0, 0.0, [20.0, 100.0]), (91.0, 90.0, [92.0, 100.0]), (97.5, 97.0, [98.0, 100.0])],
)
def test_accuracy_is_zoomed_to_the_data_and_labels_100(low, bottom, has):
    got_bottom, ticks = accuracy_range([np.array([low, 99.0])])
    assert got_bottom == pytest.approx(bottom)
    assert all(t in ticks for t in has) and ticks[-1] == 100.0


@pytest.mark.parametrize("low, high", [(0.031, 0.047), (2e-4, 3e-2), (1.2, 1.9), (1e-9, 10.0)])
def test_a_log_axis_always_labels_at_least_two_ticks(qtbot, low, high):
    axis = LogAxis("left")
    axis.setLogMode(False, True)
    [(_, ticks)] = axis.tickValues(np.log10(low), np.log10(high), 300)
    labels = [t for t in axis.tickStrings(ticks, 1, 1) if t]
    assert len(labels) >= 2
    assert all(np.log10(low) <= t <= np.log10(high) for t in ticks)


def test_weight_mosaic_layout_leaves_a_row_for_each_label():
    assert mosaic_shape(10) == (2, 5)
    W = np.arange(64 * 10, dtype=float).reshape(64, 10)
    mosaic = make_mosaic(W)
    step = TILE + GAP
    assert mosaic.shape == (2 * step, 5 * step - 1)
    np.testing.assert_array_equal(mosaic[GAP : GAP + 8, :8], W[:, 0].reshape(8, 8))
    np.testing.assert_array_equal(mosaic[step + GAP :, step : step + 8], W[:, 6].reshape(8, 8))
    assert np.isnan(mosaic[:GAP]).all()  # the label rows are transparent


def test_an_outlier_weight_saturates_instead_of_washing_out_the_rest():
    W = np.random.default_rng(0).normal(0, 0.1, (64, 10))
    W[3, 4] = 40.0
    assert robust_level(W) < 1.0  # the colours follow the 99 % of ordinary weights


def test_weights_view_labels_units_and_follows_the_model(make_window, qtbot):
    window = make_window()
    view = window.training_view.weights_view
    assert "per hidden unit" in view.title.text() and len(view._labels) == 10
    window.apply_preset("Logistic regression")
    assert "digit 0-9" in view.title.text()
    assert [label.textItem.toPlainText() for label in view._labels] == [str(d) for d in range(10)]
    window.apply_preset("Zero initialization (symmetry)")
    window.form.set_config(RunConfig(init="zeros", epochs=2, batch_size=2))
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.experiment.train()
    # Zero initialization: every hidden unit received the same updates, so all tiles are equal.
    W1 = window.current_model().params["W1"]
    assert np.ptp(W1, axis=1).max() == 0.0 and np.abs(W1).max() > 0
    image = view.image.image
    np.testing.assert_array_equal(image[GAP : GAP + 8, :8], image[GAP : GAP + 8, 11:19])


def test_plot_export_png_holds_the_plot_alone(make_window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    window = make_window()
    window.show()
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.form.set_config(RunConfig(epochs=1))
        window.experiment.train()
    view = window.training_view.weights_view
    path = window.file_actions.export_plot_to(tmp_path / "weights.png", "Weights")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (2 * view.width(), 2 * view.height())
    # the plot takes the room of the hidden controls: no empty band above or below it, only the
    # view's 4-pixel margins (8 rows at the export's scale 2)
    paper = window.palette().window().color().rgb()
    empty = [all(image.pixel(x, y) == paper for x in range(0, image.width(), 4))
             for y in range(image.height())]  # fmt: skip
    assert empty.index(False) <= 8 and empty[::-1].index(False) <= 8
    assert view.controls.isVisible()  # shown again after the export
    plot = window.training_view.accuracy_plot
    plot.export_csv(tmp_path / "accuracy.csv")
    lines = (tmp_path / "accuracy.csv").read_text().splitlines()
    assert len(lines) == 1 + window.session.history.n_evaluations


def test_quit_after_startup_exits_cleanly_without_scikit_learn(tmp_path):
    script = (
        "import sys, main\n"
        "code = main.main(['--quit-after-startup'])\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn was imported at start-up'\n"
        "assert 'scipy' not in sys.modules, 'SciPy was imported at start-up'\n"
        "sys.exit(code)\n"
    )
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "PATH": "/usr/bin",
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    noise = "This plugin does not support propagateSizeHints()"
    warnings = [
        line
        for line in result.stderr.splitlines()
        if line and noise not in line and not line.startswith("startup ok")
    ]
    assert warnings == []


@pytest.mark.parametrize("args", [["--help"], ["-h"]])
def test_help_prints_the_usage_of_the_app_and_of_train_without_a_display(args, tmp_path):
    env = {"PATH": "/usr/bin", "HOME": str(tmp_path)}  # no DISPLAY, no QT_QPA_PLATFORM
    result = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "usage: main.py" in result.stdout and "usage: main.py train" in result.stdout
    assert "--batch-size" in result.stdout


def test_an_unknown_flag_exits_2_with_the_usage(tmp_path):
    env = {"PATH": "/usr/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "main.py", "--bogus"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "usage: main.py" in result.stderr and "--bogus" in result.stderr


@pytest.mark.parametrize("height", [130, 400])
def test_the_100_percent_label_is_drawn_on_a_short_accuracy_plot_too(qtbot, height):
    from PySide6.QtGui import QImage, QPainter

    from gui.training.plots import AccuracyPlot

    plot = AccuracyPlot()
    qtbot.addWidget(plot)
    plot.resize(500, height)
    plot.show()
    qtbot.waitExposed(plot)
    plot._zoom([np.array([10.0, 97.0])])  # an accuracy curve from 10 % to 97 %
    plot.grab()  # lays the plot out
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _, _, texts = plot.getPlotItem().getAxis("left").generateDrawSpecs(painter)
    painter.end()
    assert "100" in [text for _, _, text in texts]
