"""The "Runs" dock: the table of stored runs, Hide / Delete / Show hidden, and a banner for the
stored runs that could not be read, with a way to move them aside.

Selecting runs (Ctrl+click for more) draws them over the Training plots; the library
(``run_library``) listens to ``shown_changed`` and reads ``shown_runs``. Double-click (or F2) on
a name renames the run; the Delete key or the button deletes the selected runs.
"""

import html

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.experiments.runs import Run, RunMissingError
from gui.experiments.runs_table import DIFFERENCES, NAME, NUMBER, RunsFilter, RunsTableModel
from gui.theme import NOTICE_STYLE

HINT = "Select runs (Ctrl+click for more) to draw them over the Training plots."


class RunsPanel(QWidget):
    """Signals: ``shown_changed``, the runs to draw over the plots may have changed."""

    shown_changed = Signal()
    move_aside_requested = Signal()

    def __init__(self, model: RunsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.model = model
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(model)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NUMBER, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(NUMBER, 36)
        self.table.setColumnWidth(NAME, 210)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 6
        )  # compact rows: more runs in view
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.delete_action = QAction("Delete…", self.table)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.addAction(self.delete_action)
        self.hide_button = QPushButton("Hide")
        self.hide_button.setObjectName("runsHideButton")
        self.hide_button.setToolTip("Hide the selected runs from the table and the plots")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("runsDeleteButton")
        self.delete_button.setToolTip("Delete the selected runs and their stored files (Delete)")
        self.show_hidden_box = QCheckBox("Show hidden runs")
        self.show_hidden_box.setObjectName("runsShowHidden")
        self.message_label = QLabel(HINT)
        self.message_label.setObjectName("runsMessage")
        self.message_label.setWordWrap(True)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("runsProblems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(NOTICE_STYLE)
        self.move_aside_button = QPushButton("Move them aside")
        self.move_aside_button.setObjectName("runsMoveAsideButton")
        self.move_aside_button.setToolTip(
            "Move the files of the runs that could not be read into the 'unreadable' folder "
            "next to the stored runs (nothing is deleted)"
        )
        self.move_aside_button.clicked.connect(self.move_aside_requested)
        self.show_problems([])
        self._build_layout()
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.delete_action.triggered.connect(self._on_delete_triggered)
        self.delete_button.clicked.connect(self._on_delete_triggered)
        self.hide_button.clicked.connect(self.toggle_hidden)
        self.show_hidden_box.toggled.connect(self.proxy.set_show_hidden)
        self.model.problem.connect(self.show_problem)
        self.model.dataChanged.connect(self._on_selection_changed)
        self.model.rowsRemoved.connect(self._on_selection_changed)
        self._on_selection_changed()

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.hide_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.show_hidden_box)
        buttons.addWidget(self.message_label, 1)
        problems = QHBoxLayout()
        problems.addWidget(self.problems_label, 1)
        problems.addWidget(self.move_aside_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 0, 4, 4)
        column.setSpacing(2)
        column.addLayout(problems)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)

    # --- reading the selection ---------------------------------------------------------------

    def selected_runs(self) -> list[Run]:
        """The selected runs, oldest first."""
        rows = self.table.selectionModel().selectedRows()
        chosen = {id(self.proxy.run_at(index)) for index in rows}
        return [run for run in self.model.runs if id(run) in chosen]

    def shown_runs(self) -> list[Run]:
        """The selected runs that are not hidden: what the plots show."""
        return [r for r in self.selected_runs() if not r.hidden]

    def select_runs(self, runs: list[Run]) -> None:
        """Select exactly these runs (those the filter shows)."""
        selection = QItemSelection()
        for run in runs:
            source = self.model.index(self.model.runs.index(run), 0)
            index = self.proxy.mapFromSource(source)
            if index.isValid():
                selection.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(selection, flags)

    # --- commands ----------------------------------------------------------------------------

    def toggle_hidden(self) -> None:
        """Hide the selected runs, or show them again when they all are hidden."""
        runs = self.selected_runs()
        self.set_hidden(runs, not all(run.hidden for run in runs))

    def set_hidden(self, runs: list[Run], hidden: bool) -> None:
        try:
            for run in runs:
                self.model.set_hidden(run, hidden)
        except RunMissingError as error:
            self.show_problem(f"{error}; it is no longer listed")
        except OSError as error:
            self.show_problem(f"Could not store the change: {error}")

    def delete_selected(self, confirm: bool = True) -> int:
        """Delete the selected runs (after asking, with ``confirm``); returns how many."""
        runs = self.selected_runs()
        if not runs:
            return 0
        if confirm:
            what = f"run {runs[0].number}" if len(runs) == 1 else f"{len(runs)} runs"
            answer = QMessageBox.question(
                self,
                "Delete runs",
                f"Delete {what}? Their stored files are removed.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return 0
        deleted, gone = 0, []
        try:
            for run in runs:
                if not self.model.delete(run):
                    gone.append(run.number)
                deleted += 1
        except OSError as error:
            self.show_problem(f"Could not delete a run: {error}")
        if gone:
            numbers = ", ".join(map(str, gone))
            self.show_problem(f"Run {numbers} had already been deleted by another window")
        return deleted

    def show_problem(self, text: str) -> None:
        self.message_label.setText(f"<b>{html.escape(text)}</b>" if text else HINT)
        self.message_label.setToolTip(text)

    def show_problems(self, problems: list) -> None:
        """The stored runs that could not be read: how many, the reasons in the tooltip."""
        self.problems_label.setVisible(bool(problems))
        self.move_aside_button.setVisible(bool(problems))
        if problems:
            n = len(problems)
            self.problems_label.setText(
                f"{n} stored run{'s' if n > 1 else ''} could not be read (hover for the reasons)"
            )
            self.problems_label.setToolTip("\n".join(html.escape(str(p)) for p in problems))

    # --- events ------------------------------------------------------------------------------

    def _on_selection_changed(self, *args) -> None:
        runs = self.selected_runs()
        self.hide_button.setEnabled(bool(runs))
        self.delete_button.setEnabled(bool(runs))
        self.delete_action.setEnabled(bool(runs))
        self.hide_button.setText("Unhide" if runs and all(r.hidden for r in runs) else "Hide")
        self.shown_changed.emit()

    def _on_delete_triggered(self) -> None:
        self.delete_selected(confirm=True)

    def _on_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.addAction("Rename").triggered.connect(self._rename_current)
        menu.addAction(self.hide_button.text()).triggered.connect(self.toggle_hidden)
        menu.addAction(self.delete_action)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def _rename_current(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self.table.edit(current.siblingAtColumn(NAME))

    def fit_columns(self) -> None:
        """Fit the figures' columns to their contents (the name keeps its width, the last
        column stretches)."""
        for column in range(DIFFERENCES):
            if column != NAME:
                self.table.resizeColumnToContents(column)
