"""Small views shared by the draw and worst-errors panels: digit images and probability bars.

Digit images are row-major ``(rows, cols)`` arrays shown dark-on-white like the lab's
``plt.imshow(..., cmap="gray_r")``: 0 is white and ``levels[1]`` (16 for the 8x8 counts) black.
Every view creates its graphics items once and then only calls ``setImage``/``setOpts``.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

N_CLASSES = 10
GRAY_R = np.repeat(np.linspace(255, 0, 256).astype(np.uint8)[:, None], 3, axis=1)
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
BAR_NEUTRAL = (150, 160, 175)
BAR_PREDICTED = (40, 110, 200)
BAR_RIGHT = (40, 160, 80)
BAR_WRONG = (210, 60, 50)


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

    Parameters
    ----------
    title : caption above the image.
    levels : values shown white and black (or blue and red with ``diverging``).
    show_values : write the value in every cell (meant for the 8x8 grid).
    grid_step : draw a grid line every ``grid_step`` pixels (4 shows the 4x4 blocks of a 32x32).
    diverging : blue-white-red colours for signed data; ``set_image`` then centres the levels.
    """

    def __init__(
        self,
        title: str = "",
        levels: tuple[float, float] = (0.0, 16.0),
        *,
        show_values: bool = False,
        grid_step: int | None = None,
        diverging: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._levels = levels
        self._diverging = diverging
        self._show_values = show_values
        self._grid_step = grid_step
        self._shape: tuple[int, ...] | None = None
        self._texts: list[pg.TextItem] = []
        self._shown_values: np.ndarray | None = None

        self.title = QLabel(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.graphics = pg.GraphicsView(background="w")
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
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


class ProbabilityBars(pg.PlotWidget):
    """Ten bars, one per digit, of the model's probabilities (0..1).

    The predicted digit is blue; when the true label is known, it is green, and a wrong
    prediction red.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setXRange(-0.6, N_CLASSES - 0.4, padding=0)
        self.setYRange(0, 1.15, padding=0)
        self.setLabel("bottom", "digit")
        self.setLabel("left", "probability")
        self.getAxis("bottom").setTicks([[(d, str(d)) for d in range(N_CLASSES)]])
        self.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)]])
        self.setToolTip("The network's softmax output: the probability of each digit")
        self.bars = pg.BarGraphItem(
            x=np.arange(N_CLASSES), height=np.zeros(N_CLASSES), width=0.7, pen=None,
            brushes=[BAR_NEUTRAL] * N_CLASSES,
        )  # fmt: skip
        self.addItem(self.bars)
        self.texts = []
        for d in range(N_CLASSES):
            text = pg.TextItem("", anchor=(0.5, 1.0), color=(60, 60, 60))
            text.setPos(d, 0)
            self.addItem(text)
            self.texts.append(text)
        self.probabilities = np.zeros(N_CLASSES)

    def set_probabilities(self, probabilities: np.ndarray, true_label: int | None = None) -> None:
        """Show ``probabilities`` (10,); colours mark the predicted and the true digit."""
        p = np.asarray(probabilities, dtype=np.float64)
        self.probabilities = p
        predicted = int(np.argmax(p))
        brushes = [BAR_NEUTRAL] * N_CLASSES
        if true_label is None:
            brushes[predicted] = BAR_PREDICTED
        else:
            brushes[predicted] = BAR_WRONG
            brushes[int(true_label)] = BAR_RIGHT
        self.bars.setOpts(height=p, brushes=brushes)
        for d, text in enumerate(self.texts):
            text.setText(f"{100 * p[d]:.0f}%" if p[d] >= 0.05 else "")
            text.setPos(d, p[d])

    def clear_probabilities(self) -> None:
        """No prediction: all bars at zero."""
        self.probabilities = np.zeros(N_CLASSES)
        self.bars.setOpts(height=self.probabilities, brushes=[BAR_NEUTRAL] * N_CLASSES)
        for text in self.texts:
            text.setText("")
