"""Selected runs drawn over the Training plots: one colour per run, train solid and test
dashed, a legend outside the plots naming what differs; histories read only when drawn."""

from PySide6.QtCore import Qt

from engine import History, Run, RunConfig, RunStore
from gui.experiments.run_library import overlay_label, varying_fields


def test_two_selected_runs_are_overlaid_and_named_by_their_difference(
    make_window, stored_run, runs_folder
):
    store = RunStore(runs_folder)
    for init in ("uniform", "zeros"):
        store.save(stored_run(RunConfig(init=init, epochs=2, batch_size=32)))
    window = make_window()
    view, panel = window.training_view, window.library.panel
    uniform, zeros = window.library.model.runs
    assert not uniform.loaded and not zeros.loaded  # summaries only at start
    panel.select_runs([uniform, zeros])
    assert uniform.loaded and zeros.loaded

    curves = view.loss_plot.overlays
    assert list(curves) == [uniform.id, zeros.id]
    for run in (uniform, zeros):
        n = run.history.n_evaluations
        train_loss, test_loss = curves[run.id]
        x, y = test_loss.getOriginalDataset()
        assert len(x) == len(y) == n and y[-1] == run.history.final.test_loss
        assert train_loss.opts["pen"].style() == Qt.PenStyle.SolidLine
        assert test_loss.opts["pen"].style() == Qt.PenStyle.DashLine
        accuracy = view.accuracy_plot.overlays[run.id][1].getOriginalDataset()[1]
        assert accuracy[-1] == 100 * run.history.final.test_accuracy
    colours = {pair[0].opts["pen"].color().name() for pair in curves.values()}
    assert len(colours) == 2
    legend = view.legend.text()
    assert "run 1: init uniform" in legend and "run 2: init zeros" in legend
    # The epoch axis spans the stored runs; the loss axis covers zero init's 2.30.
    assert view.loss_plot.getPlotItem().viewRange()[0][1] >= 2
    assert view.loss_plot.getPlotItem().viewRange()[1][1] > zeros.history.final.test_loss

    panel.select_runs([zeros])  # one run: named by its name, the other's curves taken off
    assert list(view.loss_plot.overlays) == [zeros.id]
    assert f"run 2: {zeros.name}" in view.legend.text() and "run 1" not in view.legend.text()

    panel.select_runs([uniform, zeros])
    panel.show_hidden_box.setChecked(True)
    panel.set_hidden([zeros], True)  # still selected, but hidden runs are not drawn
    assert list(view.loss_plot.overlays) == [uniform.id]
    panel.select_runs([uniform])
    assert panel.delete_selected(confirm=False) == 1
    assert view.loss_plot.overlays == {}


def test_the_live_run_is_drawn_once(make_window, qtbot):
    window = make_window()
    window.form.set_config(RunConfig(epochs=1, batch_size=64))
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000) as blocker:
        window.experiment.train()
    run = blocker.args[0]
    window.library.panel.select_runs([run])  # the current model's own run, selected
    assert window.training_view.loss_plot.overlays == {}  # drawn once, as the live run


def test_labels_name_every_field_that_varies():
    def run(number, **changes):
        config = RunConfig(**changes)
        made = Run.create(config, config.build_model(), History())
        made.number = number
        return made

    runs = [run(1, batch_size=1), run(2, batch_size=32, learning_rate=0.01), run(3, batch_size=32)]
    assert varying_fields(runs) == ["learning_rate", "batch_size"]
    assert overlay_label(runs[1], varying_fields(runs)) == "run 2: lr 0.01, batch 32"
    assert varying_fields(runs[:1]) == []


def test_opening_a_model_takes_the_overlays_off(make_window, stored_run, runs_folder, tmp_path):
    store = RunStore(runs_folder)
    store.save(stored_run(RunConfig(epochs=1, batch_size=64)))
    window = make_window()
    window.library.panel.select_runs(window.library.model.runs)
    assert window.training_view.loss_plot.overlays
    path = window.file_actions.save_model_to(tmp_path / "m.npz")
    assert window.file_actions.open_model_from(path)
    assert window.training_view.loss_plot.overlays == {}
