"""Saving and loading: round trips, atomic writes, and every kind of bad file refused."""

import json
import zipfile

import numpy as np
import pytest

from engine import MLP, ModelFileError, RunConfig, fit, load_model, load_model_file, save_model


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


def test_round_trip_predicts_exactly_like_the_saved_model(tmp_path, digits, trained):
    model, config, history = trained
    path = save_model(
        tmp_path / "m.npz", model, config=config, scaler=digits.scaler, history=history
    )
    loaded = load_model_file(path)
    np.testing.assert_array_equal(loaded.model.forward(digits.X_test), model.forward(digits.X_test))
    assert loaded.model.hidden_sizes == (12, 7) and loaded.model.activation.name == "tanh"
    assert loaded.config == config
    assert loaded.history.to_dict() == history.to_dict()
    # the per-update losses travel as a float array, not as JSON text
    assert _metadata(path)["history"]["update_losses"] == []
    assert len(loaded.history.update_losses) == len(history.update_losses) > 100
    np.testing.assert_array_equal(loaded.scaler.mean, digits.scaler.mean)
    assert isinstance(load_model(path), MLP)


def test_logistic_regression_round_trip_without_extras(tmp_path):
    model = MLP(64, (), 10, init="normal", init_scale=0.3)
    save_model(tmp_path / "lr.npz", model)
    loaded = load_model_file(tmp_path / "lr.npz")
    assert loaded.config is None and loaded.scaler is None and loaded.history is None
    np.testing.assert_array_equal(loaded.model.params["W1"], model.params["W1"])


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


def _metadata(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["metadata"]))


BAD_FILES = {
    "missing": (None, "no such file"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "truncated": (
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        "not an .npz archive, or truncated",
    ),
    "text file": (lambda p: p.write_text("hello"), "not an .npz archive"),
    "foreign npz": (lambda p: _write_npz(p, x=np.arange(3)), "no metadata"),
    "foreign metadata": (
        lambda p: _rewrite(p, metadata=np.array('{"format": "other"}')),
        "foreign metadata",
    ),
    "bad json": (lambda p: _rewrite(p, metadata=np.array("{nope")), "not valid JSON"),
    "wrong version": (
        lambda p: _rewrite(p, metadata=np.array(json.dumps({**_metadata(p), "version": 99}))),
        "version 99",
    ),
    "wrong shape": (lambda p: _rewrite(p, **{"param/W1": np.zeros((3, 3))}), r"shape \(3, 3\)"),
    "missing parameter": (lambda p: _rewrite(p, **{"param/b2": None}), "b2 is missing"),
    "nan weights": (lambda p: _rewrite(p, **{"param/b1": np.full(12, np.nan)}), "inf or NaN"),
    "pickled object": (
        lambda p: _write_npy(p, np.array([{}], dtype=object)),
        "not an .npz archive",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message(tmp_path, trained, case):
    make_bad, message = BAD_FILES[case]
    path = tmp_path / "model.npz"
    if make_bad is not None:
        save_model(path, trained[0], config=trained[1])
        make_bad(path)
    with pytest.raises(ModelFileError, match=message):
        load_model_file(path)


def test_pickled_array_inside_an_npz_is_never_unpickled(tmp_path, trained):
    path = tmp_path / "evil.npz"
    save_model(path, trained[0])
    with zipfile.ZipFile(path, "a") as archive, archive.open("evil.npy", "w") as member:
        np.save(member, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError, match="pickled"):
        load_model_file(path)
