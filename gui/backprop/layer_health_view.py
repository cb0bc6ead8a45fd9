"""The Layers tab: how each layer learns, from the current model's runs.

Four plots, one curve per layer (the same colour for a layer everywhere, from dark at the input
to light at the output): the norm of the layer's average gradient over the training set and the
update-to-weight ratio ``‖ΔW‖ / ‖W‖`` of the last update (both on log axes, the ratio with the
usual healthy 1e-3 marked), the share of saturated outputs (sigmoid, tanh) or dead units (relu),
and each hidden layer's activation histogram at the latest weights. Vanishing gradients show as
curves fanning out by orders of magnitude from the output layer down.

The figures are the runs' ``History.layer_column``; the histograms
``engine.activation_histograms``. The tab redraws at most ``REDRAWS_PER_SECOND`` times a second
during a run, and only while it is shown.
"""

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine import activation_histograms
from engine.training.evaluation import BOUNDS, DYING
from gui.backprop.layer_series import HEALTHY_RATIO, layer_curves
from gui.session import Session
from gui.theme import GREY, pen, scheme_colours, swatch
from gui.training.controller import TrainingController
from gui.widgets.live_plot import LivePlot
from gui.widgets.refresh_when_shown import RefreshWhenShown

REDRAWS_PER_SECOND = 4
DEPTH_COLOURS = pg.colormap.get("viridis")
FIGURES = ("grad_norm", "update_ratio", "units", "histogram")
MAX_DOTS = 40  # evaluations drawn as dots as well as a line
UNITS_TOP_MIN = 5.0  # percent: the saturated/dead axis shows at least this much


def layer_colour(layer: int, n_layers: int) -> str:
    """Layer ``layer`` (1 = first) of ``n_layers``: dark at the input, light at the output."""
    where = 0.8 * (layer - 1) / max(1, n_layers - 1)
    return DEPTH_COLOURS.map([where], mode="qcolor")[0].name()


