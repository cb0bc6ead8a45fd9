"""The live plots: loss, accuracy and gradient norm, each a ``LivePlot`` with a legend, a hover
readout and PNG/CSV export in its context menu.

Curves are created once in the constructors; ``show_trace`` only calls ``setData`` with views of
the trace's buffers. The per-update loss curve can hold 100k+ points, so it is clipped to the
view and downsampled (peak mode keeps the spikes) before drawing.
"""

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 (registers ImageExporter and CSVExporter)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QLabel, QWidget

from gui.training.run_trace import RunTrace

# Colour-blind friendly (Okabe-Ito), readable on light and dark backgrounds.
BLUE, ORANGE, GREEN, VERMILION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"
TRAIN_COLOUR, TEST_COLOUR = BLUE, VERMILION


def scheme_colours() -> tuple[QColor, QColor]:
    """Background and foreground for plots, from the application's palette (light or dark)."""
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options; call once before creating any plot (idempotent)."""
    background, foreground = scheme_colours()
    pg.setConfigOptions(
        imageAxisOrder="row-major", background=background, foreground=foreground, antialias=False
    )


def pen(colour: str, alpha: int = 255) -> pg.QtGui.QPen:
    """A cosmetic pen of width 1 (wider pens are much slower to draw)."""
    qcolour = QColor(colour)
    qcolour.setAlpha(alpha)
    return pg.mkPen(qcolour, width=1)


def blend(colour: str, background: QColor, weight: float) -> str:
    """``colour`` mixed with ``background``: ``weight`` of the colour, the rest background."""
    c = QColor(colour)
    mix = [
        round(weight * a + (1 - weight) * b)
        for a, b in zip(c.getRgb()[:3], background.getRgb()[:3], strict=True)
    ]
    return QColor(*mix).name()


class SparseLogAxis(pg.AxisItem):
    """A log axis that labels only 1, 2 and 5 times a power of ten (the other minor labels of a
    short log range overlap)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = super().logTickStrings(values, scale, spacing)
        keep = []
        for value, text in zip(values, strings, strict=True):
            mantissa = 10 ** (value - np.floor(value + 1e-9))
            keep.append(text if min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6 else "")
        return keep


class LivePlot(pg.PlotWidget):
    """A plot with labelled axes, a legend, a readout of the point under the mouse, and
    "Export PNG…" / "Export CSV…" in its context menu."""

    def __init__(
        self,
        title: str,
        y_label: str,
        *,
        x_label: str = "epoch",
        log_y: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        axes = {"left": SparseLogAxis("left")} if log_y else None
        super().__init__(parent=parent, axisItems=axes)
        self.setObjectName(title.split()[0].lower() + "Plot")
        self._y_name = y_label.split(" (")[0]
        self._x_name = x_label.split(" (")[0]
        item = self.getPlotItem()
        item.setTitle(title)
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.enableAutoSIPrefix(False)  # no "(x0.001)" rescaling of the ticks
            # Replaying an axis's tick labels and grid costs ~2 ms a frame, and a curve's update
            # repaints the grid under it: cache the axis as a pixmap, redrawn only when it changes.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLogMode(y=log_y)
        self.legend = item.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self._readout = QLabel(self)
        self._readout.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._readout.hide()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        # The scene's generic "Export..." dialog offers pyqtgraph's SVG exporter, which is broken
        # on Qt 6.11/6.12; the view box menu gets two exports that work instead.
        self.scene().contextMenu[0].setVisible(False)
        menu = item.getViewBox().menu
        menu.addSeparator()
        menu.addAction("Export PNG…").triggered.connect(self._ask_export_png)
        menu.addAction("Export CSV…").triggered.connect(self._ask_export_csv)
        self.apply_theme()

    def add_curve(
        self, name: str, colour: str, *, alpha: int = 255, ignore_bounds: bool = False
    ) -> pg.PlotDataItem:
        """A curve in the legend; with ``ignore_bounds`` it does not steer the auto-range."""
        curve = pg.PlotDataItem([], [], name=name, pen=pen(colour, alpha))
        self.getPlotItem().addItem(curve, ignoreBounds=ignore_bounds)
        return curve

    def _theme_curves(self, background: QColor) -> None:
        """Curves whose colour depends on the background (none here)."""

    def set_x_label(self, label: str) -> None:
        """Name the x axis (and the readout's x)."""
        self.getPlotItem().setLabel("bottom", label)
        self._x_name = label.split(" (")[0]

    def set_x_span(self, start: float, end: float) -> None:
        """Fix the epoch axis to the run's span: curves grow from left to right, and the axes
        are not redrawn on every frame (auto-range would move them with each new point)."""
        item = self.getPlotItem()
        item.enableAutoRange(axis="x", enable=False)
        item.setXRange(start, max(end, start + 1e-9), padding=0.02)

    def apply_theme(self) -> None:
        """Follow the application's light or dark palette."""
        background, foreground = scheme_colours()
        self.setBackground(background)
        item = self.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        item.titleLabel.setAttr("color", foreground.name())
        item.titleLabel.setText(item.titleLabel.text)
        self.legend.setLabelTextColor(foreground)
        self._theme_curves(background)
        self._readout.setStyleSheet(
            f"color: {foreground.name()}; background: transparent; font-size: 8pt;"
        )

    # --- hover readout -----------------------------------------------------------------------

    def _on_mouse_moved(self, position: QPointF) -> None:
        item = self.getPlotItem()
        view = item.getViewBox()
        if not view.sceneBoundingRect().contains(position):
            self._readout.hide()
            return
        point = view.mapSceneToView(position)
        log_x, log_y = view.state["logMode"]
        x = 10 ** point.x() if log_x else point.x()
        y = 10 ** point.y() if log_y else point.y()
        self._readout.setText(f"{self._x_name} {x:.4g}   {self._y_name} {y:.4g}")
        self._readout.adjustSize()
        self._readout.move(self.width() - self._readout.width() - 8, 2)
        self._readout.show()

    # --- export ------------------------------------------------------------------------------

    def export_png(self, path: str | Path, width: int | None = None) -> None:
        exporter = pg.exporters.ImageExporter(self.getPlotItem())
        if width:
            exporter.parameters()["width"] = int(width)
        exporter.export(str(path))

    def export_csv(self, path: str | Path) -> None:
        pg.exporters.CSVExporter(self.getPlotItem()).export(str(path))

    def _ask_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", "", "PNG image (*.png)")
        if path:
            self.export_png(path if path.lower().endswith(".png") else path + ".png")

    def _ask_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "", "CSV file (*.csv)")
        if path:
            self.export_csv(path if path.lower().endswith(".csv") else path + ".csv")


