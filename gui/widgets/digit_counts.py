"""Tables of counts per digit, fixed size, no scroll bars: ``DigitTable`` (one column per digit,
one row per name, empty centred cells) and ``DigitCountsView`` (rows of counts such as "kept" and
"right"). The confusion matrix is a ``DigitTable`` too (``gui.errors.confusion_view``)."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine import N_CLASSES

CELL = 26  # pixels


class DigitTable(QTableWidget):
    """A read-only table with a column per digit and a row per name in ``rows``, square cells of
    ``CELL`` pixels, exactly as large as its cells (no scroll bars)."""

    def __init__(self, rows: list[str], parent=None) -> None:
        super().__init__(len(rows), N_CLASSES, parent)
        self.setHorizontalHeaderLabels([str(d) for d in range(N_CLASSES)])
        self.setVerticalHeaderLabels(rows)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL)
            header.setMinimumSectionSize(CELL)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for i in range(len(rows)):
            for j in range(N_CLASSES):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(i, j, item)
        width = self.verticalHeader().sizeHint().width() + N_CLASSES * CELL + 2 * self.frameWidth()
        height = (
            self.horizontalHeader().sizeHint().height() + len(rows) * CELL + 2 * self.frameWidth()
        )
        self.setFixedSize(width + 2, height + 2)


class DigitCountsView(DigitTable):
    """Rows of ten counts; ``set_counts({"kept": array, "right": array})`` fills them."""

    def __init__(self, rows: list[str], parent=None) -> None:
        super().__init__(rows, parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.rows = list(rows)

    def set_counts(self, counts: dict[str, np.ndarray]) -> None:
        for i, name in enumerate(self.rows):
            values = counts.get(name)
            for j in range(N_CLASSES):
                self.item(i, j).setText("" if values is None else str(int(values[j])))

    def values(self, row: str) -> list[str]:
        """The texts of one row (for tests)."""
        i = self.rows.index(row)
        return [self.item(i, j).text() for j in range(N_CLASSES)]
