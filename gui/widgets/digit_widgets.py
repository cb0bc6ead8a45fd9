"""Digit images, as the draw and worst-errors panels show them (and as thumbnails).

Digit images are row-major ``(rows, cols)`` arrays shown dark-on-white like the lab's
``plt.imshow(..., cmap="gray_r")``: 0 is white and ``levels[1]`` (16 for the 8x8 counts) black.
Every view creates its graphics items once and then only calls ``setImage``/``setOpts``.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from gui.widgets.captions import Caption

# matplotlib's gray_r: 0 white, the top level black (the lab's plt.imshow(..., cmap="gray_r"))
GRAY_R = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 0, 0)]).getLookupTable(nPts=256, alpha=False)
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])


def digit_pixmap(image: np.ndarray, size: int, vmax: float = 16.0) -> QPixmap:
    """A ``size`` x ``size`` pixmap of an image (rows, cols) of values 0..vmax, sharp blocks."""
    grey = 255 - np.clip(np.asarray(image, dtype=np.float64) / vmax, 0, 1) * 255
    pixels = np.ascontiguousarray(np.round(grey).astype(np.uint8))
    rows, cols = pixels.shape
    qimage = QImage(pixels.data, cols, rows, cols, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class DigitImageView(QWidget):
    """A titled image with a locked aspect ratio, optionally with each cell's value written on it.

    The title is a one-line ``Caption`` in its own row above the image: in a tight layout it is
    elided, never drawn over the image; the image shrinks instead (down to ``MINIMUM_SIDE``).

    Parameters
    ----------
    title : caption above the image.
    levels : values shown white and black (or blue and red with ``diverging``).
    show_values : write the value in every cell (meant for the 8x8 grid).
    grid_step : draw a grid line every ``grid_step`` pixels (4 shows the 4x4 blocks of a 32x32).
    diverging : blue-white-red colours for signed data; ``set_image`` then centres the levels.
    side : the image's preferred side in pixels (the size hint; layouts may give more or less).
    """

    MINIMUM_SIDE = 64

    def __init__(
        self,
        title: str = "",
        levels: tuple[float, float] = (0.0, 16.0),
        *,
        show_values: bool = False,
        grid_step: int | None = None,
        diverging: bool = False,
        side: int = 160,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._side = side
        self._levels = levels
        self._diverging = diverging
        self._show_values = show_values
        self._grid_step = grid_step
        self._shape: tuple[int, ...] | None = None
        self._texts: list[pg.TextItem] = []
        self._shown_values: np.ndarray | None = None

        self.title = Caption(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.graphics = pg.GraphicsView(background="w")
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.graphics.setMinimumSize(self.MINIMUM_SIDE, self.MINIMUM_SIDE)
        self.view = pg.ViewBox(
            lockAspect=True, invertY=True, enableMouse=False, defaultPadding=0.02
        )
        self.view.setMenuEnabled(False)
        self.graphics.setCentralItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        if diverging:
            self.image.setLookupTable(DIVERGING.getLookupTable(nPts=256))
        else:
            self.image.setLookupTable(GRAY_R)
        self.view.addItem(self.image)
        self.border = pg.PlotCurveItem(pen=pg.mkPen((120, 120, 120), width=1), connect="pairs")
        self.view.addItem(self.border)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.graphics, 1)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's naming)
        return QSize(self._side, self._side + self.title.sizeHint().height() + 2)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_image(self, image: np.ndarray) -> None:
        """Show a 2-D array (rows, cols)."""
        image = np.asarray(image, dtype=np.float32)
        levels = self._levels
        if self._diverging:
            half = max(float(np.max(np.abs(image))), 1e-12)
            levels = (-half, half)
        self.image.setImage(image, levels=levels, autoLevels=False)
        if image.shape != self._shape:
            self._reshape(image.shape)
        if self._show_values:
            self._write_values(image)

    def clear(self) -> None:
        """Show a blank image of the current shape (nothing drawn)."""
        if self._shape is not None:
            blank = np.full(self._shape, self._levels[0], dtype=np.float32)
            self.set_image(blank if not self._diverging else np.zeros(self._shape))

    def _reshape(self, shape: tuple[int, ...]) -> None:
        self._shape = shape
        rows, cols = shape
        xs, ys = [0, cols, cols, cols, cols, 0, 0, 0], [0, 0, 0, rows, rows, rows, rows, 0]
        if self._grid_step:
            for c in range(self._grid_step, cols, self._grid_step):
                xs += [c, c]
                ys += [0, rows]
            for r in range(self._grid_step, rows, self._grid_step):
                xs += [0, cols]
                ys += [r, r]
        self.border.setData(np.array(xs, dtype=float), np.array(ys, dtype=float))
        self.view.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
        for text in self._texts:
            self.view.removeItem(text)
        self._texts, self._shown_values = [], None
        if self._show_values:
            for r in range(rows):
                for c in range(cols):
                    text = pg.TextItem("", anchor=(0.5, 0.5))
                    text.setPos(c + 0.5, r + 0.5)
                    self.view.addItem(text)
                    self._texts.append(text)

    def _write_values(self, image: np.ndarray) -> None:
        values = np.round(image).astype(int).ravel()
        middle = (self._levels[0] + self._levels[1]) / 2
        for k, (text, value) in enumerate(zip(self._texts, values, strict=True)):
            if self._shown_values is not None and self._shown_values[k] == value:
                continue
            text.setText(str(value), color=(255, 255, 255) if value > middle else (60, 60, 60))
        self._shown_values = values


class ImageRow(QWidget):
    """Square digit views side by side, never taller than their images need.

    Each time the row is resized it caps its own height at one view's width plus the captions,
    so a layout gives the spare height to its other widgets instead of white space between a
    caption and its image. Only the maximum height changes: a window can always shrink.
    """

    def __init__(self, views: list[DigitImageView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = list(views)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for view in self.views:
            layout.addWidget(view)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's naming)
        count = len(self.views)
        side = (event.size().width() - self.layout().spacing() * (count - 1)) // count
        caption = max(view.title.sizeHint().height() for view in self.views)
        self.setMaximumHeight(max(side + caption + 4, self.minimumSizeHint().height()))
        super().resizeEvent(event)
