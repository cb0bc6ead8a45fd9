"""The gradient check in the app: ``engine.check_gradients`` on the current model, for the
sample shown or a few test samples, in float64, off the GUI thread (one loss per parameter and
direction: about a second for a 64-unit network).

A table gives one row per parameter array: its largest entrywise relative error, where it is,
and pass (below 1e-6) or fail. The entry to look at is sent to the network drawing
(``worst_found``): the worst one where backpropagation first goes wrong when the check fails,
else the worst of all.
"""

import functools
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import MLP, GradientCheck, check_gradients
from gui.jobs import Job, JobFailed
from gui.session import Session
from gui.theme import ERROR_RED

SHOWN, TEST_BATCH = "shown", "batch"
BATCH_SIZE = 8
COLUMNS = ("Array", "Rel. error", "Worst at", "Result")
PASS_COLOUR, FAIL_COLOUR = QColor(200, 235, 205), QColor(245, 200, 195)
Sample = Callable[[str], "tuple[np.ndarray, np.ndarray | int, str] | None"]


def run_check(model: MLP, X: np.ndarray, y, _report) -> GradientCheck:
    """The work of the check's job: the model is a copy the GUI never touches."""
    return check_gradients(model, X, y)


def entry_name(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(str(i) for i in index)}]"


class GradientCheckPanel(QWidget):
    """Signals: ``finished(GradientCheck | JobFailed)`` once a check's thread is done;
    ``worst_found((kind, layer, index) | None)`` with the entry to highlight (``kind`` "W" or
    "b"), None when there is nothing (any more) to highlight."""

    finished = Signal(object)
    worst_found = Signal(object)

    def __init__(self, session: Session, sample: Sample, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.sample = session, sample
        self.result: GradientCheck | None = None
        self._job: Job | None = None
        self.button = QPushButton("Check gradients")
        self.button.setObjectName("gradientCheckButton")
        self.button.setToolTip(
            "Compare backprop's gradient with central finite differences, entry by entry, "
            "in float64: one loss per parameter nudged up and one nudged down"
        )
        self.scope = QComboBox()
        self.scope.setObjectName("gradientCheckScope")
        self.scope.addItem("on the sample shown", SHOWN)
        self.scope.addItem(f"on {BATCH_SIZE} test samples", TEST_BATCH)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("gradientCheckTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        rows = 4  # the lab's network; more rows scroll
        self.table.setFixedHeight(
            header.sizeHint().height() + rows * self.table.verticalHeader().defaultSectionSize() + 4
        )
        self.table.setToolTip(
            "Largest entrywise relative error |a − n| / max(|a| + |n|, 0.01) of each array; "
            "an array passes below 1e-6. Hover a row for the two values at its worst entry."
        )
        self.summary = QLabel("Not checked yet.")
        self.summary.setObjectName("gradientCheckSummary")
        self.summary.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.scope, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.table)
        column.addWidget(self.summary)
        self.button.clicked.connect(self.start)
        session.model_replaced.connect(self._on_outdated)
        session.settings_changed.connect(self._on_outdated)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_about_to_quit)

    def start(self) -> bool:
        """Check the current model's gradients (in a background job)."""
        if self._job is not None:
            return False
        chosen = self.sample(self.scope.currentData())
        if chosen is None:
            self.summary.setText("Nothing to check: choose a sample with a label first.")
            return False
        X, y, what = chosen
        model = self.session.model.copy()
        n_params = sum(p.size for p in model.params.values())
        self._what = what
        self._job = Job(functools.partial(run_check, model, X, y), "GradientCheckThread", self)
        self._job.finished.connect(self._on_finished)
        self.button.setEnabled(False)
        self.button.setText("Checking…")
        self.summary.setText(f"Computing 2 × {n_params:,} losses in float64 on {what}…")
        self._job.start()
        return True

    def stop(self, wait: bool = False) -> None:
        """The check cannot be interrupted; ``wait`` waits for it to end (under a second or
        two)."""
        if wait and self._job is not None:
            self._job.wait()

    # --- reacting --------------------------------------------------------------------------

    def _on_finished(self, result) -> None:
        self._job = None
        self.button.setEnabled(True)
        self.button.setText("Check gradients")
        if isinstance(result, JobFailed):
            self.result = None
            self.summary.setText(f"The check failed: {result.error}")
            self.worst_found.emit(None)
        else:
            self.result = result
            self._show(result)
        self.finished.emit(result)

    def _show(self, result: GradientCheck) -> None:
        params = self.session.model.params
        focus = self.highlighted(result)
        self.table.setRowCount(len(result.arrays))
        for row, array in enumerate(result.arrays):
            shape = "×".join(str(n) for n in params[array.name].shape)
            cells = (
                f"{array.name} {shape}",
                f"{array.max_relative_error:.2e}",
                f"[{', '.join(str(i) for i in array.worst_index)}]",
                "✓ pass" if array.passed else "✗ fail",
            )
            tip = (
                f"At {entry_name(array.name, array.worst_index)}: backprop {array.backprop:.6g}, "
                f"numerical {array.numerical:.6g}; normwise error {array.normwise_error:.2e}"
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if column == 3:
                    item.setBackground(QBrush(PASS_COLOUR if array.passed else FAIL_COLOUR))
                if array is focus:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        where = entry_name(focus.name, focus.worst_index)
        values = f"backprop {focus.backprop:.4g} vs numerical {focus.numerical:.4g}"
        if result.passed:
            self.summary.setText(
                f"<b>Pass</b> on {self._what}: every array's relative error is below "
                f"{result.tolerance:g} (largest {result.worst.max_relative_error:.1e}, at "
                f"{where}, highlighted)."
            )
        else:
            layer = result.first_failing_layer
            n_layers = len(result.arrays) // 2
            name = "the output layer" if layer == n_layers else f"hidden layer {layer}"
            self.summary.setText(
                f"<b style='color:{ERROR_RED}'>Fail</b> on {self._what}: "
                f"{', '.join(result.failing)}. Backprop first goes wrong at layer {layer} "
                f"({name}); its worst entry, highlighted: {where}, {values}."
            )
        self.worst_found.emit((focus.name[0], focus.layer, focus.worst_index))

    @staticmethod
    def highlighted(result: GradientCheck):
        """The array whose worst entry to show: in the failing layer nearest the output when
        the check fails (where backprop first goes wrong), else the worst of all."""
        layer = result.first_failing_layer
        if layer is None:
            return result.worst
        failing = [a for a in result.arrays if a.layer == layer and not a.passed]
        return max(failing, key=lambda a: a.max_relative_error)

    def _on_outdated(self) -> None:
        if self.result is None:
            return
        self.result = None
        self.table.setRowCount(0)
        self.summary.setText("The network or its backprop changed since the last check.")
        self.worst_found.emit(None)

    def _on_about_to_quit(self) -> None:
        self.stop(wait=True)
