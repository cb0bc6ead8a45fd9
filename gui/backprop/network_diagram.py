"""The network drawn for one sample: each layer a column of units coloured by its value, the
weights as edges (coloured and thickened by value) or as a matrix image, the output as
probabilities against the target.

Going forward, units show ``x``, ``a`` and ``p`` and weights ``W``; going backward, units show
``δ`` and weights ``∂L/∂W``. Colours are blue (negative), white (0), red (positive), scaled per
column and per layer (each column's header and each layer's footer says by how much): a
gradient a thousand times smaller than the next layer's is still visible, and its scale tells
how small it is. Geometry comes from ``diagram_layout``; the graphics items are made once per
architecture and then only get ``setData``/``setImage``.

Edges come in six items (sign x three strengths, 1 to 3 px wide). Their colours are opaque (blended
with the background) so that pyqtgraph draws the wide ones as line segments rather than
stroking a path: a 64-20-20-20-20-20-10 network then paints in about 10 ms, not 25.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from engine import BackpropTrace
from gui.backprop.diagram_layout import STRIP_HALF_WIDTH, DiagramLayout, Hit, unit_y
from gui.backprop.equations import BACKWARD, column_values, sample, weight_values
from gui.theme import blend, scheme_colours
from gui.widgets.digit_widgets import DIVERGING

BOUNDED = {"sigmoid": 1.0, "tanh": 1.0}  # activations with a fixed colour scale
EDGE_LEVELS = ((0.0, 1, 0.45), (1 / 3, 2, 0.7), (2 / 3, 3, 1.0))  # from |v|/max: width, strength
SHADES = 33  # node colours: from blue through white to red
HIDDEN_EDGE = 0.04  # edges below this fraction of their layer's largest are left out
POSITIVE, NEGATIVE = (178, 24, 43), (33, 102, 172)
BAR_NEUTRAL, BAR_TARGET = (150, 160, 175), (40, 110, 200)  # the probability bars:
BAR_RIGHT, BAR_WRONG = (40, 160, 80), (210, 60, 50)  # the prediction, right or wrong
FOCUS_COLOUR, WORST_COLOUR = "#222222", "#E69F00"
# right of the output column, in pixels: the class digits, then bars of the probabilities
LABEL_PX, BAR_START_PX, BAR_LENGTH_PX, OUTPUT_ROOM_PX = 10, 26, 90, 160
TEXT_ROOM_PX = 36  # room for the headers above the units and the footers below them


def _cosmetic(colour, width: float, style=Qt.PenStyle.SolidLine):
    pen = pg.mkPen(colour, width=width, style=style)
    pen.setCosmetic(True)
    return pen


def short(value: float) -> str:
    """A scale in a few characters: ``0.25``, ``5.5e-4``."""
    if 0.01 <= abs(value) < 1000:
        return f"{value:.2g}"
    return f"{value:.1e}".replace("e-0", "e-").replace("e+0", "e")


def _level(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


class NetworkDiagram(pg.GraphicsView):
    """Signals: ``hovered(Hit | None)`` when the mouse moves onto a unit or weight, or off."""

    hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        background, foreground = scheme_colours()
        super().__init__(parent, background=background)
        self.setObjectName("networkDiagram")
        self.foreground = foreground
        self.view = pg.ViewBox(enableMouse=False, invertY=True, defaultPadding=0)
        self.view.setMenuEnabled(False)
        self.setCentralItem(self.view)
        self.plan: DiagramLayout | None = None
        self.trace: BackpropTrace | None = None
        self.mode = "forward"
        self.drawn: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # edges drawn, per layer
        self._items: list = []  # this architecture's items
        self._node_size = 10.0
        self._hit: Hit | None = None
        self._marks: list[tuple[int, int]] = []
        self._focus_weight: tuple[int, int, int] | None = None
        self._worst: tuple[str, int, tuple[int, ...]] | None = None
        shades = DIVERGING.map(np.linspace(0.0, 1.0, SHADES), mode="qcolor")
        self._brushes = [pg.mkBrush(colour) for colour in shades]
        self.edge_items = []
        for colour in (POSITIVE, NEGATIVE):
            for _, width, strength in EDGE_LEVELS:
                # opaque colours: pyqtgraph then draws wide pens as line segments, much faster
                shade = blend(QColor(*colour).name(), background, strength)
                item = pg.PlotCurveItem(pen=_cosmetic(shade, width), segmentedLineMode="on")
                item.setZValue(-2)
                self.view.addItem(item)
                self.edge_items.append(item)
        self.focus_line = pg.PlotCurveItem(pen=_cosmetic(FOCUS_COLOUR, 2, Qt.PenStyle.DashLine))
        self.focus_marks = pg.ScatterPlotItem(pxMode=True, brush=None)
        self.worst_line = pg.PlotCurveItem(pen=_cosmetic(WORST_COLOUR, 3))
        self.worst_marks = pg.ScatterPlotItem(pxMode=True, brush=None)
        self.worst_text = pg.TextItem("", color="#000000", anchor=(0.5, 1.0), fill=WORST_COLOUR)
        for item, z in ((self.focus_line, 3), (self.focus_marks, 4), (self.worst_line, 5),
                        (self.worst_marks, 6), (self.worst_text, 7)):  # fmt: skip
            item.setZValue(z)
            self.view.addItem(item)
        self.view.sigResized.connect(self._on_resized)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # --- building ------------------------------------------------------------------------------

    def set_architecture(self, sizes: tuple[int, ...]) -> None:
        """Make the items for a network of these layer sizes (input first)."""
        if self.plan is not None and self.plan.sizes == tuple(sizes):
            return
        for item in self._items:
            self.view.removeItem(item)
        self._items, self.drawn = [], {}
        self._marks, self._focus_weight, self._worst = [], None, None  # of the old network
        self.plan = layout = DiagramLayout(sizes)
        self.units, self.headers, self.matrices, self.footers = [], [], {}, []
        table = DIVERGING.getLookupTable(nPts=256)
        for column in range(layout.n_columns):
            if layout.as_nodes[column]:
                item = pg.ScatterPlotItem(pxMode=True, pen=_cosmetic((120, 120, 120), 1))
            else:
                item = pg.ImageItem(axisOrder="row-major")
                item.setLookupTable(table)
            self.units.append(self._add(item, 1))
            self.headers.append(self._add(self._text((0.5, 1.0)), 2))
            self.headers[-1].setPos(column, -0.01)
        for layer in range(1, layout.n_layers + 1):
            if layout.gap_kind(layer) == "matrix":
                image = self._add(pg.ImageItem(axisOrder="row-major"), -1)
                image.setLookupTable(table)
                self.matrices[layer] = image
            footer = self._add(self._text((0.5, 0.0)), 2)
            footer.setPos(layer - 0.5, 1.01)
            self.footers.append(footer)
        n_out, last = layout.sizes[-1], layout.n_layers
        y = unit_y(n_out)
        self.probabilities, self.target = np.zeros(n_out), 0
        bars = pg.BarGraphItem(x0=np.full(n_out, float(last)), y=y, height=0.6 / n_out,
                               width=np.zeros(n_out))  # fmt: skip
        self.bars = self._add(bars, 0)
        self.target_bar = self._add(pg.BarGraphItem(
            x0=[float(last)], y=[0.5], height=0.6 / n_out, width=[0.0], brush=None,
            pen=_cosmetic(BAR_RIGHT, 1, Qt.PenStyle.DashLine)), 0)  # fmt: skip
        self.class_labels, self.percents = [], []
        for k in range(n_out):
            text = self._add(self._text((0.0, 0.5)), 2)
            text.setText(str(k))
            self.class_labels.append(text)
            percent = self._add(self._text((0.0, 0.5)), 2)
            self.percents.append(percent)
        self._on_resized()

    def _text(self, anchor: tuple[float, float]) -> pg.TextItem:
        return pg.TextItem("", color=self.foreground, anchor=anchor)

    def _add(self, item, z: float):
        item.setZValue(z)
        self.view.addItem(item)
        self._items.append(item)
        return item

    # --- showing -------------------------------------------------------------------------------

    def show_trace(self, trace: BackpropTrace, mode: str, s: int = 0) -> None:
        """Draw one pass: sample ``s`` of ``trace``, forward or backward."""
        self.trace, self.mode = trace, mode
        layout = self.plan
        n_layers = layout.n_layers
        activation = trace.layers[0].activation_name
        for column in range(layout.n_columns):
            values = np.asarray(column_values(trace, column, mode, s), dtype=np.float64)
            if mode != BACKWARD and column == n_layers:
                level = 1.0
            elif mode != BACKWARD and 0 < column < n_layers and activation in BOUNDED:
                level = BOUNDED[activation]
            else:
                level = _level(values)
            self._show_column(column, values, level)
            self.headers[column].setHtml(self._header(column, level))
        self.drawn = {}
        edges = {item: ([], []) for item in self.edge_items}
        for layer in range(1, n_layers + 1):
            values = np.asarray(weight_values(trace, layer, mode), dtype=np.float64)
            level = _level(values)
            if layer in self.matrices:
                image = self.matrices[layer]
                image.setImage(values, levels=(-level, level), autoLevels=False)
                image.setRect(QRectF(*self.plan.matrix_rect(layer)))  # after: it scales the image
            else:
                self._collect_edges(layer, values, level, edges)
            name = "∂L/∂W" if mode == BACKWARD else "W"
            self.footers[layer - 1].setHtml(
                self._html(f"{name}<sup>{layer}</sup><br>max {short(level)}")
            )
        for item, (xs, ys) in edges.items():
            x = np.concatenate(xs) if xs else np.empty(0)
            y = np.concatenate(ys) if ys else np.empty(0)
            item.setData(x, y, connect="pairs")
        self._show_output(trace, s)
        self._show_marks()

    def _show_column(self, column: int, values: np.ndarray, level: float) -> None:
        item = self.units[column]
        if isinstance(item, pg.ImageItem):
            item.setImage(values[:, None], levels=(-level, level), autoLevels=False)
            item.setRect(QRectF(column - STRIP_HALF_WIDTH, 0, 2 * STRIP_HALF_WIDTH, 1))
            return
        scaled = np.clip(np.nan_to_num(values / level) * 0.5 + 0.5, 0.0, 1.0)
        # a few shades only: the scatter item renders (and caches) one symbol per brush
        brushes = [self._brushes[k] for k in np.rint(scaled * (SHADES - 1)).astype(int)]
        n = len(values)
        item.setData(np.full(n, float(column)), unit_y(n), size=self._node_size, brush=brushes)

    def _collect_edges(self, layer: int, values: np.ndarray, level: float, edges) -> None:
        i, j = self.plan.edges(layer, values)
        strength = np.nan_to_num(np.abs(values[i, j]) / level)
        keep = strength >= HIDDEN_EDGE
        i, j, strength = i[keep], j[keep], strength[keep]
        self.drawn[layer] = (i, j)
        positive = values[i, j] > 0
        for sign_index, sign in enumerate((positive, ~positive)):
            for level_index, (low, _, _) in enumerate(EDGE_LEVELS):
                high = EDGE_LEVELS[level_index + 1][0] if level_index + 1 < len(EDGE_LEVELS) else 2
                chosen = sign & (strength >= low) & (strength < high)
                x, y = self.plan.segments(layer, i[chosen], j[chosen])
                item = self.edge_items[sign_index * len(EDGE_LEVELS) + level_index]
                edges[item][0].append(x)
                edges[item][1].append(y)

    def _show_output(self, trace: BackpropTrace, s: int) -> None:
        p = np.nan_to_num(np.asarray(sample(trace, trace.probabilities, s), dtype=np.float64))
        target = int(trace.labels[s]) if trace.is_batch else int(trace.labels)
        self.probabilities, self.target = p, target
        predicted = int(np.argmax(p))
        brushes = [BAR_NEUTRAL] * len(p)
        brushes[predicted] = BAR_RIGHT if predicted == target else BAR_WRONG
        if predicted != target:
            brushes[target] = BAR_TARGET
        self.bars.setOpts(brushes=brushes)
        for k, text in enumerate(self.percents):
            text.setText(f"{100 * p[k]:.0f}%" if p[k] >= 0.005 else "")
        for k, text in enumerate(self.class_labels):
            text.setColor(QColor(*BAR_RIGHT) if k == target else self.foreground)
        self._place_output()

    def _place_output(self) -> None:
        """Lay the class digits and bars out right of the output column, in pixels."""
        dx = self.view.viewPixelSize()[0]
        last, p = self.plan.n_layers, self.probabilities
        y = unit_y(len(p))
        start, length = last + BAR_START_PX * dx, BAR_LENGTH_PX * dx
        self.bars.setOpts(x0=np.full(len(p), start), width=length * p)
        self.target_bar.setOpts(x0=[start], y=[y[self.target]], width=[length])
        for k in range(len(p)):
            self.class_labels[k].setPos(last + LABEL_PX * dx, y[k])
            self.percents[k].setPos(start + length * p[k] + 3 * dx, y[k])

    def _header(self, column: int, level: float) -> str:
        n_layers = self.plan.n_layers
        n = self.plan.sizes[column]
        if column == 0:
            return self._html(f"x<br>{n}")
        if self.mode == BACKWARD:
            return self._html(f"δ<sup>{column}</sup> ({n})<br>max {short(level)}")
        name = "p" if column == n_layers else f"a<sup>{column}</sup>"
        return self._html(f"{name} ({n})<br>max {short(level)}")

    def _html(self, text: str) -> str:
        return f"<div style='text-align:center; font-size:8pt'>{text}</div>"

    # --- marks ---------------------------------------------------------------------------------

    def set_focus(self, units: list[tuple[int, int]], weight: tuple[int, int, int] | None) -> None:
        """Ring these units ``(column, unit)`` and trace this weight ``(layer, i, j)``: the ones
        the equations follow."""
        self._marks, self._focus_weight = units, weight
        self._show_marks()

    @property
    def worst(self) -> tuple[str, int, tuple[int, ...]] | None:
        """The gradient check's entry highlighted: ``(kind, layer, index)``, or None."""
        return self._worst

    def set_worst(self, worst: tuple[str, int, tuple[int, ...]] | None, text: str = "") -> None:
        """Highlight the gradient check's worst entry: ``(name, layer, index)``, e.g.
        ``("W", 1, (12, 3))`` or ``("b", 2, (4,))``; None removes it."""
        self._worst = worst
        self.worst_text.setText(text)
        self._show_marks()

    def _show_marks(self) -> None:
        layout = self.plan
        if layout is None:
            return
        self._mark_units(self.focus_marks, self._marks, FOCUS_COLOUR, 2)
        self._mark_weight(self.focus_line, self._focus_weight)
        worst = self._worst
        if worst is None or worst[1] > layout.n_layers:
            self._mark_units(self.worst_marks, [], WORST_COLOUR, 3)
            self.worst_line.setData([], [])
            self.worst_text.hide()
            return
        name, layer, index = worst
        if name == "b":
            self._mark_units(self.worst_marks, [(layer, index[0])], WORST_COLOUR, 3)
            self.worst_line.setData([], [])
            x, y = layout.unit_position(layer, index[0])
        else:
            self._mark_units(self.worst_marks, [], WORST_COLOUR, 3)
            self._mark_weight(self.worst_line, (layer, *index))
            a, b, c, d = layout.weight_position(layer, *index)
            x, y = ((a + c) / 2, (b + d) / 2) if layout.gap_kind(layer) == "edges" else (a, b)
        self.worst_text.setPos(x, y - 0.02)
        self.worst_text.show()

    def _mark_units(self, item, units, colour: str, width: int) -> None:
        if not units:
            item.setData([], [])
            return
        spots = []
        sizes = self.plan.sizes
        for column, unit in [(c, u) for c, u in units if 0 <= c < len(sizes) and u < sizes[c]]:
            x, y = self.plan.unit_position(column, unit)
            nodes = self.plan.as_nodes[column]
            spots.append({"pos": (x, y), "symbol": "o" if nodes else "s",
                          "size": self._node_size + 6 if nodes else 14})  # fmt: skip
        item.setData(spots, pen=_cosmetic(colour, width), brush=None)

    def _mark_weight(self, item, weight: tuple[int, int, int] | None) -> None:
        if weight is None or weight[0] > self.plan.n_layers:
            item.setData([], [])
            return
        layer, i, j = weight
        a, b, c, d = self.plan.weight_position(layer, i, j)
        if self.plan.gap_kind(layer) == "edges":
            item.setData([a, c], [b, d])
        else:  # a matrix cell: its outline
            item.setData([a, a + c, a + c, a, a], [b, b, b + d, b + d, b])

    # --- size and mouse ------------------------------------------------------------------------

    def _on_resized(self, *_args) -> None:
        if self.plan is None:
            return
        # headers above the units and footers below them keep a fixed room in pixels
        height = self.view.height()
        per_pixel = 1.0 / max(height - 2 * TEXT_ROOM_PX, 20.0)
        room = TEXT_ROOM_PX * per_pixel
        columns = self.plan.n_layers + 0.3  # and the output's digits and bars: fixed pixels
        unit_px = max(self.view.width() - OUTPUT_ROOM_PX, 60.0) / columns
        self.view.setRange(xRange=(-0.3, self.plan.n_layers + OUTPUT_ROOM_PX / unit_px),
                           yRange=(-room, 1 + room), padding=0)  # fmt: skip
        dx, dy = self.view.viewPixelSize()
        biggest = max((n for n, nodes in zip(self.plan.sizes, self.plan.as_nodes,
                                             strict=True) if nodes), default=1)  # fmt: skip
        spacing = (1.0 / biggest) / dy if dy > 0 else 10.0
        width = 0.3 / dx if dx > 0 else 10.0
        self._node_size = float(np.clip(min(0.8 * spacing, width), 4.0, 18.0))
        for item in self.units:
            if isinstance(item, pg.ScatterPlotItem):
                item.setSize(self._node_size)
        self._place_output()
        self._show_marks()

    def hit_at(self, scene_pos: QPointF) -> Hit | None:
        """What lies under a point of the scene."""
        if self.plan is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        pixel = self.view.viewPixelSize()
        return self.plan.hit(point.x(), point.y(), pixel, self._node_size / 2, self.drawn)

    def scene_position(self, x: float, y: float) -> QPointF:
        """Where a point of the diagram is in the scene (for tests and tools)."""
        return self.view.mapViewToScene(QPointF(x, y))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self.hit_at(scene_pos)
        if hit != self._hit:
            self._hit = hit
            self.hovered.emit(hit)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt's naming)
        if self._hit is not None:
            self._hit = None
            self.hovered.emit(None)
        super().leaveEvent(event)
