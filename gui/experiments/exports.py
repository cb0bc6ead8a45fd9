"""Exports of what the app shows: plots as PNG or SVG, run histories as CSV.

pyqtgraph's own SVG exporter is broken on Qt 6.11/6.12, so an SVG is drawn by Qt itself: the
widget paints into a ``QSvgGenerator``, which keeps curves, axes and text as vectors (images,
such as the weights mosaic, are embedded as bitmaps). Every file is written atomically.
"""

import csv
import io
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from engine import History
from engine.files.atomic import write_atomic

CSV_CHUNK = 50_000  # update rows formatted at a time
IMAGE_FORMATS = {".png": "PNG image (*.png)", ".svg": "SVG drawing (*.svg)"}

CSV_COLUMNS = (
    "run",
    "kind",
    "index",
    "status",
    "epoch",
    "update",
    "epoch_progress",
    "batch_loss",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "grad_norm",
    "end_of_epoch",
    "elapsed",
)


def _number(value: float | None) -> str:
    """Full precision (``repr``), empty for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def _row(name: str, kind: str, **fields: object) -> list[str]:
    cells = {"run": name, "kind": kind, **fields}
    return [str(cells.get(column, "")) for column in CSV_COLUMNS]


def history_lines(name: str, history: History, chunk: int = CSV_CHUNK) -> Iterator[str]:
    """CSV text of one history, in chunks of about ``chunk`` rows: one ``update`` row per batch
    loss (``update`` counts them from 1), one ``evaluation`` row per evaluation, and an ``end``
    row for how the run ended. Memory stays bounded whatever the run's length."""
    quoted = io.StringIO()
    csv.writer(quoted, lineterminator="").writerow([name])
    run = quoted.getvalue()
    losses = history.update_losses
    empty_before, empty_after = ",", "," * (len(CSV_COLUMNS) - CSV_COLUMNS.index("batch_loss") - 1)
    for start in range(0, len(losses), chunk):
        block = losses[start : start + chunk].tolist()
        yield "".join(
            f"{run},update,{i},,,{i},{empty_before}{loss!r}{empty_after}\n"
            for i, loss in enumerate(block, start=start + 1)
        )
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for index in range(history.n_evaluations):
        e = history.evaluation(index)
        writer.writerow(
            _row(
                name, "evaluation", index=index, epoch=e.epoch, update=e.update,
                epoch_progress=_number(e.epoch_progress), train_loss=_number(e.train_loss),
                train_accuracy=_number(e.train_accuracy), test_loss=_number(e.test_loss),
                test_accuracy=_number(e.test_accuracy), grad_norm=_number(e.grad_norm),
                end_of_epoch=int(e.end_of_epoch), elapsed=_number(e.elapsed),
            )
        )  # fmt: skip
    end = history.end
    if end is not None:
        writer.writerow(
            _row(name, "end", status=end.status, epoch=end.epochs_completed, update=end.updates,
                 elapsed=_number(end.elapsed))
        )  # fmt: skip
    yield text.getvalue()


def export_histories_csv(
    path: str | os.PathLike,
    named_histories: Sequence[tuple[str, History]],
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Write the histories of one or more runs to one CSV file (a header row, then each
    ``(name, history)``'s rows), atomically, streaming: call it in a background job for a long
    run. ``progress`` hears the fraction written. Returns the path.

    Filter on ``kind``: ``update`` rows hold the batch loss of every update, ``evaluation`` rows
    the full-set figures (accuracies as fractions), the ``end`` row how the run ended.
    """
    total = sum(h.n_updates + h.n_evaluations + 1 for _, h in named_histories) or 1

    def write(handle) -> None:
        handle.write((",".join(CSV_COLUMNS) + "\n").encode())
        done = 0
        for name, history in named_histories:
            for text in history_lines(name, history):
                handle.write(text.encode("utf-8"))
                done += text.count("\n")
                if progress is not None:
                    progress(min(1.0, done / total))

    return write_atomic(path, write)


@contextmanager
def _uncached(widget: QWidget) -> Iterator[None]:
    """Draw every graphics item afresh, not from its pixmap cache (the plots cache their axes
    as bitmaps, which would land in an SVG as pictures instead of lines and text)."""
    items: list[tuple[QGraphicsItem, QGraphicsItem.CacheMode]] = []
    views = [widget] if isinstance(widget, QGraphicsView) else []
    views += widget.findChildren(QGraphicsView)
    backgrounds = [(view, view.cacheMode()) for view in views]
    for view in views:
        view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        for item in view.scene().items() if view.scene() else []:
            if item.cacheMode() != QGraphicsItem.CacheMode.NoCache:
                items.append((item, item.cacheMode()))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in items:
            item.setCacheMode(mode)
        for view, background in backgrounds:
            view.setCacheMode(background)


def _size(widget: QWidget) -> QSize:
    size = widget.size()
    if size.width() < 2 or size.height() < 2:  # never laid out: use what it asks for
        widget.resize(widget.sizeHint().expandedTo(QSize(640, 480)))
        size = widget.size()
    return size


@contextmanager
def _plot_only(widget: QWidget) -> Iterator[None]:
    """Hide the controls inside ``widget`` (a combo box, a title row) while it is painted into
    a file: an exported plot holds only the plot."""
    hidden = [w for w in widget.findChildren(QWidget) if w.property("export") == "hide"]
    hidden = [w for w in hidden if w.isVisible()]
    for w in hidden:
        w.setVisible(False)
    _lay_out(widget)  # the plot takes the controls' room now, not after the next event
    try:
        yield
    finally:
        for w in hidden:
            w.setVisible(True)
        _lay_out(widget)


def _lay_out(widget: QWidget) -> None:
    """Apply the layouts of ``widget`` and of everything in it at once (deepest first)."""
    for child in reversed([widget, *widget.findChildren(QWidget)]):
        if child.layout() is not None:
            child.layout().activate()


def export_png(widget: QWidget, path: str | os.PathLike, scale: float = 2.0) -> Path:
    """Paint ``widget`` (and its children) into a PNG at ``scale`` times its size."""
    with _plot_only(widget):
        return _export_png(widget, path, scale)


def _export_png(widget: QWidget, path: str | os.PathLike, scale: float) -> Path:
    size = _size(widget)
    image = QImage(size * scale, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    try:
        QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(f"could not encode {path} as PNG")
    buffer.close()
    return write_atomic(path, lambda handle: handle.write(data.data()))


def export_svg(widget: QWidget, path: str | os.PathLike, title: str = "Backprop Lab") -> Path:
    """Paint ``widget`` (and its children) into an SVG drawing: vectors where Qt can."""
    with _plot_only(widget):
        return _export_svg(widget, path, title)


def _export_svg(widget: QWidget, path: str | os.PathLike, title: str) -> Path:
    size = _size(widget)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from Backprop Lab")
    with _uncached(widget):
        painter = QPainter(generator)
        try:
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()
    buffer.close()
    return write_atomic(path, lambda handle: handle.write(data.data()))


def export_image(widget: QWidget, path: str | os.PathLike) -> Path:
    """PNG or SVG, chosen by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        return export_svg(widget, path)
    if suffix == ".png":
        return export_png(widget, path)
    raise ValueError(f"{Path(path).name}: export as .png or .svg")
