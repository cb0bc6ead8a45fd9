"""The headless ``python main.py train`` command: output, JSON, saving, exit codes."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_model_file

ROOT = Path(__file__).resolve().parents[2]


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
