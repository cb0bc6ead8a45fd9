"""Stored runs: round trips, numbers that never shift, summaries read without histories, bad
files skipped with a reason and moved aside, another window's deletions reported, interrupted
saves cleaned up, and the "what changed" column."""

import json
import math
import os
import time

import numpy as np
import pytest

from engine import RunConfig, fit
from engine.experiments.runs import (
    Run,
    RunMissingError,
    RunStore,
    describe_differences,
    differences_column,
)
from engine.files.atomic import TEMP_SUFFIX

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


def make_run(trained, digits, name=None, config=CONFIG, continued_from=None):
    model, history = trained
    return Run.create(
        config, model.copy(), history, scaler=digits.scaler, name=name,
        continued_from=continued_from,
    )  # fmt: skip


def test_round_trip_keeps_everything_and_reads_summaries_only(tmp_path, trained, digits):
    run = make_run(trained, digits, name="lab net", continued_from=3)
    RunStore(tmp_path).save(run)
    assert run.number == 1

    runs, problems = RunStore(tmp_path).load_all()
    assert problems == []
    [loaded] = runs
    assert (loaded.id, loaded.name, loaded.number, loaded.hidden) == (run.id, "lab net", 1, False)
    assert loaded.config == CONFIG and loaded.continued_from == 3
    assert loaded.created == run.created
    assert loaded.duration == pytest.approx(run.history.end.elapsed)
    assert loaded.status == "completed" and loaded.trained_by == run.history.trained_by
    np.testing.assert_array_equal(list(vars(loaded.final).values()), list(vars(run.final).values()))
    assert not loaded.loaded  # the history waits until it is drawn
    RunStore(tmp_path).load_details(loaded)
    assert loaded.history.n_updates == run.history.n_updates
    np.testing.assert_array_equal(loaded.history.update_losses, run.history.update_losses)
    for key, value in run.model.params.items():
        np.testing.assert_array_equal(loaded.model.params[key], value)


