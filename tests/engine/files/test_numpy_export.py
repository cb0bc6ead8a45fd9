"""Export to NumPy: the exported script, run in a fresh process, predicts exactly as the app does,
for every activation, needs nothing but NumPy and the standard library, and is the one file
written: its weights are inside it."""

import ast
import runpy
import subprocess
import sys

import numpy as np
import pytest

from engine import ACTIVATIONS, MLP, RunConfig, fit, load_model, save_model
from engine.files.numpy_export import export_numpy


@pytest.fixture(scope="module")
def model(digits):
    model = RunConfig(hidden_sizes=(12, 7), activation="tanh", init="glorot").build_model()
    fit(model, digits.X_train, digits.y_train, epochs=1, learning_rate=0.05, batch_size=16)
    return model


@pytest.fixture(scope="module")
def raw_test_images(digits):
    """The test set as the 8x8 raw pixel counts (0..16) it was standardised from."""
    raw = np.rint(digits.scaler.inverse_transform(digits.X_test)).reshape(-1, 8, 8)
    # standardising them again gives back exactly the features the app predicts from
    np.testing.assert_array_equal(digits.scaler.transform(raw), digits.X_test)
    return raw


def run_script(py_path, *args):
    return subprocess.run(
        [sys.executable, str(py_path), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=py_path.parent.parent,  # anywhere but the project: the script stands alone
    )


def test_script_in_a_fresh_process_predicts_like_the_app(tmp_path, model, digits, raw_test_images):
    py_path = export_numpy(model, digits.scaler, tmp_path / "out", "digits_net")
    assert py_path == tmp_path / "out" / "digits_net.py"
    assert [p.name for p in py_path.parent.iterdir()] == ["digits_net.py"]  # the one file
    samples = tmp_path / "samples.npy"
    np.save(samples, raw_test_images)

    result = run_script(py_path, samples)
    assert result.returncode == 0, result.stderr
    predicted = np.array(result.stdout.split(), dtype=int)
    np.testing.assert_array_equal(predicted, model.predict(digits.X_test))

    result = run_script(py_path, samples, "--proba")
    assert result.returncode == 0, result.stderr
    proba = np.loadtxt(result.stdout.splitlines())
    np.testing.assert_array_equal(proba, model.predict_proba(digits.X_test))


def test_flat_rows_and_a_single_image_work_too(tmp_path, model, digits, raw_test_images):
    py_path = export_numpy(model, digits.scaler, tmp_path, "m")
    np.save(tmp_path / "one.npy", raw_test_images[5])
    np.save(tmp_path / "flat.npy", raw_test_images[:4].reshape(4, 64))
    assert run_script(py_path, tmp_path / "one.npy").stdout.split() == [
        str(model.predict(digits.X_test[5]))
    ]
    flat = run_script(py_path, tmp_path / "flat.npy").stdout.split()
    assert flat == [str(d) for d in model.predict(digits.X_test[:4])]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_computes_bit_for_bit(tmp_path, digits, raw_test_images, activation):
    # he-scaled weights push the hidden units well into each activation's non-linear range
    model = MLP(64, (16, 8), 10, activation=activation, init="he", seed=3)
    py_path = export_numpy(model, digits.scaler, tmp_path, f"net_{activation}")
    script = runpy.run_path(str(py_path))
    np.testing.assert_array_equal(
        script["predict_proba"](raw_test_images), model.predict_proba(digits.X_test)
    )
    np.testing.assert_array_equal(script["predict"](raw_test_images), model.predict(digits.X_test))


def test_logistic_regression_exports(tmp_path, digits, raw_test_images):
    model = MLP(64, (), 10, init="normal", init_scale=0.5, seed=1)
    py_path = export_numpy(model, digits.scaler, tmp_path, "logreg.py")
    assert "Y = softmax(X @ W1 + b1)" in py_path.read_text()
    script = runpy.run_path(str(py_path))
    np.testing.assert_array_equal(script["predict"](raw_test_images), model.predict(digits.X_test))


def test_script_imports_only_numpy_and_the_standard_library(tmp_path, model, digits):
    py_path = export_numpy(model, digits.scaler, tmp_path, "m")
    tree = ast.parse(py_path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert "numpy" in imported
    assert imported - {"numpy"} <= set(sys.stdlib_module_names)
    text = py_path.read_text()
    assert "RAW 8x8 images of pixel counts 0..16" in text.split('"""')[1]  # said at the top
    # both loads (the weights, the samples) refuse pickled objects
    assert text.count("np.load(") == text.count("allow_pickle=False") == 2


def test_without_arguments_the_script_prints_its_usage(tmp_path, model, digits):
    py_path = export_numpy(model, digits.scaler, tmp_path, "m")
    result = run_script(py_path)
    assert result.returncode == 2
    assert "Usage: python 'm.py' samples.npy" in result.stdout


def test_export_overwrites_atomically_and_refuses_bad_names(tmp_path, model, digits):
    export_numpy(model, digits.scaler, tmp_path, "m")
    other = MLP(64, (3,), 10, seed=9)
    py_path = export_numpy(other, digits.scaler, tmp_path, "m")
    script = runpy.run_path(str(py_path))
    np.testing.assert_array_equal(script["WEIGHTS"][0][0], other.params["W1"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]  # no temporary files
    for bad in ["", ".hidden", "a/b", "x:y"]:
        with pytest.raises(ValueError, match="cannot be a file name"):
            export_numpy(model, digits.scaler, tmp_path, bad)


def test_exporting_next_to_a_saved_model_leaves_the_model_untouched(tmp_path, model, digits):
    saved = save_model(tmp_path / "m.npz", model, scaler=digits.scaler)
    before = saved.read_bytes()
    py_path = export_numpy(MLP(64, (3,), 10, seed=9), digits.scaler, tmp_path, "m.py")
    assert py_path == tmp_path / "m.py"
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "m.py"]
    np.testing.assert_array_equal(load_model(saved).params["W1"], model.params["W1"])


def test_the_script_reads_no_file_but_its_input(tmp_path, model, digits, raw_test_images):
    # moved alone to another folder, it still predicts: its weights travel inside it
    py_path = export_numpy(model, digits.scaler, tmp_path / "export", "alone")
    moved = tmp_path / "elsewhere" / "renamed.py"
    moved.parent.mkdir()
    py_path.rename(moved)
    np.save(tmp_path / "images.npy", raw_test_images[:20])
    result = run_script(moved, tmp_path / "images.npy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(d) for d in model.predict(digits.X_test[:20])]
