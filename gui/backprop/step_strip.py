"""The change one update made: ``ΔW = after − before`` for every layer, as images, and the loss
on the update's samples before and after it.

With plain SGD, ``ΔW_l = −lr ∂L/∂W_l = −lr A_{l-1}ᵀ δ_l``: for the first layer of a 64-input
network each hidden unit's change is the input image scaled by ``−lr δ``, so ``ΔW¹`` is drawn
as one 8x8 tile per unit; other layers as the matrix
``(n_in, n_out)``. Blue is a decrease, red an increase, each image scaled to its own largest
change (its title says how large).
"""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from gui.backprop.equations import num
from gui.theme import scheme_colours
from gui.training.controller import Step
from gui.widgets.digit_widgets import DIVERGING

SUMMARY_WIDTH = 250  # the text left of the images
TILE = 8  # a first layer with TILE * TILE inputs is drawn as one TILE x TILE tile per unit


def tile_grid(delta: np.ndarray) -> np.ndarray:
    """The columns of ``delta`` ``(64, n_units)`` as 8x8 tiles in a grid a little wider than
    tall, one blank (NaN, drawn transparent) pixel between tiles."""
    n = delta.shape[1]
    columns = math.ceil(math.sqrt(2 * n))
    rows = math.ceil(n / columns)
    step = TILE + 1
    grid = np.full((rows * step - 1, columns * step - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, columns)
        tile = delta[:, k].reshape(TILE, TILE)
        grid[r * step : r * step + TILE, c * step : c * step + TILE] = tile
    return grid


class StepStrip(QWidget):
    """Shows one ``Step``; ``deltas`` holds the ``ΔW`` arrays last shown (for tests)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepStrip")
        self.summary = QLabel()
        self.summary.setObjectName("stepSummary")
        self.summary.setWordWrap(True)
        background, self._foreground = scheme_colours()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(background)
        self.graphics.setObjectName("stepDeltaImages")
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.graphics.setMinimumHeight(70)
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.layout.setSpacing(4)
        self._sizes: tuple[int, ...] = ()
        self._titles: list[pg.LabelItem] = []
        self._images: list[pg.ImageItem] = []
        self.deltas: list[np.ndarray] = []
        self.losses: tuple[float, float] | None = None  # on the update's samples: before, after
        self.summary.setFixedWidth(SUMMARY_WIDTH)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.summary)
        layout.addWidget(self.graphics, 1)

    def set_architecture(self, sizes: tuple[int, ...]) -> None:
        """One image per weight layer of a network of these layer sizes."""
        if tuple(sizes) == self._sizes:
            return
        self._sizes = tuple(sizes)
        self.graphics.clear()
        self._titles, self._images, self.deltas = [], [], []
        table = DIVERGING.getLookupTable(nPts=256)
        for layer in range(1, len(sizes)):
            title = self.graphics.addLabel("", row=0, col=layer - 1, size="8pt",
                                           color=self._foreground)  # fmt: skip
            view = self.graphics.addViewBox(row=1, col=layer - 1, lockAspect=True,
                                            enableMouse=False, invertY=True)  # fmt: skip
            view.setMenuEnabled(False)
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(table)
            view.addItem(image)
            self._titles.append(title)
            self._images.append(image)

    def show_step(
        self, step: Step, update: int | None, loss_before: float, loss_after: float, title: str
    ) -> None:
        """Draw ``step``'s ``ΔW``; ``update`` is its number in the run, ``title`` says which
        samples it used."""
        self.deltas, self.losses = [], (loss_before, loss_after)
        for layer, (image, label) in enumerate(zip(self._images, self._titles, strict=True), 1):
            delta = step.after[f"W{layer}"] - step.before[f"W{layer}"]
            self.deltas.append(delta)
            shown = tile_grid(delta) if layer == 1 and len(delta) == TILE * TILE else delta
            finite = np.abs(delta[np.isfinite(delta)])
            half = float(finite.max()) if finite.size and finite.max() > 0 else 1e-12
            image.setImage(shown, levels=(-half, half), autoLevels=False)
            rows, columns = shown.shape
            image.getViewBox().setRange(QRectF(0, 0, columns, rows), padding=0.02)
            label.setText(f"ΔW<sup>{layer}</sup> max {num(half)}")
        config = step.config
        plain = config.optimizer == "sgd" and config.momentum == 0
        rule = (
            "ΔW = −lr ∂L/∂W"
            if plain
            else f"ΔW is the {config.optimizer_choice} step, not exactly −lr ∂L/∂W"
        )
        which = f"Update {update:,}" if update else "The update"
        tiles = " Each tile of ΔW¹ is the input image times −lr δ¹ of its unit." if plain else ""
        self.summary.setText(
            f"<b>{which}</b> (lr {num(config.learning_rate)}) used {title}: the loss on it went "
            f"<b>{loss_before:.4g} → {loss_after:.4g}</b>. {rule}, after − before:{tiles}"
        )
