"""A confusion matrix (the test set's, or the user's drawings') as a 10x10 table of counts;
clicking a cell selects it.

Rows are true labels, columns predicted labels. The diagonal (right answers) is shaded green by
the fraction of its row, the errors red by their count, so a few mistakes stand out.
"""

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QWidget,
)

from engine import N_CLASSES
from gui.widgets.digit_counts import DigitTable


def _blend(colour: tuple[int, int, int], strength: float) -> QColor:
    """White blended towards ``colour`` by ``strength`` in 0..1."""
    s = float(np.clip(strength, 0.0, 1.0))
    return QColor(*(round(255 + (c - 255) * s) for c in colour))


class ConfusionMatrixView(DigitTable):
    """Counts ``C[i, j]`` of samples of true digit ``i`` predicted as ``j``.

    ``set_subject`` says which samples (the tooltips name them): the test set by default.

    Signals
    -------
    cell_selected(int, int) : (true label, predicted label) of a clicked cell.
    """

    cell_selected = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([str(d) for d in range(N_CLASSES)], parent)
        self.setObjectName("confusionMatrixView")
        self.horizontalHeaderItem(0).setToolTip("predicted digit")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
        self.set_subject("the test set", "test samples")
        self.cellClicked.connect(self._on_cell_clicked)

    def set_subject(
        self, subject: str, noun: str, action: str = "list its samples in the browser"
    ) -> None:
        """Which samples are counted: ``subject`` for the tooltip ("the test set"), ``noun`` for
        a cell's ("test samples"), and what clicking a cell does."""
        self.noun = noun
        self.setToolTip(
            f"Confusion matrix of {subject}: row = true digit, column = predicted digit.\n"
            f"Click a cell to {action}."
        )
        self.set_matrix(self.matrix)

    def set_matrix(self, matrix: np.ndarray) -> None:
        """Show counts (10, 10), rows true labels, columns predictions."""
        self.matrix = np.asarray(matrix, dtype=np.int64)
        row_totals = np.maximum(self.matrix.sum(axis=1), 1)
        off_diagonal = self.matrix * (1 - np.eye(N_CLASSES, dtype=np.int64))
        worst = max(int(off_diagonal.max()), 1)
        for i in range(N_CLASSES):
            for j in range(N_CLASSES):
                count = int(self.matrix[i, j])
                item = self.item(i, j)
                item.setText(str(count) if count else "")
                if i == j:
                    colour = _blend((40, 150, 70), 0.15 + 0.85 * count / row_totals[i])
                else:
                    colour = _blend((205, 45, 40), 0.25 + 0.75 * count / worst if count else 0)
                item.setBackground(QBrush(colour))
                dark = colour.lightness() < 140
                item.setForeground(QBrush(QColor("white" if dark else "black")))
                item.setToolTip(f"true {i}, predicted {j}: {count} {self.noun}")

    def _on_cell_clicked(self, row: int, column: int) -> None:
        self.cell_selected.emit(row, column)
