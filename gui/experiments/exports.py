"""Exports of what the app shows: plots as PNG or SVG, run histories as CSV.

pyqtgraph's own SVG exporter is broken on Qt 6.11/6.12, so an SVG is drawn by Qt itself: the
widget paints into a ``QSvgGenerator``, which keeps curves, axes and text as vectors (images,
such as the weights mosaic, are embedded as bitmaps). Every file is written atomically.
"""

import csv
import io
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from engine import History
from engine.files.atomic import write_atomic, write_text_atomic

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


def history_rows(name: str, history: History) -> Iterator[list[str]]:
    """CSV rows of one history: one ``update`` row per batch loss (``update`` counts them from 1
    over the whole history), one ``evaluation`` row per evaluation (its ``update`` is the
    engine's, counted within its run), and an ``end`` row for how the run ended."""
    for index, loss in enumerate(history.update_losses, start=1):
        yield _row(name, "update", index=index, update=index, batch_loss=_number(loss))
    for index, e in enumerate(history.evaluations):
        yield _row(
            name,
            "evaluation",
            index=index,
            epoch=e.epoch,
            update=e.update,
            epoch_progress=_number(e.epoch_progress),
            train_loss=_number(e.train_loss),
            train_accuracy=_number(e.train_accuracy),
            test_loss=_number(e.test_loss),
            test_accuracy=_number(e.test_accuracy),
            grad_norm=_number(e.grad_norm),
            end_of_epoch=int(e.end_of_epoch),
            elapsed=_number(e.elapsed),
        )
    end = history.end
    if end is not None:
        yield _row(
            name,
            "end",
            status=end.status,
            epoch=end.epochs_completed,
            update=end.updates,
            elapsed=_number(end.elapsed),
        )


def export_histories_csv(
    path: str | os.PathLike, named_histories: Sequence[tuple[str, History]]
) -> Path:
    """Write the histories of one or more runs to one CSV file (a header row, then the rows of
    ``history_rows`` for each ``(name, history)``), atomically. Returns the path.

    Filter on ``kind``: ``update`` rows hold the batch loss of every update, ``evaluation`` rows
    the full-set figures (accuracies as fractions), the ``end`` row how the run ended
    (``status``: completed, stopped or diverged).
    """
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, history in named_histories:
        writer.writerows(history_rows(name, history))
    return write_text_atomic(path, text.getvalue())


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


def export_png(widget: QWidget, path: str | os.PathLike, scale: float = 2.0) -> Path:
    """Paint ``widget`` (and its children) into a PNG at ``scale`` times its size."""
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
