"""A square canvas to draw a digit with the mouse, recorded as a binary bitmap.

Strokes are painted into a fixed ``RESOLUTION`` x ``RESOLUTION`` greyscale image that is
stretched over the whole widget, so the bitmap does not depend on the window's size; the
pipeline (``engine.data.drawing``) crops to the ink anyway. Left button draws, right button or
Escape clears; a digit key asks to keep the drawing with that label (``digit_pressed``).
"""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

RESOLUTION = 256
PEN_WIDTH = 18  # pixels of RESOLUTION: about the dataset's stroke, 2-3 of 32 pixels
PAPER, INK = 255, 0


class DrawCanvas(QWidget):
    """The drawing surface.

    Signals
    -------
    changed : ink was added (every mouse move of a stroke).
    stroke_finished : the left button was released after drawing.
    cleared : the drawing was erased.
    digit_pressed(int) : a digit key (0-9, without Ctrl, Alt or Meta) was pressed.
    """

    changed = Signal()
    stroke_finished = Signal()
    cleared = Signal()
    digit_pressed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setToolTip(
            "Draw a digit with the left mouse button (use the whole box);\n"
            "right-click or press Esc to clear"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image = QImage(RESOLUTION, RESOLUTION, QImage.Format.Format_Grayscale8)
        self._image.fill(PAPER)
        self._pen = QPen(
            QColor(INK, INK, INK), PEN_WIDTH, Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin,
        )  # fmt: skip
        self._last: QPointF | None = None
        self._empty = True

    @property
    def is_empty(self) -> bool:
        return self._empty

    def bitmap(self) -> np.ndarray:
        """The drawing as a bool array ``(RESOLUTION, RESOLUTION)``, ink = True, row-major."""
        stride = self._image.bytesPerLine()
        pixels = np.frombuffer(self._image.constBits(), dtype=np.uint8)
        return pixels.reshape(RESOLUTION, stride)[:, :RESOLUTION] < 128

    def clear(self) -> None:
        self._image.fill(PAPER)
        self._empty, self._last = True, None
        self.update()
        self.cleared.emit()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    # --- events ------------------------------------------------------------------------------

    def _to_image(self, position: QPointF) -> QPointF:
        return QPointF(
            position.x() * RESOLUTION / max(self.width(), 1),
            position.y() * RESOLUTION / max(self.height(), 1),
        )

    def _paint_to(self, point: QPointF) -> None:
        painter = QPainter(self._image)
        painter.setPen(self._pen)
        painter.drawLine(self._last if self._last is not None else point, point)
        painter.end()
        self._last, self._empty = point, False
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self._paint_to(self._to_image(event.position()))
        elif event.button() == Qt.MouseButton.RightButton:
            self.clear()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._paint_to(self._to_image(event.position()))
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._last is not None:
            self._last = None
            self.stroke_finished.emit()
        else:
            super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        # Claim Escape before any window-wide shortcut on it can take it from the canvas.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        digit = int(event.key()) - int(Qt.Key.Key_0)
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
        elif plain and 0 <= digit <= 9:
            self.digit_pressed.emit(digit)
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.rect(), self._image)
        painter.setPen(QPen(QColor(120, 120, 120), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self._empty:
            painter.setPen(QColor(160, 160, 160))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "draw a digit here")
        painter.end()


class SquareBox(QWidget):
    """Holds one widget and keeps it square, as large as fits, centred."""

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        child.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(child.minimumSize())

    def sizeHint(self) -> QSize:
        return self.child.sizeHint()

    def resizeEvent(self, event) -> None:
        side = min(self.width(), self.height())
        self.child.setGeometry(
            QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)
        )
        super().resizeEvent(event)
