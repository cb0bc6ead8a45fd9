"""Saving and loading: round trips, version 1 files, atomic writes, and every kind of bad file
refused with ``ModelFileError`` before anything large is allocated (the crafted files are the ones
``bench/bench_crafted_files.py`` measures)."""

import errno
import io
import json
import pickle
import tracemalloc
import zipfile

import numpy as np
import pytest

from bench.bench_crafted_files import (
    CRAFTED,
    RawMember,
    build_crafted,
    build_normal_model,
    npy_bytes,
    npy_header,
    read_members,
    write_zip,
    zeros_bomb,
)
from engine import (
    MLP,
    History,
    ModelFileError,
    RunConfig,
    fit,
    load_model,
    load_model_file,
    save_model,
)
from engine.files import model_file
from engine.files.model_file import MAX_HISTORY_BYTES
from engine.files.npz_reader import ArrayRule, NpzError, NpzReader, read_npz
from engine.training.history import EVALUATION_COLUMNS

MAX_EXTRA_BYTES = 200 * 2**20  # a refusal may cost at most this much more than a normal load


@pytest.fixture(scope="module")
def trained(digits):
    config = RunConfig(
        hidden_sizes=(12, 7),
        activation="tanh",
        init="glorot",
        epochs=2,
        batch_size=16,
        learning_rate=0.05,
    )
    model = config.build_model()
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        digits.X_test,
        digits.y_test,
        epochs=2,
        learning_rate=0.05,
        batch_size=16,
    )
    return model, config, history


def synthetic_history(n_updates: int, n_evaluations: int, status: str = "completed") -> History:
    evaluations = np.zeros((n_evaluations, len(EVALUATION_COLUMNS)))
    evaluations[:, 1] = np.linspace(0, n_updates, n_evaluations).round()
    end = {
        "status": status,
        "reason": "",
        "epochs_completed": 1,
        "updates": n_updates,
        "elapsed": 1.5,
    }
    facts = {"trained_by": "fused", "updates_per_epoch": n_updates, "batch_size": 1, "end": end}
    losses = np.arange(n_updates, dtype=np.float32)
    return History.from_parts(facts, {"update_losses": losses, "evaluations": evaluations})


def assert_same_history(loaded: History, saved: History) -> None:
    loaded_facts, loaded_arrays = loaded.to_parts()
    saved_facts, saved_arrays = saved.to_parts()
    assert loaded_facts == saved_facts
    assert loaded_arrays.keys() == saved_arrays.keys()
    for name, array in saved_arrays.items():
        np.testing.assert_array_equal(loaded_arrays[name], array)


def _metadata(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["metadata"]))


# --- round trips -------------------------------------------------------------------------------


def test_round_trip_predicts_exactly_like_the_saved_model(tmp_path, digits, trained):
    model, config, history = trained
    path = save_model(
        tmp_path / "m.npz", model, config=config, scaler=digits.scaler, history=history
    )
    loaded = load_model_file(path)
    np.testing.assert_array_equal(loaded.model.forward(digits.X_test), model.forward(digits.X_test))
    assert loaded.model.hidden_sizes == (12, 7) and loaded.model.activation.name == "tanh"
    assert (loaded.model.init, loaded.model.seed) == (model.init, model.seed)
    assert loaded.config == config
    assert_same_history(loaded.history, history)
    # the per-update losses travel as a float array, not as JSON text
    assert "update_losses" not in _metadata(path)["runs"][0]["history"]
    assert loaded.history.update_losses.dtype == np.float32
    assert len(loaded.history.update_losses) == len(history.update_losses) > 100
    np.testing.assert_array_equal(loaded.scaler.mean, digits.scaler.mean)
    assert isinstance(load_model(path), MLP)


def test_runs_keep_their_own_histories(tmp_path, trained):
    model = trained[0]
    first, second = synthetic_history(40, 3), synthetic_history(25, 2, status="stopped")
    runs = [(RunConfig(hidden_sizes=(12, 7)), first), (RunConfig(learning_rate=0.5), second)]
    loaded = load_model_file(save_model(tmp_path / "m.npz", model, runs=runs))
    assert [config for config, _ in loaded.runs] == [config for config, _ in runs]
    assert_same_history(loaded.runs[0][1], first)
    assert_same_history(loaded.runs[1][1], second)
    assert loaded.history.end.status == "stopped"


