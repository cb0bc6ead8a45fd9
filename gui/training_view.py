"""The "Training" tab: loss, weights, accuracy and gradient-norm views in resizable splitters."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from engine import MLP
from gui.plots import AccuracyPlot, GradientNormPlot, LossPlot
from gui.run_trace import RunTrace
from gui.weights_view import WeightsView


class TrainingView(QWidget):
    """Shows a ``RunTrace`` and a model; holds no state of its own beyond the plot items."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingView")
        self.loss_plot = LossPlot()
        self.accuracy_plot = AccuracyPlot()
        self.gradient_plot = GradientNormPlot()
        self.weights_view = WeightsView()
        self._grad_points = -1
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.loss_plot)
        top.addWidget(self.weights_view)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.accuracy_plot)
        bottom.addWidget(self.gradient_plot)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("trainingSplitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        for splitter in (top, bottom, self.splitter):
            splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    @property
    def plots(self) -> tuple[LossPlot, AccuracyPlot, GradientNormPlot]:
        return self.loss_plot, self.accuracy_plot, self.gradient_plot

    def show_trace(self, trace: RunTrace, updates: bool = True, evaluations: bool = True) -> None:
        """Redraw what changed: the per-update curves and/or the evaluation curves."""
        self.loss_plot.show_trace(trace, updates, evaluations)
        if evaluations:
            self.accuracy_plot.show_trace(trace)
        if len(trace.grad_norm) != self._grad_points:  # once an epoch: skip the other frames
            self._grad_points = len(trace.grad_norm)
            self.gradient_plot.show_trace(trace)

    def set_epoch_span(self, start: float, end: float) -> None:
        for plot in self.plots:
            plot.set_x_span(start, end)

    def show_model(self, model: MLP) -> None:
        self.weights_view.show_model(model)

    def apply_theme(self) -> None:
        for plot in self.plots:
            plot.apply_theme()
