"""Every tab of the main window fits a laptop screen with the Runs dock shown.

At 1366x768 and 1280x720 (and at 1366x768 logical on a screen of device pixel ratio 2, and
maximised on 1920x1080, both in a subprocess), for every tab of ``window.tabs`` and every page
of a tab widget inside a tab (the "Would you have done better?" game), each named widget of the
layout contract that is on screen must be shown whole (its visible region, with its children's,
is its whole rectangle: no parent, scroll area or sibling hides part of it), no two of them may
overlap, and no scroll area of the tab may show a horizontal scroll bar. The window must really
take the size asked for (a tab whose minimum size is too large would make it grow instead).

Run as a script, this module prints the problems it finds as JSON (for the subprocesses)::

    python tests/gui/test_layout.py 1366x768 [--maximized]
"""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path

if __name__ == "__main__":  # the subprocess: headless, with throwaway settings and data folders
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    THROWAWAY = tempfile.mkdtemp(prefix="backprop-lab-layout-")  # removed when the check ends
    atexit.register(shutil.rmtree, THROWAWAY, ignore_errors=True)
    os.environ["XDG_CONFIG_HOME"] = os.path.join(THROWAWAY, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(THROWAWAY, "data")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest  # noqa: E402
from PySide6 import QtGui  # noqa: E402
from PySide6.QtCore import QPoint, QRect, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QRegion  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QListWidget,
    QScrollArea,
    QTabWidget,
    QWidget,
)

from engine import fit  # noqa: E402
from gui.draw.mouse_drawing import draw_digit  # noqa: E402
from gui.widgets.captions import Caption  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = (
    "drawCanvas", "clearCanvasButton", "predictionLabel", "probabilityBars", "drawStagesView",
    "testSampleInput", "worstErrorsView", "confusionMatrixView", "errorDetailView", "saliencyView",
    "guessImage", "guessInput", "runsTable", "lossPlot", "accuracyPlot", "gradientNormPlot",
    "weightsView", "keepDigitRow", "myDigitsView", "myDigitsAccuracyLabel", "myDigitsConfusionView",
    "includeMyDigitsCheck", "errorsSourceChoice",
)  # fmt: skip
# What each known page must show (tabs added later are checked for what they show).
EXPECTED = {
    "Training": {"lossPlot", "accuracyPlot", "gradientNormPlot", "weightsView"},
    "Draw": {"drawCanvas", "clearCanvasButton", "predictionLabel", "probabilityBars",
             "drawStagesView", "testSampleInput", "keepDigitRow"},
    "My digits": {"myDigitsView", "myDigitsAccuracyLabel", "myDigitsConfusionView",
                  "includeMyDigitsCheck"},
    "Worst errors": {"worstErrorsView", "confusionMatrixView", "errorDetailView",
                     "saliencyView", "probabilityBars", "errorsSourceChoice"},
    "Would you have done better?": {"guessImage", "guessInput"},
}  # fmt: skip
ALWAYS = {"runsTable"}  # in the Runs dock, under every tab
RUNS_DOCK_HEIGHT = 190
SIZES = [(1366, 768), (1280, 720)]


# --- the checks -----------------------------------------------------------------------------


def unobscured(widget: QWidget) -> QRegion:
    """The part of ``widget`` on screen: its visible region and its visible children's (a
    scroll area's viewport covers the area itself), within its rectangle."""
    region = QRegion(widget.visibleRegion())
    for child in widget.findChildren(QWidget):
        if child.isVisible() and not child.isWindow():
            offset = child.mapTo(widget, QPoint(0, 0))
            region = region.united(child.visibleRegion().translated(offset))
    return region.intersected(QRegion(widget.rect()))


