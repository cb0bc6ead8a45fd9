"""``--self-test``: a smoke test of the whole app that the installed or bundled program runs.

It builds the main window, trains a short run in the worker thread, draws a digit on the canvas
with mouse events and checks that a prediction appears, saves and reopens a model in a
temporary folder, and closes the window. It prints ``self-test ok`` and returns 0, or says which
step failed and why and returns 1. It never touches the user's settings or files.
"""

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from engine import RunConfig, load_model_file
from gui.draw.mouse_drawing import draw_digit

RUN = RunConfig(
    hidden_sizes=(16,), activation="tanh", init="glorot", epochs=3, batch_size=16, learning_rate=0.1
)
MIN_TEST_ACCURACY = 0.85
TRAIN_TIMEOUT = 30.0


class SelfTestFailure(Exception):
    """A step of the self-test did not do what it should; the message says what."""


def wait_for(signal: SignalInstance, seconds: float) -> tuple:
    """Run the event loop until ``signal`` fires (returns its arguments) or time runs out.

    Not ``QSignalSpy.wait``: PySide keeps the GIL while it waits, so the training job's Python
    thread never runs and the signal never comes (measured on PySide6 6.11); ``QEventLoop.exec``
    lets it go."""
    loop, received = QEventLoop(), []

    def on_signal(*args) -> None:
        received.append(args)
        loop.quit()

    signal.connect(on_signal)
    timer = QTimer(singleShot=True, interval=int(seconds * 1000))
    timer.timeout.connect(loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    signal.disconnect(on_signal)
    if not received:
        raise SelfTestFailure(f"timed out after {seconds:.0f} s")
    return received[0]


def check_training(window) -> str:
    window.form.set_config(RUN)
    if not window.controls.scratch_button.isEnabled():
        raise SelfTestFailure("Train from scratch is disabled for a valid configuration")
    window.controls.scratch_button.click()
    if not window.controller.is_running:
        raise SelfTestFailure("Train did not start a run")
    (run,) = wait_for(window.controller.run_finished, TRAIN_TIMEOUT)
    end = run.history.end
    if end.status != "completed":
        raise SelfTestFailure(f"the run ended as {end.status}: {end.reason}")
    if window.controller.is_running:
        raise SelfTestFailure("the training job is still referenced after the run")
    data = window.session.data
    accuracy = window.current_model().accuracy(data.X_test, data.y_test)
    if accuracy < MIN_TEST_ACCURACY:
        raise SelfTestFailure(
            f"test accuracy {accuracy:.3f} after training, expected at least {MIN_TEST_ACCURACY}"
        )
    return f"{end.updates} updates, test accuracy {accuracy:.3f}"


def check_drawing(window) -> str:
    canvas = window.findChild(QWidget, "drawCanvas")
    label = window.findChild(QLabel, "predictionLabel")
    if canvas is None or label is None:
        raise SelfTestFailure("the draw canvas or the prediction label is missing")
    window.tabs.setCurrentWidget(window.draw_panel)
    QApplication.processEvents()
    canvas.clear()
    if label.text().strip():
        raise SelfTestFailure(f"an empty canvas shows a prediction ({label.text()!r})")
    draw_digit(canvas, 0)
    QApplication.processEvents()
    text = label.text().strip()
    if not (len(text) == 1 and text.isdigit()):
        raise SelfTestFailure(f"no digit predicted after drawing (label shows {text!r})")
    return f"drew a 0, the network reads {text}"


def check_save_and_open(window, folder: Path) -> str:
    session = window.session
    path = folder / "model.npz"
    if window.file_actions.save_model_to(path) is None:
        raise SelfTestFailure("File > Save model did not write the file")
    reopened = load_model_file(path)
    X = session.data.X_test
    if not np.array_equal(reopened.model.forward(X), session.model.forward(X)):
        raise SelfTestFailure("the reopened model predicts differently from the saved one")
    if reopened.config != session.config:
        raise SelfTestFailure("the reopened model lost its hyperparameters")
    return f"{path.stat().st_size / 1024:.0f} KiB model file round trip"


def run_self_test(out: TextIO = sys.stdout, make_window: Callable | None = None) -> int:
    """Run every step; print what each did, then ``self-test ok`` (0) or the failure (1)."""
    from gui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="backprop-lab-self-test-") as tmp:
        folder = Path(tmp)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = None
        steps = [
            ("build the main window", None),
            ("train a short run in the worker thread", check_training),
            ("draw a digit and read the prediction", check_drawing),
            ("save and reopen a model", lambda w: check_save_and_open(w, folder)),
        ]
        try:
            for name, step in steps:
                current = name
                if step is None:
                    window = (make_window or MainWindow)(
                        settings=settings, runs_folder=folder / "runs"
                    )
                    window.show()
                    QApplication.processEvents()
                    detail = "shown"
                else:
                    detail = step(window)
                print(f"  ok  {name}: {detail}", file=out)
            current = "close the window"
            window.close()
            if window.controller.is_running:
                raise SelfTestFailure("a worker thread is still running after close")
        except Exception as error:  # noqa: BLE001 - every failure is reported, none escapes
            reason = str(error) if isinstance(error, SelfTestFailure) else traceback.format_exc()
            print(f"self-test FAILED: {current}: {reason}", file=out)
            if window is not None:
                window.close()
            return 1
        print(f"  ok  {current}", file=out)
    print("self-test ok", file=out)
    return 0
