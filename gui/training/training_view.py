"""The "Training" tab: loss, weights, accuracy and gradient-norm views in resizable splitters."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from engine import MLP
from gui.experiments.run_overlay import OverlaySeries, RunOverlay
from gui.training.plots import AccuracyPlot, GradientNormPlot, LossPlot
from gui.training.run_trace import RunTrace
from gui.training.weights_view import WeightsView


class TrainingView(QWidget):
    """Shows a ``RunTrace`` and a model; holds no state of its own beyond the plot items."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingView")
        self.loss_plot = LossPlot()
        self.accuracy_plot = AccuracyPlot()
        self.gradient_plot = GradientNormPlot()
        self.weights_view = WeightsView()
        self.overlay = RunOverlay(self.loss_plot, self.accuracy_plot)
        self._grad_points = -1
        self._span = (0.0, 1.0)
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
        """The live run's span; widened to show the stored runs drawn over it."""
        self._span = (start, end)
        for plot in self.plots:
            plot.set_x_span(start, max(end, self.overlay.x_end))

    def show_runs(self, series: list[OverlaySeries]) -> None:
        """Draw these stored runs over the loss and accuracy plots (and no others)."""
        self.overlay.show(series)
        self.loss_plot.set_overlay_top(self.overlay.loss_top)
        self.set_epoch_span(*self._span)

    def show_model(self, model: MLP) -> None:
        self.weights_view.show_model(model)

    def apply_theme(self) -> None:
        for plot in self.plots:
            plot.apply_theme()
