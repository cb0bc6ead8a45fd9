"""Offscreen screenshots of the draw panel (a digit drawn) and of the worst-errors browser.

Writes ``docs/screenshots/draw.png`` and ``docs/screenshots/worst-errors.png``.

Run: ``python bench/screenshot_panels.py``
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.bench_draw_latency import draw_digit  # noqa: E402
from engine import fit  # noqa: E402
from gui.draw.draw_panel import DrawPanel  # noqa: E402
from gui.errors.errors_panel import ErrorsPanel  # noqa: E402
from gui.session import Session  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    session = Session()
    fit(session.model, session.data.X_train, session.data.y_train,
        epochs=10, learning_rate=0.1, batch_size=1)  # fmt: skip
    session.model_changed.emit()
    OUT.mkdir(parents=True, exist_ok=True)

    draw = DrawPanel(session)
    draw.resize(1200, 640)
    draw.show()
    app.processEvents()
    draw_digit(draw.canvas, 7)
    app.processEvents()
    draw.grab().save(str(OUT / "draw.png"))
    print("draw panel: predicted", draw.prediction_label.text())

    errors = ErrorsPanel(session)
    errors.resize(1400, 760)
    errors.show()
    app.processEvents()
    errors.browser.setCurrentRow(0)
    app.processEvents()
    errors.grab().save(str(OUT / "worst-errors.png"))
    print("worst errors: first", errors.browser_indices()[:5])
    if len(sys.argv) > 1:  # also the game, for a visual check
        errors.tabs.setCurrentIndex(1)
        errors.game.guess_input.setText("3")
        errors.game.submit()
        app.processEvents()
        errors.grab().save(sys.argv[1])
    draw.close()
    errors.close()


if __name__ == "__main__":
    main()
