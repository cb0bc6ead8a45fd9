"""Build the one-folder PyInstaller bundle from a clean virtual environment.

    python packaging/build_bundle.py [--venv build/bundle-venv] [--dist dist]

Creates (or reuses) a venv holding only the app's dependencies and PyInstaller, installs the
app into it, and runs PyInstaller on ``backprop-lab.spec``. The bundle lands in
``dist/backprop-lab/``; run ``dist/backprop-lab/backprop-lab --self-test`` to check it.
"""

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*command: str | os.PathLike) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=ROOT)


def build(venv_dir: Path, dist: Path, work: Path) -> Path:
    python = venv_python(venv_dir)
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    run(python, "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "-q", f"{ROOT}[bundle]")
    run(
        python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", dist, "--workpath", work, ROOT / "backprop-lab.spec",
    )  # fmt: skip
    folder = dist / "backprop-lab"
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"bundle: {folder} ({size / 2**20:.0f} MiB)")
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / "build" / "bundle-venv")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    build(args.venv.resolve(), args.dist.resolve(), args.work.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
