"""The runs table: every run kept with a number that never changes, compared with the previous
one, renamed, hidden, deleted, still there after a restart; stored runs that cannot be read are
counted, explained and moved aside; data() never raises."""

import json
import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTableView

from engine import History, Run, RunConfig, RunStore
from gui.experiments.runs_table import COLUMNS, DIFFERENCES, NAME

RUN_TIMEOUT = 60_000


def train(window, qtbot, config: RunConfig):
    window.form.set_config(config)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def cell(table: QTableView, row: int, column: int) -> str:
    return table.model().index(row, column).data()


def test_two_runs_fill_the_table_with_what_changed(make_window, qtbot, runs_folder):
    window = make_window()
    table = window.findChild(QTableView, "runsTable")
    assert table.model().rowCount() == 0
    train(window, qtbot, RunConfig(epochs=1))
    end = train(window, qtbot, RunConfig(epochs=1, batch_size=32)).history.end
    assert table.model().rowCount() == 2
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))]
    assert headers == list(COLUMNS)
    assert cell(table, 0, DIFFERENCES).startswith("first run: 10 sigmoid")
    assert cell(table, 1, DIFFERENCES) == "batch 1 → 32"
    assert cell(table, 1, COLUMNS.index("Status")) == "completed"
    assert cell(table, 1, COLUMNS.index("Epochs")) == "1"
    assert cell(table, 1, COLUMNS.index("Test acc.")).endswith(" %")
    assert cell(table, 1, COLUMNS.index("From")) == "run 1"
    runs, messages = RunStore(runs_folder).load_all()
    assert messages == [] and len(runs) == 2
    first, second = (RunStore(runs_folder).load_details(run) for run in runs)
    # Each run keeps its own record, though the second continued the first.
    assert len(first.history.update_losses) == 1527
    assert len(second.history.update_losses) == math.ceil(1527 / 32) == end.updates
    assert second.history.evaluations[0].update == 0
    assert second.config.batch_size == 32 and second.duration == end.elapsed
    final = window.session.history.final
    assert second.final.test_accuracy == final.test_accuracy


def test_rename_hide_and_delete_are_stored(
    make_window, qtbot, stored_run, runs_folder, monkeypatch
):
    store = RunStore(runs_folder)
    for init in ("uniform", "zeros", "glorot"):
        store.save(stored_run(RunConfig(init=init, epochs=1, batch_size=64)))
    window = make_window()
    panel, proxy = window.library.panel, window.library.panel.proxy
    assert proxy.rowCount() == 3

    assert proxy.setData(proxy.index(0, NAME), "  uniform   baseline ")
    assert not proxy.setData(proxy.index(1, NAME), "   ")  # refused: a run needs a name
    assert "needs a name" in panel.message_label.text()
    assert [run.name for run in store.load_all()[0]][0] == "uniform baseline"

    zeros = window.library.model.runs[1]
    panel.select_runs([zeros])
    qtbot.mouseClick(panel.hide_button, Qt.MouseButton.LeftButton)
    assert proxy.rowCount() == 2 and zeros.hidden
    assert [run.hidden for run in store.load_all()[0]] == [False, True, False]
    panel.show_hidden_box.setChecked(True)
    assert proxy.rowCount() == 3
    assert proxy.index(1, COLUMNS.index("Status")).data() == "completed (hidden)"

    panel.select_runs([zeros])
    assert panel.delete_selected(confirm=False) == 1
    assert [run.config.init for run in store.load_all()[0]] == ["uniform", "glorot"]
    assert not store.model_path(zeros.id).exists()
    assert proxy.index(1, DIFFERENCES).data() == "init uniform → glorot"  # now after run 1

    # The Delete key asks first; "Yes" deletes.
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes, raising=True
    )
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    panel.select_runs(window.library.model.runs[:1])
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert [run.config.init for run in store.load_all()[0]] == ["glorot"]
    assert proxy.rowCount() == 1


def test_runs_survive_a_restart(make_window, qtbot, runs_folder):
    first = make_window()
    train(first, qtbot, RunConfig(epochs=1, batch_size=16))
    name = first.library.model.runs[0].name
    first.close()
    second = make_window()
    assert second.library.store.folder == runs_folder
    assert [run.name for run in second.library.model.runs] == [name]
    assert second.library.panel.proxy.index(0, NAME).data() == name


