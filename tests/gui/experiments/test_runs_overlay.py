"""Selected runs drawn over the Training plots: one colour per run, legends naming what differs."""

from engine import RunConfig, RunStore
from gui.experiments.run_overlay import overlay_label, varying_fields


def legend_names(plot) -> list[str]:
    return [label.text for _, label in plot.legend.items]


def test_two_selected_runs_are_overlaid_and_named_by_their_difference(
    make_window, stored_run, runs_folder
):
    store = RunStore(runs_folder)
    for init in ("uniform", "zeros"):
        store.save(stored_run(RunConfig(init=init, epochs=2, batch_size=32)))
    window = make_window()
    view, panel = window.training_view, window.runs.panel
    uniform, zeros = window.runs.model.runs
    panel.select_runs([uniform, zeros])

    shown = view.overlay.loss.shown_curves()
    assert list(shown) == [uniform.id, zeros.id]
    for run in (uniform, zeros):
        n = len(run.history.evaluations)
        test_loss, train_loss = shown[run.id]
        x, y = test_loss.getOriginalDataset()
        assert len(x) == len(y) == n
        assert y[-1] == run.history.final.test_loss
        assert len(train_loss.getOriginalDataset()[0]) == n
        accuracy = view.overlay.accuracy.shown_curves()[run.id][0].getOriginalDataset()[1]
        assert accuracy[-1] == 100 * run.history.final.test_accuracy
    colours = {curves[0].opts["pen"].color().name() for curves in shown.values()}
    assert len(colours) == 2
    for plot in (view.loss_plot, view.accuracy_plot):
        names = legend_names(plot)
        assert "run 1: init uniform" in names and "run 2: init zeros" in names
    # The epoch axis spans the stored runs; the loss axis covers zero init's 2.30.
    assert view.loss_plot.getPlotItem().viewRange()[0][1] >= 2
    assert view.loss_plot.getPlotItem().viewRange()[1][1] > zeros.history.final.test_loss

    panel.select_runs([zeros])  # one run: named by its name, the other's curves taken off
    assert list(view.overlay.loss.shown_curves()) == [zeros.id]
    assert f"run 2: {zeros.name}" in legend_names(view.loss_plot)
    assert not any(name.startswith("run 1") for name in legend_names(view.loss_plot))

    panel.select_runs([uniform, zeros])
    panel.show_hidden_box.setChecked(True)
    panel.set_hidden([zeros], True)  # still selected, but hidden runs are not drawn
    assert list(view.overlay.loss.shown_curves()) == [uniform.id]
    panel.select_runs([uniform])
    assert panel.delete_selected(confirm=False) == 1
    assert uniform.id not in view.overlay.loss.curves
    assert view.overlay.loss.shown_curves() == {}


def test_labels_name_every_field_that_varies():
    from engine import History, Run

    def run(**changes):
        config = RunConfig(**changes)
        return Run.create(config, config.build_model(), History())

    runs = [run(batch_size=1), run(batch_size=32, learning_rate=0.01), run(batch_size=32)]
    assert varying_fields(runs) == ["learning_rate", "batch_size"]
    assert overlay_label(2, runs[1], varying_fields(runs)) == "run 2: lr 0.01, batch 32"
    assert varying_fields(runs[:1]) == []
