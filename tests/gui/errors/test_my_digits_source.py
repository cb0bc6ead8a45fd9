"""The worst-errors browser on the user's drawings: the switch, and the confusion matrix and the
detail view following the chosen set."""

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox

from engine import confusion_matrix, worst_predictions
from gui.errors.errors_panel import ErrorsPanel
from gui.errors.sample_sets import MY_DIGITS, TEST_SET
from gui.session import Session
from tests.gui.trained_models import train_briefly


@pytest.fixture(scope="module")
def trained_model(digits):
    return train_briefly(digits, epochs=3, batch_size=16)


@pytest.fixture
def session(digits, trained_model):
    session = Session(digits)
    session.replace_model(trained_model.copy())
    # "drawings": twelve test images, half of them labelled wrongly on purpose
    images = np.stack([digits.test_image(i) for i in range(12)]).round()
    labels = digits.y_test[:12].copy()
    labels[::2] = (labels[::2] + 1) % 10
    session.set_my_digits(images, labels)
    return session


@pytest.fixture
def panel(qtbot, session):
    panel = ErrorsPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1100, 560)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def shows_a_sample_of_the_chosen_set(panel) -> bool:
    """The detail view shows the browser's current sample, of the set browsed, or none."""
    detail, current = panel.detail, panel.browser.currentItem()
    if current is None:
        return detail.index is None
    index = panel.browser_indices()[panel.browser.currentRow()]
    return detail.samples.key == panel.samples.key and detail.index == index < len(panel.samples)


def test_the_switch_browses_my_digits_with_their_matrix_and_detail(panel, session):
    choice = panel.findChild(QComboBox, "errorsSourceChoice")
    assert choice.currentData() == TEST_SET and choice.itemText(1) == "My digits (12)"
    choice.setCurrentIndex(1)
    X, y = session.my_digits_X, session.my_labels
    order, _ = worst_predictions(session.model, X, y)
    assert panel.browser_indices() == order.tolist()
    predictions = session.model.predict(X)
    np.testing.assert_array_equal(panel.confusion.matrix, confusion_matrix(y, predictions))
    assert panel.filter_label.text() == "All 12 drawings,\nhighest loss first"
    assert panel.matrix_caption.text().startswith("Confusion matrix, my digits")
    panel.browser.setCurrentRow(0)
    worst = int(order[0])
    assert panel.detail.index == worst
    assert panel.detail.image_view.title.text() == f"Drawing {worst + 1}"
    np.testing.assert_allclose(panel.detail.image_view.image.image, session.my_digits[worst])
    expected = session.model.predict_proba(X[worst])
    np.testing.assert_allclose(panel.detail.bars.probabilities, expected)
    assert panel.detail.info_label.text().startswith(f"Kept as {y[worst]}, predicted")

    panel.set_source(TEST_SET)  # back: the test set, its matrix, no drawing left in detail
    assert len(panel.browser_indices()) == len(session.data.y_test)
    assert panel.detail.index is None and panel.browser.currentItem() is None
    assert panel.detail.image_view.title.text() == "Select a sample"
    panel.browser.setCurrentRow(0)
    assert panel.detail.image_view.title.text() == f"Test sample {panel.browser_indices()[0]}"
    test_predictions = session.model.predict(session.data.X_test)
    np.testing.assert_array_equal(
        panel.confusion.matrix, confusion_matrix(session.data.y_test, test_predictions)
    )


def test_my_digits_follow_changes_and_an_empty_set_says_so(panel, session):
    panel.set_source(MY_DIGITS)
    panel.browser.setCurrentRow(panel.browser.count() - 1)
    session.set_my_digits(session.my_digits[:3], session.my_labels[:3])
    assert sorted(panel.browser_indices()) == [0, 1, 2]
    assert panel.source_choice.itemText(1) == "My digits (3)"
    assert panel.detail.index is None  # the drawing shown may be gone: none is shown
    panel.browser.setCurrentRow(1)
    assert shows_a_sample_of_the_chosen_set(panel)
    session.weights_changed.emit()
    panel.refresh()  # a refresh keeps the drawing in detail selected
    assert panel.browser.currentRow() == 1 and shows_a_sample_of_the_chosen_set(panel)
    session.set_my_digits(np.empty((0, 8, 8)), np.empty(0, dtype=int))
    assert panel.browser.count() == 0
    assert panel.filter_label.text() == "No drawings kept yet:\nkeep some on the Draw tab"
    assert panel.confusion.matrix.sum() == 0
    assert panel.detail.index is None and "Click a thumbnail" in panel.detail.info_label.text()


def test_misclassified_only_works_on_my_digits(panel, session):
    panel.set_source(MY_DIGITS)
    panel.misclassified_check.setChecked(True)
    predictions = session.model.predict(session.my_digits_X)
    wrong = set(np.flatnonzero(predictions != session.my_labels).tolist())
    assert set(panel.browser_indices()) == wrong and wrong
