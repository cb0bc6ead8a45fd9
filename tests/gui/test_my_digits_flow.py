"""My digits, end to end in the main window: draw with real mouse drags, keep, restart, see the
drawing again and the network's accuracy on it, live and in a run; relabel, delete; the worst
errors on my digits; training on them; an unreadable file at start."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QListWidget, QToolButton, QWidget

from engine import RunConfig
from engine.data.my_digits import load_my_digits
from gui.draw.mouse_drawing import draw_digit

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def open_window(qtbot, lab_data, settings, runs_folder):
    """A main window on the test's settings and folders (each call a fresh start)."""
    from gui import MainWindow
    from gui.session import Session

    def make():
        window = MainWindow(Session(lab_data), settings, runs_folder=runs_folder)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def gallery_labels(window) -> list[str]:
    gallery = window.findChild(QListWidget, "myDigitsView")
    return [gallery.item(row).text().split(" ")[0] for row in range(gallery.count())]


def show_tab(window, title: str) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index(title))


def test_a_kept_drawing_survives_a_restart_and_counts_live_and_in_a_run(
    open_window, runs_folder, qtbot
):
    window = open_window()
    show_tab(window, "Draw")
    canvas = window.findChild(QWidget, "drawCanvas")
    draw_digit(canvas, 7)  # real press, moves and release
    qtbot.mouseClick(window.findChild(QToolButton, "keepAs7Button"), LEFT)
    draw_digit(canvas, 1)
    qtbot.keyClick(canvas, Qt.Key.Key_1)  # the shortcut: a digit key on the canvas
    path = runs_folder.parent / "my-digits.npz"
    assert load_my_digits(path).labels.tolist() == [7, 1]
    assert window.statusBar().currentMessage() == "Kept as a 1: 2 drawings in My digits"
    window.close()

    window = open_window()  # a restart on the same folders
    show_tab(window, "My digits")
    assert gallery_labels(window) == ["7", "1"]
    label = window.findChild(QLabel, "myDigitsAccuracyLabel")
    right = int(np.sum(window.current_model().predict(window.session.my_digits_X) == [7, 1]))
    assert label.text().startswith(f"Accuracy on my digits: {right} of 2 right")

    with qtbot.waitSignal(window.controller.run_finished, timeout=20000) as finished:
        assert window.controller.start(RunConfig(epochs=1, batch_size=64))
    run = finished.args[0]
    final = run.history.final
    predictions = window.current_model().predict(window.session.my_digits_X)
    assert math.isfinite(final.my_digits_accuracy)
    assert final.my_digits_accuracy == pytest.approx(np.mean(predictions == [7, 1]))
    right = int(np.sum(predictions == [7, 1]))
    qtbot.waitUntil(lambda: label.text().startswith(f"Accuracy on my digits: {right} of 2"))


def test_relabel_delete_worst_errors_and_training_on_them(open_window, runs_folder, qtbot):
    window = open_window()
    show_tab(window, "Draw")
    canvas = window.findChild(QWidget, "drawCanvas")
    for digit in (0, 4, 3):
        draw_digit(canvas, digit)
        qtbot.mouseClick(window.findChild(QToolButton, f"keepAs{digit}Button"), LEFT)

    show_tab(window, "My digits")
    panel = window.my_digits_panel
    gallery = window.findChild(QListWidget, "myDigitsView")
    qtbot.mouseClick(gallery.viewport(), LEFT, pos=gallery.visualItemRect(gallery.item(2)).center())
    panel.relabel_menu.actions()[8].trigger()
    assert gallery_labels(window) == ["0", "4", "8"]
    qtbot.mouseClick(gallery.viewport(), LEFT, pos=gallery.visualItemRect(gallery.item(0)).center())
    qtbot.mouseClick(panel.delete_button, LEFT)
    assert gallery_labels(window) == ["4", "8"]
    assert load_my_digits(runs_folder.parent / "my-digits.npz").labels.tolist() == [4, 8]

    show_tab(window, "Worst errors")
    choice = window.findChild(QComboBox, "errorsSourceChoice")
    choice.setCurrentIndex(choice.findData("mine"))
    errors = window.errors_panel
    assert sorted(errors.browser_indices()) == [0, 1]
    assert errors.confusion.matrix.sum(axis=1)[[4, 8]].tolist() == [1, 1]

    show_tab(window, "My digits")
    check = window.findChild(QCheckBox, "includeMyDigitsCheck")
    qtbot.mouseClick(check, LEFT, pos=QPoint(8, check.height() // 2))
    assert window.session.train_on_my_digits
    note = window.findChild(QWidget, "myDigitsFairnessNote")
    assert note.isVisible() and "no longer a fair test" in note.text()
    assert "NOT a fair test" in window.findChild(QLabel, "myDigitsAccuracyLabel").text()
    with qtbot.waitSignal(window.controller.run_finished, timeout=20000) as finished:
        window.controller.start(RunConfig(epochs=1, batch_size=8))
    n_train = len(window.session.data.y_train)  # 1527: 191 batches of 8, 192 with 2 more
    assert math.ceil(n_train / 8) < math.ceil((n_train + 2) / 8)
    assert finished.args[0].history.n_updates == math.ceil((n_train + 2) / 8)


def test_an_unreadable_file_is_reported_kept_and_moved_aside_when_a_drawing_is_kept(
    open_window, runs_folder, qtbot
):
    path = runs_folder.parent / "my-digits.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not drawings at all")
    window = open_window()
    message = window.statusBar().currentMessage()
    assert message.startswith("Your drawings could not be read (my-digits.npz: not an .npz")
    assert "left as it is until you keep a new drawing" in message
    assert gallery_labels(window) == [] and path.read_bytes() == b"not drawings at all"

    show_tab(window, "Draw")
    canvas = window.findChild(QWidget, "drawCanvas")
    draw_digit(canvas, 3)
    qtbot.mouseClick(window.findChild(QToolButton, "keepAs3Button"), LEFT)
    aside = sorted(path.parent.glob("my-digits.unreadable-*.npz"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"not drawings at all"
    assert window.statusBar().currentMessage() == (
        f"Kept as a 3: 1 drawing in My digits. The unreadable my-digits.npz was moved to {aside[0]}"
    )
    assert load_my_digits(path).labels.tolist() == [3]
