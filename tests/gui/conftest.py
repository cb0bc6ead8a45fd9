"""GUI test fixtures: headless Qt, throwaway settings, and a guard against leaked QThreads."""

import atexit
import os
import re
import shutil
import tempfile

# Before anything imports Qt: draw offscreen, and point the default QSettings location at a
# throwaway folder, so that a test that forgets its own settings cannot touch the user's.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Likewise the user's data folder, where the window keeps its runs by default. Both go with the
# test process.
_THROWAWAY = tempfile.mkdtemp(prefix="backprop-lab-test-")
atexit.register(shutil.rmtree, _THROWAWAY, ignore_errors=True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(_THROWAWAY, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_THROWAWAY, "data")

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import QSettings, QThread  # noqa: E402

from engine import load_lab_split  # noqa: E402
from gui.app import OFFSCREEN_NOISE  # noqa: E402
from tests.gui.trained_models import train_briefly  # noqa: E402


def pytest_collection_modifyitems(items):
    """The offscreen platform warns whenever a top-level window's size hints change; it is no
    fault of ours, and every other Qt warning still fails the test (qt_log_level_fail)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_ignore(re.escape(OFFSCREEN_NOISE)))


@pytest.fixture(autouse=True)
def no_dangling_qthreads(monkeypatch, qtbot):
    """Fail a test that leaves a QThread running (napari's ``dangling_qthreads`` idea)."""
    started: list[QThread] = []
    original_start = QThread.start

    def recording_start(self, *args, **kwargs):
        started.append(self)
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = [t for t in started if shiboken6.isValid(t) and t.isRunning()]
    for thread in running:  # do not let one leak take the next tests down with it
        thread.quit()
        thread.wait(2000)
    assert not running, f"{len(running)} QThread(s) still running after the test"


@pytest.fixture(scope="session")
def lab_data():
    return load_lab_split()


@pytest.fixture
def settings(tmp_path):
    """A QSettings on a temporary ini file (never the user's)."""
    return QSettings(str(tmp_path / "backprop-lab.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def runs_folder(tmp_path):
    """Where the test's windows keep their runs (a fresh folder per test)."""
    return tmp_path / "runs"


@pytest.fixture
def stored_run(lab_data):
    """Make a ``Run`` trained by the engine alone (no window), as a window would store it."""
    from engine import Run, RunConfig, fit

    def make(config: RunConfig):
        model = config.build_model(lab_data.n_features, 10)
        history = fit(
            model,
            lab_data.X_train,
            lab_data.y_train,
            lab_data.X_test,
            lab_data.y_test,
            epochs=config.epochs,
            learning_rate=config.learning_rate,
            batch_size=config.batch_size,
            seed=config.seed,
        )
        return Run.create(config, model, history, scaler=lab_data.scaler)

    return make


@pytest.fixture
def make_window(qtbot, lab_data, settings, runs_folder):
    """Build MainWindow(session, settings) registered with qtbot (closed at teardown); its runs
    are kept in ``runs_folder``."""
    from gui import MainWindow
    from gui.session import Session

    def make(window_settings: QSettings | None = None):
        window = MainWindow(Session(lab_data), window_settings or settings, runs_folder=runs_folder)
        qtbot.addWidget(window)
        return window

    return make


@pytest.fixture(scope="module")
def trained_model(digits):
    """A good network (10 epochs, batch 4: about 97 % right on the test set); a test module
    overrides this fixture when it wants a weaker one (more errors to browse)."""
    return train_briefly(digits, epochs=10, batch_size=4)


@pytest.fixture
def session(digits, trained_model):
    """A fresh ``Session`` holding a copy of ``trained_model``."""
    from gui.session import Session

    session = Session(digits)
    session.replace_model(trained_model.copy())
    return session