def test_numbers_are_never_reused_or_shifted(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    runs = [make_run(trained, digits, name=f"run {i}") for i in range(3)]
    for run in runs:
        store.save(run)
    assert [r.number for r in runs] == [1, 2, 3]
    store.delete(runs[2])
    store.delete(runs[0])
    newer = make_run(trained, digits)
    store.save(newer)
    assert newer.number == 4  # not 3, though run 3 is gone
    loaded, _ = RunStore(tmp_path).load_all()
    assert [r.number for r in loaded] == [2, 4]
    (tmp_path / "numbers.json").write_text("garbage")  # lost: numbers go on past every one seen
    again = make_run(trained, digits)
    store.save(again)
    assert again.number == 5


def test_rename_hide_and_delete(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    run = make_run(trained, digits)
    store.save(run)
    store.rename(run, "  zero   init  ")
    store.set_hidden(run, True)
    [loaded], _ = store.load_all()
    assert (loaded.name, loaded.hidden) == ("zero init", True)
    with pytest.raises(ValueError, match="needs a name"):
        store.rename(run, "   ")
    assert store.delete(run) is True
    assert store.load_all() == ([], [])
    assert store.delete(run) is False  # already gone


def test_a_run_another_window_deleted_is_reported_not_written_back(tmp_path, trained, digits):
    mine = RunStore(tmp_path)
    run = make_run(trained, digits)
    mine.save(run)
    [theirs], _ = RunStore(tmp_path).load_all()
    RunStore(tmp_path).delete(theirs)  # the other window
    with pytest.raises(RunMissingError, match="deleted by another"):
        mine.rename(run, "new name")
    with pytest.raises(RunMissingError):
        mine.set_hidden(run, True)
    assert list(tmp_path.glob("*.json")) == [tmp_path / "numbers.json"]  # nothing written back


BAD_SUMMARIES = {
    "not json": "{",
    "nan duration": lambda s: {**s, "duration": float("nan")},
    "infinite duration": lambda s: {**s, "duration": float("inf")},
    "duration too large for a float": lambda s: {**s, "duration": 10**400},
    "loss too large for a float": lambda s: {**s, "final": {**s["final"], "test_loss": 10**400}},
    "continued from no run": lambda s: {**s, "continued_from": 0},
    "config a string": lambda s: {**s, "config": "lab"},
    "huge layer": lambda s: {**s, "config": {**s["config"], "hidden_sizes": [10**6, 10**6]}},
    "status unknown": lambda s: {**s, "status": "exploded"},
    "number text": lambda s: {**s, "number": "one"},
    "empty name": lambda s: {**s, "name": "  "},
    "bad date": lambda s: {**s, "created": "yesterday"},
    "another id": lambda s: {**s, "id": "someone-else"},
    "figures text": lambda s: {**s, "final": {**s["final"], "test_accuracy": "high"}},
    "deep": "[" * 100_000 + "]" * 100_000,
    "random bytes": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("kind", list(BAD_SUMMARIES))
def test_a_bad_summary_is_skipped_with_a_reason_and_moved_aside(tmp_path, trained, digits, kind):
    store = RunStore(tmp_path)
    good, bad = make_run(trained, digits, name="good"), make_run(trained, digits, name="bad")
    store.save(good)
    store.save(bad)
    path = store.sidecar_path(bad.id)
    change = BAD_SUMMARIES[kind]
    if callable(change):
        summary = change(json.loads(path.read_text()))
        path.write_text(json.dumps(summary))  # NaN and Infinity as JSON writes them
    elif isinstance(change, bytes):
        path.write_bytes(change)
    else:
        path.write_text(change)
    runs, problems = RunStore(tmp_path).load_all()
    assert [r.name for r in runs] == ["good"]
    [problem] = problems
    assert problem.run_id == bad.id and problem.reason
    aside = store.move_aside(problems)
    assert sorted(p.name for p in aside.iterdir()) == sorted([f"{bad.id}.json", f"{bad.id}.npz"])
    assert RunStore(tmp_path).load_all()[1] == []


def test_a_model_file_without_summary_and_a_bad_model_file_are_reported(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    orphan, damaged = make_run(trained, digits), make_run(trained, digits)
    store.save(orphan)
    store.save(damaged)
    store.sidecar_path(orphan.id).unlink()
    store.model_path(damaged.id).write_bytes(b"PK\x03\x04 truncated")
    runs, problems = store.load_all()
    assert [p.run_id for p in problems] == [orphan.id]
    assert "summary" in problems[0].reason
    [listed] = runs  # its summary is fine: it is listed, and refused when its history is read
    from engine import ModelFileError

    with pytest.raises(ModelFileError):
        store.load_details(listed)


def test_interrupted_saves_are_removed_at_the_next_start(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    store.save(make_run(trained, digits))
    old = tmp_path / f".abc.npz.xyz{TEMP_SUFFIX}"
    young = tmp_path / f".def.npz.uvw{TEMP_SUFFIX}"
    for path in (old, young):
        path.write_bytes(b"\0" * 1000)
    past = time.time() - 3600
    os.utime(old, (past, past))
    runs, problems = store.load_all()
    assert len(runs) == 1 and problems == []
    assert not old.exists() and young.exists()  # a young one may be another window's save


def test_files_get_the_users_umask(tmp_path, trained, digits):
    store = RunStore(tmp_path)
    run = make_run(trained, digits)
    store.save(run)
    from engine.files.atomic import UMASK

    for path in (store.model_path(run.id), store.sidecar_path(run.id)):
        assert path.stat().st_mode & 0o777 == 0o666 & ~UMASK


def test_differences_describe_what_changed():
    lab = RunConfig()
    assert describe_differences(lab, None).startswith("first run: 10 sigmoid")
    assert describe_differences(lab, lab) == "same settings"
    changed = lab.with_changes(learning_rate=0.01, batch_size=32, init="zeros")
    assert describe_differences(changed, lab) == "init uniform → zeros, lr 0.1 → 0.01, batch 1 → 32"
    momentum = lab.with_changes(momentum=0.9)
    assert describe_differences(momentum, lab) == "optimizer sgd → momentum, momentum 0 → 0.9"
    runs = [
        Run("a", "a", lab, None, "completed"),
        Run("b", "b", changed, None, "completed"),
    ]
    assert differences_column(runs)[1] == describe_differences(changed, lab)


def test_final_figures_of_a_run_that_never_evaluated():
    from engine import History

    run = Run.create(RunConfig(), None, History())
    assert run.status == "unfinished" and run.final.epochs == 0
    assert math.isnan(run.final.test_accuracy)
