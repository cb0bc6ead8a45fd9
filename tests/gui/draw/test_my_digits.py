"""Keeping drawings under the canvas (buttons and digit keys, real mouse drags), the My digits
gallery (relabel, delete, confusion cells), its live accuracy, import and export."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QListWidget, QToolButton, QWidget

from engine.data import my_digits as my_digits_file
from engine.data.drawing import bitmap_to_digit
from engine.data.my_digits import load_my_digits, save_my_digits
from gui.draw import my_digits_panel
from gui.draw.draw_panel import DrawPanel
from gui.draw.mouse_drawing import draw_digit
from gui.draw.my_digits_keeper import MyDigitsKeeper
from gui.draw.my_digits_panel import MyDigitsPanel

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def keeper(session, tmp_path):
    keeper = MyDigitsKeeper(session, tmp_path / "my-digits.npz")
    keeper.load()
    return keeper


@pytest.fixture
def messages(keeper):
    said: list[str] = []
    keeper.message.connect(said.append)
    return said


@pytest.fixture
def draw_panel(qtbot, session, keeper):
    panel = DrawPanel(session, keeper)
    qtbot.addWidget(panel)
    panel.resize(1000, 560)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def gallery_panel(qtbot, session, keeper):
    panel = MyDigitsPanel(session, keeper)
    qtbot.addWidget(panel)
    panel.resize(1000, 480)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def keep_button(panel, digit: int) -> QToolButton:
    button = panel.findChild(QToolButton, f"keepAs{digit}Button")
    assert button is not None
    return button


def keep_drawings(panel, qtbot, labels) -> None:
    """Draw each digit with real mouse drags and click its Keep button."""
    for label in labels:
        draw_digit(panel.canvas, label)
        qtbot.mouseClick(keep_button(panel, label), LEFT)


def gallery_texts(panel) -> list[str]:
    gallery = panel.findChild(QListWidget, "myDigitsView")
    return [gallery.item(row).text() for row in range(gallery.count())]


# --- keeping -----------------------------------------------------------------------------------


def test_a_keep_button_stores_the_drawing_with_its_label_and_clears_the_canvas(
    draw_panel, keeper, session, qtbot, messages
):
    canvas = draw_panel.canvas
    draw_digit(canvas, 7)
    bitmap = canvas.bitmap().copy()
    qtbot.mouseClick(keep_button(draw_panel, 7), LEFT)
    assert keeper.drawings.labels.tolist() == [7]
    np.testing.assert_array_equal(keeper.drawings.bitmaps[0], bitmap)
    np.testing.assert_array_equal(keeper.drawings.digits[0], bitmap_to_digit(bitmap))
    stored = load_my_digits(keeper.path)  # written at once
    assert stored.labels.tolist() == [7] and np.array_equal(stored.bitmaps[0], bitmap)
    np.testing.assert_array_equal(session.my_digits[0], bitmap_to_digit(bitmap))
    assert session.my_labels.tolist() == [7]
    assert canvas.is_empty and draw_panel.probabilities is None
    assert draw_panel.info_label.text().startswith("Kept as a 7: 1 drawing in My digits")
    assert messages == ["Kept as a 7: 1 drawing in My digits"]


def test_digit_keys_on_the_canvas_keep_but_not_with_ctrl(draw_panel, keeper, qtbot):
    canvas = draw_panel.canvas
    draw_digit(canvas, 4)
    qtbot.keyClick(canvas, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert len(keeper.drawings) == 0 and not canvas.is_empty
    qtbot.keyClick(canvas, Qt.Key.Key_8)  # the user means an 8: the label is theirs to give
    assert keeper.drawings.labels.tolist() == [8] and canvas.is_empty


def test_nothing_is_kept_without_a_drawing(draw_panel, keeper, qtbot):
    assert not keep_button(draw_panel, 3).isEnabled()  # an empty canvas
    qtbot.keyClick(draw_panel.canvas, Qt.Key.Key_3)
    assert "Nothing to keep" in draw_panel.info_label.text()
    draw_panel.show_test_sample(5)  # a test sample is not the user's drawing
    assert not keep_button(draw_panel, 3).isEnabled()
    assert not draw_panel.keep(3)
    draw_digit(draw_panel.canvas, 3)
    assert keep_button(draw_panel, 3).isEnabled()
    assert len(keeper.drawings) == 0


def test_a_failed_write_keeps_nothing_and_loses_nothing(
    draw_panel, keeper, qtbot, messages, monkeypatch
):
    keep_drawings(draw_panel, qtbot, [1])
    before = keeper.path.read_bytes()

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(my_digits_file, "write_atomic", full_disk)
    draw_digit(draw_panel.canvas, 0)
    qtbot.mouseClick(keep_button(draw_panel, 0), LEFT)
    assert messages[-1] == (
        f"The drawing was not kept: could not write {keeper.path}: No space left on device"
    )
    assert keeper.drawings.labels.tolist() == [1] and keeper.path.read_bytes() == before
    assert not draw_panel.canvas.is_empty  # the drawing is still there, to keep again


def test_the_canvas_stays_large_with_the_keep_row(draw_panel, qtbot):
    row = draw_panel.findChild(QWidget, "keepDigitRow")
    draw_panel.resize(1000, 500)
    below = draw_panel.clear_button.sizeHint().height() + row.sizeHint().height() + 44
    qtbot.waitUntil(lambda: draw_panel.canvas.height() >= 500 - below, timeout=2000)
    canvas_bottom = draw_panel.canvas.mapTo(draw_panel, draw_panel.canvas.rect().bottomLeft())
    assert row.mapTo(draw_panel, row.rect().topLeft()).y() > canvas_bottom.y()
    assert all(keep_button(draw_panel, d).isVisible() for d in range(10))


# --- the gallery -------------------------------------------------------------------------------


def test_the_gallery_shows_each_drawing_with_label_and_answer(
    draw_panel, gallery_panel, session, qtbot
):
    keep_drawings(draw_panel, qtbot, [7, 1, 0])
    predictions = session.model.predict(session.my_digits_X)
    expected = [f"{label} \u2192 {p}" for label, p in zip([7, 1, 0], predictions, strict=True)]
    assert gallery_texts(gallery_panel) == expected
    right = int(np.sum(predictions == [7, 1, 0]))
    label = gallery_panel.findChild(QLabel, "myDigitsAccuracyLabel")
    assert label.text().startswith(f"Accuracy on my digits: {right} of 3 right")
    assert "a fair test" in label.text()
    assert gallery_panel.counts.values("kept") == ["1", "1", "0", "0", "0", "0", "0", "1", "0", "0"]
    assert gallery_panel.confusion.matrix.sum() == 3


def test_relabel_and_delete_from_the_gallery(draw_panel, gallery_panel, keeper, qtbot):
    keep_drawings(draw_panel, qtbot, [7, 1, 4])
    gallery = gallery_panel.gallery
    rect = gallery.visualItemRect(gallery.item(1))
    qtbot.mouseClick(gallery.viewport(), LEFT, pos=rect.center())
    assert gallery.selected_indices() == [1]
    gallery_panel.relabel_menu.actions()[2].trigger()  # "Relabel as" > 2
    assert keeper.drawings.labels.tolist() == [7, 2, 4]
    assert load_my_digits(keeper.path).labels.tolist() == [7, 2, 4]
    assert gallery.selected_indices() == [1]  # still selected: relabel again by key
    qtbot.keyClick(gallery, Qt.Key.Key_9)
    assert keeper.drawings.labels.tolist() == [7, 9, 4]
    assert gallery_texts(gallery_panel)[1].startswith("9 \u2192")
    qtbot.keyClick(gallery, Qt.Key.Key_Delete)
    assert keeper.drawings.labels.tolist() == [7, 4] and gallery.count() == 2
    gallery.item(0).setSelected(True)
    qtbot.mouseClick(gallery_panel.delete_button, LEFT)
    assert keeper.drawings.labels.tolist() == [4]
    assert load_my_digits(keeper.path).labels.tolist() == [4]


def test_a_confusion_cell_selects_its_drawings(draw_panel, gallery_panel, session, qtbot):
    keep_drawings(draw_panel, qtbot, [1, 7, 1])
    predictions = session.model.predict(session.my_digits_X)
    table = gallery_panel.confusion
    rect = table.visualItemRect(table.item(1, int(predictions[0])))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    expected = [i for i in (0, 2) if predictions[i] == predictions[0]]
    assert gallery_panel.gallery.selected_indices() == expected


def test_the_accuracy_follows_live_weights_throttled(draw_panel, gallery_panel, session, qtbot):
    keep_drawings(draw_panel, qtbot, [7, 1, 0, 3])
    label = gallery_panel.accuracy_label
    for value in session.model.params.values():
        value *= 0.0  # a snapshot during training: every answer is now 0
    refreshes = []
    gallery_panel.live_proxy.sigDelayed.connect(lambda *_: refreshes.append(1))
    for _ in range(20):
        session.weights_changed.emit()
    qtbot.waitUntil(lambda: label.text().startswith("Accuracy on my digits: 1 of 4"), timeout=3000)
    assert 1 <= len(refreshes) <= 2  # twenty snapshots, one or two refreshes
    assert gallery_texts(gallery_panel) == ["7 \u2192 0", "1 \u2192 0", "0 \u2192 0", "3 \u2192 0"]


def test_including_them_in_training_says_they_are_no_longer_a_fair_test(
    draw_panel, gallery_panel, session, qtbot
):
    keep_drawings(draw_panel, qtbot, [7])
    check = gallery_panel.include_check
    assert (
        not session.train_on_my_digits and "never trained on" in gallery_panel.fairness_note.text()
    )
    qtbot.mouseClick(check, LEFT, pos=QPoint(8, check.height() // 2))
    assert check.isChecked() and session.train_on_my_digits
    assert "no longer a fair test" in gallery_panel.fairness_note.text()
    assert "NOT a fair test" in gallery_panel.accuracy_label.text()
    session.set_train_on_my_digits(False)  # changed elsewhere: the box follows
    assert not check.isChecked() and "a fair test" in gallery_panel.accuracy_label.text()


# --- import and export -------------------------------------------------------------------------


def test_export_then_import_merge_or_replace(
    draw_panel, gallery_panel, keeper, qtbot, tmp_path, monkeypatch, messages
):
    keep_drawings(draw_panel, qtbot, [7, 1])
    exported = tmp_path / "exported.npz"
    monkeypatch.setattr(my_digits_panel, "ask_save_path", lambda *args: exported)
    gallery_panel.export_button.click()
    assert load_my_digits(exported).labels.tolist() == [7, 1]
    assert messages[-1] == f"Exported 2 drawings to {exported}"

    other = tmp_path / "friend.npz"
    save_my_digits(other, load_my_digits(exported).relabelled([0, 1], 3))
    monkeypatch.setattr(my_digits_panel, "ask_open_path", lambda *args: other)
    monkeypatch.setattr(MyDigitsPanel, "_ask_replace", lambda self, name: False)
    gallery_panel.import_button.click()
    assert keeper.drawings.labels.tolist() == [7, 1, 3, 3]
    assert messages[-1] == "Imported 2 drawings from friend.npz (added: 4 drawings in all)"
    monkeypatch.setattr(MyDigitsPanel, "_ask_replace", lambda self, name: True)
    gallery_panel.import_button.click()
    assert keeper.drawings.labels.tolist() == [3, 3]
    assert load_my_digits(keeper.path).labels.tolist() == [3, 3]
    monkeypatch.setattr(MyDigitsPanel, "_ask_replace", lambda self, name: None)  # cancelled
    gallery_panel.import_button.click()
    assert keeper.drawings.labels.tolist() == [3, 3] and gallery_panel.gallery.count() == 2


def test_a_bad_import_is_refused_and_the_set_is_untouched(
    draw_panel, keeper, qtbot, tmp_path, messages
):
    keep_drawings(draw_panel, qtbot, [7])
    before = keeper.path.read_bytes()
    bad = tmp_path / "model.npz"
    np.savez(bad, metadata=np.array('{"format": "backprop-lab-model", "version": 2}'))
    for replace in (False, True):
        assert not keeper.import_file(bad, replace=replace)
        assert messages[-1] == (
            "Import refused: model.npz: it is not a file of drawings (its format is "
            "'backprop-lab-model'); your drawings are unchanged"
        )
    assert keeper.drawings.labels.tolist() == [7] and keeper.path.read_bytes() == before
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    assert not keeper.export_file(blocker / "out.npz")  # its folder is a file
    assert messages[-1].startswith(f"Could not export to {blocker / 'out.npz'}: ")
