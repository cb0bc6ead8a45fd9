"""Stored runs: round trips, renaming, hiding, deleting, bad files skipped with a message, and the
"what changed" column."""

import json
import math
from datetime import timedelta

import numpy as np
import pytest

from engine import RunConfig, TrainingControl, fit
from engine.experiments.runs import (
    Run,
    RunStore,
    describe_differences,
    differences_column,
    final_figures,
    format_value,
)
from engine.training.history import History

CONFIG = RunConfig(hidden_sizes=(8,), batch_size=32, epochs=2, learning_rate=0.2)


@pytest.fixture(scope="module")
def trained(digits):
    model = CONFIG.build_model()
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        digits.X_test,
        digits.y_test,
        epochs=CONFIG.epochs,
        learning_rate=CONFIG.learning_rate,
        batch_size=CONFIG.batch_size,
    )
    return model, history


def make_run(trained, digits, name=None, config=CONFIG):
    model, history = trained
    return Run.create(config, model.copy(), history, scaler=digits.scaler, name=name)


def test_round_trip_keeps_everything(tmp_path, trained, digits):
    run = make_run(trained, digits, name="lab net")
    RunStore(tmp_path).save(run)

    runs, messages = RunStore(tmp_path).load_all()
    assert messages == []
    [loaded] = runs
    assert (loaded.id, loaded.name, loaded.hidden) == (run.id, "lab net", False)
    assert loaded.config == CONFIG
    assert loaded.created == run.created
    assert loaded.duration == pytest.approx(run.history.end.elapsed)
    assert loaded.status == "completed"
    assert loaded.history.to_dict() == run.history.to_dict()
    for key, value in run.model.params.items():
        np.testing.assert_array_equal(loaded.model.params[key], value)
    np.testing.assert_array_equal(loaded.scaler.mean, digits.scaler.mean)
    assert loaded.final == run.final
    # the atomic writes leave no temporary files behind
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{run.id}.json", f"{run.id}.npz"]


def test_default_name_summarizes_the_configuration(trained, digits):
    run = make_run(trained, digits)
    assert run.name == "8 sigmoid, sgd lr 0.2, batch 32, 2 epochs"


def test_rename_and_hide_persist(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    run = make_run(trained, digits, name="before")
    store.save(run)
    store.rename(run, "  after   the change ")
    store.set_hidden(run, True)
    [loaded], _ = RunStore(tmp_path).load_all()
    assert loaded.name == "after the change"
    assert loaded.hidden is True
    with pytest.raises(ValueError, match="needs a name"):
        store.rename(run, "   ")
    assert run.name == "after the change"


def test_delete_removes_both_files(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    keep, gone = make_run(trained, digits, name="keep"), make_run(trained, digits, name="gone")
    store.save(keep)
    store.save(gone)
    store.delete(gone)
    runs, messages = store.load_all()
    assert [r.name for r in runs] == ["keep"]
    assert messages == []
    assert not list(tmp_path.glob(f"{gone.id}.*"))


def test_runs_come_back_oldest_first(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    first, second = make_run(trained, digits, name="1"), make_run(trained, digits, name="2")
    second.created = first.created + timedelta(microseconds=1)
    # saved newest first, and with ids that sort the other way round
    first.id, second.id = "b-first", "a-second"
    store.save(second)
    store.save(first)
    assert [r.name for r in store.load_all()[0]] == ["1", "2"]


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda store, run: store.sidecar_path(run.id).write_text("{not json"), "not valid JSON"),
        (lambda store, run: store.sidecar_path(run.id).write_text("[]"), "not a Backprop Lab"),
        (
            lambda store, run: store.model_path(run.id).write_bytes(
                store.model_path(run.id).read_bytes()[:100]
            ),
            "truncated",
        ),
        (lambda store, run: store.model_path(run.id).unlink(), "no such file"),
        (
            lambda store, run: store.sidecar_path(run.id).write_text(
                json.dumps({**json.loads(store.sidecar_path(run.id).read_text()), "id": "other"})
            ),
            "describes another run",
        ),
        (
            lambda store, run: store.sidecar_path(run.id).write_text(
                json.dumps({**json.loads(store.sidecar_path(run.id).read_text()), "created": 3})
            ),
            "creation date",
        ),
    ],
    ids=["bad-json", "foreign-json", "truncated-npz", "missing-npz", "wrong-id", "bad-date"],
)
def test_an_unreadable_run_is_skipped_with_a_message(tmp_path, trained, digits, damage, expected):
    store = RunStore(tmp_path)
    good, bad = make_run(trained, digits, name="good"), make_run(trained, digits, name="bad")
    store.save(good)
    store.save(bad)
    damage(store, bad)
    runs, messages = store.load_all()
    assert [r.name for r in runs] == ["good"]
    [message] = messages
    assert bad.id in message
    assert expected in message


def test_a_model_without_its_sidecar_is_reported(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    run = make_run(trained, digits)
    store.save(run)
    store.sidecar_path(run.id).unlink()
    runs, [message] = store.load_all()
    assert runs == []
    assert run.id in message and "missing" in message


def test_missing_folder_is_an_empty_store(tmp_path):
    assert RunStore(tmp_path / "nowhere").load_all() == ([], [])


def test_stopped_and_unfinished_status(digits):
    control = TrainingControl()
    control.stop()
    model = CONFIG.build_model()
    history = fit(
        model, digits.X_train, digits.y_train, epochs=1, learning_rate=0.1, control=control
    )
    assert Run.create(CONFIG, model, history).status == "stopped"
    assert Run.create(CONFIG, model, History()).status == "unfinished"


def test_describe_differences():
    base = RunConfig()
    changed = base.with_changes(learning_rate=0.01, batch_size=32)
    assert describe_differences(changed, base) == "lr 0.1 → 0.01, batch 1 → 32"
    deeper = base.with_changes(hidden_sizes=(64, 32), nesterov=True, init_scale=0.5)
    assert describe_differences(deeper, base) == (
        "hidden 10 → (64, 32), init scale default → 0.5, nesterov off → on"
    )
    assert describe_differences(base, base) == "same settings"
    assert describe_differences(base, None) == (
        "first run: 10 sigmoid, sgd lr 0.1, batch 1, 15 epochs"
    )
    assert format_value("hidden_sizes", ()) == "none"


def test_differences_column_compares_each_run_with_the_one_before(trained, digits):
    runs = [
        make_run(trained, digits, config=CONFIG),
        make_run(trained, digits, config=CONFIG.with_changes(seed=3)),
        make_run(trained, digits, config=CONFIG.with_changes(seed=3, epochs=4)),
    ]
    column = differences_column(runs)
    assert column[0].startswith("first run")
    assert column[1:] == ["seed 0 → 3", "epochs 2 → 4"]


def test_final_figures(trained):
    _, history = trained
    figures = final_figures(history)
    assert figures.epochs == 2
    assert figures.test_accuracy == history.final.test_accuracy
    assert figures.train_loss == history.final.train_loss
    empty = final_figures(History())
    assert empty.epochs == 0 and math.isnan(empty.test_loss)
