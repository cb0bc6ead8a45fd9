"""Draw a digit and watch the current network classify it, stage by stage.

The drawing goes through exactly the data's preprocessing (``engine.data.drawing.digit_stages``,
then the training split's scaler) and the session's model, with the current weights, during
training too. A test sample can be loaded instead to see its label, prediction and loss.

With a ``MyDigitsKeeper``, a row under the canvas keeps the drawing with its label ("Keep as
0 ... 9"; the digit keys too, while the canvas has focus), for the My digits tab.

Layout, made for a laptop screen: the canvas on the left, as large a square as the height
allows (up to half the width), with Clear and the test-sample loader under it (and the Keep
row); on the right the stages over the prediction (the big digit beside the probability bars).
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import LAB_SAMPLE
from engine.data.drawing import FRAME, digit_stages
from gui.draw.canvas import RESOLUTION, DrawCanvas, SquareBox
from gui.draw.keep_row import KeepRow
from gui.draw.my_digits_keeper import MyDigitsKeeper
from gui.session import Session
from gui.widgets.captions import Caption, with_article
from gui.widgets.digit_widgets import DigitImageView, ImageRow
from gui.widgets.probability_bars import ProbabilityBars

DRAW_INTERVAL_MS = 33  # at most ~30 predictions per second while drawing
MODEL_INTERVAL_MS = 100  # at most 10 refreshes per second from live training snapshots
HINT = "Draw a digit in the box (left button).\nRight-click or Esc clears."
DRAWING_TEXT = "Your drawing, as the network sees it:\nbitmap → normalised 32x32 → 8x8 counts."


class DrawPanel(QWidget):
    """Canvas, preprocessing stages, probability bars and a test-sample loader.

    Attributes (read by tests and the latency bench)
    ----------
    digit : the 8x8 counts (0..16) last shown, or None.
    model_input : the standardised (64,) float32 vector last given to the model, or None.
    probabilities : the model's (10,) output for it, or None.
    """

    prediction_updated = Signal()
    _pipeline_ready = False

    def __init__(
        self, session: Session, keeper: MyDigitsKeeper | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.keeper = keeper
        self.source: int | str | None = None  # "drawing", a test index, or None (empty)
        self.digit = self.model_input = self.probabilities = None

        self.canvas = DrawCanvas()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearCanvasButton")
        self.clear_button.setToolTip("Erase the drawing (also right-click or Esc)")
        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName("testSampleInput")
        self.sample_spin.setRange(0, len(session.data.y_test) - 1)
        self.sample_spin.setValue(LAB_SAMPLE)
        self.sample_spin.setToolTip(
            f"Index into the {len(session.data.y_test)} test samples; Enter loads it"
        )
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip("Show this test sample with its true label and loss")
        self.bitmap_view = DigitImageView("Your bitmap", (0, 1))
        self.bitmap_view.setToolTip("What you drew, as a binary bitmap")
        self.frame_view = DigitImageView("Normalised 32x32", (0, 1), grid_step=4)
        self.frame_view.setToolTip(
            "NIST's normalisation: the ink stretched into a 20x32 box, its stroke width and slant\n"
            "corrected; the grid shows the 4x4 blocks that are counted"
        )
        self.digit_view = DigitImageView("8x8 input (0-16)", show_values=True)
        self.digit_view.setToolTip(
            "What the network receives: the number of inked pixels in each 4x4 block (0-16),\n"
            "then standardised with the training set's scaler"
        )
        self.bars = ProbabilityBars()
        self.prediction_label = QLabel("")
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setToolTip("The predicted digit: the most probable class")
        font = QFont(self.prediction_label.font())
        font.setPointSize(56)
        font.setBold(True)
        self.prediction_label.setFont(font)
        self.prediction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prediction_label.setMinimumWidth(90)
        self.prediction_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.info_label = Caption(HINT)
        self.keep_row = KeepRow() if keeper is not None else None
        self._build_layout()

        # pyqtgraph's SignalProxy: at most one prediction per interval while drawing (the first
        # at once), the last request never dropped; a finished stroke is shown at once
        self.canvas.changed.connect(self._on_canvas_changed)
        self.draw_proxy = pg.SignalProxy(
            self.canvas.changed, delay=DRAW_INTERVAL_MS / 1000, rateLimit=1000 / DRAW_INTERVAL_MS,
            slot=self._on_proxy, threadSafe=False,
        )  # fmt: skip
        self.model_proxy = pg.SignalProxy(
            session.weights_changed, delay=MODEL_INTERVAL_MS / 1000,
            rateLimit=1000 / MODEL_INTERVAL_MS, slot=self._on_proxy, threadSafe=False,
        )  # fmt: skip
        self.canvas.stroke_finished.connect(self.draw_proxy.flush)
        self.canvas.cleared.connect(self._on_cleared)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.load_button.clicked.connect(self._on_load_clicked)
        self.sample_spin.lineEdit().returnPressed.connect(self._on_load_clicked)
        session.model_replaced.connect(self.update_prediction)
        if self.keep_row is not None:
            self.keep_row.chosen.connect(self.keep)
            self.canvas.digit_pressed.connect(self.keep)
        self._show_empty()

    def _build_layout(self) -> None:
        loader = QHBoxLayout()
        loader.addWidget(self.clear_button)
        loader.addStretch(1)
        loader.addWidget(QLabel("Test sample"))
        loader.addWidget(self.sample_spin)
        loader.addWidget(self.load_button)
        self.canvas_column = QWidget()
        left = QVBoxLayout(self.canvas_column)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(SquareBox(self.canvas), 1)
        if self.keep_row is not None:
            left.addWidget(self.keep_row)
        left.addLayout(loader)

        for view in (self.bitmap_view, self.frame_view, self.digit_view):
            view.setMinimumSize(110, 130)
        self.stages = ImageRow([self.bitmap_view, self.frame_view, self.digit_view])
        self.stages.setObjectName("drawStagesView")
        prediction = QVBoxLayout()
        prediction.addWidget(Caption("Prediction"), 0, Qt.AlignmentFlag.AlignHCenter)
        prediction.addWidget(self.prediction_label, 0, Qt.AlignmentFlag.AlignHCenter)
        prediction.addStretch(1)
        result = QHBoxLayout()
        result.addLayout(prediction)
        result.addWidget(self.bars, 1)
        right = QVBoxLayout()
        right.addWidget(self.stages, 1)
        right.addWidget(self.info_label)
        right.addLayout(result, 1)

        layout = QHBoxLayout(self)
        layout.addWidget(self.canvas_column, 1)
        layout.addLayout(right, 1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's naming)
        super().showEvent(event)
        if not self._pipeline_ready:
            # The pipeline imports SciPy's ndimage on first use (0.2 s, kept off the app's
            # start-up): do it once the tab is on screen rather than at the first stroke.
            self._pipeline_ready = True
            QTimer.singleShot(0, self._warm_up_pipeline)

    @staticmethod
    def _warm_up_pipeline() -> None:
        digit_stages(np.eye(4, dtype=bool))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's naming)
        """The canvas column as wide as the square canvas the height allows: the stages and
        the prediction get the rest. Only its maximum width changes, so the window can still
        shrink."""
        margins = self.layout().contentsMargins()
        loader_height = self.clear_button.sizeHint().height() + self.layout().spacing()
        if self.keep_row is not None:
            loader_height += self.keep_row.sizeHint().height() + self.layout().spacing()
        free_height = event.size().height() - margins.top() - margins.bottom() - loader_height
        loader_width = self.canvas_column.minimumSizeHint().width()
        self.canvas_column.setMaximumWidth(max(free_height, loader_width))
        super().resizeEvent(event)

    # --- public ----------------------------------------------------------------------------

    def show_test_sample(self, index: int) -> None:
        """Show test sample ``index`` (its 8x8 image, true label, prediction and loss)."""
        self.canvas.clear()
        self.sample_spin.setValue(index)
        self.source = int(index)
        self._enable_keeping()
        self.update_prediction()

    def keep(self, label: int) -> bool:
        """Keep the drawing as ``label`` in My digits, then clear the canvas for the next one;
        False (the drawing left as it is) if there is none or it could not be kept."""
        if self.keeper is None:
            return False
        if self.source != "drawing" or self.canvas.is_empty:
            self.info_label.setText("Nothing to keep: draw a digit first,\nthen keep it as 0 … 9.")
            return False
        if not self.keeper.keep(self.canvas.bitmap(), label):
            return False
        self.canvas.clear()
        count = len(self.keeper.drawings)
        self.info_label.setText(
            f"Kept as {with_article(label)}: {count} drawing{'s' if count != 1 else ''} "
            "in My digits.\nDraw the next one."
        )
        return True

    def update_prediction(self) -> None:
        """Recompute the stages and the prediction of the current input with the current weights."""
        if self.source is None:
            return
        data, model = self.session.data, self.session.model
        if self.source == "drawing":
            stages = digit_stages(self.canvas.bitmap())
            self.digit, true_label = stages.digit, None
            self.model_input = data.scaler.transform(self.digit)
            self.bitmap_view.set_image(stages.binary)
            self.frame_view.set_image(stages.frame)
        else:
            index = self.source
            self.digit, true_label = data.test_image(index), int(data.y_test[index])
            self.model_input = data.X_test[index]
        self.probabilities = np.asarray(model.predict_proba(self.model_input))
        self.digit_view.set_image(self.digit)
        self.bars.set_probabilities(self.probabilities, true_label)
        predicted = int(np.argmax(self.probabilities))
        self.prediction_label.setText(str(predicted))
        if true_label is not None:
            loss = model.loss(self.model_input, true_label)
            verdict = "right" if predicted == true_label else "wrong"
            self.info_label.setText(
                f"Test sample {self.source}: true label {true_label}, predicted {predicted} "
                f"({verdict}), loss {loss:.3f}.\nDraw to go back to your own digit."
            )
        self.prediction_updated.emit()

    # --- handlers --------------------------------------------------------------------------

    def _on_canvas_changed(self) -> None:
        if self.source != "drawing":
            self.source = "drawing"
            self.info_label.setText(DRAWING_TEXT)
            self._enable_keeping()

    def _on_cleared(self) -> None:
        self.source = None
        self._show_empty()

    def _on_proxy(self, _args) -> None:
        self.update_prediction()

    def _enable_keeping(self) -> None:
        if self.keep_row is not None:
            self.keep_row.set_enabled(self.source == "drawing")

    def _on_load_clicked(self) -> None:
        self.show_test_sample(self.sample_spin.value())

    def _show_empty(self) -> None:
        self.digit = self.model_input = self.probabilities = None
        self.bitmap_view.set_image(np.zeros((RESOLUTION, RESOLUTION)))
        self.frame_view.set_image(np.zeros((FRAME, FRAME)))
        self.digit_view.set_image(np.zeros((8, 8)))
        self.bars.clear_probabilities()
        self.prediction_label.setText("")
        self.info_label.setText(HINT)
        self._enable_keeping()
