"""Where the network diagram puts things, which weights it draws, and what lies under the mouse.
No Qt here: plain geometry in the diagram's own coordinates.

Columns are numbered as the layers' outputs: 0 is the input ``x``, ``1 .. L-1`` the hidden layers,
``L`` the softmax output. Column ``c`` is drawn at ``x = c``, its ``n`` units at
``y = (k + 0.5) / n`` for ``k = 0 .. n-1`` (``y`` grows downwards on screen). A column of at most
``MAX_NODES`` units is drawn as nodes; a wider one as a heat-map strip of ``n`` cells.

Layer ``l``'s weights ``W_l (n_{l-1}, n_l)`` lie between columns ``l-1`` and ``l``: as edges when
the right column is drawn as nodes (all of them between small layers, at most ``ALL_EDGES``
weights, else the ``EDGES_PER_UNIT`` strongest into each unit on the right, as TensorFlow
Playground would if it had 64 inputs), else as a matrix image filling the gap, its row ``i``
level with unit ``i`` on the left.
"""

from dataclasses import dataclass

import numpy as np

MAX_NODES = 32
ALL_EDGES = 256  # draw every edge of a layer with at most this many weights
EDGES_PER_UNIT = 6
STRIP_HALF_WIDTH = 0.06  # half the width of a heat-map strip, in columns
MATRIX_MARGIN = 0.14  # room between a matrix image and the columns beside it
EDGE_TOLERANCE_PX = 4.0  # how close the mouse must be to an edge to hover it


@dataclass(frozen=True)
class Hit:
    """What lies under the mouse: a unit (``column``, ``unit``) or a weight (``layer``, ``i``,
    ``j``): ``W_layer[i, j]`` joins unit ``i`` of column ``layer - 1`` to unit ``j`` of column
    ``layer``."""

    kind: str  # "unit" or "weight"
    column: int = 0
    unit: int = 0
    layer: int = 0
    i: int = 0
    j: int = 0


def unit_y(n: int) -> np.ndarray:
    """The vertical positions of a column's ``n`` units."""
    return (np.arange(n) + 0.5) / n


def segment_distances(px, py, x0, y0, x1, y1) -> np.ndarray:
    """Distances from the point ``(px, py)`` to segments ``(x0, y0)-(x1, y1)`` (arrays)."""
    dx, dy = x1 - x0, y1 - y0
    length2 = np.maximum(dx * dx + dy * dy, 1e-24)
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0)
    return np.hypot(x0 + t * dx - px, y0 + t * dy - py)


