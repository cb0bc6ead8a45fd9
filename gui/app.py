"""The application: ``run_app`` creates the QApplication and the main window and runs them."""

import os
import sys
import time

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

APP_NAME = "Backprop Lab"
ORGANIZATION = "Backprop Lab"  # with APP_NAME, where QSettings keeps the user's settings


# Said by the offscreen platform (tests, --self-test, CI) on every show(); it means nothing there.
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def _message_handler(kind: QtMsgType, context, message: str) -> None:
    if message != OFFSCREEN_NOISE:
        print(message, file=sys.stderr)


# What Qt's xcb platform (Linux, X11) needs beyond a minimal Debian or Ubuntu; without
# libxcb-cursor0, Qt 6.5+ aborts at start.
LINUX_LIBRARIES = (
    "libgl1 libegl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libxcb-cursor0 "
    "libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 "
    "libxcb-image0 libxcb-xkb1 libxcb-xinerama0"
)


def missing_linux_libraries() -> list[str]:
    """The X11 libraries Qt needs that this Linux lacks (empty elsewhere, or offscreen)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return []
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return []
    from ctypes.util import find_library

    return [name for name in ("xcb-cursor", "xkbcommon-x11") if find_library(name) is None]


def make_application(version: str) -> QApplication:
    from gui.main_window import ICON_PATH

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(version)
    app.setWindowIcon(QIcon(str(ICON_PATH)))
    if app.platformName() == "offscreen":
        qInstallMessageHandler(_message_handler)
    return app


def run_app(*, self_test: bool = False, quit_after_startup: bool = False, version: str) -> int:
    """Run Backprop Lab; returns the process exit code.

    ``quit_after_startup`` builds and shows the window with its data ready, lets it paint, and
    exits with 0 (start-up benchmarks and smoke tests).
    """
    started = time.perf_counter()
    missing = missing_linux_libraries()
    if missing:
        print(
            f"Backprop Lab needs system libraries that are missing: {', '.join(missing)}.\n"
            f"On Debian or Ubuntu: sudo apt-get install {LINUX_LIBRARIES}",
            file=sys.stderr,
        )
        return 1
    if self_test and sys.platform.startswith("linux"):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display: run offscreen
    app = make_application(version)
    from gui.main_window import MainWindow

    if self_test:
        from gui.self_test import run_self_test

        return run_self_test()
    window = MainWindow()
    window.show()
    if quit_after_startup:
        app.processEvents()
        QTimer.singleShot(0, app.quit)
        app.exec()
        seconds = time.perf_counter() - started
        listed, unread = len(window.library.model.runs), len(window.library.problems)
        print(
            f"startup ok: window shown with data ready in {seconds:.2f} s; {listed} stored "
            f"runs listed, {unread} could not be read; "
            f"{len(window.startup_problems)} settings or data problems",
            file=sys.stderr,
        )
        return 0  # without close(): a smoke run leaves the user's saved settings alone
    return app.exec()
