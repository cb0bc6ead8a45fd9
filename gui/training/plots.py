"""The Training tab's plots: loss, accuracy and gradient norm.

One colour per run (the current model's runs in ``LIVE_COLOUR``, each stored run drawn over them
in its own), one line style per split: train solid, test dashed, on every plot. The per-update
loss is a quiet band (min to max of each bin of updates) under its mean. Curves are created once
and then only get ``setData``; the axes move only when their range has to (a diverged run's
explosion is cut off and marked, the accuracy axis zooms to the data and labels 100 %).
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui.theme import (
    GREY,
    LIVE_COLOUR,
    MINE_STYLE,
    TEST_STYLE,
    TRAIN_STYLE,
    VERMILION,
    blend,
    pen,
    scheme_colours,
)
from gui.training.lineage_series import LineageSeries, accuracy_range, loss_top
from gui.widgets.live_plot import LivePlot


@dataclass(frozen=True)
class OverlaySeries:
    """A stored run drawn over the plots: evaluations against epochs; accuracies in percent."""

    key: str
    label: str
    colour: str
    x: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray


class SplitPlot(LivePlot):
    """A plot of one figure on the train and test sets, for the live runs and stored runs."""

    field = "loss"

    def __init__(self, title: str, y_label: str, object_name: str, parent=None) -> None:
        super().__init__(title, y_label, object_name=object_name, parent=parent)
        self.train = self.curve(pen(LIVE_COLOUR, style=TRAIN_STYLE))
        self.test = self.curve(pen(LIVE_COLOUR, style=TEST_STYLE))
        self.overlays: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}

    def show_overlays(self, series: list[OverlaySeries]) -> None:
        """Draw these stored runs (and no others)."""
        item = self.getPlotItem()
        wanted = {s.key for s in series}
        for key in [k for k in self.overlays if k not in wanted]:
            for curve in self.overlays.pop(key):
                item.removeItem(curve)
        for s in series:
            if s.key not in self.overlays:
                self.overlays[s.key] = (self.curve(pen(s.colour)), self.curve(pen(s.colour)))
            train, test = self.overlays[s.key]
            train.setPen(pen(s.colour, style=TRAIN_STYLE))
            test.setPen(pen(s.colour, style=TEST_STYLE))
            train.setData(s.x, getattr(s, f"train_{self.field}"))
            test.setData(s.x, getattr(s, f"test_{self.field}"))


class LossPlot(SplitPlot):
    """Loss per update (a band and its mean) and on the full train and test sets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss", "loss (nats)", "lossPlot", parent)
        background = scheme_colours()[0]
        self.band_lo = pg.PlotCurveItem([], [], pen=pen(blend(GREY, background, 0.25)))
        self.band_hi = pg.PlotCurveItem([], [], pen=pen(blend(GREY, background, 0.25)))
        self.band = pg.FillBetweenItem(
            self.band_lo, self.band_hi, brush=blend(GREY, background, 0.18)
        )
        item = self.getPlotItem()
        for band in (self.band, self.band_lo, self.band_hi):
            item.addItem(band, ignoreBounds=True)
            band.setZValue(-10)
        self.smooth = self.curve(pen(blend(GREY, background, 0.85)))
        self.smooth.setZValue(-5)
        self.diverged_line = pg.InfiniteLine(
            angle=90, pen=pen(VERMILION, style=Qt.PenStyle.DotLine), label="diverged",
            labelOpts={"position": 0.9, "color": VERMILION},
        )  # fmt: skip
        self.diverged_line.hide()
        item.addItem(self.diverged_line, ignoreBounds=True)
        self._top = 0.0
        item.enableAutoRange(axis="y", enable=False)
        item.setYRange(0, 2.5, padding=0)

    def apply_theme(self) -> None:
        super().apply_theme()
        if hasattr(self, "band"):
            background = scheme_colours()[0]
            for curve in (self.band_lo, self.band_hi):
                curve.setPen(pen(blend(GREY, background, 0.25)))
            self.band.setBrush(blend(GREY, background, 0.18))
            self.smooth.setPen(pen(blend(GREY, background, 0.85)))

    def reset_range(self) -> None:
        self._top = 0.0

    def show_series(self, series: LineageSeries, overlay_top: float = 0.0) -> None:
        # The fill rebuilds its path whenever either edge changes: once, with both edges new.
        self.band_lo.blockSignals(True)
        self.band_lo.setData(series.band_x, series.band_lo)
        self.band_lo.blockSignals(False)
        self.band_hi.setData(series.band_x, series.band_hi)
        self.smooth.setData(series.band_x, series.band_mean)
        self.train.setData(series.eval_x, series.train_loss)
        self.test.setData(series.eval_x, series.test_loss)
        diverged = series.diverged_at is not None
        self.diverged_line.setVisible(diverged)
        if diverged:
            self.diverged_line.setValue(series.diverged_at)
        top = max(loss_top(series, diverged), overlay_top)
        # the axis only grows while a run goes on (moving it costs a redraw), and shrinks when
        # its data no longer needs most of it
        if top > self._top or top < 0.5 * self._top or diverged:
            self._top = top
            self.getPlotItem().setYRange(0, top, padding=0)


