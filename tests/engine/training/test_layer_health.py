"""Layer health during training (vanishing gradients, saturation, dead units), the activation
histograms, and the ``train --json`` command's per-layer figures."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import MLP, READABLE, RunConfig, run_training
from engine.training.evaluation import activation_histograms
from engine.training.records import Evaluation, RunEnded

ROOT = Path(__file__).resolve().parents[3]
DEEP = (20, 20, 20, 20, 20)


def evaluations(digits, model: MLP, config: RunConfig, engine: str = "fast") -> list[Evaluation]:
    records = list(
        run_training(model, digits.X_train, digits.y_train, config=config, engine=engine)
    )
    ended = [r for r in records if isinstance(r, RunEnded)]
    assert ended and ended[0].status == "completed", ended
    return [r for r in records if isinstance(r, Evaluation)]


# --- activation histograms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "value_range"), [("sigmoid", (0.0, 1.0)), ("tanh", (-1.0, 1.0))]
)
def test_bounded_activations_use_their_fixed_range(digits, activation, value_range):
    model = MLP(64, (10, 7), 10, activation=activation, init="normal", init_scale=0.3)
    histograms = activation_histograms(model, digits.X_train)
    assert len(histograms) == 2
    for (edges, counts), units in zip(histograms, (10, 7), strict=True):
        assert edges.shape == (31,) and counts.shape == (30,)
        assert (edges[0], edges[-1]) == value_range
        assert counts.sum() == len(digits.X_train) * units  # every output of every unit


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "identity"])
def test_other_activations_span_the_outputs_range(digits, activation):
    model = MLP(64, (8,), 10, activation=activation, init="he")
    [(edges, counts)] = activation_histograms(model, digits.X_train[:100], bins=12)
    A = model.forward_keep_activations(digits.X_train[:100])[1][1]
    assert counts.shape == (12,) and counts.sum() == A.size
    assert edges[0] == pytest.approx(A.min()) and edges[-1] == pytest.approx(A.max())


def test_histograms_of_special_networks(digits):
    assert activation_histograms(MLP(64, (), 10), digits.X_train) == []
    # all units equal (zero weights): a one-value range still gives a histogram
    [(edges, counts)] = activation_histograms(
        MLP(64, (4,), 10, init="zeros", activation="relu"), digits.X_train[:9]
    )
    assert counts.sum() == 36 and edges[0] < 0 < edges[-1]
    # one sample is a batch of one; a NaN weight (a diverged network) is left out, not a crash
    model = MLP(64, (4,), 10, activation="relu")
    assert activation_histograms(model, digits.X_train[0])[0][1].sum() == 4
    model.params["W1"][:, 0] = np.nan
    [(edges, counts)] = activation_histograms(model, digits.X_train[:5])
    assert counts.sum() == 15 and np.isfinite(edges).all()


# --- layer health in training -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["fast", READABLE])
def test_every_evaluation_records_each_layers_health(digits, engine):
    model = MLP(64, (10,), 10)
    found = evaluations(digits, model, RunConfig(epochs=1, batch_size=16), engine)
    assert len(found) == 2
    for evaluation in found:
        hidden, output = evaluation.layers
        assert hidden.grad_norm > 0 and output.grad_norm > 0
        assert 0.0 <= hidden.saturated <= 1.0 and hidden.dead is None  # sigmoid
        assert output.saturated is None and output.dead is None
    assert all(layer.update_ratio is None for layer in found[0].layers)  # no update yet
    assert all(layer.update_ratio > 0 for layer in found[-1].layers)


def test_a_deep_sigmoid_net_with_the_lab_init_has_vanishing_gradients(digits):
    # The lab's uniform(-0.01, 0.01) weights: each sigmoid layer multiplies the error by
    # W (entries ~0.01) and f' <= 1/4, so the first layer's gradient is orders of magnitude below
    # the output layer's. (Measured: about 1e-9 of it at the start, 5e-6 after two epochs.)
    model = MLP(64, DEEP, 10)
    found = evaluations(digits, model, RunConfig(hidden_sizes=DEEP, epochs=2))
    assert [e.epoch for e in found if e.end_of_epoch] == [1, 2]
    for evaluation in found:
        norms = [layer.grad_norm for layer in evaluation.layers]
        assert len(norms) == 6
        assert norms[0] < 1e-2 * norms[-1], norms
        assert norms[0] < norms[-2], norms  # below the last hidden layer's too


def test_large_initial_weights_saturate_sigmoid_units(digits):
    # uniform(-5, 5): the first layer's z has a standard deviation near 20, far past the
    # sigmoid's knees (measured: 81-85 % of the first layer's outputs saturated, 60-77 % of the
    # second's; none with the lab's init)
    big = evaluations(digits, MLP(64, (20, 20), 10, init_scale=5.0), RunConfig(epochs=1))
    for evaluation in big:
        first, second, _ = evaluation.layers
        assert first.saturated > 0.7 and second.saturated > 0.4
    lab = evaluations(digits, MLP(64, (20, 20), 10), RunConfig(epochs=1))
    assert all(layer.saturated < 0.01 for layer in lab[0].layers[:-1])


def test_a_huge_learning_rate_kills_relu_units(digits):
    # lr 3 (30x the lab's) on mini-batches of 32: a few large updates push units to z <= 0 for
    # every training sample, and a dead relu gets no gradient to come back. (Measured: the
    # second hidden layer dies entirely within the first epoch; the first layer, fed the
    # standardised pixels, keeps its units.)
    model = MLP(64, (20, 20), 10, activation="relu", init="he")
    config = RunConfig(hidden_sizes=(20, 20), activation="relu", learning_rate=3.0, batch_size=32)
    found = evaluations(digits, model, config.with_changes(epochs=2))
    assert all(layer.dead == 0.0 for layer in found[0].layers[:-1])
    final = found[-1].layers
    assert max(layer.dead for layer in final[:-1]) > 0.0
    assert final[-1].dead is None  # the output layer has no units to die


# --- the train command -------------------------------------------------------------------------


def test_train_json_prints_each_layers_health_and_shows_vanishing_gradients():
    command = [sys.executable, "main.py", "train", "--hidden", "20,20,20,20,20", "--json"]
    result = subprocess.run(
        [*command, "--epochs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["epoch"] for o in objects if o["end_of_epoch"]] == [1, 2]
    for data in objects:
        layers = data["layers"]
        assert len(layers) == 6  # input side first: five hidden layers, then the output
        for layer in layers:
            assert set(layer) >= {"grad_norm", "update_ratio", "saturated", "dead"}
        assert all(layer["dead"] is None for layer in layers)  # sigmoid units cannot die
        assert all(layer["saturated"] is not None for layer in layers[:-1])
        assert layers[-1]["saturated"] is None
        assert layers[0]["grad_norm"] < layers[-1]["grad_norm"]
    assert all(layer["update_ratio"] is None for layer in objects[0]["layers"])
    assert all(layer["update_ratio"] > 0 for layer in objects[-1]["layers"])
