"""The first layer's weights as 8x8 images, one labelled tile per hidden unit (per class digit
without a hidden layer), drawn as one mosaic in one ``ImageItem`` created once and updated with
``setImage``. A diverging colour map with symmetric levels makes 0 neutral, so zero-initialised
units, which stay identical, are visible at a glance. The automatic range is a high percentile
of |W|, not its maximum: one outlier weight saturates instead of washing out every tile.
"""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import MLP

TILE = 8
GAP = 3  # room for each tile's label above it
MAX_TILES = 256
MAX_LABELS = 64  # more tiles than this: every tile is labelled in its readout only
RANGES = ("auto", "0.05", "0.2", "0.5", "1", "2", "5")
ROBUST_PERCENTILE = 99.0
MIN_AUTO_LEVEL = 0.01


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= ``value``:
    the automatic colour range moves in steps, so the colour bar's axis is not redrawn for
    every frame."""
    if not math.isfinite(value) or value <= MIN_AUTO_LEVEL:
        return MIN_AUTO_LEVEL
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if mantissa * 10.0**exponent >= value * (1 - 1e-12):
            return mantissa * 10.0**exponent
    return 10.0 ** (exponent + 1)


def robust_level(W: np.ndarray) -> float:
    """A colour range that most weights fit in: the 99th percentile of |W| (finite ones)."""
    finite = np.abs(W[np.isfinite(W)])
    return float(np.percentile(finite, ROBUST_PERCENTILE)) if finite.size else MIN_AUTO_LEVEL


def mosaic_shape(n_tiles: int) -> tuple[int, int]:
    """Rows and columns of the mosaic: a little wider than tall."""
    columns = max(1, min(n_tiles, math.ceil(math.sqrt(n_tiles) * 1.4)))
    return math.ceil(n_tiles / columns), columns


def make_mosaic(W: np.ndarray, max_tiles: int = MAX_TILES) -> np.ndarray:
    """Columns of ``W`` ``(64, n_units)`` as 8x8 tiles in a row-major grid separated by NaN
    (drawn transparent); each tile has ``GAP`` rows above it for its label."""
    n = min(W.shape[1], max_tiles)
    rows, columns = mosaic_shape(n)
    step = TILE + GAP
    mosaic = np.full((rows * step, columns * step - 1), np.nan)
    tiles = W[:, :n].T.reshape(n, TILE, TILE)
    for k in range(n):
        r, c = divmod(k, columns)
        mosaic[r * step + GAP : (r + 1) * step, c * step : c * step + TILE] = tiles[k]
    return mosaic


class WeightsView(QWidget):
    """Shows a model's first-layer weights; call ``show_model`` whenever they change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weightsView")
        self._level = MIN_AUTO_LEVEL
        self._layout_key: tuple | None = None  # what the mosaic's layout was made for
        self._columns = 1
        self._n_tiles = 0
        self._W: np.ndarray | None = None
        self._unit_name = "unit"
        self._labels: list[pg.TextItem] = []
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("weightsImage")
        self.plot = self.graphics.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.view = self.plot.getViewBox()
        self.view.setAspectLocked(True)
        self.view.invertY(True)  # row 0 of a digit at the top
        self.view.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(-1, 1),
            colorMap=pg.colormap.get("CET-D1A"),
            interactive=False,
            width=12,
            colorMapMenu=False,
            label="weight",
        )
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.range_input = QComboBox()
        self.range_input.setObjectName("weightsRangeInput")
        self.range_input.addItems([f"± {r}" if r != "auto" else "auto" for r in RANGES])
        self.range_input.setToolTip(
            "Colour range: weights at +range and above are darkest red, at -range darkest blue, "
            "0 is neutral.\n'auto' covers 99 % of the weights (an outlier saturates instead of "
            "washing out the rest) and only grows during a run, so colours stay comparable."
        )
        self.range_input.currentIndexChanged.connect(self._on_range_changed)
        self.readout = QLabel(" ")
        self.readout.setObjectName("weightsReadout")
        self.readout.setProperty("export", "hide")  # the value under the mouse: not in a file
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.controls = QWidget()
        self.controls.setProperty("export", "hide")  # an exported picture is the plot alone
        top = QHBoxLayout(self.controls)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Range"))
        top.addWidget(self.range_input)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    @property
    def level(self) -> float:
        """The current symmetric colour level L: the image spans -L..L."""
        return self._level

    def reset_levels(self) -> None:
        """A new network: the automatic range starts again from its smallest."""
        self._level = MIN_AUTO_LEVEL

    def show_model(self, model: MLP) -> None:
        W = model.params["W1"]
        self._W = W
        if self._layout_key != (W.shape, model.hidden_sizes):
            self._layout_key = (W.shape, model.hidden_sizes)
            self._n_tiles = min(W.shape[1], MAX_TILES)
            self._columns = mosaic_shape(self._n_tiles)[1]
            self._unit_name = "unit" if model.hidden_sizes else "class"
            self._set_title(model)
            self.image.setImage(make_mosaic(W), autoLevels=False)
            self._label_tiles()
            self.view.autoRange(padding=0.02)
        else:
            self.image.setImage(make_mosaic(W), autoLevels=False)
        self._update_levels(grow_only=True)

    def _label_tiles(self) -> None:
        for label in self._labels:
            self.view.removeItem(label)
        self._labels = []
        if self._n_tiles > MAX_LABELS:
            return
        step = TILE + GAP
        for k in range(self._n_tiles):
            r, c = divmod(k, self._columns)
            label = pg.TextItem(str(k), anchor=(0.5, 1.0), color=(110, 110, 110))
            label.setPos(c * step + TILE / 2, r * step + GAP - 0.2)
            self.view.addItem(label)
            self._labels.append(label)

    def _set_title(self, model: MLP) -> None:
        n = model.params["W1"].shape[1]
        shown = f", the first {MAX_TILES} shown" if n > MAX_TILES else ""
        if model.hidden_sizes:
            text = f"First-layer weights: one 8x8 image per hidden unit, numbered ({n}{shown})"
        else:
            text = "Class templates: the weights of each digit 0-9"
        self.title.setText(f"<b>{text}</b>")

    def _on_range_changed(self) -> None:
        self._level = MIN_AUTO_LEVEL
        self._update_levels(grow_only=False)

    def _update_levels(self, grow_only: bool) -> None:
        choice = RANGES[self.range_input.currentIndex()]
        if choice != "auto":
            self._level = float(choice)
        elif self._W is not None and self._W.size:
            floor = self._level if grow_only else MIN_AUTO_LEVEL
            self._level = max(floor, nice_ceiling(robust_level(self._W)))
        self.bar.setLevels((-self._level, self._level))

    def _on_mouse_moved(self, position: QPointF) -> None:
        if self._W is None or not self.view.sceneBoundingRect().contains(position):
            return
        point = self.view.mapSceneToView(position)
        col, row = int(math.floor(point.x())), int(math.floor(point.y()))
        step = TILE + GAP
        tile_row, y = divmod(row, step)
        tile_col, x = divmod(col, step)
        y -= GAP
        unit = tile_row * self._columns + tile_col
        outside = min(row, col) < 0 or x >= TILE or y < 0 or tile_col >= self._columns
        if outside or unit >= self._n_tiles:
            self.readout.setText(" ")
            return
        value = self._W[y * TILE + x, unit]
        self.readout.setText(
            f"{self._unit_name} {unit}, pixel (row {y}, column {x}): weight {value:+.4f}"
        )
