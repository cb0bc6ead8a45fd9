"""The worst-errors browser, its detail view and the confusion matrix."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QListWidget, QTableWidget, QWidget

from engine import confusion_matrix, fit, nearest_neighbors, worst_predictions
from gui.errors.errors_panel import ErrorsPanel
from gui.widgets.captions import Caption
from tests.gui.trained_models import train_briefly


@pytest.fixture(scope="module")
def trained_model(digits):
    return train_briefly(digits, epochs=3, batch_size=16)  # leaves a few dozen errors to browse


@pytest.fixture
def panel(qtbot, session):
    panel = ErrorsPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1300, 720)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def in_panel(panel, widget) -> QRect:
    return QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())


def shown_losses(browser: QListWidget) -> list[float]:
    """The losses written under the thumbnails, in display order."""
    texts = (browser.item(row).text() for row in range(browser.count()))
    return [float(text.split("loss")[1]) for text in texts]


def expected_order(session) -> list[int]:
    data = session.data
    return worst_predictions(session.model, data.X_test, data.y_test)[0].tolist()


def test_browser_lists_every_test_sample_highest_loss_first(panel, session):
    browser = panel.findChild(QListWidget, "worstErrorsView")
    assert browser is not None
    assert browser.count() == len(session.data.y_test)
    assert panel.browser_indices() == expected_order(session)
    losses = shown_losses(browser)
    assert losses == sorted(losses, reverse=True)
    _, worst_losses = worst_predictions(session.model, session.data.X_test, session.data.y_test, 1)
    assert losses[0] == pytest.approx(worst_losses[0], abs=0.006)


def test_misclassified_toggle(panel, session):
    y = session.data.y_test
    predictions = session.model.predict(session.data.X_test)
    wrong = set(np.flatnonzero(predictions != y).tolist())
    assert 0 < len(wrong) < len(y)
    panel.misclassified_check.setChecked(True)
    shown = panel.browser_indices()
    assert set(shown) == wrong
    assert shown == [i for i in expected_order(session) if i in wrong]
    panel.misclassified_check.setChecked(False)
    assert panel.browser_indices() == expected_order(session)


def test_clicking_a_confusion_cell_filters_the_browser(panel, session, qtbot):
    table = panel.findChild(QTableWidget, "confusionMatrixView")
    assert table is not None
    y = session.data.y_test
    predictions = session.model.predict(session.data.X_test)
    matrix = confusion_matrix(y, predictions)
    off_diagonal = matrix * (1 - np.eye(10, dtype=int))
    i, j = np.unravel_index(np.argmax(off_diagonal), matrix.shape)
    assert table.item(i, j).text() == str(matrix[i, j])
    rect = table.visualItemRect(table.item(i, j))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.cell == (i, j)
    shown = panel.browser_indices()
    assert len(shown) == matrix[i, j]
    assert shown == [k for k in expected_order(session) if y[k] == i and predictions[k] == j]
    panel.show_all_button.click()
    assert panel.cell is None
    assert panel.browser_indices() == expected_order(session)


def test_selecting_a_sample_shows_probabilities_saliency_and_neighbours(panel, session):
    data, model = session.data, session.model
    panel.browser.setCurrentRow(0)
    index = expected_order(session)[0]
    detail = panel.detail
    assert detail.index == index
    x = data.X_test[index]
    np.testing.assert_allclose(detail.bars.probabilities, model.predict_proba(x))
    saliency = model.grad_input(x, data.y_test[index]).reshape(8, 8)
    np.testing.assert_allclose(detail.saliency_view.image.image, saliency, rtol=1e-6)
    np.testing.assert_array_equal(detail.neighbours, nearest_neighbors(data.X_train, x, 3))
    assert f"True label {data.y_test[index]}" in detail.info_label.text()


def test_refreshed_when_a_run_ends_and_when_the_model_is_replaced(panel, session, digits):
    before = panel.browser_indices()
    fit(session.model, digits.X_train, digits.y_train, epochs=2, learning_rate=0.1, batch_size=4)
    session.weights_changed.emit()  # a live snapshot: only marked stale
    assert panel.stale
    assert panel.browser_indices() == before
    session.end_run(None)
    assert not panel.stale
    assert panel.browser_indices() == expected_order(session)
    assert panel.browser_indices() != before

    replacement = session.model.copy()
    for value in replacement.params.values():
        value *= 0.5
    session.replace_model(replacement)
    assert panel.browser_indices() == expected_order(session)
    predictions = replacement.predict(digits.X_test)
    np.testing.assert_array_equal(
        panel.confusion.matrix, confusion_matrix(digits.y_test, predictions)
    )


@pytest.mark.parametrize("size", [(940, 430), (1010, 480), (1580, 800)])
def test_detail_captions_sit_in_rows_of_their_own(panel, qtbot, size):
    """No caption is drawn over an image, at the sizes the tab gets on laptop and full-HD
    screens, and every named view is inside the panel."""
    panel.resize(*size)
    panel.browser.setCurrentRow(0)
    detail = panel.findChild(QWidget, "errorDetailView")
    saliency = panel.findChild(QWidget, "saliencyView")
    assert detail is not None and saliency is not None
    qtbot.waitUntil(lambda: detail.isVisible() and detail.width() > 300, timeout=2000)
    captions = [w for w in detail.findChildren(Caption) if w.isVisible()]
    images = [w for w in detail.findChildren(pg.GraphicsView) if w.isVisible()]
    assert len(captions) >= 6 and len(images) == 6  # 3 titles, 3 neighbours' + 3 others
    for caption in captions:
        for image in images:
            assert not in_panel(panel, caption).intersects(in_panel(panel, image)), caption.text()
    for name in ("worstErrorsView", "confusionMatrixView", "errorDetailView", "saliencyView"):
        widget = panel.findChild(QWidget, name)
        assert panel.rect().contains(in_panel(panel, widget)), name


def test_a_caption_too_long_for_its_room_is_elided_with_the_whole_text_as_tooltip(qtbot):
    caption = Caption("True label 5, predicted 9 (wrong)\np(true) = 0.001, loss = 6.640")
    qtbot.addWidget(caption)
    caption.resize(400, caption.sizeHint().height())
    caption.show()
    qtbot.waitExposed(caption)
    assert QLabel.text(caption) == caption.text()  # all of it is drawn
    caption.resize(90, caption.sizeHint().height())
    shown = QLabel.text(caption)
    assert shown != caption.text() and "…" in shown and shown.count("\n") == 1
    assert caption.toolTip() == caption.text()
    assert caption.minimumSizeHint().height() == 2 * caption.fontMetrics().lineSpacing()