class LossPlot(LivePlot):
    """Loss per update (raw, faint; and a trailing mean) and on the full train and test sets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss", "loss (nats)", parent=parent)
        # The raw losses of single samples spike far above the rest: drawn faint, and left out
        # of the auto-range so that the smoothed and full-set curves fill the plot.
        self.raw = self.add_curve("per update", BLUE, ignore_bounds=True)
        self.smooth = self.add_curve("per update, smoothed", BLUE)
        self.train = self.add_curve("train set", GREEN)
        self.test = self.add_curve("test set", VERMILION)
        self._theme_curves(scheme_colours()[0])
        for curve in (self.raw, self.smooth):
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)  # not in the constructor: that raises in pyqtgraph 0.14
        # The y range only grows (from 0 to a little above the highest smoothed or full-set
        # loss): auto-range would move it, and redraw the axis, with every frame.
        self._y_top = self._trace_top = self._overlay_top = 0.0
        self.getPlotItem().enableAutoRange(axis="y", enable=False)
        self.getPlotItem().setYRange(0, 2.5, padding=0)

    def _theme_curves(self, background: QColor) -> None:
        # Faint, but opaque: blending 20k translucent segments costs ~3 ms a frame.
        if hasattr(self, "raw"):  # (apply_theme runs once before the curves exist)
            self.raw.setPen(pen(blend(BLUE, background, 0.18)))

    def set_overlay_top(self, top: float) -> None:
        """The highest loss of the stored runs drawn over this plot: the y range covers it."""
        self._overlay_top = top if np.isfinite(top) else 0.0
        self._follow_top(self._trace_top)

    def _follow_top(self, top: float) -> None:
        self._trace_top = top
        top = max(top, self._overlay_top)
        if top > self._y_top or (0 < top < 0.5 * self._y_top):
            self._y_top = 1.1 * top
            self.getPlotItem().setYRange(0, self._y_top, padding=0)

    def show_trace(self, trace: RunTrace, updates: bool = True, evaluations: bool = True) -> None:
        self._follow_top(trace.loss_top)
        if updates:
            self.raw.setData(trace.update_x.values, trace.update_loss.values)
            self.smooth.setData(trace.update_x.values, trace.update_smooth.values)
        if evaluations:
            self.train.setData(trace.eval_x.values, trace.train_loss.values)
            self.test.setData(trace.eval_x.values, trace.test_loss.values)


class AccuracyPlot(LivePlot):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Accuracy", "accuracy (%)", parent=parent)
        self.train = self.add_curve("train set", GREEN)
        self.test = self.add_curve("test set", VERMILION)
        self.getPlotItem().setYRange(0, 100, padding=0.02)
        self.getPlotItem().enableAutoRange(axis="y", enable=False)

    def show_trace(self, trace: RunTrace) -> None:
        self.train.setData(trace.eval_x.values, trace.train_accuracy.values)
        self.test.setData(trace.eval_x.values, trace.test_accuracy.values)


class GradientNormPlot(LivePlot):
    """The norm of the average gradient over the full training set, after every epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Gradient norm (full training set)",
            "norm of the mean gradient",
            log_y=True,
            parent=parent,
        )
        self.norm = self.getPlotItem().plot(
            [],
            [],
            name="after each epoch",
            pen=pen(PURPLE),
            symbol="o",
            symbolSize=5,
            symbolPen=None,
            symbolBrush=PURPLE,
        )

    def show_trace(self, trace: RunTrace) -> None:
        norms = trace.grad_norm.values
        keep = norms > 0  # a log axis cannot show 0
        self.norm.setData(trace.grad_x.values[keep], norms[keep])
