"""The draw panel: real mouse drags on the canvas, the prediction, clearing and test samples."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QSpinBox, QWidget

from engine.data.drawing import bitmap_to_digit
from gui.draw.canvas import DrawCanvas
from gui.draw.draw_panel import DrawPanel
from gui.draw.mouse_drawing import LEFT, STROKES, drag
from gui.draw.mouse_drawing import draw_digit as draw


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


def in_panel(panel, widget) -> QRect:
    return QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1000, 500), (920, 440), (1580, 830)])
def test_canvas_takes_the_height_and_the_stages_sit_over_the_prediction(panel, qtbot, size):
    """Canvas | stages over prediction: the canvas as tall as the panel allows (less the row of
    Clear and the test-sample loader under it), the rest beside it, nothing overlapping."""
    canvas, label, clear = widgets(panel)
    stages = panel.findChild(QWidget, "drawStagesView")
    bars = panel.findChild(QWidget, "probabilityBars")
    loader = panel.findChild(QSpinBox, "testSampleInput")
    panel.resize(*size)
    below = clear.sizeHint().height() + 40  # the Clear row under it, margins and spacing
    qtbot.waitUntil(lambda: canvas.height() >= size[1] - below, timeout=2000)
    assert canvas.width() == canvas.height() <= size[0] // 2
    rects = {name: in_panel(panel, w) for name, w in [("canvas", canvas), ("stages", stages),
             ("label", label), ("bars", bars), ("clear", clear), ("loader", loader)]}  # fmt: skip
    assert rects["stages"].left() > rects["canvas"].right()
    assert rects["label"].top() > rects["stages"].bottom()
    assert rects["bars"].top() > rects["stages"].bottom()
    assert rects["clear"].top() > rects["canvas"].bottom()
    assert rects["loader"].top() > rects["canvas"].bottom()
    for name, rect in rects.items():
        assert panel.rect().contains(rect), name
        others = [r for other, r in rects.items() if other != name]
        assert not any(rect.intersects(r) for r in others), name


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
    session.weights_changed.emit()
    expected = session.model.predict_proba(panel.model_input)
    qtbot.waitUntil(lambda: np.allclose(panel.probabilities, expected), timeout=2000)
    assert not np.allclose(before, expected)


def test_load_test_sample_shows_label_prediction_and_loss(panel, session, qtbot):
    _, label, _ = widgets(panel)
    spin = panel.findChild(QSpinBox, "testSampleInput")
    assert spin is not None
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "42")
    with qtbot.waitSignal(panel.prediction_updated, timeout=2000):
        qtbot.keyClick(spin, Qt.Key.Key_Return)
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


def test_the_stages_are_drawn_dark_on_white_like_the_labs_gray_r(panel):
    canvas, _, _ = widgets(panel)
    draw(canvas, 7)
    picture = panel.bitmap_view.graphics.grab().toImage()
    greys = np.array(
        [
            picture.pixelColor(x, y).lightness()
            for x in range(0, picture.width(), 3)
            for y in range(0, picture.height(), 3)
        ]
    )
    paper, ink = np.mean(greys > 240), np.mean(greys < 15)
    assert paper > 0.5 and 0.02 < ink < paper  # mostly white paper, some black ink
