"""Colours and plot styles, defined once: the run colours (Okabe-Ito, readable on light and dark
backgrounds and by colour-blind readers), the error red, and pyqtgraph's global options, which
follow the application's light or dark palette."""

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
PURPLE, SKY, YELLOW, GREY = "#CC79A7", "#56B4E9", "#B8860B", "#7F7F7F"
LIVE_COLOUR = BLUE  # the current model's runs
RUN_COLOURS = (ORANGE, PURPLE, GREEN, SKY, VERMILION, YELLOW, "#8C564B", "#44AA99")  # overlays
ERROR_RED = "#c0392b"
NOTICE_STYLE = (
    "QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c6cb; "
    "border-radius: 4px; padding: 6px; }"
)
INFO_STYLE = (
    "QLabel { background: palette(alternate-base); border: 1px solid palette(mid); "
    "border-radius: 4px; padding: 6px; }"
)
TRAIN_STYLE, TEST_STYLE = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine  # one style per split
MINE_STYLE = Qt.PenStyle.DotLine  # the user's own drawings


def scheme_colours() -> tuple[QColor, QColor]:
    """Background and foreground for plots, from the application's palette (light or dark)."""
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options; call once before creating any plot (idempotent)."""
    background, foreground = scheme_colours()
    pg.setConfigOptions(
        imageAxisOrder="row-major", background=background, foreground=foreground, antialias=False
    )


def pen(colour: str | QColor, alpha: int = 255, style: Qt.PenStyle = TRAIN_STYLE) -> pg.QtGui.QPen:
    """A cosmetic pen of width 1 (wider pens are much slower to draw)."""
    qcolour = QColor(colour)
    qcolour.setAlpha(alpha)
    return pg.mkPen(qcolour, width=1, style=style)


def blend(colour: str, background: QColor, weight: float) -> QColor:
    """``colour`` mixed with ``background``: ``weight`` of the colour, the rest background."""
    c = QColor(colour)
    mix = [
        round(weight * a + (1 - weight) * b)
        for a, b in zip(c.getRgb()[:3], background.getRgb()[:3], strict=True)
    ]
    return QColor(*mix)


def swatch(colour: str, style: Qt.PenStyle = TRAIN_STYLE) -> str:
    """A short line in HTML for legends drawn outside the plots: ━━ solid, ╍╍ dashed."""
    mark = {TRAIN_STYLE: "━━", TEST_STYLE: "╍╍"}.get(style, "┈┈")
    return f"<span style='color:{colour}; font-weight:bold'>{mark}</span>"
