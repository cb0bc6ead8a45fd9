"""The runs table's model: every stored run as a row, over an ``engine.experiments.runs.RunStore``.

``RunsTableModel`` keeps the runs in the order they were made (oldest first), which is also the
order the "changed from the previous run" column compares them in; ``RunsFilter`` sorts the
rows for display and leaves hidden runs out unless asked to show them. Renaming, hiding and
deleting go through the store at once, so the table and the disk never disagree.
"""

import math

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from engine.experiments.runs import Run, RunStore, differences_column, summarize
from gui.training.run_controls import format_seconds

COLUMNS = (
    "#",
    "Name",
    "Status",
    "Train acc.",
    "Test acc.",
    "Train loss",
    "Test loss",
    "Epochs",
    "Duration",
    "What changed",
)
NUMBER, NAME, STATUS, DIFFERENCES = 0, 1, 2, len(COLUMNS) - 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def format_duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else format_seconds(seconds)


def _percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{100 * value:.1f} %"


def _loss(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.4f}"


class RunsTableModel(QAbstractTableModel):
    """The runs in ``store``, oldest first; the name cell is editable.

    Signals
    -------
    problem(str) : the store refused a change made in the table (a bad name, a full disk).
    """

    problem = Signal(str)

    def __init__(self, store: RunStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runs: list[Run] = []
        self._differences: list[str] = []

    def load(self) -> list[str]:
        """Read the store again; returns a message per stored run that had to be skipped."""
        self.beginResetModel()
        self.runs, messages = self.store.load_all()
        self._differences = differences_column(self.runs)
        self.endResetModel()
        return messages

    def add(self, run: Run) -> None:
        """Save ``run`` and append it (``OSError`` if the disk refuses; nothing is added)."""
        self.store.save(run)
        row = len(self.runs)
        self.beginInsertRows(QModelIndex(), row, row)
        self.runs.append(run)
        self._differences = differences_column(self.runs)
        self.endInsertRows()

    def rename(self, run: Run, name: str) -> None:
        """Raises ``ValueError`` for an empty or too long name, ``OSError`` from the disk."""
        self.store.rename(run, name)
        self._row_changed(run)

    def set_hidden(self, run: Run, hidden: bool) -> None:
        self.store.set_hidden(run, hidden)
        self._row_changed(run)

    def delete(self, run: Run) -> None:
        self.store.delete(run)
        row = self.runs.index(run)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.runs[row]
        self._differences = differences_column(self.runs)
        self.endRemoveRows()
        if row < len(self.runs):  # the next run is now compared with another one
            cell = self.index(row, DIFFERENCES)
            self.dataChanged.emit(cell, cell)

    def number(self, run: Run) -> int:
        """The run's number in the table and in plot legends: 1 for the oldest."""
        return self.runs.index(run) + 1

    def _row_changed(self, run: Run) -> None:
        row = self.runs.index(run)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == DIFFERENCES:
            return "The settings that changed from the previous run (the one numbered before it)"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == NAME else flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        run, column = self.runs[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(run, index.row(), column)
        if role == SORT_ROLE:
            return self._sort_key(run, index.row(), column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NAME:
                made = run.created.strftime("%Y-%m-%d %H:%M")
                return f"{summarize(run.config)}\nmade {made}; double-click to rename"
            if column == DIFFERENCES:
                return self._differences[index.row()]
            if column == STATUS and run.history.end is not None:
                return run.history.end.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and STATUS < column < DIFFERENCES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if run.hidden and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        if run.hidden and role == Qt.ItemDataRole.ForegroundRole:
            palette = QGuiApplication.palette()
            return palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != NAME or role != Qt.ItemDataRole.EditRole:
            return False
        run = self.runs[index.row()]
        if str(value).strip() == run.name:
            return False
        try:
            self.rename(run, str(value))
        except (ValueError, OSError) as error:
            self.problem.emit(f"Cannot rename run {index.row() + 1}: {error}")
            return False
        return True

    def _text(self, run: Run, row: int, column: int) -> str:
        final = run.final
        texts = {
            NUMBER: str(row + 1),
            NAME: run.name,
            STATUS: run.status + (" (hidden)" if run.hidden else ""),
            3: _percent(final.train_accuracy),
            4: _percent(final.test_accuracy),
            5: _loss(final.train_loss),
            6: _loss(final.test_loss),
            7: str(final.epochs),
            8: format_duration(run.duration),
            DIFFERENCES: self._differences[row],
        }
        return texts[column]

    def _sort_key(self, run: Run, row: int, column: int):
        final = run.final
        numbers = {
            NUMBER: row,
            3: final.train_accuracy,
            4: final.test_accuracy,
            5: final.train_loss,
            6: final.test_loss,
            7: final.epochs,
            8: run.duration,
        }
        if column in numbers:
            value = float(numbers[column])
            return -1.0 if math.isnan(value) else value  # no figure: first when ascending
        return self._text(run, row, column).lower()


class RunsFilter(QSortFilterProxyModel):
    """Sorts the runs for display; hidden runs only while ``show_hidden`` is on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_hidden = False
        self.setSortRole(SORT_ROLE)

    def set_show_hidden(self, show: bool) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt < 6.10
            self.show_hidden = bool(show)
            self.invalidateRowsFilter()  # deprecated from Qt 6.10 on
            return
        self.beginFilterChange()
        self.show_hidden = bool(show)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RunsTableModel) or source_parent.isValid():
            return True
        return self.show_hidden or not model.runs[source_row].hidden

    def run_at(self, index: QModelIndex) -> Run:
        model = self.sourceModel()
        assert isinstance(model, RunsTableModel)
        return model.runs[self.mapToSource(index).row()]