class LayerHealthView(RefreshWhenShown, QWidget):
    """Signals: ``refreshed`` after every redraw. ``curves[figure]`` holds the curves, one per
    layer (``figure`` one of ``FIGURES``)."""

    refreshed = Signal()

    def __init__(
        self, session: Session, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("layerHealthView")
        self.session = session
        self.legend = QLabel()
        self.legend.setObjectName("layerHealthLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.plots = {
            "grad_norm": LivePlot("Gradient norm per layer", "‖∂L/∂(W, b)‖ (norm)",
                                  log_y=True, object_name="layerGradientPlot"),
            "update_ratio": LivePlot("Update-to-weight ratio", "‖ΔW‖ / ‖W‖ (ratio)",
                                     log_y=True, object_name="layerRatioPlot"),
            "units": LivePlot("Saturated outputs", "outputs (%)", object_name="layerUnitsPlot"),
            "histogram": LivePlot("Hidden outputs at the latest weights", "outputs (%)",
                                  x_label="activation value a", object_name="layerHistogramPlot"),
        }  # fmt: skip
        self.curves: dict[str, list[pg.PlotDataItem]] = {name: [] for name in FIGURES}
        healthy = pg.InfiniteLine(
            pos=np.log10(HEALTHY_RATIO), angle=0, pen=pen(GREY, style=Qt.PenStyle.DashLine),
            label="healthy ≈ 1e-3",
            labelOpts={"position": 0.9, "color": GREY, "fill": scheme_colours()[0]},
        )  # fmt: skip
        healthy.setZValue(10)  # its label over the curves
        self.plots["update_ratio"].getPlotItem().addItem(healthy, ignoreBounds=True)
        self.plots["units"].getPlotItem().enableAutoRange(axis="y", enable=False)
        self.units_note = pg.TextItem("", color=GREY, anchor=(0.5, 0.5))
        self.plots["units"].getPlotItem().addItem(self.units_note, ignoreBounds=True)
        grid = QGridLayout()
        grid.setSpacing(4)
        for index, name in enumerate(FIGURES):
            self.plots[name].setMinimumSize(200, 150)
            grid.addWidget(self.plots[name], index // 2, index % 2)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(4)
        column.addWidget(self.legend)
        column.addLayout(grid, 1)
        self.proxy = pg.SignalProxy(
            controller.progress, delay=1.0 / REDRAWS_PER_SECOND, rateLimit=REDRAWS_PER_SECOND,
            slot=self._on_progress, threadSafe=False,
        )  # fmt: skip
        controller.run_finished.connect(self.refresh_when_visible)
        session.model_replaced.connect(self.refresh_when_visible)

    def refresh(self) -> None:
        """Draw the lineage's layer figures and the latest weights' histograms."""
        self.stale = False
        session = self.session
        model, runs = session.model, session.lineage
        n_layers = model.n_layers
        activation = model.activation.name
        units = "saturated" if activation in BOUNDS else "dead" if activation in DYING else None
        figures = {
            "grad_norm": layer_curves(runs, "grad_norm", positive=True),
            "update_ratio": layer_curves(runs, "update_ratio", positive=True),
            "units": [(x, 100 * y) for x, y in layer_curves(runs, units)] if units else [],
        }
        for name, curves in figures.items():
            self._show(name, curves[: n_layers if name != "units" else n_layers - 1], n_layers)
        shares = [float(np.max(y)) for _, y in figures["units"] if len(y)]
        top = max([UNITS_TOP_MIN, *shares])  # a few percent stay readable; 100 % fits
        self.plots["units"].getPlotItem().setYRange(0, min(100.0, 1.1 * top), padding=0.02)
        histograms = activation_histograms(model, session.data.X_train)
        shares = [(edges, 100 * counts / max(1, counts.sum())) for edges, counts in histograms]
        self._show("histogram", shares, n_layers, step=True)
        self._label_units(units, activation, n_layers)
        self._show_legend(model.layer_sizes)
        self.refreshed.emit()

    def _show(self, name: str, curves, n_layers: int, step: bool = False) -> None:
        plot, items = self.plots[name], self.curves[name]
        while len(items) < len(curves):
            options = {"stepMode": "center"} if step else {"symbolSize": 4}
            items.append(plot.curve(pen("#000000"), **options))
        for layer, item in enumerate(items, 1):
            if layer > len(curves):
                item.setData([], [])
                item.hide()
                continue
            colour = layer_colour(layer, n_layers)
            item.setPen(pen(colour))
            x, y = curves[layer - 1]
            if not step:  # dots while there are few points, a line alone once there are many
                item.setSymbol("o" if len(x) <= MAX_DOTS else None)
                item.setSymbolBrush(colour)
                item.setSymbolPen(None)
            item.setData(x, y)
            item.show()

    def _label_units(self, units: str | None, activation: str, n_layers: int) -> None:
        plot = self.plots["units"].getPlotItem()
        titles = {"saturated": "Saturated outputs (within 1 % of the bounds)",
                  "dead": "Dead units (z ≤ 0 for every training sample)"}  # fmt: skip
        plot.setTitle(titles.get(units, "Saturated or dead units"))
        note = ""
        if n_layers == 1:
            note = "no hidden layer"
        elif units is None:
            note = f"{activation} units neither saturate nor die"
        self.units_note.setText(note)
        self.units_note.setPos(*plot.getViewBox().viewRect().center().toTuple())

    def _show_legend(self, sizes: tuple[int, ...]) -> None:
        n_layers = len(sizes) - 1
        parts = []
        for layer in range(1, n_layers + 1):
            kind = "output" if layer == n_layers else f"hidden {layer}"
            parts.append(f"{swatch(layer_colour(layer, n_layers))} layer {layer} ({kind}, "
                         f"{sizes[layer - 1]}→{sizes[layer]})")  # fmt: skip
        dashed = swatch(GREY, Qt.PenStyle.DashLine)
        self.legend.setText(
            "<b>One curve per weight layer</b> &nbsp;" + " &nbsp;".join(parts)
            + f" &nbsp;·&nbsp; {dashed} healthy update ratio {html.escape('≈ 1e-3')}. "
            "x: epochs of the current model's runs."
        )  # fmt: skip

    def _on_progress(self, _args) -> None:
        self.refresh_when_visible()