class DiagramLayout:
    """The geometry of one architecture, ``sizes = (n_0, n_1, ..., n_L)``."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = tuple(int(n) for n in sizes)
        self.n_layers = len(self.sizes) - 1
        self.as_nodes = tuple(n <= MAX_NODES for n in self.sizes)

    def __repr__(self) -> str:
        return f"DiagramLayout({self.sizes})"

    @property
    def n_columns(self) -> int:
        return len(self.sizes)

    def gap_kind(self, layer: int) -> str:
        """``"edges"`` or ``"matrix"``: how layer ``layer``'s weights are drawn."""
        return "edges" if self.as_nodes[layer] else "matrix"

    def draws_all_edges(self, layer: int) -> bool:
        return self.sizes[layer - 1] * self.sizes[layer] <= ALL_EDGES

    def matrix_rect(self, layer: int) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of layer ``layer``'s matrix image."""
        x0 = layer - 1 + MATRIX_MARGIN
        return x0, 0.0, 1.0 - 2 * MATRIX_MARGIN, 1.0

    def edges(self, layer: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which entries ``(i, j)`` of ``values`` ``(n_in, n_out)`` to draw as edges: all, or the
        ``EDGES_PER_UNIT`` largest in magnitude into each unit ``j``; none for a matrix gap."""
        n_in, n_out = values.shape
        if self.gap_kind(layer) != "edges":
            return np.empty(0, np.intp), np.empty(0, np.intp)
        if self.draws_all_edges(layer) or n_in <= EDGES_PER_UNIT:
            i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
            return i.ravel(), j.ravel()
        magnitude = np.nan_to_num(np.abs(values), nan=0.0, posinf=np.inf)
        strongest = np.argpartition(-magnitude, EDGES_PER_UNIT - 1, axis=0)[:EDGES_PER_UNIT]
        j = np.broadcast_to(np.arange(n_out), strongest.shape)
        return strongest.ravel(), j.ravel()

    def segments(self, layer: int, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Line segments for edges ``(i, j)`` of layer ``layer``, for ``connect="pairs"``."""
        y_in, y_out = unit_y(self.sizes[layer - 1]), unit_y(self.sizes[layer])
        x = np.empty(2 * len(i))
        y = np.empty(2 * len(i))
        x[0::2], x[1::2] = layer - 1, layer
        y[0::2], y[1::2] = y_in[i], y_out[j]
        return x, y

    def unit_position(self, column: int, unit: int) -> tuple[float, float]:
        return float(column), float((unit + 0.5) / self.sizes[column])

    def weight_position(self, layer: int, i: int, j: int) -> tuple[float, float, float, float]:
        """Where weight ``W_layer[i, j]`` is drawn: an edge's two ends, or the matrix cell's
        rectangle ``(x, y, width, height)``."""
        n_in, n_out = self.sizes[layer - 1], self.sizes[layer]
        if self.gap_kind(layer) == "edges":
            return layer - 1.0, (i + 0.5) / n_in, float(layer), (j + 0.5) / n_out
        x0, y0, width, height = self.matrix_rect(layer)
        return x0 + width * j / n_out, y0 + height * i / n_in, width / n_out, height / n_in

    # --- under the mouse -------------------------------------------------------------------

    def hit(
        self,
        x: float,
        y: float,
        pixel: tuple[float, float],
        node_radius_px: float,
        drawn: dict[int, tuple[np.ndarray, np.ndarray]],
    ) -> Hit | None:
        """What lies at ``(x, y)``. ``pixel`` is the size of a screen pixel in diagram units
        ``(dx, dy)``, ``node_radius_px`` the drawn nodes' radius, ``drawn`` the edges drawn per
        layer (from ``edges``)."""
        if not (0.0 <= y < 1.0) or not np.isfinite(x):
            return None
        column = int(round(x))
        if 0 <= column < self.n_columns:
            half = node_radius_px * pixel[0] if self.as_nodes[column] else STRIP_HALF_WIDTH
            if abs(x - column) <= max(half, 2 * pixel[0]):
                n = self.sizes[column]
                return Hit("unit", column=column, unit=min(n - 1, int(y * n)))
        layer = int(np.floor(x)) + 1
        if not 1 <= layer <= self.n_layers:
            return None
        n_in, n_out = self.sizes[layer - 1], self.sizes[layer]
        if self.gap_kind(layer) == "matrix":
            x0, _, width, _ = self.matrix_rect(layer)
            if not x0 <= x < x0 + width:
                return None
            j = min(n_out - 1, int((x - x0) / width * n_out))
            return Hit("weight", layer=layer, i=min(n_in - 1, int(y * n_in)), j=j)
        i, j = drawn.get(layer, (np.empty(0, np.intp), np.empty(0, np.intp)))
        if not len(i):
            return None
        sx, sy = 1.0 / pixel[0], 1.0 / pixel[1]  # measure in pixels
        y_in, y_out = unit_y(n_in)[i], unit_y(n_out)[j]
        distance = segment_distances(x * sx, y * sy, (layer - 1) * sx, y_in * sy, layer * sx,
                                     y_out * sy)  # fmt: skip
        best = int(np.argmin(distance))
        if distance[best] > EDGE_TOLERANCE_PX:
            return None
        return Hit("weight", layer=layer, i=int(i[best]), j=int(j[best]))
