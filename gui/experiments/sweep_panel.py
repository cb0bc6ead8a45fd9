"""The "Sweep" tab: one hyperparameter, a list of its values, and the final figures against them.

A thin view: it reads the user's choice and shows what the ``SweepController`` tells it, a
progress line and a ``SweepResult``. Numeric values are joined by lines; categories (activations,
layer lists, seeds...) are points at their own ticks, not a trend. The other settings come from
the Experiment panel; every run of a sweep starts from a fresh network and is kept in Runs.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import SWEEPABLE, SweepResult
from gui.theme import LIVE_COLOUR, NOTICE_STYLE, TEST_STYLE, TRAIN_STYLE, pen, swatch
from gui.widgets.live_plot import LivePlot

MAX_TICKS = 12  # more values than this get the axis's own ticks


def _result_plot(title: str, y_label: str, name: str) -> LivePlot:
    plot = LivePlot(title, y_label, x_label="value", object_name=name)
    plot.setMinimumHeight(160)
    plot.getPlotItem().getViewBox().setDefaultPadding(0.08)  # room for the end values' ticks
    return plot


def _points(plot: LivePlot, style) -> pg.PlotDataItem:
    symbol = "o" if style == TRAIN_STYLE else "s"
    return plot.curve(
        pen(LIVE_COLOUR, style=style), symbol=symbol, symbolSize=7, symbolPen=None,
        symbolBrush=LIVE_COLOUR,
    )  # fmt: skip


class SweepPanel(QWidget):
    """Signals: ``start_requested`` (Run sweep), ``stop_requested`` (Stop)."""

    start_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepPanel")
        self.parameter_box = QComboBox()
        self.parameter_box.setObjectName("sweepParameter")
        for key, sweepable in SWEEPABLE.items():
            self.parameter_box.addItem(sweepable.label.lower(), key)
        self.values_edit = QLineEdit(SWEEPABLE["learning_rate"].sweep_example)
        self.values_edit.setObjectName("sweepValues")
        self.values_edit.setToolTip("Comma-separated values; hidden layers by semicolons")
        self.run_button = QPushButton("Run sweep")
        self.run_button.setObjectName("sweepRunButton")
        self.run_button.setToolTip(
            "Train one fresh network per value, one after another, with the other settings "
            "of the Experiment panel; each run is kept in Runs"
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("sweepStopButton")
        self.stop_button.setToolTip("Stop the run under way and start no further run")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("sweepProgress")
        self.progress_bar.setFormat("No sweep yet")
        self.progress_bar.setValue(0)
        self.message_label = QLabel()
        self.message_label.setObjectName("sweepMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self.accuracy_plot = _result_plot("Final accuracy", "accuracy (%)", "sweepAccuracyPlot")
        self.loss_plot = _result_plot("Final loss", "loss (nats)", "sweepLossPlot")
        self.curves = {
            "test_accuracy": _points(self.accuracy_plot, TEST_STYLE),
            "train_accuracy": _points(self.accuracy_plot, TRAIN_STYLE),
            "test_loss": _points(self.loss_plot, TEST_STYLE),
            "train_loss": _points(self.loss_plot, TRAIN_STYLE),
        }
        self._build_layout()
        self.parameter_box.currentIndexChanged.connect(self._on_parameter_changed)
        self.run_button.clicked.connect(self.start_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.set_state(running=False, can_start=True)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Sweep", self.parameter_box)
        form.addRow("Values", self.values_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        form.addRow(self.progress_bar)
        hint = QLabel("The other settings are the Experiment panel's.")
        hint.setWordWrap(True)
        form.addRow(hint)
        form.addRow(self.message_label)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        column = QWidget()
        column.setLayout(left)
        column.setMinimumWidth(180)
        column.setMaximumWidth(300)
        legend = QLabel(
            f"{swatch(LIVE_COLOUR, TRAIN_STYLE)} train set &nbsp; "
            f"{swatch(LIVE_COLOUR, TEST_STYLE)} test set &nbsp;·&nbsp; the final figures of "
            "each run, against the value swept"
        )  # outside the plots: a legend never covers data
        legend.setObjectName("sweepLegend")
        legend.setWordWrap(True)
        pair = QHBoxLayout()
        pair.addWidget(self.accuracy_plot)
        pair.addWidget(self.loss_plot)
        plots = QVBoxLayout()
        plots.addWidget(legend)
        plots.addLayout(pair, 1)
        row = QHBoxLayout(self)
        row.addWidget(column)
        row.addLayout(plots, 1)

    # --- what the user chose -----------------------------------------------------------------

    def parameter(self) -> str:
        return str(self.parameter_box.currentData())

    def values_text(self) -> str:
        return self.values_edit.text()

    def set_sweep(self, parameter: str, values: str) -> None:
        self.parameter_box.setCurrentIndex(self.parameter_box.findData(parameter))
        self.values_edit.setText(values)

    def _on_parameter_changed(self) -> None:
        self.values_edit.setText(SWEEPABLE[self.parameter()].sweep_example or "")

    # --- what the controller shows -----------------------------------------------------------

    def set_state(self, running: bool, can_start: bool) -> None:
        self.run_button.setEnabled(can_start and not running)
        self.stop_button.setEnabled(running)
        self.parameter_box.setEnabled(not running)
        self.values_edit.setEnabled(not running)

    def show_message(self, text: str | None, *, problem: bool = False) -> None:
        self.message_label.setText(text or "")
        self.message_label.setStyleSheet(NOTICE_STYLE if problem else "")
        self.message_label.setVisible(bool(text))

    def show_progress(self, text: str, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(min(done, total))
        self.progress_bar.setFormat(text.replace("%", "%%"))

    def show_result(self, result: SweepResult) -> None:
        """Final (or latest) figures of every value run so far; NaN points are left out."""
        x = result.x_positions()
        ticks = None
        if len(x) <= MAX_TICKS:  # a tick at each value, named as typed (not 10¹)
            at = np.log10(x) if result.log_axis else x
            ticks = [[(float(p), row.label) for p, row in zip(at, result.rows, strict=True)]]
        for plot in (self.accuracy_plot, self.loss_plot):
            item = plot.getPlotItem()
            item.setLogMode(x=result.log_axis)
            plot.set_x_label(result.sweepable.label.lower())
            item.getAxis("bottom").setTicks(ticks)
        categories = result.categorical
        for name, curve in self.curves.items():
            y = result.column(name) * (100.0 if "accuracy" in name else 1.0)
            keep = np.isfinite(y)
            style = TRAIN_STYLE if name.startswith("train") else TEST_STYLE
            # categories are not a trend: points only
            curve.setPen(None if categories else pen(LIVE_COLOUR, style=style))
            curve.setData(x[keep], y[keep])
