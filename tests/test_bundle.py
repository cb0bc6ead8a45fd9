"""The PyInstaller bundle: built from a clean venv, it starts and passes its own self-test.

Slow (a few minutes: a fresh venv, then PyInstaller); marked ``bundle``. CI runs it;
``python -m pytest -m "not bundle"`` skips it during development.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.bundle
def test_bundle_builds_from_a_clean_venv_and_passes_its_self_test(tmp_path):
    build = subprocess.run(
        [
            sys.executable, str(ROOT / "packaging" / "build_bundle.py"),
            "--venv", str(tmp_path / "venv"),
            "--dist", str(tmp_path / "dist"),
            "--work", str(tmp_path / "work"),
        ],
        capture_output=True, text=True, timeout=1500, cwd=ROOT,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    folder = tmp_path / "dist" / "backprop-lab"
    program = folder / ("backprop-lab.exe" if os.name == "nt" else "backprop-lab")
    assert program.is_file()
    internal = folder / "_internal"
    bundled = {p.name for p in internal.iterdir()}
    assert not bundled & {"torch", "matplotlib", "tkinter", "_tkinter"}, bundled
    assert (internal / "resources" / "digits_split.npz").is_file()
    qt_libs = {p.name.split(".")[0] for p in (internal / "PySide6" / "Qt" / "lib").iterdir()}
    assert not qt_libs & {"libQt6Qml", "libQt6Quick", "libQt6WebEngineCore"}, qt_libs
    assert not (internal / "PySide6" / "Qt" / "translations").exists()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    version = subprocess.run([str(program), "--version"], capture_output=True, text=True,
                             timeout=60, env=env)  # fmt: skip
    assert version.returncode == 0 and version.stdout.startswith("Backprop Lab ")
    result = subprocess.run([str(program), "--self-test"], capture_output=True, text=True,
                            timeout=60, env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "self-test ok"
