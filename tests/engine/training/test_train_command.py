"""The headless ``python main.py train`` command: output, JSON, saving, exit codes, the engine
choice, and everything checked before training (``--save``, contradictory flags), Ctrl-C and a
closed pipe."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_model_file

ROOT = Path(__file__).resolve().parents[3]


def train(*args, timeout=120):
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "train", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_prints_the_lab_lines():
    result = train("--epochs", "2", "--no-shuffle")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(
        r"Random init: train loss: 2\.30\d+, train acc: 0\.\d{3}, test acc: 0\.\d{3}", lines[0]
    )
    assert re.fullmatch(
        r"Epoch #2, train loss: 0\.\d{5}, train acc: 0\.9\d\d, test acc: 0\.9\d\d", lines[2]
    )


def test_json_and_save(tmp_path):
    target = tmp_path / "lr.npz"
    result = train(
        "--hidden", "none", "--lr", "0.01", "--epochs", "1", "--json", "--save", str(target)
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["epoch"] for r in rows] == [0, 1]
    assert rows[1]["test_accuracy"] >= 0.9 and rows[1]["grad_norm"] > 0
    saved = load_model_file(target)
    assert saved.model.hidden_sizes == () and saved.config.learning_rate == 0.01
    assert len(saved.history.epochs) == 1


@pytest.mark.parametrize(
    "args,flag",
    [
        (["--hidden", "10,x"], "--hidden"),
        (["--activation", "swish"], "--activation"),
        (["--lr", "-1"], "--lr"),
        (["--batch-size", "0"], "--batch-size"),
        (["--batch-size", "5000"], "--batch-size"),
        (["--momentum", "1.5"], "--momentum"),
        (["--epochs", "0"], "--epochs"),
        (["--optimizer", "rmsprop"], "--optimizer"),
        (["--eval-every", "0"], "--eval-every"),
        (["--seed", "4294967296"], "--seed"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum"),
        (["--hidden", "4096,4096"], "--hidden"),
        (["--engine", "turbo"], "--engine"),
        (["--save", ""], "--save"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(args, flag):
    result = train(*args)
    assert result.returncode == 2
    assert flag in result.stderr
    assert result.stdout == ""


def test_diverging_run_exits_3_with_the_reason(tmp_path):
    target = tmp_path / "kept.npz"
    result = train(
        "--activation",
        "identity",
        "--init",
        "normal",
        "--init-scale",
        "1",
        "--lr",
        "50",
        "--epochs",
        "3",
        "--save",
        str(target),
    )
    assert result.returncode == 3
    assert "diverged at epoch 1" in result.stderr and "smaller learning rate" in result.stderr
    assert load_model_file(target).history.end.status == "diverged"  # last good weights kept


def test_save_is_checked_before_training(tmp_path):
    folder = tmp_path / "a folder"
    folder.mkdir()
    read_only = tmp_path / "locked"
    read_only.mkdir()
    read_only.chmod(0o500)
    cases = {
        str(folder): "is a folder",
        str(tmp_path / "missing" / "m.npz"): "does not exist",
        "   ": "give a file name",
    }
    if os.geteuid() != 0:  # root writes in a read-only folder
        cases[str(read_only / "m.npz")] = "cannot write"
    if Path("/proc").is_dir():  # where nobody can create a file, root included
        cases["/proc/m.npz"] = "cannot write"
    for target, message in cases.items():
        result = train("--epochs", "200", "--save", target, timeout=20)
        assert result.returncode == 2, target
        assert "--save" in result.stderr and message in result.stderr, result.stderr
        assert result.stdout == ""  # refused before the first line of training


def test_both_engines_print_the_same_figures():
    rows = {}
    for engine in ("fast", "readable"):
        result = train("--epochs", "2", "--json", "--engine", engine, "--no-shuffle")
        assert result.returncode == 0, result.stderr
        rows[engine] = [json.loads(line) for line in result.stdout.splitlines()]
    for fast, readable in zip(rows["fast"], rows["readable"], strict=True):
        for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
            assert fast[key] == pytest.approx(readable[key], rel=1e-9, abs=1e-12)
        assert [layer.keys() for layer in fast["layers"]] == [
            {"grad_norm", "update_ratio", "saturated", "dead"}
        ] * 2


def test_a_contradiction_is_warned_about():
    result = train("--epochs", "1", "--init", "zeros", "--init-scale", "0.5")
    assert result.returncode == 0
    assert "warning: --init-scale has no effect with --init zeros" in result.stderr


def test_sgd_with_momentum_is_the_momentum_optimizer(tmp_path):
    target = tmp_path / "m.npz"
    result = train("--epochs", "1", "--batch-size", "32", "--momentum", "0.5", "--save",
                   str(target))  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = load_model_file(target).config
    assert (config.optimizer_choice, config.momentum) == ("momentum", 0.5)


def test_ctrl_c_stops_cleanly_and_saves_what_was_reached(tmp_path):
    target = tmp_path / "interrupted.npz"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "train", "--epochs", "500", "--save",
         str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    first = process.stdout.readline()  # the run is under way
    assert first.startswith("Random init")
    process.stdout.readline()  # epoch 1 done
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "interrupted after" in lines[0] and str(target) in lines[0], err
    saved = load_model_file(target)
    assert saved.history.end.status == "stopped" and saved.history.n_updates >= 1527


def test_a_closed_pipe_ends_quietly(tmp_path):
    command = (
        f"{sys.executable} {ROOT / 'main.py'} train --epochs 300 --json | head -1; "
        "echo exit ${PIPESTATUS[0]}"
    )
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)  # fmt: skip
    lines = result.stdout.splitlines()
    assert json.loads(lines[0])["update"] == 0
    assert lines[-1] == "exit 0"
    assert result.stderr == ""  # no traceback


def test_help_exits_0():
    result = train("--help")
    assert result.returncode == 0 and "--batch-size" in result.stdout


def test_progress_line_shows_on_a_terminal_and_is_erased():
    import io

    import numpy as np

    from engine.train_command import ProgressLine
    from engine.training.loop import UpdateLosses

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    line = ProgressLine(terminal, per_epoch=100)
    line.show(UpdateLosses(epoch=2, first_update=101, losses=np.zeros(50)))
    assert "epoch 2:  50.0%" in terminal.getvalue()
    line.clear()
    assert terminal.getvalue().endswith("\r")
    piped = io.StringIO()
    ProgressLine(piped, per_epoch=100).show(UpdateLosses(1, 1, np.zeros(50)))
    assert piped.getvalue() == ""  # nothing but the lab's lines when not on a terminal


def test_augment_trains_on_re_drawn_digits_reproducibly(tmp_path):
    args = ("--hidden", "16", "--epochs", "1", "--json", "--eval-every", "500")
    plain = train(*args)
    first = train(*args, "--augment", "--save", str(tmp_path / "a.npz"))
    again = train(*args, "--augment")
    assert plain.returncode == first.returncode == again.returncode == 0, first.stderr

    def rows(result):
        return [{k: v for k, v in json.loads(line).items() if k != "elapsed"}
                for line in result.stdout.splitlines()]  # fmt: skip

    # the same seed re-draws the same digits: every figure is the same; without --augment the
    # first 500 updates see other inputs, so the figures after them differ
    assert rows(first) == rows(again)
    assert rows(first)[0] == rows(plain)[0]  # the same initial network
    assert rows(first)[1]["train_loss"] != rows(plain)[1]["train_loss"]
    assert rows(first)[-1]["test_accuracy"] > 0.85
    assert load_model_file(tmp_path / "a.npz").config.augment
