"""Start-up time: Backprop Lab's window against a plain scikit-learn + pyqtgraph script.

    python bench/bench_startup.py [--repeats 7]

Runs, alternately and each in a fresh subprocess, ``main.py --quit-after-startup`` (builds and
shows the window with the data ready, then exits) and a plain script that loads the digits
through scikit-learn, as the lab does, and shows one pyqtgraph plot. Prints the medians and
their ratio (target: at most 0.6), then checks with ``python -X importtime`` that neither
scikit-learn nor SciPy is imported on the way to the window.
"""

import argparse
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAIN_SCRIPT = """
import sys
import numpy as np
import pyqtgraph as pg
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
digits = load_digits()
X, y = np.asarray(digits.data, dtype=np.float32), np.asarray(digits.target, dtype=np.int32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.15, random_state=37)
X_train = StandardScaler().fit(X_train).transform(X_train)
app = pg.mkQApp("plain")
plot = pg.plot(np.bincount(y_train), title="digits per class")
plot.show()
app.processEvents()
sys.exit(0)
"""


def environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A throwaway settings folder: the app's window must not touch the user's settings.
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="backprop-lab-bench-")
    atexit.register(shutil.rmtree, env["XDG_CONFIG_HOME"], ignore_errors=True)
    return env


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def heavy_imports(env: dict[str, str]) -> list[str]:
    """Top-level packages among scikit-learn and SciPy imported by the app's start-up."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "main.py", "--quit-after-startup"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip().split(".")[0]
            if name in ("sklearn", "scipy"):
                found.add(name)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    env = environment()
    app = [sys.executable, "main.py", "--quit-after-startup"]
    plain = [sys.executable, "-c", PLAIN_SCRIPT]
    timed(app, env), timed(plain, env)  # warm the file cache for both
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(timed(app, env))
        theirs.append(timed(plain, env))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"start-up to a shown window with data ready; {args.repeats} alternated repeats, medians")
    print(f"Backprop Lab                 {o:.3f} s   ({', '.join(f'{x:.2f}' for x in ours)})")
    print(f"sklearn + pyqtgraph script   {t:.3f} s   ({', '.join(f'{x:.2f}' for x in theirs)})")
    print(f"ratio                        {o / t:.2f}   (target <= 0.6)")
    heavy = heavy_imports(env)
    print(f"imported at start-up: {', '.join(heavy) if heavy else 'neither sklearn nor scipy'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