def in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def clipped(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget``'s rectangle (in ``window``) inside all its parents."""
    rect = in_window(widget, window)
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(in_window(parent, window))
        parent = parent.parentWidget()
    return rect


def describe(widget: QWidget) -> str:
    """Class, object name and the start of its text, to find a widget from a failure."""
    text = getattr(widget, "text", lambda: "")()
    if isinstance(text, str) and text:
        words = re.sub(r"<[^>]*>", " ", text).split()
        text = f" {' '.join(words)[:40]!r}"
    else:
        text = ""
    name = f" {widget.objectName()}" if widget.objectName() else ""
    return f"{type(widget).__name__}{name}{text}"


def in_vertical_scrolling(widget: QWidget) -> bool:
    """Whether ``widget`` lies in a scroll area that scrolls vertically (it may be scrolled out
    of sight, above or below, by design)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea) and parent.verticalScrollBar().isVisible():
            return True
        parent = parent.parentWidget()
    return False


def text_fits(label: QLabel) -> bool:
    """Whether a label's whole text is drawn: a ``Caption`` did not elide it, a plain one-line
    label is wide and high enough for its lines (wrapped and rich text are not measured)."""
    if isinstance(label, Caption):
        return QLabel.text(label) == label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text())
    )
    if label.wordWrap() or rich:
        return True
    lines = label.text().split("\n")
    metrics, room = label.fontMetrics(), label.contentsRect()
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    return widest <= room.width() and len(lines) * metrics.height() <= room.height()


def shown_contract_widgets(window: QWidget) -> list[tuple[str, QWidget]]:
    return [
        (name, widget)
        for name in CONTRACT
        for widget in window.findChildren(QWidget, name)
        if widget.isVisible()
    ]


def page_problems(window, page: str) -> list[str]:
    """What is wrong with the page shown now, each problem as one line naming the page."""
    tab = window.tabs.currentWidget()
    return [
        f"{page}: {problem}"
        for problem in contract_problems(window, page) + label_problems(window, tab)
        + scroll_problems(tab)
    ]  # fmt: skip


def contract_problems(window, page: str) -> list[str]:
    """The named widgets: each one the page should show is shown, whole, overlapping none."""
    shown = shown_contract_widgets(window)
    missing = (EXPECTED.get(page, set()) | ALWAYS) - {name for name, _ in shown}
    problems = [f"{name} is not shown" for name in sorted(missing)]
    for name, widget in shown:
        region = unobscured(widget)
        if region != QRegion(widget.rect()):
            seen = region.boundingRect()
            problems.append(
                f"{name} is not shown whole: {seen.width()}x{seen.height()} of "
                f"{widget.width()}x{widget.height()} visible"
            )
    for (name_a, a), (name_b, b) in combinations(shown, 2):
        if a.isAncestorOf(b) or b.isAncestorOf(a):
            continue
        overlap = in_window(a, window).intersected(in_window(b, window))
        if not overlap.isEmpty():
            problems.append(f"{name_a} and {name_b} overlap ({overlap.getRect()})")
    return problems


def label_problems(window, tab: QWidget) -> list[str]:
    """Every label with text on the tab: shown whole (or scrolled, in a vertical scroll area),
    its text not cut short, and drawn over no other widget (only the parts of each that their
    parents do not clip count: a label scrolled under a viewport's edge overlaps nothing)."""
    labels = [w for w in tab.findChildren(QLabel) if w.isVisible() and w.text()]
    others = [w for w in tab.findChildren(QWidget) if w.isVisible() and not w.isWindow()]
    problems = []
    for label in labels:
        seen = unobscured(label).boundingRect()
        if seen.width() < label.width() or (
            seen.height() < label.height() and not in_vertical_scrolling(label)
        ):
            problems.append(f"{describe(label)} is not shown whole")
        elif not text_fits(label):
            problems.append(f"{describe(label)} is cut short")
        area = clipped(label, window)
        under = [
            other
            for other in others
            if not (other.isAncestorOf(label) or label.isAncestorOf(other))  # or is the label
            and area.intersects(clipped(other, window))
        ]
        outermost = [w for w in under if not any(o is not w and o.isAncestorOf(w) for o in under)]
        problems += [f"{describe(label)} overlaps {describe(w)}" for w in outermost]
    return problems


def scroll_problems(tab: QWidget) -> list[str]:
    problems = []
    for area in [tab, *tab.findChildren(QAbstractScrollArea)]:
        scrolls = isinstance(area, QAbstractScrollArea) and area.isVisible()
        if scrolls and area.horizontalScrollBar().isVisible():
            name = area.objectName() or type(area).__name__
            problems.append(f"{name} shows a horizontal scroll bar")
    return problems


def settle(window) -> None:
    """Let the layouts finish: process events until no contract widget moves any more."""
    before = None
    for _ in range(20):
        QApplication.processEvents()
        now = [(name, in_window(w, window).getRect()) for name, w in shown_contract_widgets(window)]
        if now == before:
            return
        before = now


def fill_page(window, page: str) -> list[str]:
    """Put the page in its most demanding states (longest captions); check each."""
    problems = []
    if page == "Draw":
        canvas = window.findChild(QWidget, "drawCanvas")
        draw_digit(canvas, 3)
        settle(window)
        problems += page_problems(window, "Draw, a digit drawn")
        window.draw_panel.show_test_sample(42)
    elif page == "My digits":  # a few kept drawings, the longest accuracy text
        for digit in (3, 7, 1):
            draw_digit(window.findChild(QWidget, "drawCanvas"), digit)
            window.draw_panel.keep(digit)
        window.session.set_train_on_my_digits(True)
    elif page == "Worst errors":
        window.findChild(QListWidget, "worstErrorsView").setCurrentRow(0)
    elif page == "Would you have done better?":
        settle(window)
        problems += page_problems(window, page)
        guess = window.findChild(QWidget, "guessInput")
        QTest.keyClicks(guess, "8")
        QTest.keyClick(guess, Qt.Key.Key_Return)
        page = f"{page} (after a guess)"
    settle(window)
    return problems + page_problems(window, page)


def window_problems(window, size: tuple[int, int] | None) -> list[str]:
    """Resize (or keep a maximised window), show the Runs dock ~190 px high, and check every
    page of every tab."""
    if size is not None:
        window.resize(*size)
    window.show()
    window.runs_dock.show()
    window.resizeDocks([window.runs_dock], [RUNS_DOCK_HEIGHT], Qt.Orientation.Vertical)
    settle(window)
    problems = []
    if size is not None and window.size().toTuple() != size:
        minimum = window.minimumSizeHint().toTuple()
        problems.append(f"the window is {window.size().toTuple()}, not {size} (min {minimum})")
    if window.runs_dock.height() < RUNS_DOCK_HEIGHT - 10:
        problems.append(f"the Runs dock is only {window.runs_dock.height()} px high")
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.tabText(index)
        settle(window)
        problems += fill_page(window, page)
        for inner in window.tabs.widget(index).findChildren(QTabWidget):
            for sub in range(1, inner.count()):  # page 0 was checked with the tab
                inner.setCurrentIndex(sub)
                problems += fill_page(window, inner.tabText(sub))
            inner.setCurrentIndex(0)
    return problems


def trained_session(data):
    from gui.session import Session

    session = Session(data)
    fit(session.model, data.X_train, data.y_train, epochs=3, learning_rate=0.1, batch_size=16)
    return session


# --- in-process tests -----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_tab_fits_a_laptop_screen_with_the_runs_dock(
    qtbot, digits, settings, runs_folder, size
):
    from gui import MainWindow

    window = MainWindow(trained_session(digits), settings, runs_folder=runs_folder)
    qtbot.addWidget(window)
    problems = window_problems(window, size)
    assert problems == [], "\n".join(problems)


def test_the_layout_check_sees_clipping_and_overlap(qtbot):
    """The checks themselves: a widget pushed half out of its parent is not shown whole, two
    siblings placed over each other overlap, and so does a label placed over them."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(200, 100)
    inside, half_out = QWidget(parent), QWidget(parent)
    half_out.setAutoFillBackground(True)  # opaque: it hides what lies under it
    inside.setGeometry(0, 0, 120, 100)
    half_out.setGeometry(100, 0, 200, 50)
    parent.show()
    qtbot.waitExposed(parent)
    assert unobscured(inside) != QRegion(inside.rect())  # half_out lies over it
    assert unobscured(half_out).boundingRect().width() == 100
    assert in_window(inside, parent).intersects(in_window(half_out, parent))
    caption = QLabel("a caption drawn over an image", parent)
    caption.setGeometry(0, 40, 60, 20)  # too narrow for its text
    caption.show()
    problems = label_problems(parent, parent)
    assert any(p.startswith("QLabel 'a caption drawn over an image' overlaps") for p in problems)
    assert any("is cut short" in p for p in problems)


# --- subprocesses: a high-DPI screen, a maximised full-HD window ---------------------------


def run_script(args: list[str], extra_env: dict[str, str]) -> dict:
    env = {**os.environ, **extra_env, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def screen_config(tmp_path, width: int, height: int) -> str:
    """The offscreen platform with one screen of this many physical pixels."""
    path = tmp_path / "screen.json"
    screen = {"name": "screen", "x": 0, "y": 0, "width": width, "height": height}
    path.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={path}"


def test_high_dpi_screen_at_1366x768_logical(tmp_path):
    platform = screen_config(tmp_path, 2732, 1536)
    report = run_script(["1366x768"], {"QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": platform})
    assert report["device_pixel_ratio"] == 2
    assert report["problems"] == [], "\n".join(report["problems"])


def test_maximised_on_a_1920x1080_screen(tmp_path):
    platform = screen_config(tmp_path, 1920, 1080)
    report = run_script(["maximized"], {"QT_QPA_PLATFORM": platform})
    width, height = report["size"]
    assert width > 1800 and height > 1000  # it really filled the screen
    assert report["problems"] == [], "\n".join(report["problems"])


def main(argument: str) -> None:
    from engine import load_lab_split
    from gui.app import make_application

    make_application("layout-check")
    from gui import MainWindow

    folder = Path(os.environ["XDG_DATA_HOME"]) / "window"
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(trained_session(load_lab_split()), settings, runs_folder=folder / "runs")
    if argument == "maximized":
        window.showMaximized()
        size = None
    else:
        size = tuple(int(n) for n in argument.split("x"))
    problems = window_problems(window, size)
    report = {
        "size": window.size().toTuple(),
        "device_pixel_ratio": window.devicePixelRatio(),
        "problems": problems,
    }
    window.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
