"""Latency of the draw panel: from one mouse move on the canvas to the updated prediction.

Each repeat sends one real ``QMouseEvent`` (left button held) to the canvas, then processes the
event loop until the panel's ``prediction_updated`` has been emitted and the repaints are done:
canvas painting, ``engine.data.drawing.digit_stages``, the scaler, the forward pass, the three stage
images, the 8x8 values and the bars. The throttle is set to 0 ms so every move is measured.
Prints the median and the 95th percentile. Target: median under 10 ms.

Run: ``QT_QPA_PLATFORM=offscreen python bench/bench_draw_latency.py [repeats]``
"""

import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.draw.mouse_drawing import LEFT, NONE, send_mouse  # noqa: E402


def trained_session():
    """A Session whose model was trained briefly (a few seconds at most)."""
    from engine import fit
    from gui.session import Session

    session = Session()
    fit(session.model, session.data.X_train, session.data.y_train,
        epochs=10, learning_rate=0.1, batch_size=4)  # fmt: skip
    session.weights_changed.emit()
    return session


def main(repeats: int = 300) -> None:
    import pyqtgraph as pg

    from gui.draw.draw_panel import DrawPanel

    app = QApplication.instance() or QApplication(sys.argv)
    pg.setConfigOptions(imageAxisOrder="row-major")
    panel = DrawPanel(trained_session())
    panel.resize(1100, 600)
    panel.show()
    app.processEvents()
    panel.draw_throttle.set_interval(0)
    canvas = panel.canvas
    updates = []
    panel.prediction_updated.connect(lambda: updates.append(time.perf_counter()))

    path = [(0.5 + 0.3 * math.sin(t), 0.5 - 0.35 * math.cos(t)) for t in np.linspace(0, 6, 60)]
    w, h = canvas.width(), canvas.height()
    start_point = QPointF(path[0][0] * w, path[0][1] * h)
    send_mouse(canvas, QEvent.Type.MouseButtonPress, start_point, LEFT, LEFT)
    app.processEvents()
    latencies = []
    for k in range(repeats):
        x, y = path[k % len(path)]
        before = len(updates)
        start = time.perf_counter()
        send_mouse(canvas, QEvent.Type.MouseMove, QPointF(x * w, y * h), NONE, LEFT)
        app.processEvents()  # the repaints of the canvas, images and bars
        end = time.perf_counter()
        if len(updates) != before + 1:
            raise RuntimeError("a mouse move did not update the prediction")
        latencies.append(end - start)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, start_point, LEFT, NONE)
    ms = np.array(latencies) * 1e3
    print(f"mouse move -> updated prediction (+ repaint), {repeats} moves on a "
          f"{w}x{h} canvas: median {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, "
          f"max {ms.max():.2f} ms")  # fmt: skip
    print(f"prediction: {panel.prediction_label.text()}  target: median < 10 ms -> "
          f"{'OK' if np.median(ms) < 10 else 'TOO SLOW'}")  # fmt: skip
    panel.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
