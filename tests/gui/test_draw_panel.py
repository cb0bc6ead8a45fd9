"""The draw panel: real mouse drags on the canvas, the prediction, clearing and test samples."""

import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from engine import fit
from engine.drawing import bitmap_to_digit
from gui.draw_canvas import DrawCanvas
from gui.draw_panel import DrawPanel
from gui.session import Session

# The offscreen platform warns on every top-level show(); harmless.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
THREE_TOP = [(0.28, 0.2), (0.5, 0.1), (0.72, 0.2), (0.7, 0.38), (0.48, 0.5)]
THREE_BOTTOM = [(0.72, 0.62), (0.72, 0.8), (0.5, 0.9), (0.28, 0.8)]
STROKES = {  # fractions of the canvas (x right, y down)
    0: [[(0.5 + 0.28 * math.sin(t), 0.5 - 0.38 * math.cos(t)) for t in np.linspace(0, 6.4, 40)]],
    1: [[(0.5, 0.12), (0.5, 0.88)]],
    3: [THREE_TOP + THREE_BOTTOM],
    4: [[(0.55, 0.12), (0.25, 0.62), (0.78, 0.62)], [(0.62, 0.35), (0.62, 0.9)]],
    7: [[(0.25, 0.15), (0.75, 0.15), (0.62, 0.45), (0.45, 0.88)]],
}


def send_mouse(widget: QWidget, kind: QEvent.Type, point: QPointF, button, buttons) -> None:
    """A mouse event with explicit button state (QTest.mouseMove carries no buttons)."""
    global_point = QPointF(widget.mapToGlobal(point.toPoint()))
    event = QMouseEvent(kind, point, global_point, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, points, steps: int = 4) -> int:
    """Press, move along ``points`` (fractions of the widget), release; returns the moves sent."""
    pixels = [QPointF(x * widget.width(), y * widget.height()) for x, y in points]
    send_mouse(widget, QEvent.Type.MouseButtonPress, pixels[0], LEFT, LEFT)
    moves = 0
    for a, b in zip(pixels[:-1], pixels[1:], strict=True):
        for k in range(1, steps + 1):
            send_mouse(widget, QEvent.Type.MouseMove, a + (b - a) * (k / steps), NONE, LEFT)
            moves += 1
    send_mouse(widget, QEvent.Type.MouseButtonRelease, pixels[-1], LEFT, NONE)
    return moves


def draw(widget: QWidget, digit: int) -> None:
    for stroke in STROKES[digit]:
        drag(widget, stroke)


@pytest.fixture(scope="module")
def trained_model(digits):
    session = Session(digits)
    fit(session.model, digits.X_train, digits.y_train, epochs=10, learning_rate=0.1, batch_size=4)
    return session.model


@pytest.fixture
def session(digits, trained_model):
    session = Session(digits)
    session.set_model(trained_model.copy())
    return session


@pytest.fixture
def panel(qtbot, session):
    panel = DrawPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1000, 560)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def widgets(panel):
    canvas = panel.findChild(DrawCanvas, "drawCanvas")
    label = panel.findChild(QLabel, "predictionLabel")
    button = panel.findChild(QPushButton, "clearCanvasButton")
    assert canvas is not None and label is not None and button is not None
    return canvas, label, button


def has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def test_empty_canvas_shows_no_prediction(panel):
    canvas, label, _ = widgets(panel)
    assert canvas.is_empty
    assert not has_digit(label.text())
    assert panel.probabilities is None
    assert np.all(panel.bars.probabilities == 0)
    assert "Draw" in panel.info_label.text()


def test_canvas_is_square_and_filled(panel, qtbot):
    canvas, _, _ = widgets(panel)
    for size in ((1000, 560), (700, 900)):
        panel.resize(*size)
        qtbot.waitUntil(lambda: canvas.width() == canvas.height() > 100, timeout=2000)
        assert canvas.parentWidget().width() == canvas.width() or (
            canvas.parentWidget().height() == canvas.height()
        )


def test_drawing_feeds_the_model_exactly_the_training_representation(panel, session):
    canvas, label, _ = widgets(panel)
    draw(canvas, 7)
    assert not canvas.is_empty
    digit = bitmap_to_digit(canvas.bitmap())
    assert digit.sum() > 0
    np.testing.assert_array_equal(panel.digit, digit)
    np.testing.assert_array_equal(panel.model_input, session.data.scaler.transform(digit))
    expected = session.model.predict_proba(session.data.scaler.transform(digit))
    np.testing.assert_allclose(panel.probabilities, expected)
    assert label.text() == str(int(np.argmax(expected)))
    np.testing.assert_allclose(panel.bars.probabilities, expected)


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_drawn_digits_are_recognised(panel, digit):
    canvas, label, _ = widgets(panel)
    draw(canvas, digit)
    assert label.text() == str(digit)


def test_predictions_are_throttled_while_drawing_and_final_at_release(panel):
    canvas, _, _ = widgets(panel)
    updates = []
    panel.prediction_updated.connect(lambda: updates.append(1))
    moves = drag(canvas, STROKES[0][0], steps=10)
    assert 1 <= len(updates) < moves / 4  # leading update during the stroke + one at release
    np.testing.assert_array_equal(panel.digit, bitmap_to_digit(canvas.bitmap()))


def test_clear_button_right_click_and_escape_clear(panel, qtbot):
    canvas, label, button = widgets(panel)
    clearers = [
        lambda: qtbot.mouseClick(button, LEFT),
        lambda: qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=QPoint(50, 50)),
        lambda: qtbot.keyClick(canvas, Qt.Key.Key_Escape),
    ]
    for clear in clearers:
        draw(canvas, 1)
        assert has_digit(label.text())
        clear()
        assert canvas.is_empty
        assert not canvas.bitmap().any()
        assert not has_digit(label.text())
        assert panel.probabilities is None


def test_prediction_follows_live_weight_updates(panel, session, qtbot, digits):
    canvas, label, _ = widgets(panel)
    draw(canvas, 0)
    before = panel.probabilities.copy()
    for value in session.model.params.values():
        value *= 0.1  # a snapshot arriving during training: weights change in place
    session.model_changed.emit()
    expected = session.model.predict_proba(panel.model_input)
    qtbot.waitUntil(lambda: np.allclose(panel.probabilities, expected), timeout=2000)
    assert not np.allclose(before, expected)


def test_load_test_sample_shows_label_prediction_and_loss(panel, session):
    _, label, _ = widgets(panel)
    panel.sample_spin.setValue(42)
    panel.load_button.click()
    data, model = session.data, session.model
    expected = model.predict_proba(data.X_test[42])
    np.testing.assert_allclose(panel.probabilities, expected)
    assert label.text() == str(int(np.argmax(expected)))
    np.testing.assert_allclose(panel.digit, data.test_image(42))
    text = panel.info_label.text()
    assert f"true label {data.y_test[42]}" in text
    assert f"loss {model.loss(data.X_test[42], data.y_test[42]):.3f}" in text


def test_escape_reaches_the_canvas_despite_a_window_shortcut(panel, qtbot):
    canvas, label, _ = widgets(panel)
    window_escapes = []
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), panel)
    shortcut.activated.connect(lambda: window_escapes.append(1))
    panel.activateWindow()
    canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is canvas, timeout=2000)
    draw(canvas, 1)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty
    assert not has_digit(label.text())
    assert window_escapes == []
