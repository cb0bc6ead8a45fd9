"""Take README's screenshots from the real main window at 1366x768, with the Runs dock shown.

    python docs/make_screenshots.py [--out FOLDER] [--size 1366x768]

Builds the window offscreen with a throwaway settings file, runs folder and user folders (the
user's settings and runs are neither read nor changed), trains the runs the pictures need, and
writes into ``docs/screenshots/``:

- ``main-window.png``: the lab's run (10 sigmoid units) at 60 % of its updates;
- ``draw.png``: a 3 drawn on the canvas, its stages and the prediction;
- ``worst-errors.png``: the worst test error selected, its saliency and nearest images;
- ``quiz.png``: "Would you have done better?" after a few guesses;
- ``framework-check.png``: the same run trained by scikit-learn, side by side;
- ``lab-questions.png``: the lab's questions answered for the lab's run;
- ``runs-overlay.png``: uniform vs zero initialization, two stored runs over the plots;
- ``sweep.png``: a learning-rate sweep (batch 16);
- ``backprop-step.png``: the Backprop tab after two steps of the lab's run, backward, with a
  gradient check;
- ``layers-deep-sigmoid.png``: the Layers tab after the deep sigmoid preset (vanishing
  gradients);
- ``my-digits.png``: the My digits tab with a few kept drawings, after a run.

Nothing waits on a clock: each step waits for the signal that ends what it started.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPORARY = Path(tempfile.mkdtemp(prefix="backprop-lab-screenshots-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = str(TEMPORARY / "config")
os.environ["XDG_DATA_HOME"] = str(TEMPORARY / "data")
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from engine.training.presets import LAB_RUN, PRESETS  # noqa: E402
from gui.app import make_application  # noqa: E402
from gui.draw.mouse_drawing import draw_digit  # noqa: E402
from gui.self_test import wait_for  # noqa: E402

LAB_PRESET = next(name for name, p in PRESETS.items() if p.config == LAB_RUN)
RUNS_DOCK_HEIGHT = 190
TRAIN_SECONDS = 300


def settle() -> None:
    """Let posted layout and paint requests run (a few rounds: some layouts adjust twice)."""
    for _ in range(5):
        QApplication.processEvents()


class Screenshots:
    """Drives one window through the scenes and saves a picture of each."""

    def __init__(self, window, out: Path) -> None:
        self.window, self.out = window, out
        self.saved: list[Path] = []

    def save(self, name: str, tab: QWidget | None = None) -> None:
        if tab is not None:
            self.window.tabs.setCurrentWidget(tab)
        settle()
        path = self.out / name
        self.window.grab().save(str(path))
        self.saved.append(path)
        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def train(self, *, fresh: bool, on_progress=None) -> None:
        window = self.window
        if on_progress is not None:
            window.controller.progress.connect(on_progress)
        started = window.experiment.train(fresh=fresh)
        if not started:
            raise RuntimeError("the run did not start")
        (run,) = wait_for(window.controller.run_finished, TRAIN_SECONDS)
        if on_progress is not None:
            window.controller.progress.disconnect(on_progress)
        print(f"trained {run.config.describe()}: {run.history.end.status}")

    def main_window(self) -> None:
        """The lab's run, caught at 60 % of its updates."""
        window = self.window
        window.tabs.setCurrentWidget(window.training_view)
        window.apply_preset(LAB_PRESET)
        taken = []

        def grab_once(frame) -> None:
            if not taken and frame.updates_done >= 0.6 * frame.total_updates:
                taken.append(frame)
                self.save("main-window.png")

        self.train(fresh=True, on_progress=grab_once)
        if not taken:
            self.save("main-window.png")  # a run too quick to be caught half-way

    def draw(self) -> None:
        panel = self.window.draw_panel
        self.window.tabs.setCurrentWidget(panel)
        settle()
        draw_digit(self.window.findChild(QWidget, "drawCanvas"), 3)
        self.save("draw.png")

    def worst_errors(self) -> None:
        panel = self.window.errors_panel
        self.window.tabs.setCurrentWidget(panel)
        panel.tabs.setCurrentIndex(0)
        settle()
        panel.browser.setCurrentRow(0)
        self.save("worst-errors.png")

    def quiz(self) -> None:
        """Three rounds answered and a fourth just guessed (a good student: the true labels)."""
        panel = self.window.errors_panel
        game = panel.game
        panel.tabs.setCurrentWidget(game)
        game.restart()
        labels = self.window.session.data.y_test
        for round_ in range(4):
            game.guess_input.setText(str(labels[game.current_sample]))
            game.submit()
            if round_ < 3:
                game.next_round()
        self.save("quiz.png", panel)
        panel.tabs.setCurrentIndex(0)

    def framework_check(self) -> None:
        view = self.window.framework_view
        self.window.tabs.setCurrentWidget(view)
        if not view.start():
            raise RuntimeError("the framework check did not start")
        wait_for(view.check_finished, TRAIN_SECONDS)
        self.save("framework-check.png")

    def lab_questions(self) -> None:
        view = self.window.lab_questions_view
        tab = next(
            self.window.tabs.widget(i)
            for i in range(self.window.tabs.count())
            if self.window.tabs.widget(i).isAncestorOf(view)
        )
        self.save("lab-questions.png", tab)

    def runs_overlay(self) -> None:
        """The lab's run (uniform init) and the same with zero init, drawn from the store."""
        window = self.window
        window.tabs.setCurrentWidget(window.training_view)
        window.form.set_config(LAB_RUN.with_changes(init="zeros"))
        self.train(fresh=True)
        window.experiment.reset()  # only the stored runs on the plots
        window.training_view.hide_explanation()
        panel = window.library.panel
        panel.select_runs(panel.model.runs)
        self.save("runs-overlay.png")

    def backprop_step(self) -> None:
        """Two steps of the lab's run from a fresh network, shown backward, gradients checked."""
        window = self.window
        view = window.backprop_view
        window.apply_preset(LAB_PRESET)
        window.tabs.setCurrentWidget(view)
        for _ in range(2):
            window.experiment.step()
            wait_for(window.controller.step_done, TRAIN_SECONDS)
        view.backward_button.click()
        view.gradient_check.button.click()
        wait_for(view.gradient_check.finished, TRAIN_SECONDS)
        self.save("backprop-step.png")
        window.controller.stop()
        wait_for(window.controller.run_finished, TRAIN_SECONDS)

    def layers(self) -> None:
        window = self.window
        window.apply_preset("Deep sigmoid net (vanishing gradients)")
        window.tabs.setCurrentWidget(window.layer_health_view)
        self.train(fresh=True)
        self.save("layers-deep-sigmoid.png")

    def my_digits(self) -> None:
        """Drawings of a few digits kept with their labels, then the lab's run."""
        window = self.window
        canvas = window.findChild(QWidget, "drawCanvas")
        window.tabs.setCurrentWidget(window.draw_panel)
        settle()
        for digit in (0, 1, 3, 4, 7, 7, 1, 3):
            draw_digit(canvas, digit)
            window.my_digits.keep(canvas.bitmap(), digit)
            canvas.clear()
        window.apply_preset(LAB_PRESET)
        self.train(fresh=True)
        self.save("my-digits.png", window.my_digits_panel)

    def sweep(self) -> None:
        window = self.window
        window.library.panel.table.clearSelection()  # no stored runs over the plots
        window.form.set_config(LAB_RUN.with_changes(batch_size=16))
        window.sweep_panel.set_sweep("learning_rate", "0.001, 0.01, 0.1, 1, 10")
        window.tabs.setCurrentWidget(window.sweep_panel)
        if not window.sweeps.start():
            raise RuntimeError("the sweep did not start")
        wait_for(window.sweeps.finished, TRAIN_SECONDS)
        self.save("sweep.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1366x768", help="the window's size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    make_application("screenshots")
    from gui.main_window import MainWindow

    settings = QSettings(str(TEMPORARY / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, runs_folder=TEMPORARY / "runs")
    window.resize(width, height)
    window.show()
    window.resizeDocks([window.runs_dock], [RUNS_DOCK_HEIGHT], Qt.Orientation.Vertical)
    settle()
    shots = Screenshots(window, args.out)
    try:
        for scene in (shots.main_window, shots.draw, shots.worst_errors, shots.quiz,
                      shots.framework_check, shots.lab_questions, shots.runs_overlay,
                      shots.sweep, shots.backprop_step, shots.layers, shots.my_digits):  # fmt: skip
            scene()
    finally:
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
