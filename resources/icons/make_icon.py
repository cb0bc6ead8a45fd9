"""Draw Backprop Lab's icon with QPainter: a tiny 3-2-1 network whose edges glow backwards.

Run once from the repository root and commit the result:

    QT_QPA_PLATFORM=offscreen python resources/icons/make_icon.py
"""

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

HERE = Path(__file__).resolve().parent
LAYERS = ((0.2, (0.22, 0.5, 0.78)), (0.5, (0.34, 0.66)), (0.8, (0.5,)))


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1d3557"))
    p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    nodes = [[QPointF(x * size, y * size) for y in ys] for x, ys in LAYERS]
    colours = (QColor("#e63946"), QColor("#f4a261"))  # backward pass: red then orange
    for layer, (left, right) in enumerate(zip(nodes[:-1], nodes[1:], strict=True)):
        pen = QPen(colours[1 - layer], size * 0.035)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        for a in left:
            for b in right:
                p.drawLine(a, b)
    p.setPen(QPen(QColor("#f1faee"), size * 0.02))
    p.setBrush(QColor("#a8dadc"))
    radius = size * 0.075
    for layer in nodes:
        for point in layer:
            p.drawEllipse(point, radius, radius)
    p.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv)  # noqa: F841 (QImage text and pens need an application)
    draw(256).save(str(HERE / "backprop-lab.png"))
    draw(64).save(str(HERE / "backprop-lab-64.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
