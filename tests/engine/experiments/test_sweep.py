"""Sweeps: reading the typed values, building and validating the configurations, running them one
after another with real training, and stopping part-way."""

import math
import re

import numpy as np
import pytest

from engine import RunConfig, TrainingControl, fit
from engine.experiments.sweep import (
    SWEEPABLE,
    SweepResult,
    SweepRunStarted,
    parse_sweep_values,
    run_sweep,
    sweep_configs,
    sweep_run_name,
)
from engine.training.loop import RunEnded, UpdateLosses

BASE = RunConfig(hidden_sizes=(10,), batch_size=64, epochs=2, learning_rate=0.1)


def test_parse_numbers_names_and_layer_lists():
    assert parse_sweep_values("learning_rate", "0.001, 0.01 0.1,1") == [0.001, 0.01, 0.1, 1.0]
    assert parse_sweep_values("batch_size", "1, 32, 1e2") == [1, 32, 100]
    assert parse_sweep_values("hidden_sizes", "10; 64, 32; none;") == [(10,), (64, 32), ()]
    assert parse_sweep_values("activation", "ReLU, tanh") == ["relu", "tanh"]


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("learning_rate", "0.1, abc", "learning rate: 'abc' is not a number"),
        ("learning_rate", "0.1, 0.10", "learning rate: 0.1 is given twice"),
        ("learning_rate", "  ", "enter the values of the learning rate"),
        ("batch_size", "1.5", "batch size: '1.5' is not a whole number"),
        ("activation", "sigmoid, swish", "activation: 'swish' is not one of: sigmoid, tanh"),
        ("hidden_sizes", "10; 0", "hidden layers: hidden layers must be"),
        ("shuffle", "true", "cannot sweep 'shuffle'; choose one of: hidden_sizes"),
        ("seed", ",".join(map(str, range(51))), "at most 50 values"),
    ],
)
def test_parse_refuses_with_a_clear_message(name, text, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_sweep_values(name, text)


def test_sweep_configs_change_only_the_swept_field():
    configs = sweep_configs(BASE, "learning_rate", [0.01, 1.0])
    assert [c.learning_rate for c in configs] == [0.01, 1.0]
    assert configs[1].with_changes(learning_rate=BASE.learning_rate) == BASE


def test_sweep_configs_refuse_invalid_values_naming_them():
    with pytest.raises(ValueError) as error:
        sweep_configs(BASE, "learning_rate", [0.1, 200.0, -1.0])
    text = str(error.value)
    assert "200:" in text and "-1:" in text and "0.1:" not in text
    with pytest.raises(ValueError, match="to 1527"):
        sweep_configs(BASE, "batch_size", [32, 5000], n_train=1527)


def test_two_value_sweep_trains_each_run_like_fit(digits):
    values = [0.01, 2.0]
    configs = sweep_configs(BASE, "learning_rate", values)
    result = SweepResult("learning_rate", values)
    items = list(run_sweep(digits, configs))
    for index, record in items:
        result.add(index, record)

    starts = [(i, r.config) for i, r in items if isinstance(r, SweepRunStarted)]
    ends = [(i, r.status) for i, r in items if isinstance(r, RunEnded)]
    assert starts == [(0, configs[0]), (1, configs[1])]
    assert ends == [(0, "completed"), (1, "completed")]
    assert [i for i, _ in items] == sorted(i for i, _ in items)  # one run after the other

    # each run is exactly what fit() gives for the same configuration
    model = configs[1].build_model()
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        digits.X_test,
        digits.y_test,
        epochs=2,
        learning_rate=2.0,
        batch_size=64,
    )
    np.testing.assert_array_equal(result.models[1].params["W1"], model.params["W1"])
    rows = result.rows
    assert [r.status for r in rows] == ["completed", "completed"]
    assert rows[1].test_accuracy == history.final.test_accuracy
    assert rows[1].test_loss == history.final.test_loss
    # in 2 epochs of 24 updates, lr 0.01 barely moves the lab's tiny initial weights (chance
    # level, about 10%) while lr 2 gets past 80%
    assert rows[0].test_accuracy < 0.3 < 0.7 < rows[1].test_accuracy
    np.testing.assert_array_equal(result.column("test_loss"), [r.test_loss for r in rows])
    assert result.log_axis
    np.testing.assert_array_equal(result.x_positions(), values)


def test_stop_during_the_first_run_ends_the_sweep(digits):
    configs = sweep_configs(BASE.with_changes(batch_size=1), "seed", [0, 1, 2])
    result = SweepResult("seed", [0, 1, 2])
    control = TrainingControl()
    items = []
    for index, record in run_sweep(digits, configs, control):
        items.append((index, record))
        result.add(index, record)
        if isinstance(record, UpdateLosses):
            control.stop()
    assert {i for i, _ in items} == {0}
    assert isinstance(items[-1][1], RunEnded) and items[-1][1].status == "stopped"
    assert [r.status for r in result.rows] == ["stopped", "not run", "not run"]
    assert math.isnan(result.rows[1].test_accuracy)
    np.testing.assert_array_equal(result.x_positions(), [0, 1, 2])  # seeds are categories


def test_stop_between_runs_starts_no_further_run(digits):
    configs = sweep_configs(BASE.with_changes(epochs=1), "batch_size", [256, 512])
    control = TrainingControl()
    seen = []
    for index, record in run_sweep(digits, configs, control):
        seen.append(index)
        if isinstance(record, RunEnded):
            assert record.status == "completed"
            control.stop()
    assert set(seen) == {0}


def test_every_sweepable_field_is_a_config_field_and_names_its_runs():
    fields = RunConfig().to_dict()
    assert set(SWEEPABLE) <= set(fields)
    assert sweep_run_name("learning_rate", 0.01) == "sweep learning rate 0.01"
    assert sweep_run_name("hidden_sizes", (64, 32)) == "sweep hidden layers (64, 32)"
