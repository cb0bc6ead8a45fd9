"""Does the window slow training down, and does it stay responsive?

    QT_QPA_PLATFORM=offscreen python bench/bench_window.py [--repeats 5] [--epochs 15]

Trains the same run (the lab's: 10 sigmoid units, one sample at a time) headless with the
engine alone, and through the window with its live plots, alternating, several times. Prints
the medians, their ratio (target: at most 1.2), and the gaps between the ticks of a 5 ms QTimer
in the GUI thread during the window's runs (target: 95th percentile under 50 ms).
"""

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # as main.py does for the app

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QSettings, QTimer  # noqa: E402

from engine import History, RunConfig, load_lab_split, run_training  # noqa: E402
from engine.training.loop import updates_per_epoch  # noqa: E402
from gui.app import make_application  # noqa: E402


class TickRecorder(QObject):
    """A 5 ms timer in the GUI thread that notes when it really fires."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[list[float]] = []  # tick times, one list per window run
        self.timer = QTimer(self)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.on_tick)

    def start(self) -> None:
        self.runs.append([])
        self.timer.start()

    def on_tick(self) -> None:
        self.runs[-1].append(time.perf_counter())

    def gaps_ms(self) -> np.ndarray:
        """Gaps between ticks within each run (not across the headless runs in between)."""
        return np.concatenate([np.diff(times) for times in self.runs]) * 1000.0


def headless_run(config: RunConfig, data) -> float:
    model = config.build_model(data.n_features, 10)
    per_epoch = updates_per_epoch(len(data.y_train), config.batch_size)
    history = History()
    started = time.perf_counter()
    for record in run_training(
        model,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        config=config,
        eval_every=max(1, per_epoch // 10),
    ):
        history.add(record)
    return time.perf_counter() - started


def window_run(window, config: RunConfig, ticks: TickRecorder | None) -> float:
    """One run through the window, from Train to ``run_finished``; with ``ticks``, the
    5 ms probe timer fires meanwhile (its Python slot takes the GIL 200 times a second, so
    the timing runs go without it)."""
    window.form.set_config(config)
    window.experiment.reset()
    loop = QEventLoop()
    window.controller.run_finished.connect(loop.quit)
    if ticks is not None:
        ticks.start()
    started = time.perf_counter()
    window.experiment.train()
    loop.exec()
    seconds = time.perf_counter() - started
    if ticks is not None:
        ticks.timer.stop()
    window.controller.run_finished.disconnect(loop.quit)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    app = make_application("bench")
    from gui import MainWindow

    data = load_lab_split()
    config = RunConfig(epochs=args.epochs)
    folder = Path(tempfile.mkdtemp())
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    settings = QSettings(str(folder / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, runs_folder=folder / "runs")
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    ticks = TickRecorder()
    headless_run(config, data)  # warm up both (imports, caches, BLAS threads)
    window_run(window, config, TickRecorder())
    headless, windowed, probed = [], [], []
    for _ in range(args.repeats):
        headless.append(headless_run(config, data))
        windowed.append(window_run(window, config, None))
        probed.append(window_run(window, config, ticks))
    window.close()
    h, w = statistics.median(headless), statistics.median(windowed)
    p = statistics.median(probed)
    gaps = ticks.gaps_ms()
    print(f"run: lab network, batch 1, {args.epochs} epochs; {args.repeats} repeats, medians")
    print(f"headless      {h:.3f} s   ({', '.join(f'{t:.3f}' for t in headless)})")
    print(f"window        {w:.3f} s   ({', '.join(f'{t:.3f}' for t in windowed)})")
    print(f"ratio         {w / h:.2f}   (target <= 1.2)")
    print(f"with probe    {p:.3f} s, ratio {p / h:.2f}   (the 5 ms timer below running)")
    print(
        f"5 ms timer    {len(gaps) + len(ticks.runs)} ticks, gap median {np.median(gaps):.1f} ms, "
        f"p95 {np.percentile(gaps, 95):.1f} ms, max {gaps.max():.1f} ms   (target p95 < 50 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
