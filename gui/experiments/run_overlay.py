"""Stored runs drawn over the live Loss and Accuracy plots, one colour per run.

Each run gets two curves per plot, created the first time it is shown and kept until it is
deleted: the test set solid and named in the legend, the training set dashed. A run that is
no longer selected is taken off the plot (and out of its legend), not destroyed. The legend
names a run by what sets it apart from the other runs shown, e.g. ``run 2: init zeros``.
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from engine.experiments.runs import SHORT_LABELS, Run, format_value
from gui.training.plots import AccuracyPlot, LivePlot, LossPlot

# Distinct from the live curves' blue, green and vermilion; readable on light and dark.
OVERLAY_COLOURS = (
    "#E69F00",
    "#9467BD",
    "#CC79A7",
    "#56B4E9",
    "#8C564B",
    "#7F7F7F",
    "#B8860B",
    "#44AA99",
)


@dataclass(frozen=True)
class OverlaySeries:
    """What one run shows: evaluations against epochs; accuracies in percent."""

    key: str
    label: str
    colour: str
    x: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray


def varying_fields(runs: list[Run]) -> list[str]:
    """The configuration fields whose values are not all the same across ``runs``."""
    if not runs:
        return []
    first, *others = [run.config.to_dict() for run in runs]
    return [name for name in first if any(d[name] != first[name] for d in others)]


def overlay_label(number: int, run: Run, fields: list[str]) -> str:
    """``run 2: init zeros``; the run's name when no field sets it apart."""
    values = run.config.to_dict()
    apart = ", ".join(f"{SHORT_LABELS.get(k, k)} {format_value(k, values[k])}" for k in fields)
    return f"run {number}: {apart or run.name}"


def overlay_series(numbered: list[tuple[int, Run]]) -> list[OverlaySeries]:
    """The series of runs given with their numbers, coloured by their place in the list."""
    fields = varying_fields([run for _, run in numbered])
    series = []
    for place, (number, run) in enumerate(numbered):
        history = run.history
        series.append(
            OverlaySeries(
                key=run.id,
                label=overlay_label(number, run, fields),
                colour=OVERLAY_COLOURS[place % len(OVERLAY_COLOURS)],
                x=history.column("epoch_progress"),
                train_loss=history.column("train_loss"),
                test_loss=history.column("test_loss"),
                train_accuracy=100.0 * history.column("train_accuracy"),
                test_accuracy=100.0 * history.column("test_accuracy"),
            )
        )
    return series


def _pen(colour: str, dashed: bool) -> pg.QtGui.QPen:
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(QColor(colour), width=1, style=style)  # cosmetic, width 1


class PlotOverlay:
    """The overlay curves of one plot: (test, train) per run key, shown or not."""

    def __init__(self, plot: LivePlot, field: str) -> None:
        self.plot = plot
        self.field = field  # "loss" or "accuracy"
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.shown: list[str] = []  # in the order given, oldest run first

    def show(self, series: list[OverlaySeries]) -> None:
        item = self.plot.getPlotItem()
        wanted = [s.key for s in series]
        for key in set(self.shown) - set(wanted):
            for curve in self.curves[key]:
                item.removeItem(curve)
        for s in series:
            if s.key not in self.curves:
                test = pg.PlotDataItem(s.x, getattr(s, f"test_{self.field}"))
                train = pg.PlotDataItem(s.x, getattr(s, f"train_{self.field}"))
                self.curves[s.key] = (test, train)
            test, train = self.curves[s.key]
            test.setPen(_pen(s.colour, dashed=False))
            train.setPen(_pen(s.colour, dashed=True))
            if s.key in self.shown and test.name() != s.label:
                item.removeItem(test)  # added again below, under its new legend name
            test.opts["name"] = s.label
            for curve in (test, train):
                if curve not in item.items:
                    item.addItem(curve)
        self.shown = wanted

    def forget(self, key: str) -> None:
        """Drop a deleted run's curves for good."""
        for curve in self.curves.pop(key, ()):
            self.plot.getPlotItem().removeItem(curve)
        if key in self.shown:
            self.shown.remove(key)

    def shown_curves(self) -> dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]]:
        return {key: self.curves[key] for key in self.shown}


class RunOverlay:
    """Stored runs over the Loss plot (full-set losses) and the Accuracy plot."""

    def __init__(self, loss_plot: LossPlot, accuracy_plot: AccuracyPlot) -> None:
        self.loss = PlotOverlay(loss_plot, "loss")
        self.accuracy = PlotOverlay(accuracy_plot, "accuracy")
        self.x_end = 0.0  # the last epoch of the runs shown
        self.loss_top = 0.0  # their highest finite loss

    def show(self, series: list[OverlaySeries]) -> None:
        self.loss.show(series)
        self.accuracy.show(series)
        self.x_end = max((float(np.nanmax(s.x)) for s in series if len(s.x)), default=0.0)
        losses = [np.concatenate([s.train_loss, s.test_loss]) for s in series]
        finite = [v[np.isfinite(v)] for v in losses]
        self.loss_top = max((float(v.max()) for v in finite if len(v)), default=0.0)

    def forget(self, key: str) -> None:
        self.loss.forget(key)
        self.accuracy.forget(key)
