"""Startup never depends on the content of one file: a runs store holding a run of every bad
kind, a truncated file, random bytes, and settings with undecodable values; the app starts
(exit 0 from --quit-after-startup), lists the good runs and reports the bad ones."""

import json
import os
import subprocess
import sys
from pathlib import Path

from engine import RunConfig, RunStore

ROOT = Path(__file__).resolve().parents[2]
WHERE = "from gui.experiments.run_library import default_runs_folder; print(default_runs_folder())"


def runs_folder_for(env: dict) -> Path:
    code = "from gui.app import make_application; make_application('t'); " + WHERE
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=60, check=True)  # fmt: skip
    return Path(result.stdout.strip().splitlines()[-1])


def break_summary(store: RunStore, run, change) -> None:
    path = store.sidecar_path(run.id)
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def test_the_app_starts_whatever_the_stored_files_hold(tmp_path, stored_run):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    folder = runs_folder_for(env)
    store = RunStore(folder)
    good = [stored_run(RunConfig(epochs=1, batch_size=64, seed=s)) for s in (1, 2)]
    for run in good:
        store.save(run)
    bad = {
        "nan duration": lambda s: {**s, "duration": float("nan")},
        "infinite duration": lambda s: {**s, "duration": float("inf")},
        "config a string": lambda s: {**s, "config": "lab"},
        "a 10^6 x 10^6 layer": lambda s: {
            **s,
            "config": {**s["config"], "hidden_sizes": [10**6, 10**6]},
        },
    }
    for change in bad.values():
        run = stored_run(RunConfig(epochs=1, batch_size=64))
        store.save(run)
        break_summary(store, run, change)
    deep = stored_run(RunConfig(epochs=1, batch_size=64))
    store.save(deep)
    store.sidecar_path(deep.id).write_text("[" * 100_000 + "]" * 100_000)
    truncated = stored_run(RunConfig(epochs=1, batch_size=64))
    store.save(truncated)
    data = store.model_path(truncated.id).read_bytes()
    store.model_path(truncated.id).write_bytes(data[: len(data) // 2])
    (folder / "20200101-000000-random.json").write_bytes(os.urandom(3000))
    (folder / "20200101-000000-random.npz").write_bytes(os.urandom(3000))
    settings = tmp_path / "config" / "Backprop Lab" / "Backprop Lab.conf"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_bytes(
        b"[hyperparameters]\noptimizer=@ByteArray(\xff)\nactivation=@ByteArray(\xfe)\n"
        b"learning_rate=@ByteArray(\xff\xff)\nhidden_sizes=10, 20\n"
        b"[window]\ngeometry=@ByteArray(\xff\xfe\xfd)\nstate=garbage\n"
    )
    result = subprocess.run(
        [sys.executable, "main.py", "--quit-after-startup"], capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # the truncated model file has a sound summary: listed, refused only when drawn
    assert "3 stored runs listed, 6 could not be read" in result.stderr, result.stderr
    assert "; 3 settings or data problems" in result.stderr  # optimizer, activation, lr
