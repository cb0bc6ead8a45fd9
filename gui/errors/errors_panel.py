"""Where the network goes wrong: the test set (or, with the switch, the user's own drawings)
sorted by loss, a confusion matrix, one sample in detail, and the "Would you have done better?"
game.

Recomputed when a run ends and when the model is replaced (not on every live snapshot during
training: then it is only marked stale, and refreshed when shown or with the Refresh button).
"""

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import confusion_matrix, worst_predictions
from gui.errors.confusion_view import ConfusionMatrixView
from gui.errors.error_detail import ErrorDetail
from gui.errors.guess_game import GuessGame
from gui.errors.sample_sets import MY_DIGITS, TEST_SET, sample_set
from gui.session import Session
from gui.widgets.captions import Caption
from gui.widgets.digit_widgets import digit_pixmap
from gui.widgets.refresh_when_shown import RefreshWhenShown

THUMBNAIL = 56  # pixels
WRONG_TEXT = QColor(190, 30, 30)
MATRIX_CAPTION = "Confusion matrix, {}\nrows: {}, columns: predicted"
NO_DRAWINGS = "No drawings kept yet:\nkeep some on the Draw tab"


class ErrorsPanel(RefreshWhenShown, QWidget):
    """Worst-errors browser with its detail view, confusion matrix and guessing game.

    Attributes
    ----------
    samples : the ``SampleSet`` browsed: the test set, or the user's drawings (``set_source``).
    order : sample indices sorted by loss, highest first (``engine.worst_predictions``).
    losses : per-sample loss, indexed by sample index.
    predictions : predicted digit, indexed by sample index.
    cell : the (true, predicted) confusion cell filtering the browser, or None.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stale = True
        self.cell: tuple[int, int] | None = None
        self.order = np.zeros(0, dtype=np.intp)
        self.losses = self.predictions = np.zeros(0)
        self.samples = sample_set(session, TEST_SET)

        self.source_choice = QComboBox()
        self.source_choice.setObjectName("errorsSourceChoice")
        self.source_choice.setToolTip(
            "Browse the test set, or your own drawings (kept on the Draw tab): the confusion\n"
            "matrix and the detail view follow"
        )
        self.source_choice.addItem("Test set", TEST_SET)
        self.source_choice.addItem("My digits", MY_DIGITS)
        self.matrix_caption = Caption(MATRIX_CAPTION.format("test set", "true"))
        self.confusion = ConfusionMatrixView()
        self.misclassified_check = QCheckBox("Misclassified only")
        self.misclassified_check.setToolTip("Hide the samples the network gets right")
        self.filter_label = Caption("\n")
        self.show_all_button = QPushButton("Show all")
        self.show_all_button.setToolTip("Forget the confusion-matrix cell and list every sample")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Recompute losses and predictions with the current weights")
        self.browser = QListWidget()
        self.browser.setObjectName("worstErrorsView")
        self.browser.setToolTip("Test samples by loss, highest first: true -> predicted, loss")
        self.browser.setViewMode(QListView.ViewMode.IconMode)
        self.browser.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.browser.setGridSize(QSize(THUMBNAIL + 24, THUMBNAIL + 40))
        self.browser.setResizeMode(QListView.ResizeMode.Adjust)
        self.browser.setMovement(QListView.Movement.Static)
        self.browser.setUniformItemSizes(True)
        scroll_bar = self.browser.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.browser.setMinimumWidth(2 * (THUMBNAIL + 24) + scroll_bar + 8)
        self.browser.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail = ErrorDetail(session)
        self.game = GuessGame(session)
        self._build_layout()

        self.misclassified_check.toggled.connect(self._populate)
        self.show_all_button.clicked.connect(self.clear_cell)
        self.refresh_button.clicked.connect(self.refresh)
        self.confusion.cell_selected.connect(self.select_cell)
        self.browser.currentItemChanged.connect(self._on_current_item_changed)
        self.source_choice.currentIndexChanged.connect(self._on_source_chosen)
        session.my_digits_changed.connect(self._on_my_digits_changed)
        session.run_finished.connect(self.refresh_when_visible)
        session.model_replaced.connect(self.refresh_when_visible)
        session.weights_changed.connect(self._on_weights_changed)
        self._on_my_digits_changed()  # the figures wait for the tab to be shown (stale)

    def _build_layout(self) -> None:
        matrix_column = QVBoxLayout()
        matrix_column.setContentsMargins(0, 0, 0, 0)
        source = QHBoxLayout()
        source.addWidget(QLabel("Browse"))
        source.addWidget(self.source_choice, 1)
        matrix_column.addLayout(source)
        matrix_column.addWidget(self.matrix_caption)
        matrix_column.addWidget(self.confusion)
        matrix_column.addWidget(self.misclassified_check)
        matrix_column.addStretch(1)
        browser_column = QVBoxLayout()
        browser_column.setContentsMargins(0, 0, 0, 0)
        browser_column.addWidget(self.filter_label)
        browser_column.addWidget(self.browser, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_all_button)
        buttons.addWidget(self.refresh_button)
        browser_column.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        for column in (matrix_column, browser_column):
            holder = QWidget()
            holder.setLayout(column)
            splitter.addWidget(holder)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 3)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(6, 6, 6, 6)
        page_layout.addWidget(splitter)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(page, "Worst errors")
        self.tabs.addTab(self.game, "Would you have done better?")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    # --- public ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute losses, predictions and the confusion matrix with the current weights."""
        model = self.session.model
        self.stale = False
        samples = self.samples = sample_set(self.session, self.samples.key)
        self.detail.set_samples(samples)
        if len(samples):
            self.order, sorted_losses = worst_predictions(model, samples.X, samples.y)
            self.losses = np.empty(len(self.order))
            self.losses[self.order] = sorted_losses
            self.predictions = np.atleast_1d(np.asarray(model.predict(samples.X)))
        else:
            self.order = np.zeros(0, dtype=np.intp)
            self.losses = self.predictions = np.zeros(0)
        self.confusion.set_matrix(confusion_matrix(samples.y, self.predictions))
        self._populate()
        self.detail.refresh()

    def set_source(self, key: str) -> None:
        """Browse the test set (``TEST_SET``) or the user's drawings (``MY_DIGITS``)."""
        self.source_choice.setCurrentIndex(self.source_choice.findData(key))

    def select_cell(self, true_label: int, predicted: int) -> None:
        """List only the samples of one confusion-matrix cell (still sorted by loss)."""
        self.cell = (true_label, predicted)
        self._populate()

    def clear_cell(self) -> None:
        self.cell = None
        self.confusion.clearSelection()
        self._populate()

    def browser_indices(self) -> list[int]:
        """Sample indices listed in the browser, in display order."""
        items = (self.browser.item(row) for row in range(self.browser.count()))
        return [int(item.data(Qt.ItemDataRole.UserRole)) for item in items]

    # --- handlers --------------------------------------------------------------------------

    def _populate(self) -> None:
        y, plural = self.samples.y, self.samples.plural
        shown = self.order
        if self.cell is not None:
            true_label, predicted = self.cell
            shown = shown[(y[shown] == true_label) & (self.predictions[shown] == predicted)]
            self.filter_label.setText(
                f"True {true_label}, predicted {predicted}:\n{len(shown)} {plural} by loss"
            )
        elif self.misclassified_check.isChecked():
            shown = shown[y[shown] != self.predictions[shown]]
            self.filter_label.setText(
                f"{len(shown)} misclassified of {len(y)},\nhighest loss first"
            )
        elif not len(y):
            self.filter_label.setText(NO_DRAWINGS)
        else:
            self.filter_label.setText(f"All {len(y)} {plural},\nhighest loss first")
        self.misclassified_check.setEnabled(self.cell is None)
        self.show_all_button.setEnabled(self.cell is not None)
        # refilled quietly (clearing would move the current item through the old ones); the
        # sample in detail stays the current item if it is still listed
        self.browser.blockSignals(True)
        self.browser.clear()
        for row, index in enumerate(shown):
            self.browser.addItem(self._thumbnail(int(index)))
            if index == self.detail.index:
                self.browser.setCurrentRow(row)
        self.browser.blockSignals(False)

    def _thumbnail(self, index: int) -> QListWidgetItem:
        samples = self.samples
        true_label, predicted = int(samples.y[index]), int(self.predictions[index])
        loss = self.losses[index]
        item = QListWidgetItem(
            QIcon(digit_pixmap(samples.images[index], THUMBNAIL)),
            f"{true_label} \u2192 {predicted}\nloss {loss:.2f}",
        )
        item.setData(Qt.ItemDataRole.UserRole, index)
        item.setToolTip(
            f"{samples.title(index)}: true {true_label}, predicted {predicted}, loss {loss:.3f}"
        )
        if true_label != predicted:
            item.setForeground(QBrush(WRONG_TEXT))
        return item

    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.detail.show_sample(int(current.data(Qt.ItemDataRole.UserRole)))

    def _on_source_chosen(self) -> None:
        key = self.source_choice.currentData()
        self.samples = sample_set(self.session, key)
        names = ("test set", "true") if key == TEST_SET else ("my digits", "kept as")
        self.matrix_caption.setText(MATRIX_CAPTION.format(*names))
        self.confusion.set_subject(self.samples.subject, self.samples.plural)
        self.browser.setToolTip(f"{self.samples.plural.capitalize()} by loss, highest first: "
                                "true -> predicted, loss")  # fmt: skip
        self.cell = None
        self.confusion.clearSelection()
        self.refresh()

    def _on_my_digits_changed(self) -> None:
        n = len(self.session.my_labels)
        self.source_choice.setItemText(self.source_choice.findData(MY_DIGITS), f"My digits ({n})")
        if self.samples.key == MY_DIGITS:
            self.detail.clear()  # its drawing may be gone, or at another index
            self.refresh_when_visible()

    def _on_weights_changed(self) -> None:
        self.stale = True  # live weights: refreshed when shown, at a run's end, or by Refresh
