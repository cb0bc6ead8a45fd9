"""The model's ten probabilities as bars, shared by the draw and worst-errors panels."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from engine import N_CLASSES

BAR_NEUTRAL = (150, 160, 175)
BAR_PREDICTED = (40, 110, 200)
BAR_RIGHT = (40, 160, 80)
BAR_WRONG = (210, 60, 50)
MIN_BAR_PIXELS = 26  # narrower bars than this drop their percentages (they would overlap)


class ProbabilityBars(pg.PlotWidget):
    """Ten bars, one per digit, of the model's probabilities (0..1).

    The predicted digit is blue; when the true label is known, it is green, and a wrong
    prediction red. Each bar of 5 % or more is labelled with its percentage, unless the bars are
    too narrow for the labels to stay apart.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("probabilityBars")
        self.setMinimumSize(180, 110)
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
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 6.0))
        for d in range(N_CLASSES):
            text = pg.TextItem("", anchor=(0.5, 1.0), color=(60, 60, 60))
            text.setFont(font)
            text.setPos(d, 0)
            self.addItem(text)
            self.texts.append(text)
        self.probabilities = np.zeros(N_CLASSES)
        self.getViewBox().sigResized.connect(self._show_texts_if_room)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's naming)
        return QSize(320, 200)

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

    def _show_texts_if_room(self, *_args) -> None:
        room = self.getViewBox().width() / (N_CLASSES + 0.2)
        for text in self.texts:
            text.setVisible(room >= MIN_BAR_PIXELS)
