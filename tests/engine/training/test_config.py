"""Hyperparameters are described once (``HYPERPARAMETERS``) and ``RunConfig`` follows them:
parsing and formatting, ranges, the optimizer choices, reading configurations from files, and
the ``train`` command's flags generated from the same descriptions."""

from dataclasses import fields

import pytest

from engine import HYPERPARAMETERS, SWEEPABLE, RunConfig
from engine.train_command import build_parser
from engine.training.hyperparameters import MAX_PARAMETERS, OPTIMIZER_CHOICES


def test_every_field_is_described_once():
    described = set(HYPERPARAMETERS) | {"nesterov"}  # nesterov is part of the optimizer choice
    assert described == {f.name for f in fields(RunConfig)}
    flags = [h.flag for h in HYPERPARAMETERS.values()]
    assert len(set(flags)) == len(flags)
    assert all(h.tooltip and h.help and h.label and h.short for h in HYPERPARAMETERS.values())


@pytest.mark.parametrize("name", list(HYPERPARAMETERS))
def test_format_and_parse_round_trip(name):
    h = HYPERPARAMETERS[name]
    value = h.get(RunConfig())
    assert h.parse(h.format(value)) == value


def test_the_cli_has_a_flag_per_hyperparameter_with_its_help():
    parser = build_parser()
    actions = {a.dest: a for a in parser._actions}
    for name, h in HYPERPARAMETERS.items():
        assert h.flag in actions[name].option_strings
        assert actions[name].help == h.help


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"learning_rate": 0.0}, "learning_rate", "above 0"),
        ({"learning_rate": float("nan")}, "learning_rate", "number"),
        ({"momentum": 1.0}, "momentum", "below 1"),
        ({"batch_size": 0}, "batch_size", "from 1"),
        ({"epochs": 0}, "epochs", "from 1"),
        ({"seed": 2**32}, "seed", "4294967295"),
        ({"hidden_sizes": (0,)}, "hidden_sizes", "1..4096"),
        ({"hidden_sizes": (4096, 4096)}, "hidden_sizes", f"{MAX_PARAMETERS:,}"),
        ({"activation": "swish"}, "activation", "sigmoid"),
        ({"optimizer": "rmsprop"}, "optimizer", "adam"),
        ({"init_scale": -1.0}, "init_scale", "from 0"),
    ],
)
def test_validate_names_the_field_and_the_range(changes, field, words):
    errors = RunConfig(**changes).validate()
    assert list(errors) == [field] and words in errors[field]


def test_the_batch_size_is_bounded_by_the_training_set():
    assert RunConfig(batch_size=1527).validate(n_train=1527) == {}
    assert "1527" in RunConfig(batch_size=1528).validate(n_train=1527)["batch_size"]


@pytest.mark.parametrize("choice", list(OPTIMIZER_CHOICES))
def test_optimizer_choices_map_to_fields_and_back(choice):
    config = HYPERPARAMETERS["optimizer"].apply(RunConfig(), choice)
    assert config.optimizer_choice == choice
    assert (config.momentum > 0) == OPTIMIZER_CHOICES[choice].uses_momentum
    back = HYPERPARAMETERS["optimizer"].apply(config, "sgd")
    assert back == RunConfig()


def test_network_recipe_is_what_builds_the_weights():
    lab = RunConfig()
    assert lab.network_recipe() == lab.with_changes(learning_rate=0.5, epochs=3).network_recipe()
    for changes in ({"seed": 1}, {"init": "zeros"}, {"hidden_sizes": (5,)}):
        assert lab.with_changes(**changes).network_recipe() != lab.network_recipe()


@pytest.mark.parametrize(
    "data, message",
    [
        ("lab", "mapping"),
        ({"learning_rate": "fast"}, "learning_rate must be a number"),
        ({"hidden_sizes": "10"}, "hidden_sizes must be a list"),
        ({"hidden_sizes": [True]}, "whole numbers"),
        ({"epochs": 1.5}, "epochs must be a whole number"),
        ({"shuffle": "yes"}, "shuffle must be true or false"),
        ({"activation": ["relu"]}, "activation must be a name"),
        ({"batch_size": 10**30}, "batch_size"),
        ({"hidden_sizes": [10**6, 10**6]}, "hidden_sizes"),
    ],
)
def test_from_dict_refuses_wrong_types_and_ranges_with_the_field_named(data, message):
    with pytest.raises(ValueError, match=message):
        RunConfig.from_dict(data)


def test_from_dict_reads_what_to_dict_writes():
    config = RunConfig(hidden_sizes=(64, 32), optimizer="adam", learning_rate=1e-3, seed=7)
    assert RunConfig.from_dict(config.to_dict()) == config
    assert RunConfig.from_dict({"unknown": 1}) == RunConfig()


def test_sweepable_hyperparameters_have_examples_that_parse():
    from engine import parse_sweep_values

    for name, h in SWEEPABLE.items():
        values = parse_sweep_values(name, h.sweep_example)
        assert len(values) >= 2 and h.sweep_axis in ("log", "linear", "categories")


def test_summaries_in_words():
    assert RunConfig().summary() == "10 sigmoid, sgd lr 0.1, batch 1, 15 epochs"
    assert RunConfig().describe() == "64 → 10 sigmoid → 10 · SGD, lr 0.1, batch 1"
    nesterov = HYPERPARAMETERS["optimizer"].apply(RunConfig(hidden_sizes=()), "nesterov")
    assert nesterov.describe() == "64 → 10 · Nesterov momentum 0.9, lr 0.1, batch 1"
