"""The gallery of the user's kept drawings: one thumbnail each (the 8x8 the network receives),
under it the label it was kept with and the network's answer, red when they differ.

Items are created when the set changes; a new prediction only rewrites their texts.
"""

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QKeyEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from gui.widgets.digit_widgets import digit_pixmap

THUMBNAIL = 48  # pixels
WRONG_TEXT = QColor(190, 30, 30)


class MyDigitsGallery(QListWidget):
    """Thumbnails of the drawings, in the order they were kept; several can be selected.

    Signals
    -------
    relabel_requested(int) : a digit key was pressed over the selection.
    delete_requested : Delete (or Backspace) was pressed over the selection.
    """

    relabel_requested = Signal(int)
    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myDigitsView")
        self.setToolTip(
            "Your drawings as the network receives them (8x8): the label you kept each with\n"
            "-> the network's answer (red when wrong). Select some, then press a digit to\n"
            "relabel them or Delete to delete them."
        )
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.setGridSize(QSize(THUMBNAIL + 22, THUMBNAIL + 26))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_drawings(self, digits: np.ndarray, labels: np.ndarray) -> None:
        """One item per drawing (8x8 counts ``(n, 8, 8)``, labels ``(n,)``); the selection is
        kept when the number of drawings is the same (a relabelling)."""
        selected = self.selected_indices() if self.count() == len(labels) else []
        self.clear()
        for index, (digit, label) in enumerate(zip(digits, labels, strict=True)):
            item = QListWidgetItem(QIcon(digit_pixmap(digit, THUMBNAIL)), f"{label}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setData(Qt.ItemDataRole.UserRole + 1, int(label))
            self.addItem(item)
        for index in selected:
            self.item(index).setSelected(True)

    def set_predictions(self, predictions: np.ndarray, confidence: np.ndarray) -> None:
        """Write each drawing's label -> prediction under it (``confidence``: p of the
        prediction); ``predictions`` may be empty (no network answer to show)."""
        normal = self.palette().color(QPalette.ColorRole.Text)
        for row in range(self.count()):
            item = self.item(row)
            label = int(item.data(Qt.ItemDataRole.UserRole + 1))
            if row >= len(predictions):
                item.setText(f"{label}")
                continue
            predicted = int(predictions[row])
            item.setText(f"{label} \u2192 {predicted}")
            item.setForeground(QBrush(normal if predicted == label else WRONG_TEXT))
            verdict = "right" if predicted == label else "wrong"
            item.setToolTip(
                f"Drawing {row + 1}: kept as {label}; the network says {predicted} "
                f"(p = {confidence[row]:.2f}, {verdict})"
            )

    def selected_indices(self) -> list[int]:
        """The selected drawings' indices, in order."""
        return sorted(int(item.data(Qt.ItemDataRole.UserRole)) for item in self.selectedItems())

    def select_indices(self, indices) -> None:
        self.clearSelection()
        for index in indices:
            self.item(int(index)).setSelected(True)
        if len(indices):
            self.scrollToItem(self.item(int(indices[0])))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's naming)
        digit = int(event.key()) - int(Qt.Key.Key_0)
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and 0 <= digit <= 9 and self.selectedItems():
            self.relabel_requested.emit(digit)
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.delete_requested.emit()
        else:
            super().keyPressEvent(event)
