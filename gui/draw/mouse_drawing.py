"""Drawing on a widget with real mouse events: press, moves with the button held, release.

Used by the self-test and the tests. ``QTest.mouseMove`` carries no button state, so the events
are built explicitly and sent with ``QApplication.sendEvent``.
"""

import math

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

# Strokes as fractions of the widget (x to the right, y down).
_THREE = [(0.28, 0.2), (0.5, 0.1), (0.72, 0.2), (0.7, 0.38), (0.48, 0.5)] + [
    (0.72, 0.62), (0.72, 0.8), (0.5, 0.9), (0.28, 0.8),
]  # fmt: skip
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5 + 0.28 * math.sin(t / 6), 0.5 - 0.38 * math.cos(t / 6)) for t in range(39)]],
    1: [[(0.5, 0.12), (0.5, 0.88)]],
    3: [_THREE],
    4: [[(0.55, 0.12), (0.25, 0.62), (0.78, 0.62)], [(0.62, 0.35), (0.62, 0.9)]],
    7: [[(0.25, 0.15), (0.75, 0.15), (0.62, 0.45), (0.45, 0.88)]],
}


def send_mouse(widget: QWidget, kind: QEvent.Type, point: QPointF, button, buttons) -> None:
    """Send one mouse event with an explicit button state to ``widget``."""
    global_point = QPointF(widget.mapToGlobal(point.toPoint()))
    event = QMouseEvent(kind, point, global_point, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, points: list[tuple[float, float]], steps: int = 4) -> int:
    """Press, move along ``points`` (fractions of the widget), release; returns the moves sent."""
    pixels = [QPointF(x * widget.width(), y * widget.height()) for x, y in points]
    send_mouse(widget, QEvent.Type.MouseButtonPress, pixels[0], LEFT, LEFT)
    moves = 0
    for a, b in zip(pixels[:-1], pixels[1:], strict=True):
        for k in range(1, steps + 1):
            send_mouse(widget, QEvent.Type.MouseMove, a + (b - a) * (k / steps), NONE, LEFT)
            moves += 1
    send_mouse(widget, QEvent.Type.MouseButtonRelease, pixels[-1], LEFT, NONE)
    return moves


def draw_digit(widget: QWidget, digit: int) -> None:
    """Draw one of the digits of ``STROKES`` on ``widget``."""
    for stroke in STROKES[digit]:
        drag(widget, stroke)
