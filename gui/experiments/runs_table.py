"""The runs table's model: every stored run as a row, over an ``engine.RunStore``.

``RunsTableModel`` keeps the runs by number (oldest first), which is also the order the "what
changed" column compares them in; ``RunsFilter`` sorts the rows for display and leaves hidden
runs out unless asked. Renaming, hiding and deleting go through the store at once, so the table
and the disk never disagree. Qt calls ``data`` from C++: it never raises, and shows "—" for a
value it cannot format.
"""

import math
from functools import wraps

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

from engine.experiments.runs import Run, RunMissingError, RunStore, differences_column
from gui.training.messages import trained_by_text
from gui.training.run_controls import format_seconds

COLUMNS = (
    "#",
    "Name",
    "From",
    "Status",
    "Train acc.",
    "Test acc.",
    "My digits",
    "Train loss",
    "Test loss",
    "Epochs",
    "Duration",
    "What changed",
)
NUMBER, NAME, FROM, STATUS, DIFFERENCES = 0, 1, 2, 3, len(COLUMNS) - 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
MISSING = "—"
Index = QModelIndex | QPersistentModelIndex


def never_raises(default=None):
    """Qt calls model methods from C++, where a Python exception aborts the process: return
    ``default`` (show nothing for that cell) instead."""

    def decorate(method):
        @wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:  # noqa: BLE001 - any value that cannot be shown
                return default

        return guarded

    return decorate


def format_duration(seconds: float) -> str:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        return MISSING
    return f"{seconds:.1f} s" if seconds < 60 else format_seconds(seconds)


def _percent(value: float) -> str:
    return MISSING if not math.isfinite(value) else f"{100 * value:.1f} %"


def _loss(value: float) -> str:
    if not math.isfinite(value):
        return MISSING
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.3g}"  # a diverged run's 1e+12


class RunsTableModel(QAbstractTableModel):
    """The runs in ``store``, by number; the name cell is editable.

    Signals
    -------
    problem(str) : the store refused a change made in the table (a bad name, a full disk, a run
        another window deleted).
    """

    problem = Signal(str)

    def __init__(self, store: RunStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runs: list[Run] = []
        self._differences: list[str] = []

    def load(self) -> list:
        """Read the store's summaries again; returns its problems (runs that were skipped)."""
        self.beginResetModel()
        self.runs, problems = self.store.load_all()
        self._differences = differences_column(self.runs)
        self.endResetModel()
        return problems

    def add(self, run: Run) -> None:
        """Save ``run`` (it gets its number) and append it (``OSError`` if the disk refuses;
        nothing is added)."""
        self.store.save(run)
        row = len(self.runs)
        self.beginInsertRows(QModelIndex(), row, row)
        self.runs.append(run)
        self._differences = differences_column(self.runs)
        self.endInsertRows()

    def rename(self, run: Run, name: str) -> None:
        """``ValueError`` for an empty or too long name, ``OSError`` from the disk."""
        try:
            self.store.rename(run, name)
        except RunMissingError:
            self._forget(run)
            raise
        self._row_changed(run)

    def set_hidden(self, run: Run, hidden: bool) -> None:
        try:
            self.store.set_hidden(run, hidden)
        except RunMissingError:
            self._forget(run)
            raise
        self._row_changed(run)

    def delete(self, run: Run) -> bool:
        """Delete the run's files; False when another window had deleted them already."""
        present = self.store.delete(run)
        self._forget(run)
        return present

    def _forget(self, run: Run) -> None:
        if run not in self.runs:
            return
        row = self.runs.index(run)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.runs[row]
        self._differences = differences_column(self.runs)
        self.endRemoveRows()
        if row < len(self.runs):  # the next run is now compared with another one
            cell = self.index(row, DIFFERENCES)
            self.dataChanged.emit(cell, cell)

    def _row_changed(self, run: Run) -> None:
        row = self.runs.index(run)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    @never_raises()
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == DIFFERENCES:
                return "The settings that changed from the previous run (the one numbered before)"
            if section == FROM:
                return "The run whose weights this run continued from (empty: a fresh network)"
            if section == NUMBER:
                return "Run numbers are given once and never change, even when runs are deleted"
            if COLUMNS[section] == "My digits":
                return "Accuracy on your own labelled drawings (Draw tab, My digits)"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == NAME else flags

    @never_raises()
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.runs):
            return None
        run, column = self.runs[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(run, index.row(), column)
        if role == SORT_ROLE:
            return self._sort_key(run, index.row(), column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(run, index.row(), column)
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

    @never_raises(False)
    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != NAME or role != Qt.ItemDataRole.EditRole:
            return False
        run = self.runs[index.row()]
        if str(value).strip() == run.name:
            return False
        try:
            self.rename(run, str(value))
        except (ValueError, OSError) as error:
            self.problem.emit(f"Cannot rename run {run.number}: {error}")
            return False
        return True

    def _tooltip(self, run: Run, row: int, column: int) -> str | None:
        if column == NAME:
            made = run.created.strftime("%Y-%m-%d %H:%M")
            return (
                f"{run.config.summary()}\nmade {made}; trained by "
                f"{trained_by_text(run.trained_by)}\ndouble-click to rename"
            )
        if column == DIFFERENCES:
            return self._differences[row]
        if column == STATUS:
            return run.reason or None
        return None

    def _text(self, run: Run, row: int, column: int) -> str:
        final = run.final
        texts = {
            "#": str(run.number) if run.number else MISSING,
            "Name": run.name,
            "From": f"run {run.continued_from}" if run.continued_from else "",
            "Status": run.status + (" (hidden)" if run.hidden else ""),
            "Train acc.": _percent(final.train_accuracy),
            "Test acc.": _percent(final.test_accuracy),
            "My digits": _percent(final.my_digits_accuracy),
            "Train loss": _loss(final.train_loss),
            "Test loss": _loss(final.test_loss),
            "Epochs": str(final.epochs),
            "Duration": format_duration(run.duration),
            "What changed": self._differences[row],
        }
        return texts[COLUMNS[column]]

    def _sort_key(self, run: Run, row: int, column: int):
        final = run.final
        numbers = {
            "#": run.number or 0,
            "From": run.continued_from or 0,
            "Train acc.": final.train_accuracy,
            "Test acc.": final.test_accuracy,
            "My digits": final.my_digits_accuracy,
            "Train loss": final.train_loss,
            "Test loss": final.test_loss,
            "Epochs": final.epochs,
            "Duration": run.duration,
        }
        if COLUMNS[column] in numbers:
            value = float(numbers[COLUMNS[column]])
            return -1.0 if not math.isfinite(value) else value  # no figure: first when ascending
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

    @never_raises(True)
    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RunsTableModel) or source_parent.isValid():
            return True
        return self.show_hidden or not model.runs[source_row].hidden

    def run_at(self, index: QModelIndex) -> Run:
        model = self.sourceModel()
        assert isinstance(model, RunsTableModel)
        return model.runs[self.mapToSource(index).row()]