def test_unreadable_stored_runs_are_reported_once_and_moved_aside(
    make_window, stored_run, runs_folder
):
    store = RunStore(runs_folder)
    store.save(stored_run(RunConfig(epochs=1, batch_size=64)))
    nan = stored_run(RunConfig(epochs=1, batch_size=64))
    store.save(nan)
    summary = json.loads(store.sidecar_path(nan.id).read_text())
    store.sidecar_path(nan.id).write_text(json.dumps({**summary, "duration": float("nan")}))
    (runs_folder / "20200101-000000-bad000.json").write_text("{not json", encoding="utf-8")
    (runs_folder / "20200101-000000-bad000.npz").write_bytes(b"not a zip file")
    (runs_folder / "20200102-000000-half00.npz").write_bytes(b"no summary")
    window = make_window()
    window.show()
    panel = window.library.panel
    assert panel.proxy.rowCount() == 1
    assert panel.problems_label.isVisible()
    assert panel.problems_label.text().startswith("3 stored runs could not be read")
    assert "bad000" in panel.problems_label.toolTip() and "half00" in panel.problems_label.toolTip()
    assert "3 stored runs could not be read" in window.statusBar().currentMessage()
    panel.move_aside_button.click()
    assert not panel.problems_label.isVisible()
    aside = {p.name for p in (runs_folder / "unreadable").iterdir()}
    assert {"20200101-000000-bad000.json", "20200102-000000-half00.npz"} <= aside
    assert f"{nan.id}.json" in aside


def test_the_table_never_raises_on_odd_values(make_window, stored_run, runs_folder):
    store = RunStore(runs_folder)
    run = stored_run(RunConfig(epochs=1, batch_size=64))
    store.save(run)
    window = make_window()
    model = window.library.model
    [listed] = model.runs
    listed.duration = float("inf")  # what a hand-edited file could hold
    listed.final = type(listed.final)(3, float("nan"), float("inf"), -1e308, float("nan"))
    window.library.panel.fit_columns()  # Qt calls data() from C++ for every cell
    texts = [model.data(model.index(0, c)) for c in range(len(COLUMNS))]
    assert texts[COLUMNS.index("Duration")] == "—" and texts[COLUMNS.index("Train acc.")] == "—"
    listed.config = None  # even a broken run object: no exception reaches Qt
    assert texts[COLUMNS.index("Test loss")] == "-1e+308"  # short, however large
    assert model.data(model.index(0, DIFFERENCES)).startswith("first run: 10 sigmoid")
    assert model.data(model.index(0, COLUMNS.index("Name")), Qt.ItemDataRole.ToolTipRole) is None


def test_a_run_without_evaluations_shows_dashes(make_window, runs_folder):
    config = RunConfig(epochs=1)
    model = config.build_model()
    RunStore(runs_folder).save(Run.create(config, model, History()))
    window = make_window()
    proxy = window.library.panel.proxy
    assert proxy.index(0, COLUMNS.index("Test acc.")).data() == "—"
    assert proxy.index(0, COLUMNS.index("Status")).data() == "unfinished"


def test_history_csv_exports_the_selected_runs_else_the_current_one(
    make_window, qtbot, stored_run, runs_folder, tmp_path
):
    import csv

    store = RunStore(runs_folder)
    for rate in (0.01, 0.5):
        store.save(stored_run(RunConfig(learning_rate=rate, epochs=1, batch_size=64)))
    window = make_window()
    panel = window.library.panel
    first, second = panel.model.runs
    train(window, qtbot, RunConfig(epochs=1, batch_size=64))  # the current run (also run 3)
    panel.select_runs([])

    def exported_runs(name):
        path = tmp_path / name
        with qtbot.waitSignal(window.file_actions.export_finished, timeout=RUN_TIMEOUT):
            window.file_actions.export_history_to(path)
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        return {row["run"] for row in rows}, rows

    assert exported_runs("none.csv")[0] == {"current run 1"}
    panel.select_runs([first, second])
    names, rows = exported_runs("both.csv")
    assert names == {f"run 1: {first.name}", f"run 2: {second.name}"}
    updates = [r for r in rows if r["run"] == f"run 2: {second.name}" and r["kind"] == "update"]
    assert [float(r["batch_loss"]) for r in updates] == second.history.update_losses.tolist()
