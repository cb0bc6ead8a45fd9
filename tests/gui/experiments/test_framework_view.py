"""The "Framework check" tab: scikit-learn's MLPClassifier trained in a worker thread."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import FrameworkCheck, History, RunConfig, epoch_mean_losses
from gui.experiments.framework_figures import ROWS, figure_columns

RUN_TIMEOUT = 60_000
SHORT = RunConfig(hidden_sizes=(16,), activation="relu", init="glorot", batch_size=32, epochs=3)


def train(window, qtbot, config: RunConfig) -> None:
    window.form.set_config(config)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)


def figures(view) -> dict[str, tuple[str, str]]:
    table = view.table
    return {
        name: (table.item(row, 0).text(), table.item(row, 1).text())
        for row, name in enumerate(ROWS)
    }


@pytest.fixture
def window(make_window):
    window = make_window()
    window.show()
    return window


def test_check_runs_in_a_worker_and_shows_both_sides(window, qtbot):
    train(window, qtbot, SHORT)
    view = window.findChild(type(window.framework_view), "frameworkCheckView")
    assert view is window.framework_view
    window.tabs.setCurrentIndex(window.tabs.indexOf(view))
    engine_curve = epoch_mean_losses(window.session.history, len(window.session.data.y_train), 32)
    np.testing.assert_allclose(view.engine_batch.getOriginalDataset()[1], engine_curve)
    assert len(engine_curve) == 3

    with qtbot.waitSignal(view.check_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        assert view.is_running and not view.run_button.isEnabled()
    check: FrameworkCheck = blocker.args[0]
    assert check.status == "completed" and len(check.epochs) == 3
    assert not view.is_running and view.run_button.isEnabled()
    x, y = view.framework_batch.getOriginalDataset()
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_allclose(y, check.column("loss"))
    assert len(view.framework_full.getOriginalDataset()[1]) == 3
    assert len(view.engine_full.getOriginalDataset()[1]) == 3
    legend = view.legend.text()  # beside the plot, never over the curves
    assert "Backprop Lab" in legend and "scikit-learn" in legend and "mean batch loss" in legend

    shown = figures(view)
    final = window.session.history.final
    assert shown["Epochs"] == ("3", "3")
    assert shown["Test accuracy"] == (
        f"{100 * final.test_accuracy:.2f} %",
        f"{100 * check.final.test_accuracy:.2f} %",
    )
    assert shown["Batch loss, last epoch"][1] == f"{check.final.loss:.4f}"
    assert shown["Duration"][1].endswith(" s") and shown["Ended"] == ("completed", "completed")
    assert check.final.test_accuracy > 0.8  # relu, Adam-free SGD, 3 epochs: it learns
    assert "initialization" in view.notes_label.text()
    assert "completed 3 epochs" in view.status_label.text()


def test_leaky_relu_is_refused_before_starting(window, qtbot):
    window.form.set_config(SHORT.with_changes(activation="leaky_relu"))
    window.experiment.reset()
    with qtbot.assertNotEmitted(window.framework_view.check_finished, wait=100):
        qtbot.mouseClick(window.framework_view.run_button, Qt.MouseButton.LeftButton)
    view = window.framework_view
    assert not view.is_running and view.check is None
    assert "leaky_relu" in view.status_label.text() and "Cannot compare" in view.status_label.text()
    assert view.run_button.isEnabled()


def test_stop_ends_the_check_between_epochs(window, qtbot):
    window.form.set_config(RunConfig(hidden_sizes=(64, 64), batch_size=1, epochs=500))
    window.experiment.reset()
    view = window.framework_view
    assert view.start()
    qtbot.waitUntil(lambda: len(view.epochs) >= 1, timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(view.check_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    check = blocker.args[0]
    assert check.status == "stopped" and 1 <= len(check.epochs) < 500
    assert "stopped" in view.status_label.text()
    assert figures(view)["Ended"][1] == "stopped"


def test_closing_the_window_stops_a_running_check(window, qtbot):
    window.form.set_config(RunConfig(hidden_sizes=(64, 64), batch_size=1, epochs=500))
    window.experiment.reset()
    view = window.framework_view
    assert view.start()
    window.close()
    assert not view.is_running


def test_figures_before_any_run_are_dashes():
    engine, framework = figure_columns(History(), np.empty(0), None)
    assert engine[0] == "0" and set(engine[1:]) == {"—"}
    assert set(framework) == {"—"} and len(engine) == len(framework) == len(ROWS)
