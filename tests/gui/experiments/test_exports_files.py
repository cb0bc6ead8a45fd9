"""Exports: the history as CSV, the plots as PNG and SVG, the model as a NumPy script."""

import csv
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from engine import RunConfig, fit
from gui.experiments.exports import CSV_COLUMNS, export_histories_csv

RUN_TIMEOUT = 60_000
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def trained(make_window, qtbot):
    """A shown window after a 2-epoch run (96 updates of 32 samples)."""
    window = make_window()
    window.show()
    window.form.set_config(RunConfig(batch_size=32, epochs=2))
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    window.file_actions.show_error = pytest.fail  # no export here may fail
    return window


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == CSV_COLUMNS
        return list(reader)


def export(window, qtbot, path):
    with qtbot.waitSignal(window.file_actions.export_finished, timeout=RUN_TIMEOUT) as blocker:
        window.file_actions.export_history_to(path)  # in a background job
    assert blocker.args[0] == path
    return path


def test_history_csv_has_a_row_per_update_and_evaluation(trained, qtbot, tmp_path):
    history = trained.session.history
    rows = read_csv(export(trained, qtbot, tmp_path / "history.csv"))
    updates = [r for r in rows if r["kind"] == "update"]
    evaluations = [r for r in rows if r["kind"] == "evaluation"]
    ends = [r for r in rows if r["kind"] == "end"]
    assert len(rows) == len(updates) + len(evaluations) + len(ends)
    assert [float(r["batch_loss"]) for r in updates] == history.update_losses.tolist()
    assert [int(r["update"]) for r in updates] == list(range(1, 97))
    assert len(evaluations) == len(history.evaluations)
    last = evaluations[-1]
    assert float(last["test_accuracy"]) == history.final.test_accuracy
    assert (last["epoch"], last["end_of_epoch"]) == ("2", "1") and float(last["grad_norm"]) > 0
    assert evaluations[0]["grad_norm"] == ""  # the initial evaluation has none
    assert len(ends) == 1 and ends[0]["status"] == "completed" and ends[0]["update"] == "96"
    assert {r["run"] for r in rows} == {"current run 1"}


def test_several_named_histories_in_one_csv(lab_data, tmp_path):
    data = lab_data
    histories = []
    for name, rate in (("slow", 0.01), ("fast, lr 1", 1.0)):
        model = RunConfig(seed=1).build_model()
        history = fit(
            model,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            epochs=1,
            learning_rate=rate,
            batch_size=100,
        )
        histories.append((name, history))
    rows = read_csv(export_histories_csv(tmp_path / "runs.csv", histories))
    for name, history in histories:
        mine = [r for r in rows if r["run"] == name]
        assert sum(r["kind"] == "update" for r in mine) == len(history.update_losses) == 16
        assert sum(r["kind"] == "evaluation" for r in mine) == history.n_evaluations


@pytest.mark.parametrize("which", ["All Training plots", "Loss"])
def test_plots_export_as_png(trained, tmp_path, which):
    path = trained.file_actions.export_plot_to(tmp_path / "plots.png", which)
    image = QImage(str(path))
    assert not image.isNull()
    widget = trained.file_actions.plot_targets[which]
    assert (image.width(), image.height()) == (2 * widget.width(), 2 * widget.height())
    assert len({image.pixel(x, image.height() // 2) for x in range(image.width())}) > 3


def svg_elements(path) -> tuple[ElementTree.Element, dict[str, int]]:
    root = ElementTree.parse(path).getroot()
    counts: dict[str, int] = {}
    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        counts[tag] = counts.get(tag, 0) + 1
    return root, counts


def test_all_plots_export_as_svg_vectors(trained, tmp_path):
    root, counts = svg_elements(trained.file_actions.export_plot_to(tmp_path / "all.svg"))
    assert root.tag == f"{SVG}svg"
    assert counts.get("polyline", 0) + counts.get("path", 0) > 50  # curves, axes, ticks
    texts = {t.text.strip() for t in root.iter(f"{SVG}text") if t.text and t.text.strip()}
    assert {"Loss", "Accuracy", "epoch"} <= texts
    # Exporting does not leave the axes uncached (they are cached to draw fast).
    axis = trained.training_view.loss_plot.getPlotItem().getAxis("left")
    assert axis.cacheMode() == axis.CacheMode.DeviceCoordinateCache


def test_the_plot_menu_exports_the_chosen_plot_as_svg(trained, tmp_path, monkeypatch):
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *args: (str(tmp_path / "loss"), "SVG drawing (*.svg)"),
    )
    actions = trained.file_actions.plot_menu.actions()
    next(a for a in actions if a.data() == "Loss").trigger()
    root, counts = svg_elements(tmp_path / "loss.svg")
    assert root.tag == f"{SVG}svg" and counts.get("polyline", 0) > 10
    assert counts.get("image", 0) == 0  # all vectors, no bitmap of the plot
    texts = {t.text.strip() for t in root.iter(f"{SVG}text") if t.text}
    assert "Loss" in texts and "Accuracy" not in texts


def test_numpy_export_predicts_like_the_app_in_a_fresh_process(trained, tmp_path):
    data, model = trained.session.data, trained.session.model
    py_path = trained.file_actions.export_numpy_to(tmp_path / "export" / "digits.py")
    assert py_path.is_file() and list(py_path.parent.iterdir()) == [py_path]
    raw = data.scaler.inverse_transform(data.X_test).reshape(-1, 8, 8)
    np.save(tmp_path / "images.npy", raw)
    result = subprocess.run(
        [sys.executable, str(py_path), str(tmp_path / "images.npy")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=True,
    )
    predicted = np.array([int(line) for line in result.stdout.split()])
    np.testing.assert_array_equal(predicted, model.predict(data.X_test))


def test_closing_the_window_mid_export_finishes_the_file_first(trained, tmp_path):
    from engine import History, RunStarted, UpdateLosses

    big = History()
    big.add(RunStarted("one_sample", 10**6, 10**6, 1))
    big.add(UpdateLosses(1, 1, np.linspace(2.3, 0.1, 10**6)))
    trained.file_actions.histories_to_export = lambda: [("big run", big)]
    path = tmp_path / "big.csv"
    job = trained.file_actions.export_history_to(path)
    assert job.running  # a million rows take a while
    trained.close()  # the export's thread must not outlive the window (Qt aborts if it does)
    assert job.done and not job.running
    assert path.read_text().count("\n") == 1 + 10**6  # the header and every update
