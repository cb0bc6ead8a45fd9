"""The Training tab: what the current run teaches (a preset's explanation), a legend, the loss,
weights, accuracy and gradient-norm views in resizable splitters.

It draws the session's lineage (the runs of the current model, from their ``History``) and the
stored runs selected in the Runs panel; it follows the ``TrainingController``'s frames while a
run goes on and fits the epoch axis to what ran when it ends.
"""

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

from gui.session import Session
from gui.theme import GREY, INFO_STYLE, LIVE_COLOUR, MINE_STYLE, TEST_STYLE, TRAIN_STYLE, swatch
from gui.training.controller import Frame, TrainingController
from gui.training.lineage_series import LineageBands, lineage_series
from gui.training.plots import AccuracyPlot, GradientNormPlot, LossPlot, OverlaySeries
from gui.training.weights_view import WeightsView


class TrainingView(QWidget):
    """Shows the session's runs and model; holds no state of its own beyond the plot items."""

    def __init__(
        self, session: Session, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingView")
        self.session = session
        self.loss_plot = LossPlot()
        self.accuracy_plot = AccuracyPlot()
        self.gradient_plot = GradientNormPlot()
        self.weights_view = WeightsView()
        self.bands = LineageBands()
        self.overlays: list[OverlaySeries] = []
        self.explanation = QLabel()
        self.explanation.setObjectName("experimentExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet(INFO_STYLE)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.close_explanation = QToolButton()
        self.close_explanation.setText("✕")
        self.close_explanation.setToolTip("Hide this explanation")
        self.close_explanation.clicked.connect(self.hide_explanation)
        self.legend = QLabel()
        self.legend.setObjectName("plotsLegend")
        self.legend.setWordWrap(True)
        self._build_layout()
        self.hide_explanation()
        self._show_legend()
        session.model_replaced.connect(self._on_model_replaced)
        session.weights_changed.connect(self._on_weights_changed)
        session.run_started.connect(self._on_run_started)
        session.my_digits_changed.connect(self._show_legend)
        controller.progress.connect(self._on_progress)
        controller.run_finished.connect(self._on_run_finished)
        self.redraw()

    def _build_layout(self) -> None:
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
        banner = QHBoxLayout()
        banner.addWidget(self.explanation, 1)
        banner.addWidget(self.close_explanation, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(banner)
        layout.addWidget(self.legend)
        layout.addWidget(self.splitter, 1)

    @property
    def plots(self) -> tuple[LossPlot, AccuracyPlot, GradientNormPlot]:
        return self.loss_plot, self.accuracy_plot, self.gradient_plot

    # --- what is drawn -----------------------------------------------------------------------

    def redraw(self) -> None:
        """Draw the lineage and the overlays afresh."""
        series = lineage_series(self.session.lineage, self.bands)
        overlay_top = max(
            (float(np.nanmax(np.r_[s.train_loss, s.test_loss, 0.0])) for s in self.overlays),
            default=0.0,
        )
        self.loss_plot.show_series(series, 1.1 * overlay_top)
        self.accuracy_plot.show_series(series, self.overlays)
        self.gradient_plot.show_series(series)
        return series

    def show_runs(self, overlays: list[OverlaySeries]) -> None:
        """Draw these stored runs over the loss and accuracy plots (and no others)."""
        lineage = {run.id for run in self.session.lineage}
        self.overlays = [s for s in overlays if s.key not in lineage]  # the live run, once
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.show_overlays(self.overlays)
        self._show_legend()
        self._fit_x(self.redraw().x_end)

    def _show_legend(self) -> None:
        parts = [
            f"<b>Current model</b> {swatch(LIVE_COLOUR, TRAIN_STYLE)} train set "
            f"{swatch(LIVE_COLOUR, TEST_STYLE)} test set "
            + (f"{swatch(LIVE_COLOUR, MINE_STYLE)} my digits " if self._has_mine() else "")
            + f"<span style='color:{GREY}'>▮</span> loss of each update (range) "
            f"{swatch(GREY)} its mean"
        ]
        parts += [f"{swatch(s.colour)} {html.escape(s.label)}" for s in self.overlays]
        self.legend.setText(" &nbsp;·&nbsp; ".join(parts))

    def _has_mine(self) -> bool:
        return len(self.session.my_labels) > 0

    def _fit_x(self, end: float) -> None:
        longest = max((float(np.nanmax(s.x)) for s in self.overlays if len(s.x)), default=0.0)
        for plot in self.plots:
            plot.set_x_span(0.0, max(end, longest, 1e-3))

    def show_explanation(self, title: str, text: str) -> None:
        self.explanation.setText(f"<b>{html.escape(title)}</b> — {html.escape(text)}")
        self.explanation.show()
        self.close_explanation.show()

    def hide_explanation(self) -> None:
        self.explanation.hide()
        self.close_explanation.hide()

    def apply_theme(self) -> None:
        for plot in self.plots:
            plot.apply_theme()

    # --- reacting ----------------------------------------------------------------------------

    def _on_model_replaced(self) -> None:
        self.bands.clear()
        self.loss_plot.reset_range()
        self.weights_view.reset_levels()
        self.weights_view.show_model(self.session.model)
        self.show_runs(self.overlays)

    def _on_weights_changed(self) -> None:
        self.weights_view.show_model(self.session.model)

    def _on_run_started(self, run) -> None:
        done = sum(r.history.n_updates / (r.history.updates_per_epoch or 1)
                   for r in self.session.lineage[:-1] if r.history is not None)  # fmt: skip
        self._fit_x(done + run.config.epochs)

    def _on_progress(self, frame: Frame) -> None:
        self.redraw()

    def _on_run_finished(self, run) -> None:
        self._fit_x(self.redraw().x_end)  # a run stopped early: the axis fits what ran