def test_logistic_regression_round_trip_without_extras(tmp_path):
    model = MLP(64, (), 10, init="normal", init_scale=0.3)
    save_model(tmp_path / "lr.npz", model)
    loaded = load_model_file(tmp_path / "lr.npz")
    assert loaded.config is None and loaded.scaler is None and loaded.history is None
    np.testing.assert_array_equal(loaded.model.params["W1"], model.params["W1"])


def test_compressed_and_differently_laid_out_arrays_load_the_same(tmp_path, trained):
    model = trained[0]
    path = save_model(tmp_path / "m.npz", model)
    members = read_members(path)
    weights = np.load(io.BytesIO(members["param/W1.npy"]))
    members["param/W1.npy"] = npy_bytes(np.asfortranarray(weights))  # column-major on disk
    members["param/b1.npy"] = npy_bytes(
        np.load(io.BytesIO(members["param/b1.npy"])).byteswap().view(">f8")
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = load_model(path)
    for key, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[key], value)


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path, trained, monkeypatch):
    model = trained[0]
    target = tmp_path / "keep.npz"
    save_model(target, model)
    before = target.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        save_model(target, MLP(64, (3,), 10))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.npz"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (lambda: MLP(64, (3,) * 11, 10), "11 hidden layers; at most 10"),
        (lambda: MLP(64, (5000,), 10), "hidden layer size must be a whole number from 1 to 4,096"),
        (lambda: MLP(64, (3,), 10, init="zeros", init_scale=-1.0), "init_scale must be a finite"),
    ],
)
def test_save_refuses_what_loading_would_refuse(tmp_path, model, message):
    with pytest.raises(ValueError, match=message):
        save_model(tmp_path / "m.npz", model())
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_runs_a_file_cannot_hold_as_a_file_too_large(tmp_path, monkeypatch):
    history = synthetic_history(1000, 3)
    monkeypatch.setattr(model_file, "MAX_HISTORY_BYTES", 3999)  # 1,000 float32 losses: 4,000
    with pytest.raises(OSError, match="histories take 0 MiB; a model file holds at most 0 MiB"):
        save_model(tmp_path / "m.npz", MLP(64, (3,), 10), history=history)
    monkeypatch.setattr(model_file, "MAX_RUNS", 2)
    with pytest.raises(OSError, match="3 runs; a model file holds at most 2") as refused:
        save_model(tmp_path / "m.npz", MLP(64, (3,), 10), runs=[(RunConfig(), history)] * 3)
    assert refused.value.errno == errno.EFBIG
    assert list(tmp_path.iterdir()) == []


# --- version 1 files ---------------------------------------------------------------------------


def _v1_evaluation(epoch, update, end_of_epoch=True):
    row = dict.fromkeys(EVALUATION_COLUMNS, 0.5)
    row.update(epoch=epoch, update=update, end_of_epoch=end_of_epoch, grad_norm=None)
    return row


def write_v1_file(path, model, evaluations, losses, **history):
    metadata = {
        "format": "backprop-lab-model",
        "version": 1,
        "architecture": {
            "input_size": 64,
            "hidden_sizes": list(model.hidden_sizes),
            "output_size": 10,
            "activation": model.activation.name,
        },
        "config": RunConfig(hidden_sizes=model.hidden_sizes).to_dict(),
        "history": {"update_losses": [], "evaluations": evaluations, **history},
    }
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    arrays["history/update_losses"] = np.asarray(losses, dtype=np.float64)
    arrays["metadata"] = np.array(json.dumps(metadata))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def test_version_1_files_are_read_and_split_into_their_runs(tmp_path):
    model = MLP(64, (6,), 10, seed=4)
    evaluations = [_v1_evaluation(0, 0, False), _v1_evaluation(1, 50), _v1_evaluation(2, 100)]
    evaluations += [_v1_evaluation(0, 0, False), _v1_evaluation(1, 30)]
    end = {
        "status": "completed",
        "reason": "",
        "epochs_completed": 1,
        "updates": 30,
        "elapsed": 2.0,
    }
    write_v1_file(tmp_path / "old.npz", model, evaluations, np.arange(130), end=end)
    loaded = load_model_file(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.model.params["W1"], model.params["W1"])
    assert [h.n_updates for _, h in loaded.runs] == [100, 30]
    assert [h.n_evaluations for _, h in loaded.runs] == [3, 2]
    np.testing.assert_array_equal(loaded.runs[1][1].update_losses, np.arange(100, 130))
    assert loaded.runs[0][1].end is None and loaded.history.end.updates == 30
    assert loaded.history.evaluations[1].grad_norm is None


