"""The Backprop tab's pieces without Qt: the diagram's geometry, the equations' numbers, and the
Layers tab's curves."""

import numpy as np
import pytest

from engine import (
    BUGS,
    MLP,
    Evaluation,
    History,
    LayerHealth,
    Run,
    RunConfig,
    RunStarted,
    UpdateLosses,
    trace_backprop,
)
from gui.backprop.diagram_layout import EDGES_PER_UNIT, DiagramLayout, Hit
from gui.backprop.equations import (
    BACKWARD,
    FORWARD,
    Focus,
    describe_weight,
    num,
    resolve,
    stages,
)
from gui.backprop.layer_series import layer_curves, lineage_end

BUG_NOTE = "the deliberate bug is here"


def test_the_lab_network_draws_the_strongest_input_edges_and_every_small_one():
    layout = DiagramLayout((64, 10, 10))
    assert layout.as_nodes == (False, True, True)
    W1 = np.random.default_rng(0).normal(size=(64, 10))
    i, j = layout.edges(1, W1)
    assert len(i) == 10 * EDGES_PER_UNIT
    for unit in range(10):
        chosen = set(i[j == unit])
        strongest = set(np.argsort(-np.abs(W1[:, unit]))[:EDGES_PER_UNIT])
        assert chosen == strongest
    assert len(layout.edges(2, np.ones((10, 10)))[0]) == 100


def test_wide_layers_are_strips_with_a_matrix_between_them():
    layout = DiagramLayout((64, 64, 10))
    assert layout.gap_kind(1) == "matrix" and layout.gap_kind(2) == "edges"
    assert len(layout.edges(1, np.ones((64, 64)))[0]) == 0
    x0, y0, width, height = layout.matrix_rect(1)
    hit = layout.hit(x0 + width * 5.5 / 64, (12.5 / 64) * height, (0.01, 0.005), 5.0, {})
    assert hit == Hit("weight", layer=1, i=12, j=5)


def test_hits_a_unit_and_an_edge():
    layout = DiagramLayout((64, 10, 10))
    assert layout.hit(1.0, 0.55, (0.005, 0.005), 6.0, {}) == Hit("unit", column=1, unit=5)
    assert layout.hit(0.0, 0.3, (0.005, 0.005), 6.0, {}) == Hit("unit", column=0, unit=19)
    drawn = {2: (np.array([3]), np.array([3]))}
    assert layout.hit(1.5, 0.35, (0.005, 0.005), 6.0, drawn) == Hit("weight", layer=2, i=3, j=3)
    assert layout.hit(1.5, 0.6, (0.005, 0.005), 6.0, drawn) is None  # 50 px from the edge


@pytest.fixture(scope="module")
def lab_trace(lab_data):
    model = MLP(64, 10, 10, init="uniform", init_scale=0.5, seed=3)
    return model, trace_backprop(model, lab_data.X_test[5], int(lab_data.y_test[5]))


def test_the_numbers_are_the_traces(lab_trace):
    _, trace = lab_trace
    focus = resolve(trace, Focus(), FORWARD)
    assert focus.output == int(np.argmax(trace.probabilities))  # the predicted class
    assert focus.hidden == (1, int(np.argmax(trace.layers[0].activation)))  # most active
    layer, i, j = focus.weight
    assert (layer, j) == (1, focus.hidden[1])
    lines = [stage.numbers for stage in stages(trace, focus, 0.1)]
    z = trace.layers[0].pre_activation[j]
    assert lines[0].endswith(f"<b>{num(z)}</b>")
    assert f"<b>{num(trace.loss)}</b>" in lines[3]
    new = trace.layers[0].weights[i, j] - 0.1 * trace.layers[0].grad_W[i, j]
    assert f"<b>{num(new)}</b>" in lines[7]
    assert not any(BUG_NOTE in line for line in lines)


@pytest.mark.parametrize(
    ("bug", "stage"), [("no_derivative", 6), ("activation_not_derivative", 6),
                       ("no_transpose", 6), ("no_bias_gradient", 5), ("wrong_sign", 4)],
)  # fmt: skip
def test_each_bug_is_pointed_out_at_its_stage(lab_trace, lab_data, bug, stage):
    model, _ = lab_trace
    broken = model.copy()
    broken.bug = bug
    trace = trace_backprop(broken, lab_data.X_test[5], int(lab_data.y_test[5]))
    focus = resolve(trace, Focus(output=int(lab_data.y_test[5])), BACKWARD)
    lines = [s.numbers for s in stages(trace, focus, 0.1)]
    assert [k for k, line in enumerate(lines) if BUG_NOTE in line] == [stage], bug
    assert bug in BUGS


def test_pointing_at_an_output_weight_follows_its_two_units(lab_trace):
    _, trace = lab_trace
    focus = Focus().pointed(Hit("weight", layer=2, i=4, j=8), n_layers=2)
    assert focus == Focus(hidden=(1, 4), output=8, weight=(2, 4, 8))
    assert resolve(trace, focus, BACKWARD).weight == (2, 4, 8)
    text = describe_weight(trace, 2, 4, 8, BACKWARD, 0.1)
    assert f"{num(trace.layers[1].grad_W[4, 8])}" in text


def _run(evaluations: list[tuple[float, list[float]]], updates: int) -> Run:
    records = [RunStarted("readable", 10, 10 * updates, 1)]
    for progress, norms in evaluations:
        layers = tuple(LayerHealth(g, None, 0.5) for g in norms)
        records.append(Evaluation(0, 0, progress, 1, 0.5, 1, 0.5, layers=layers))
    records.append(UpdateLosses(1, 1, np.ones(updates)))
    return Run.create(RunConfig(), None, History.from_records(records))


def test_layer_curves_lay_runs_end_to_end_and_leave_out_what_a_log_axis_cannot_show():
    first = _run([(0.0, [1.0, 2.0]), (1.0, [0.5, 0.0])], updates=10)  # one epoch
    second = _run([(0.0, [0.4, 1.5]), (0.5, [0.3, 1.2])], updates=5)  # half an epoch
    curves = layer_curves([first, second], "grad_norm", positive=True)
    assert len(curves) == 2
    np.testing.assert_allclose(curves[0][0], [0.0, 1.0, 1.0, 1.5])
    np.testing.assert_allclose(curves[0][1], [1.0, 0.5, 0.4, 0.3])
    np.testing.assert_allclose(curves[1][0], [0.0, 1.0, 1.5])  # the 0 is left out
    assert lineage_end([first, second]) == pytest.approx(1.5)
    assert len(layer_curves([first], "update_ratio")[0][0]) == 0  # None at every evaluation
