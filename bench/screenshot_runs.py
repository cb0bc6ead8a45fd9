"""Take docs/screenshots/runs-overlay.png: two runs overlaid on the Training plots.

    QT_QPA_PLATFORM=offscreen python bench/screenshot_runs.py [--epochs 10] [--keep-live] [--sweep]

Trains the lab's network twice, with uniform and with zero initial weights, resets the network
(so that only the stored runs are drawn; ``--keep-live`` keeps the last run's live curves),
selects both runs in the Runs table and grabs the window. ``--sweep`` grabs the Sweep tab
after a learning-rate sweep instead (docs/screenshots/sweep.png). Uses a throwaway settings
file and runs folder, so the user's settings and runs are neither read nor changed.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QSettings, QTimer  # noqa: E402

from engine import RunConfig  # noqa: E402
from gui.app import make_application  # noqa: E402


class Driver(QObject):
    """Trains the configurations one after another, then shows them all and grabs the window."""

    def __init__(self, window, configs: list[RunConfig], out: Path, reset: bool) -> None:
        super().__init__()
        self.window, self.configs, self.out, self.reset = window, configs, out, reset
        self.done = False

    def next_run(self) -> None:
        if self.configs:
            self.window.form.set_config(self.configs.pop(0))
            self.window.start_training()
            return
        if self.reset:  # only the stored runs on the plots
            self.window.reset_model()
        panel = self.window.runs.panel
        panel.select_runs(panel.model.runs)
        QTimer.singleShot(300, self.grab)

    def on_finished(self, end) -> None:
        QTimer.singleShot(0, self.next_run)

    def on_sweep_finished(self, result) -> None:
        self.window.tabs.setCurrentWidget(self.window.runs.sweep_panel)
        QTimer.singleShot(300, self.grab)

    def grab(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(self.out))
        print(f"saved {self.out}")
        self.done = True
        self.window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--keep-live", action="store_true", help="keep the live curves")
    parser.add_argument("--sweep", action="store_true", help="grab a learning-rate sweep")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    name = "sweep.png" if args.sweep else "runs-overlay.png"
    out = args.out or ROOT / "docs" / "screenshots" / name
    app = make_application([], "screenshot")
    from gui import MainWindow

    folder = Path(tempfile.mkdtemp(prefix="backprop-lab-screenshot-"))
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, runs_folder=folder / "runs")
    window.resize(1366, 768)
    window.show()
    lab = RunConfig(epochs=args.epochs)
    if args.sweep:
        driver = Driver(window, [], out, reset=False)
        window.form.set_config(lab.with_changes(batch_size=16))
        window.runs.sweep_panel.set_sweep("learning_rate", "0.001, 0.01, 0.1, 1, 10")
        window.runs.sweep_finished.connect(driver.on_sweep_finished)
        QTimer.singleShot(300, window.runs.start_sweep)
    else:
        driver = Driver(window, [lab, lab.with_changes(init="zeros")], out, not args.keep_live)
        window.training_finished.connect(driver.on_finished)
        QTimer.singleShot(300, driver.next_run)
    app.exec()  # quits when the driver closes the window
    return 0 if driver.done else 1


if __name__ == "__main__":
    sys.exit(main())
