"""``--self-test`` passes on a working app and fails, naming the step, when a part is broken."""

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import engine.training.loop
from gui.draw.canvas import DrawCanvas
from gui.self_test import run_self_test

ROOT = Path(__file__).resolve().parents[2]


def test_self_test_passes_in_process(qtbot):
    out = io.StringIO()
    assert run_self_test(out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[-1] == "self-test ok"
    assert any("train a short run" in line and "test accuracy" in line for line in lines)
    assert any("the network reads" in line for line in lines)


def test_self_test_fails_when_training_does_not_learn(qtbot, monkeypatch):
    from engine.core.optimizers import SGD

    # the readable path only, whose updates are computed and then thrown away
    monkeypatch.setattr(engine.training.loop, "choose_kernel", lambda *args: None)
    monkeypatch.setattr(SGD, "update_params", lambda self, params, grads: None)
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert "self-test FAILED: train a short run in the worker thread: test accuracy" in (
        out.getvalue()
    )
    assert "self-test ok" not in out.getvalue()


def test_self_test_fails_when_the_canvas_ignores_the_mouse(qtbot, monkeypatch):
    monkeypatch.setattr(DrawCanvas, "mousePressEvent", lambda self, event: None)
    monkeypatch.setattr(DrawCanvas, "mouseMoveEvent", lambda self, event: None)
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert "self-test FAILED: draw a digit and read the prediction: no digit predicted" in (
        out.getvalue()
    )


def test_self_test_fails_when_a_saved_model_reads_back_differently(qtbot, monkeypatch):
    import engine.files.model_file

    real = engine.files.model_file.load_model_file

    def lossy_load(path):
        loaded = real(path)
        loaded.model.params["W1"] += np.float64(1e-3)
        return loaded

    monkeypatch.setattr("gui.self_test.load_model_file", lossy_load)
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert "save and reopen a model: the reopened model predicts differently" in out.getvalue()


def test_main_self_test_command_exits_0():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "self-test ok"
    assert "propagateSizeHints" not in result.stderr


def test_version_flag():
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0 and result.stdout.startswith("Backprop Lab 0.")
