"""``LivePlot``: a pyqtgraph plot with labelled axes, a readout of the point under the mouse, and
"Export PNG…" / "Export CSV…" in its context menu; ``LogAxis``, a log axis that always labels
at least two ticks.

Legends are not drawn inside plots (they covered the curves): views show them beside the plot.
"""

import math

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 (registers CSVExporter)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QWidget

from gui.theme import scheme_colours
from gui.widgets.file_dialogs import ask_save_path


def _nice(value: float) -> str:
    return f"{value:.3g}"


class LogAxis(pg.AxisItem):
    """A log-scale axis labelling 1, 2 and 5 times powers of ten; when fewer than two of those
    fall in the range shown, it labels more mantissas, and failing that the range's two ends,
    so there are always at least two labels to read the scale from."""

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802 (Qt naming)
        if not self.logMode or not (math.isfinite(minVal) and math.isfinite(maxVal)):
            return super().tickValues(minVal, maxVal, size)
        low, high = min(minVal, maxVal), max(minVal, maxVal)
        decades = range(math.floor(low) - 1, math.ceil(high) + 1)
        for mantissas in ((1,), (1, 2, 5), tuple(range(1, 10))):
            ticks = [
                math.log10(m) + e
                for e in decades
                for m in mantissas
                if low <= math.log10(m) + e <= high
            ]
            if len(ticks) >= 2 and len(ticks) <= max(2, size / 25):
                return [(1.0, ticks)]
        span = high - low
        return [(span or 1.0, [low + 0.05 * span, high - 0.05 * span])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [_nice(10.0**v) for v in values]


class LivePlot(pg.PlotWidget):
    """A plot with labelled axes, a readout of the point under the mouse, and "Export PNG…" /
    "Export CSV…" in its context menu."""

    def __init__(
        self,
        title: str,
        y_label: str,
        *,
        x_label: str = "epoch",
        log_y: bool = False,
        object_name: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        axes = {"left": LogAxis("left")} if log_y else None
        super().__init__(parent=parent, axisItems=axes)
        self.setObjectName(object_name or title.split()[0].lower() + "Plot")
        self._title = title
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

    def curve(self, pen, *, ignore_bounds: bool = False, **options) -> pg.PlotDataItem:
        """A curve created once; with ``ignore_bounds`` it does not steer the auto-range."""
        curve = pg.PlotDataItem([], [], pen=pen, **options)
        self.getPlotItem().addItem(curve, ignoreBounds=ignore_bounds)
        return curve

    def set_x_label(self, label: str) -> None:
        """Name the x axis (and the readout's x)."""
        self.getPlotItem().setLabel("bottom", label)
        self._x_name = label.split(" (")[0]

    def set_x_span(self, start: float, end: float) -> None:
        """Fix the x axis to a span: curves grow from left to right, and the axes are not
        redrawn on every frame (auto-range would move them with each new point)."""
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
        self._readout.setStyleSheet(
            f"color: {foreground.name()}; background: transparent; font-size: 8pt;"
        )

    # --- hover readout -----------------------------------------------------------------------

    def _on_mouse_moved(self, position: QPointF) -> None:
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(position):
            self._readout.hide()
            return
        point = view.mapSceneToView(position)
        log_x, log_y = view.state["logMode"]
        x = 10 ** point.x() if log_x else point.x()
        y = 10 ** point.y() if log_y else point.y()
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        self._readout.setText(f"{self._x_name} {x:.4g}   {self._y_name} {y:.4g}")
        self._readout.adjustSize()
        self._readout.move(self.width() - self._readout.width() - 8, 2)
        self._readout.show()

    # --- export ------------------------------------------------------------------------------

    def export_csv(self, path) -> None:
        pg.exporters.CSVExporter(self.getPlotItem()).export(str(path))

    def _ask_export_png(self) -> None:
        from gui.experiments.exports import export_png

        if path := ask_save_path(self, f"Export {self._title}", "PNG image (*.png)"):
            export_png(self, path)

    def _ask_export_csv(self) -> None:
        if path := ask_save_path(self, f"Export {self._title}", "CSV file (*.csv)"):
            self.export_csv(path)
