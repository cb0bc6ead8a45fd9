"""Rules of the project's layout and style that a review could miss: the engine stays free of
Qt, and the code stays ruff-clean."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_ENGINE = {"PySide6", "pyqtgraph", "gui", "shiboken6"}


def imported_top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


ENGINE_MODULES = sorted((ROOT / "engine").rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_modules_never_import_qt_or_the_gui(path):
    assert not imported_top_level_names(path) & FORBIDDEN_IN_ENGINE


def test_importing_every_engine_module_loads_no_qt():
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in ENGINE_MODULES
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_ENGINE!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff_clean(command):
    # ruff is one of the test extras (pyproject.toml): run the one installed next to pytest
    result = subprocess.run([sys.executable, "-m", "ruff", *command], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


PACKAGES = ("engine", "gui", "tests", "bench", "docs")


def test_no_folder_holds_more_than_twelve_modules():
    crowded = {
        str(folder.relative_to(ROOT)): len(list(folder.glob("*.py")))
        for top in PACKAGES
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir() and "__pycache__" not in folder.parts
    }
    assert {name: n for name, n in crowded.items() if n > 12} == {}


def test_one_module_creates_threads_and_the_main_window_stays_thin():
    creators = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "gui").rglob("*.py")
        if "QThread(" in path.read_text(encoding="utf-8")
    ]
    assert creators == ["gui/jobs.py"]
    assert len((ROOT / "gui" / "main_window.py").read_text().splitlines()) <= 250
