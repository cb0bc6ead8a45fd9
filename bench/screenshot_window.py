"""Take docs/screenshots/main-window.png: the main window at 1366x768 in the middle of a run.

    QT_QPA_PLATFORM=offscreen python bench/screenshot_window.py [--preset NAME] [--at 0.6]

Uses a throwaway settings file, so the user's settings are neither read nor changed.
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

from gui.app import make_application  # noqa: E402


class Grabber(QObject):
    """Grabs the window once the run has done a given fraction of its updates."""

    def __init__(self, window, fraction: float, path: Path) -> None:
        super().__init__()
        self.window, self.fraction, self.path, self.done = window, fraction, path, False

    def on_progress(self) -> None:  # the window has just drawn a batch
        bar = self.window.controls.progress_bar
        if not self.done and bar.value() >= self.fraction * bar.maximum():
            self.done = True
            self.window.grab().save(str(self.path))
            print(f"saved {self.path} at {bar.format()!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="Lab: 10 sigmoid units")
    parser.add_argument("--at", type=float, default=0.6, help="fraction of the run (0-1)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/main-window.png")
    args = parser.parse_args()
    app = make_application([], "screenshot")
    from gui import MainWindow

    folder = Path(tempfile.mkdtemp())
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, runs_folder=folder / "runs")
    window.resize(1366, 768)
    window.show()
    window.apply_preset(args.preset)
    window.form.epochs_input.setValue(args.epochs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grabber = Grabber(window, args.at, args.out)
    window.training_finished.connect(app.quit)
    window.progress_drawn.connect(grabber.on_progress)
    QTimer.singleShot(300, window.start_training)
    app.exec()
    window.close()
    return 0 if grabber.done else 1


if __name__ == "__main__":
    sys.exit(main())