LABEL_ROOM = 9  # pixels above the 100 % tick: half a tick label's height, and a little


class AccuracyPlot(SplitPlot):
    """Accuracy on the full train and test sets, the axis zoomed to the data, 100 % labelled."""

    field = "accuracy"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Accuracy", "accuracy (%)", "accuracyPlot", parent)
        self.mine = self.curve(pen(LIVE_COLOUR, style=MINE_STYLE))  # the user's drawings
        self.getPlotItem().enableAutoRange(axis="y", enable=False)
        self._bottom: float | None = None
        self._zoom([np.array([0.0])])
        self.getPlotItem().getViewBox().sigResized.connect(self._fit_range)

    def _zoom(self, values: list[np.ndarray]) -> None:
        bottom, ticks = accuracy_range(values)
        if bottom != self._bottom:
            self._bottom = bottom
            self._fit_range()
            self.getPlotItem().getAxis("left").setTicks([[(t, f"{t:g}") for t in ticks]])

    def _fit_range(self, *_) -> None:
        """From the bottom to 100 %, with room above 100 for its label: pyqtgraph skips a tick
        label that sticks out of the plot, which a 3 % margin does on a short plot."""
        span = 100.0 - self._bottom
        height = self.getPlotItem().getViewBox().height()
        room = max(0.03, LABEL_ROOM / height) if height > 0 else 0.03
        self.getPlotItem().setYRange(self._bottom - 0.03 * span, 100.0 + room * span, padding=0)

    def show_series(self, series: LineageSeries, overlays: list[OverlaySeries] = ()) -> None:
        self.train.setData(series.eval_x, series.train_accuracy)
        self.test.setData(series.eval_x, series.test_accuracy)
        mine = np.isfinite(series.my_digits_accuracy)
        self.mine.setData(series.eval_x[mine], series.my_digits_accuracy[mine])
        values = [series.train_accuracy, series.test_accuracy, series.my_digits_accuracy]
        values += [s.test_accuracy for s in overlays] + [s.train_accuracy for s in overlays]
        if any(len(v) for v in values):
            self._zoom(values)


class GradientNormPlot(LivePlot):
    """The norm of the average gradient over the full training set, after every epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Gradient norm (full training set)",
            "‖∇L‖",  # short: the plot can be 100 pixels high; the title says the rest
            log_y=True,
            object_name="gradientNormPlot",
            parent=parent,
        )
        self.norm = self.curve(
            pen(LIVE_COLOUR), symbol="o", symbolSize=5, symbolPen=None, symbolBrush=LIVE_COLOUR
        )
        self._points = -1

    def show_series(self, series: LineageSeries) -> None:
        if len(series.grad_norm) != self._points:  # once an epoch: skip the other frames
            self._points = len(series.grad_norm)
            self.norm.setData(series.grad_x, series.grad_norm)
