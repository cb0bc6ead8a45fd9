"""The My digits tab: the user's kept drawings and how the current network reads them.

Three columns, for a laptop screen: the gallery (relabel, delete) | the drawings' confusion
matrix | the accuracy on them, per-digit counts, "Include my digits in training" with its note,
Import and Export. The figures follow the weights live during training (throttled with
pyqtgraph's ``SignalProxy``), and are recomputed after a run and whenever the set changes; a
hidden tab only marks itself stale (``RefreshWhenShown``).
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.data.my_digits import Scores
from gui.draw.my_digits_gallery import MyDigitsGallery
from gui.draw.my_digits_keeper import MyDigitsKeeper
from gui.errors.confusion_view import ConfusionMatrixView
from gui.session import Session
from gui.widgets.captions import Caption
from gui.widgets.digit_counts import DigitCountsView
from gui.widgets.file_dialogs import ask_open_path, ask_save_path
from gui.widgets.refresh_when_shown import RefreshWhenShown

LIVE_INTERVAL_MS = 250  # at most 4 refreshes per second from live training snapshots
FILE_FILTER = "Backprop Lab drawings (*.npz)"
FAIR = "a fair test: they are not trained on"
UNFAIR = "NOT a fair test: they are in the training set"
NOTE_FAIR = (
    "Your drawings are only tested, never trained on:\n"
    "their accuracy shows how well the network reads\nyour handwriting."
)
NOTE_UNFAIR = (
    "From the next run your drawings are training data\n"
    "too: their accuracy is then no longer a fair test\n(the network has seen them)."
)
MATRIX_CAPTION = "Confusion matrix, my digits\nrows: kept as, columns: seen as"
EMPTY_GALLERY = "No drawings yet: draw a digit on the\nDraw tab and keep it as 0 … 9."


def accuracy_text(scores: Scores | None, n: int, trained_on: bool) -> str:
    """Two lines for ``myDigitsAccuracyLabel``."""
    if not n:
        return "Accuracy on my digits: no drawings yet\nkeep some on the Draw tab"
    if scores is None:
        return f"Accuracy on my digits: {n} drawings\nnot measured yet"
    percent = 100 * scores.accuracy
    return (
        f"Accuracy on my digits: {scores.n_right} of {n} right ({percent:.0f} %)\n"
        f"{UNFAIR if trained_on else FAIR}"
    )


class MyDigitsPanel(RefreshWhenShown, QWidget):
    """Gallery, scores and file actions of the user's drawings.

    Attributes
    ----------
    scores : ``engine.data.my_digits.Scores`` of the current network on the drawings, or None
        when there are none.
    """

    def __init__(
        self,
        session: Session,
        keeper: MyDigitsKeeper,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.keeper, self.settings = session, keeper, settings
        self.scores: Scores | None = None
        self._gallery_of = None  # the set the gallery's items show

        self.gallery = MyDigitsGallery()
        self.gallery_caption = Caption("\n")
        self.relabel_button = QToolButton()
        self.relabel_button.setObjectName("relabelMyDigitsButton")
        self.relabel_button.setText("Relabel as")
        self.relabel_button.setToolTip("Give the selected drawings another label (or type it)")
        self.relabel_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.relabel_menu = QMenu(self.relabel_button)
        for digit in range(10):
            action = QAction(str(digit), self.relabel_menu)
            action.triggered.connect(lambda _checked=False, d=digit: self.relabel_selected(d))
            self.relabel_menu.addAction(action)
        self.relabel_button.setMenu(self.relabel_menu)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteMyDigitsButton")
        self.delete_button.setToolTip("Delete the selected drawings (or press Delete)")

        self.confusion = ConfusionMatrixView()
        self.confusion.setObjectName("myDigitsConfusionView")
        self.confusion.set_subject("your drawings", "drawings", "select its drawings")
        self.accuracy_label = Caption("\n")
        self.accuracy_label.setObjectName("myDigitsAccuracyLabel")
        font = QFont(self.accuracy_label.font())
        font.setBold(True)
        self.accuracy_label.setFont(font)
        self.accuracy_label.setToolTip("The current network on your kept drawings")
        self.counts = DigitCountsView(["kept", "right"])
        self.counts.setObjectName("myDigitsCountsView")
        self.counts.setToolTip("Per digit: how many drawings you kept, how many the network gets")
        self.include_check = QCheckBox("Include my digits in training")
        self.include_check.setObjectName("includeMyDigitsCheck")
        self.include_check.setToolTip(
            "Add your drawings to the training set of the next runs (they are then no longer\n"
            "a fair test of the network)"
        )
        self.fairness_note = Caption(NOTE_FAIR)
        self.fairness_note.setObjectName("myDigitsFairnessNote")
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("importMyDigitsButton")
        self.import_button.setToolTip("Add (or replace yours with) the drawings of a file")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("exportMyDigitsButton")
        self.export_button.setToolTip("Save all your drawings to one file")
        self._build_layout()

        self.gallery.itemSelectionChanged.connect(self._enable_actions)
        self.gallery.relabel_requested.connect(self.relabel_selected)
        self.gallery.delete_requested.connect(self.delete_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.confusion.cell_selected.connect(self.select_cell)
        self.include_check.toggled.connect(session.set_train_on_my_digits)
        self.import_button.clicked.connect(self.ask_import)
        self.export_button.clicked.connect(self.ask_export)
        session.my_digits_changed.connect(self._on_my_digits_changed)
        session.model_replaced.connect(self.refresh_when_visible)
        session.run_finished.connect(self.refresh_when_visible)
        self.live_proxy = pg.SignalProxy(
            session.weights_changed, delay=LIVE_INTERVAL_MS / 1000,
            rateLimit=1000 / LIVE_INTERVAL_MS, slot=self.refresh_when_visible, threadSafe=False,
        )  # fmt: skip
        self._on_my_digits_changed()  # the figures wait for the tab to be shown (stale)

    def _build_layout(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.relabel_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        gallery_column = QVBoxLayout()
        gallery_column.addWidget(self.gallery_caption)
        gallery_column.addWidget(self.gallery, 1)
        gallery_column.addLayout(actions)
        matrix_column = QVBoxLayout()
        matrix_column.addWidget(Caption(MATRIX_CAPTION))
        matrix_column.addWidget(self.confusion)
        matrix_column.addStretch(1)
        files = QHBoxLayout()
        files.addWidget(self.import_button)
        files.addWidget(self.export_button)
        files.addStretch(1)
        info_column = QVBoxLayout()
        info_column.addWidget(self.accuracy_label)
        info_column.addWidget(Caption("Per digit"))
        info_column.addWidget(self.counts)
        info_column.addSpacing(6)
        info_column.addWidget(self.include_check)
        info_column.addWidget(self.fairness_note)
        info_column.addStretch(1)
        info_column.addLayout(files)
        layout = QHBoxLayout(self)
        layout.addLayout(gallery_column, 1)
        layout.addLayout(matrix_column)
        layout.addLayout(info_column)

    # --- public ----------------------------------------------------------------------------

    def refresh(self, *_signal_args) -> None:
        """The network's answers on the drawings, with the current weights."""
        self.stale = False
        drawings = self.keeper.drawings
        if drawings is not self._gallery_of:
            self._gallery_of = drawings
            self.gallery.set_drawings(drawings.digits, drawings.labels)
        n = len(drawings)
        if n:
            model, X = self.session.model, self.session.my_digits_X
            probabilities = np.atleast_2d(model.predict_proba(X))
            predictions = np.argmax(probabilities, axis=1)
            self.scores = Scores.of(predictions, drawings.labels)
            confidence = probabilities[np.arange(n), predictions]
            self.gallery.set_predictions(predictions, confidence)
            self.confusion.set_matrix(self.scores.confusion)
            self.counts.set_counts({"kept": self.scores.kept, "right": self.scores.right})
        else:
            self.scores = None
            self.confusion.set_matrix(np.zeros((10, 10), dtype=np.int64))
            self.counts.set_counts({"kept": np.zeros(10), "right": np.zeros(10)})
        trained_on = self.session.train_on_my_digits
        self.accuracy_label.setText(accuracy_text(self.scores, n, trained_on))
        self.gallery_caption.setText(
            f"{n} drawing{'s' if n != 1 else ''}: kept as → seen as\nselect, then relabel or delete"
            if n
            else EMPTY_GALLERY
        )
        self._enable_actions()

    def relabel_selected(self, label: int) -> bool:
        return self.keeper.relabel(self.gallery.selected_indices(), label)

    def delete_selected(self) -> bool:
        return self.keeper.delete(self.gallery.selected_indices())

    def select_cell(self, label: int, predicted: int) -> None:
        """Select the drawings kept as ``label`` and seen as ``predicted``."""
        if self.scores is None:
            return
        labels = self.keeper.drawings.labels
        chosen = np.flatnonzero((labels == label) & (self.scores.predictions == predicted))
        self.gallery.select_indices(chosen)

    def ask_import(self) -> None:
        path = ask_open_path(self, "Import drawings", FILE_FILTER, self.settings)
        if path is None:
            return
        replace = False
        if len(self.keeper.drawings):
            replace = self._ask_replace(path.name)
            if replace is None:
                return
        self.keeper.import_file(path, replace=replace)

    def ask_export(self) -> None:
        path = ask_save_path(self, "Export drawings", FILE_FILTER, self.settings)
        if path is not None:
            self.keeper.export_file(path)

    # --- handlers --------------------------------------------------------------------------

    def _ask_replace(self, name: str) -> bool | None:
        """Whether the imported drawings replace the user's (True), are added (False), or
        neither (None: cancelled)."""
        box = QMessageBox(self)
        box.setWindowTitle("Import drawings")
        box.setText(f"Add the drawings of {name} to your {len(self.keeper.drawings)}, or replace?")
        add = box.addButton("Add to mine", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace mine", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(add)
        box.exec()
        clicked = box.clickedButton()
        return True if clicked is replace else False if clicked is add else None

    def _on_my_digits_changed(self) -> None:
        trained_on = self.session.train_on_my_digits
        self.include_check.blockSignals(True)
        self.include_check.setChecked(trained_on)
        self.include_check.blockSignals(False)
        self.fairness_note.setText(NOTE_UNFAIR if trained_on else NOTE_FAIR)
        self.refresh_when_visible()

    def _enable_actions(self) -> None:
        selected = bool(self.gallery.selectedItems())
        self.relabel_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
        self.export_button.setEnabled(bool(len(self.keeper.drawings)))