@pytest.mark.parametrize(
    ("evaluations", "message"),
    [
        ("lots", "evaluations must be a list"),
        ([[1, 2]], "evaluation 0 must be a mapping"),
        ([{**_v1_evaluation(0, 0), "train_loss": "low"}], "train_loss must be a number"),
        ([{**_v1_evaluation(0, 0), "update": None}], "update column holds NaN"),
        ([{**_v1_evaluation(0, 0), "epoch": -1}], "epoch column holds .* below 0"),
        ([{**_v1_evaluation(0, 0), "elapsed": 10**400}], "too large"),
    ],
)
def test_version_1_files_with_bad_evaluations_are_refused(tmp_path, evaluations, message):
    write_v1_file(tmp_path / "old.npz", MLP(64, (6,), 10), evaluations, np.arange(5))
    with pytest.raises(ModelFileError, match=message):
        load_model_file(tmp_path / "old.npz")


# --- bad files ---------------------------------------------------------------------------------


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _write_npz(path, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _write_npy(path, array):
    with open(path, "wb") as handle:
        np.save(handle, array, allow_pickle=True)


def _with_metadata(path, **changes):
    _rewrite(path, metadata=np.array(json.dumps({**_metadata(path), **changes})))


def _replace_in_metadata(path, old, new):
    text = json.dumps(_metadata(path))
    assert old in text
    _rewrite(path, metadata=np.array(text.replace(old, new)))


BAD_FILES = {
    "missing": (None, "no such file"),
    "a folder": (lambda p: p.unlink() or p.mkdir(), "cannot be opened"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "truncated": (
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        "not an .npz archive, or truncated",
    ),
    "text file": (lambda p: p.write_text("hello"), "not an .npz archive"),
    "foreign npz": (lambda p: _write_npz(p, x=np.arange(3)), "no metadata"),
    "numeric metadata": (lambda p: _rewrite(p, metadata=np.arange(3)), "holds int64 values"),
    "foreign metadata": (
        lambda p: _rewrite(p, metadata=np.array('{"format": "other"}')),
        "foreign metadata",
    ),
    "bad json": (lambda p: _rewrite(p, metadata=np.array("{nope")), "not valid JSON"),
    "json with NaN": (lambda p: _rewrite(p, metadata=np.array("[NaN]")), "NaN is not a number"),
    "number beyond floats": (
        lambda p: _replace_in_metadata(p, '"learning_rate": 0.05', '"learning_rate": 1e400'),
        "learning_rate must be a finite number",
    ),
    "wrong version": (lambda p: _with_metadata(p, version=99), "version 99"),
    "version as text": (lambda p: _with_metadata(p, version="2"), "version '2'"),
    "wrong shape": (
        lambda p: _rewrite(p, **{"param/W1": np.zeros((3, 3))}),
        "declares 951 parameters; the parameter arrays hold 192",
    ),
    "transposed weights": (
        lambda p: _rewrite(p, **{"param/W1": np.zeros((12, 64))}),
        r"shape \(12, 64\); \(64, 12\) expected",
    ),
    "integer weights": (
        lambda p: _rewrite(p, **{"param/W2": np.zeros((12, 7), dtype=np.int64)}),
        "'param/W2' holds int64 values; floats expected",
    ),
    "complex weights": (
        lambda p: _rewrite(p, **{"param/b2": np.zeros(7, dtype=complex)}),
        "complex128 values; floats expected",
    ),
    "missing parameter": (lambda p: _rewrite(p, **{"param/b2": None}), "b2 is missing"),
    "nan weights": (lambda p: _rewrite(p, **{"param/b1": np.full(12, np.nan)}), "inf or NaN"),
    "inf weights": (
        lambda p: _rewrite(p, **{"param/W3": np.full((7, 10), -np.inf)}),
        "W3 holds inf or NaN",
    ),
    "half a scaler": (
        lambda p: _rewrite(p, **{"scaler/mean": np.zeros(64)}),
        "the scaler is incomplete",
    ),
    "zero scale": (
        lambda p: _rewrite(p, **{"scaler/mean": np.zeros(64), "scaler/scale": np.zeros(64)}),
        "scale that is not positive",
    ),
    "short scaler": (
        lambda p: _rewrite(p, **{"scaler/mean": np.zeros(3), "scaler/scale": np.ones(3)}),
        r"'scaler/mean' has shape \(3,\); \(64\) expected",
    ),
    "2-D losses": (
        lambda p: _rewrite(p, **{"runs/0/update_losses": np.zeros((3, 3), np.float32)}),
        r"has shape \(3, 3\); \(any\) expected",
    ),
    "narrow evaluations": (
        lambda p: _rewrite(p, **{"runs/0/evaluations": np.zeros((3, 4))}),
        r"has shape \(3, 4\); \(any, 12\) expected",
    ),
    "layer health of other rows": (
        lambda p: _rewrite(p, **{"runs/0/layers": np.zeros((5, 12))}),
        r"run 0: layer health of shape \(5, 12\) for \d+ evaluations",
    ),
    "evaluations at update NaN": (
        lambda p: _rewrite(p, **{"runs/0/evaluations": np.full((3, 12), np.nan)}),
        "epoch column holds NaN, inf or a value below 0",
    ),
    "pickled object": (
        lambda p: _write_npy(p, np.array([{}], dtype=object)),
        "not an .npz archive",
    ),
    "pickled metadata": (
        lambda p: _rewrite(p, metadata=np.array([{}], dtype=object)),
        "pickled Python objects, which are never loaded",
    ),
    "duplicate members": (
        lambda p: write_zip(p, [RawMember.stored(n, d) for n, d in read_members(p).items()] * 2),
        "two members of the same name",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message(tmp_path, trained, case):
    make_bad, message = BAD_FILES[case]
    model, config, history = trained
    path = tmp_path / "model.npz"
    if make_bad is not None:
        save_model(path, model, config=config, history=history)
        make_bad(path)
    with pytest.raises(ModelFileError, match=message) as refused:
        load_model_file(path)
    assert str(refused.value).startswith(f"{path}: ")


def _edit(path, edit):
    metadata = _metadata(path)
    edit(metadata)
    _rewrite(path, metadata=np.array(json.dumps(metadata)))


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def edit(metadata):
        target = metadata
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


WRONG_METADATA = {
    "learning rate fast": (_set("config", "learning_rate", "fast"), "learning_rate must be"),
    "learning rate infinite": (_set("config", "learning_rate", 1e400), "Infinity is not a number"),
    "epochs beyond floats": (_set("config", "epochs", 10**400), "configuration"),
    "config a list": (_set("config", [1, 2]), "a configuration must be a mapping"),
    "architecture a list": (_set("architecture", [64, 10]), "architecture must be a mapping"),
    "architecture missing": (lambda m: m.pop("architecture"), "architecture must be a mapping"),
    "input size text": (_set("architecture", "input_size", "64"), "input_size must be a whole"),
    "input size zero": (_set("architecture", "input_size", 0), "input_size must be a whole"),
    "output size float": (_set("architecture", "output_size", 10.0), "output_size must be"),
    "hidden sizes text": (_set("architecture", "hidden_sizes", "12, 7"), "hidden_sizes must be"),
    "hidden sizes a dict": (_set("architecture", "hidden_sizes", {"a": 1}), "hidden_sizes must"),
    "hidden size true": (_set("architecture", "hidden_sizes", [True, 7]), "hidden layer size"),
    "hidden size huge": (_set("architecture", "hidden_sizes", [10**40, 7]), "a huge number"),
    "100 hidden layers": (_set("architecture", "hidden_sizes", [4096] * 100), "100 hidden layers"),
    "activation number": (_set("architecture", "activation", 3), "activation must be one of"),
    "activation list": (_set("architecture", "activation", ["tanh"]), "activation must be"),
    "init unknown": (_set("architecture", "init", "xavier"), "init must be one of"),
    "init scale text": (_set("architecture", "init_scale", "big"), "init_scale must be a number"),
    "init scale negative": (_set("architecture", "init_scale", -1), "init_scale must be a finite"),
    "seed negative": (_set("architecture", "seed", -1), "seed must be a whole number"),
    "seed huge": (_set("architecture", "seed", 2**70), "seed must be a whole number"),
    "runs a mapping": (_set("runs", {"0": {}}), "runs must be a list"),
    "run a list": (_set("runs", [[]]), "run 0 must be a mapping"),
    "run config text": (_set("runs", 0, "config", "sgd"), "run 0 configuration"),
    "run history a list": (_set("runs", 0, "history", []), "run 0 history must be a mapping"),
    "end text": (_set("runs", 0, "history", "end", "done"), "end must be a mapping"),
    "end elapsed text": (_set("runs", 0, "history", "end", "elapsed", "1s"), "elapsed must be"),
    "end status number": (_set("runs", 0, "history", "end", "status", 1), "status must be text"),
    "end trained_by list": (_set("runs", 0, "history", "end", "trained_by", [1]), "trained_by"),
    "end weights_from_update text": (
        _set("runs", 0, "history", "end", "weights_from_update", "3"),
        "weights_from_update must be",
    ),
    "end without status": (
        lambda m: m["runs"][0]["history"]["end"].pop("status"),
        "run 0: history end",
    ),
    "batch size negative": (_set("runs", 0, "history", "batch_size", -3), "batch_size must be"),
    "1001 runs": (_set("runs", [{}] * 1001), "1,001 runs; at most 1,000"),
    "nested 40 deep": (_set("config", "note", json.loads("[" * 40 + "]" * 40)), "more than 32"),
}


@pytest.mark.parametrize("case", list(WRONG_METADATA))
def test_metadata_of_the_wrong_type_or_range_is_refused(tmp_path, trained, case):
    edit, message = WRONG_METADATA[case]
    model, config, history = trained
    path = save_model(tmp_path / "model.npz", model, config=config, history=history)
    _edit(path, edit)
    with pytest.raises(ModelFileError, match=message):
        load_model_file(path)


def test_metadata_nested_100000_levels_deep_is_refused(tmp_path, trained):
    path = save_model(tmp_path / "model.npz", trained[0])
    text = json.dumps(_metadata(path))
    _rewrite(path, metadata=np.array(text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load_model_file(path)


# --- crafted files: refused, and cheaply ---------------------------------------------------------

CRAFTED_MESSAGES = {
    "huge_layers": "100 hidden layers; at most 10",
    "layers_over_parameter_cap": "has 151,339,018 parameters; at most 5,000,000",
    "layers_not_in_file": "declares 307,210 parameters; the parameter arrays hold 2,410",
    "npy_1e12_weights": r"'param/W1' declares \(1000000, 1000000\) float64, 7.3 TiB",
    "npy_1e12_losses": r"'runs/0/update_losses' declares \(1000000000000,\) float32",
    "deflate_bomb_extra": "the archive's members declare 1.0 GiB of data",
    "deflate_bomb_losses": "declares .* 280.0 MiB; at most 256.0 MiB",
    "metadata_52MiB": "'metadata' declares a <U13.* scalar, 52.0 MiB; at most 4.0 MiB",
    "members_60000": "the archive's directory takes 3,349,441 bytes",
    "members_5000": "5,009 members; at most 4,096",
    "json_100000_deep": "nested too deeply",
    "learning_rate_fast": "learning_rate must be a number, not 'fast'",
    "sizes_as_strings": "input_size must be a whole number",
    "architecture_list": "the architecture must be a mapping",
    "nan_weights": "W2 holds inf or NaN",
    "inf_scaler": "the scaler holds inf",
    "weights_transposed": r"has shape \(32, 64\); \(64, 32\) expected",
    "pickled_weights": "pickled Python objects, which are never loaded",
    "member_too_long": "holds 1,048,960 bytes but its header declares 384",
    "member_too_short": "holds 304 bytes but its header declares 384",
}


@pytest.fixture(scope="module")
def normal_model(tmp_path_factory):
    """The bench's normal model file and the peak memory its load takes."""
    path = build_normal_model(tmp_path_factory.mktemp("normal") / "normal.npz")
    return path, peak_memory_of(lambda: load_model_file(path))


def peak_memory_of(work) -> int:
    """Peak bytes allocated (as tracemalloc sees Python and NumPy) while ``work()`` runs."""
    tracemalloc.start()
    try:
        work()
    except ModelFileError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_every_crafted_file_has_an_expected_message():
    assert CRAFTED_MESSAGES.keys() == CRAFTED.keys()


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_files_are_refused_within_little_memory(tmp_path, normal_model, name):
    normal, normal_peak = normal_model
    path = build_crafted(name, normal, tmp_path)
    with pytest.raises(ModelFileError, match=CRAFTED_MESSAGES[name]):
        load_model_file(path)
    assert peak_memory_of(lambda: load_model_file(path)) < normal_peak + MAX_EXTRA_BYTES


def test_runs_together_above_the_history_cap_are_refused(tmp_path, normal_model):
    size = 130 << 20  # each under the cap of one array, both over the cap of all
    members = [RawMember.stored(n, d) for n, d in read_members(normal_model[0]).items()]
    metadata = _metadata(normal_model[0])
    metadata["runs"].append(metadata["runs"][0])
    bombs = [
        zeros_bomb(f"runs/{i}/update_losses.npy", size, head=npy_header((size // 4,), "<f4"))
        for i in range(2)
    ]
    kept = [m for m in members if m.name not in ("metadata.npy", bombs[0].name)]
    metadata_member = RawMember.stored("metadata.npy", npy_bytes(np.array(json.dumps(metadata))))
    write_zip(tmp_path / "m.npz", [*kept, metadata_member, *bombs])
    assert 2 * size > MAX_HISTORY_BYTES
    with pytest.raises(ModelFileError, match="the runs' arrays declare 260 MiB; at most 256 MiB"):
        load_model_file(tmp_path / "m.npz")


# --- members the format does not name are never read --------------------------------------------


class _Tripwire:
    """Unpickling it records that it happened: the loader must never do so."""

    unpickled = []

    def __reduce__(self):
        return (_Tripwire.unpickled.append, ("unpickled",))


def record_opened_members(monkeypatch) -> list[str]:
    """The names of the zip members opened from now on, in order."""
    opened = []
    real_open = zipfile.ZipFile.open

    def open_and_record(self, member, *args, **kwargs):
        opened.append(getattr(member, "filename", member))
        return real_open(self, member, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_and_record)
    return opened


def test_unknown_members_are_never_opened(tmp_path, normal_model, monkeypatch):
    members = [RawMember.stored(n, d) for n, d in read_members(normal_model[0]).items()]
    pickled = RawMember.stored("evil.npy", npy_bytes(np.array([_Tripwire()], dtype=object)))
    raw_pickle = RawMember.stored("evil.pkl", pickle.dumps(_Tripwire()))
    damaged = RawMember("broken.npy", b"\xff" * 64, zipfile.ZIP_DEFLATED, 0, 1000)
    lying_bomb = zeros_bomb("lying.npy")  # 1 GiB of zeros that the directory calls 1 KiB
    lying_bomb = RawMember(lying_bomb.name, lying_bomb.payload, lying_bomb.method, 0, 1024)
    path = write_zip(tmp_path / "m.npz", [*members, pickled, raw_pickle, damaged, lying_bomb])

    opened = record_opened_members(monkeypatch)
    _, normal_peak = normal_model
    assert peak_memory_of(lambda: load_model_file(path)) < normal_peak + (1 << 20)
    loaded = load_model_file(path)
    assert loaded.history.n_updates == 1527 * 15
    assert "metadata.npy" in opened and set(opened) <= {m.name for m in members}
    assert _Tripwire.unpickled == []


def test_a_pickled_member_the_format_names_is_refused_unread(tmp_path, trained):
    path = tmp_path / "evil.npz"
    save_model(path, trained[0])
    _rewrite(path, **{"param/W1": np.array([_Tripwire()], dtype=object)})
    with pytest.raises(ModelFileError, match="pickled"):
        load_model_file(path)
    assert _Tripwire.unpickled == []


# --- the reader on its own -----------------------------------------------------------------------


def _npz(path, **arrays):
    _write_npz(path, **arrays)
    return path


def test_reader_reads_only_what_it_is_asked_for(tmp_path, monkeypatch):
    path = _npz(tmp_path / "a.npz", x=np.arange(3.0), y=np.ones((2, 2)), z=np.array("text"))
    floats = ArrayRule("f")
    assert read_npz(path, {"x": floats}).keys() == {"x"}
    opened = record_opened_members(monkeypatch)
    chosen = read_npz(path, lambda name: floats if name != "z" else None)
    assert opened == ["x.npy", "y.npy"]
    np.testing.assert_array_equal(chosen["y"], np.ones((2, 2)))
    assert chosen.keys() == {"x", "y"}
    with NpzReader(path) as reader:
        assert reader.names == ("x", "y", "z") and "z" in reader and "w" not in reader
        assert reader.header("y", floats).shape == (2, 2)
        assert str(reader.read("z", ArrayRule("U", shape=()))) == "text"
        with pytest.raises(NpzError, match="no array 'w'"):
            reader.read("w", floats)


@pytest.mark.parametrize(
    ("array", "rule", "message"),
    [
        (np.zeros((2, 3)), ArrayRule("f", shape=(3, None)), r"shape \(2, 3\); \(3, any\) expected"),
        (np.zeros(5), ArrayRule("f", max_bytes=32), "declares .* at most 32 bytes"),
        (np.zeros((3, 2)).T, ArrayRule("f", allow_fortran_order=False), "Fortran"),
        (np.zeros(2, dtype=np.longdouble), ArrayRule("f"), "16 bytes each"),
        (np.zeros(2, dtype=[("a", "f8")]), ArrayRule("f"), "structured dtype"),
        (np.array([b"x"]), ArrayRule("fU"), "floats or text expected"),
        (np.zeros(2, dtype="m8[s]"), ArrayRule("fi"), "floats or integers expected"),
    ],
)
def test_reader_refuses_arrays_outside_the_rule(tmp_path, array, rule, message):
    path = _npz(tmp_path / "a.npz", a=array)
    with pytest.raises(NpzError, match=f"member 'a' .*{message}"):
        read_npz(path, {"a": rule})


def _zip_of(path, name, data, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x93NUMPY\x03\x00" + bytes(100), "format version 3.0"),
        (b"\x93NUMPY\x02\x00" + (1 << 30).to_bytes(4, "little"), "header of 1,073,741,824 bytes"),
        (b"PK not an array", "is not an .npy array"),
        (b"\x93NUMPY\x01\x00", "truncated .npy header"),
        (npy_header((3,), "<f8")[:-5] + b"((((\n", "unreadable .npy header"),
        (npy_header((-3,), "<f8"), "impossible shape"),
        (npy_header((2,), "<f8") + bytes(8), "holds 136 bytes but its header declares 144"),
        (npy_header((1,), "<U2") + b"\x00\x00\x11\x00A\x00\x00\x00", "not Unicode"),
    ],
)
def test_reader_refuses_bad_npy_members(tmp_path, data, message):
    path = _zip_of(tmp_path / "a.npz", "a.npy", data)
    with pytest.raises(NpzError, match=message):
        read_npz(path, {"a": ArrayRule("fU")})


def test_reader_refuses_data_that_disagrees_with_its_crc_or_stream(tmp_path):
    data = npy_bytes(np.arange(4.0))
    good = RawMember.stored("a.npy", data)
    write_zip(tmp_path / "crc.npz", [RawMember("a.npy", data, 0, good.crc ^ 1, good.size)])
    with pytest.raises(NpzError, match="member 'a' is damaged .*CRC"):
        read_npz(tmp_path / "crc.npz", {"a": ArrayRule("f")})
    compressed = zlib_raw(data)[:-10]
    write_zip(tmp_path / "cut.npz", [RawMember("a.npy", compressed, 8, good.crc, good.size)])
    with pytest.raises(NpzError, match="member 'a'"):
        read_npz(tmp_path / "cut.npz", {"a": ArrayRule("f")})


def zlib_raw(data: bytes) -> bytes:
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def test_reader_limits_members_and_methods(tmp_path):
    path = _npz(tmp_path / "a.npz", **{f"a{i}": np.zeros(1) for i in range(10)})
    with pytest.raises(NpzError, match="10 members; at most 9"):
        NpzReader(path, max_members=9)
    with pytest.raises(NpzError, match="declare .* at most 100 bytes"):
        NpzReader(path, max_total_bytes=100)
    bz2 = _zip_of(tmp_path / "b.npz", "a.npy", npy_bytes(np.zeros(3)), zipfile.ZIP_BZIP2)
    with pytest.raises(NpzError, match="method 12"):
        read_npz(bz2, {"a": ArrayRule("f")})
