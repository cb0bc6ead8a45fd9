"""Which sample the Backprop tab shows: a test sample, the Draw tab's digit, the next training
sample a waiting run will use, or the last update a run made (``Step``).

``SampleChooser`` is the row of inputs that chooses; ``choose`` turns the choice into a
``Shown``: the input(s), the label(s), the weights to trace with, and a title; or into a
sentence saying why there is nothing to show (no drawing yet, no run waiting).
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from engine import LAB_SAMPLE, N_CLASSES, DigitsSplit
from engine.data.digits import IMAGE_SHAPE
from gui.training.controller import Step

TEST, DRAWING, NEXT, STEP = "test", "drawing", "next", "step"
SOURCES = (
    (TEST, "Test sample", "A sample of the test set, by its index"),
    (DRAWING, "Draw tab's digit", "The digit shown in the Draw tab, with the target you choose"),
    (NEXT, "Next training sample", "The sample(s) the next update of a waiting run will use"),
    (STEP, "Last update", "The last single update (Step, or a slowed-down run): the pass it "
     "computed and the change it made"),
)  # fmt: skip


@dataclass(frozen=True)
class Shown:
    """What the tab draws: ``X`` one sample ``(n_features,)`` or a batch, its ``labels``, the
    8x8 image of its first sample (pixel counts 0..16), a title, what the samples are (a noun
    phrase, e.g. "test sample #42"), and for an update the ``Step`` (whose weights before it
    are the ones to trace with)."""

    kind: str
    X: np.ndarray
    labels: int | np.ndarray
    image: np.ndarray
    title: str
    what: str
    step: Step | None = None


def _image(data: DigitsSplit, x: np.ndarray) -> np.ndarray:
    return data.scaler.inverse_transform(np.asarray(x)).reshape(IMAGE_SHAPE)


def _batch(data: DigitsSplit, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    indices = np.asarray(indices)
    if len(indices) == 1:
        i = int(indices[0])
        return data.X_train[indices], data.y_train[indices], f"training sample #{i}"
    listed = ", ".join(f"#{int(i)}" for i in indices[:3])
    more = ", …" if len(indices) > 3 else ""
    what = f"a batch of {len(indices)} training samples ({listed}{more})"
    return data.X_train[indices], data.y_train[indices], what


def choose(
    kind: str,
    data: DigitsSplit,
    *,
    test_index: int,
    drawing: np.ndarray | None,
    target: int,
    next_indices: np.ndarray | None,
    step: Step | None,
) -> Shown | str:
    """The ``Shown`` for a choice, or a sentence saying why there is nothing to show."""
    if kind == DRAWING:
        if drawing is None:
            return "The Draw tab shows no digit yet: draw one there, or look at a test sample."
        x, what = np.asarray(drawing), f"the Draw tab's digit, as a {target}"
        return Shown(kind, x, int(target), _image(data, x), what, what)
    if kind == NEXT:
        if next_indices is None:
            return (
                "No run is waiting for its next update. Press Step (N) to start one, paused "
                "(or pause a run), or look at a test sample."
            )
        X, y, what = _batch(data, next_indices)
        return Shown(kind, X, y, _image(data, X[0]), f"the next update will use {what}", what)
    if kind == STEP:
        if step is None:
            return "No update yet: press Step (N), or slow a run down with the speed control."
        X, y, what = _batch(data, step.indices)
        return Shown(kind, X, y, _image(data, X[0]), f"the last update used {what}", what,
                     step=step)  # fmt: skip
    index = int(np.clip(test_index, 0, len(data.y_test) - 1))
    what = f"test sample #{index}"
    return Shown(TEST, data.X_test[index], int(data.y_test[index]), data.test_image(index),
                 what, what)  # fmt: skip


class SampleChooser(QWidget):
    """The source combo box, the test sample's index and, for a drawing, the target digit.

    Signals: ``changed`` when any of them changes (not when set from code with ``set_kind``)."""

    changed = Signal()

    def __init__(self, n_test: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_input = QComboBox()
        self.source_input.setObjectName("backpropSourceInput")
        for index, (kind, text, tip) in enumerate(SOURCES):
            self.source_input.addItem(text, kind)
            self.source_input.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.source_input.setToolTip("Which sample the network is drawn for")
        self.index_input = QSpinBox()
        self.index_input.setObjectName("backpropSampleInput")
        self.index_input.setRange(0, n_test - 1)
        self.index_input.setValue(LAB_SAMPLE)
        self.index_input.setToolTip(f"Index into the {n_test} test samples")
        self.target_label = QLabel("as")
        self.target_input = QSpinBox()
        self.target_input.setObjectName("backpropTargetInput")
        self.target_input.setRange(0, N_CLASSES - 1)
        self.target_input.setToolTip("The digit you meant: the target y of the loss")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Sample"))
        row.addWidget(self.source_input)
        row.addWidget(self.index_input)
        row.addWidget(self.target_label)
        row.addWidget(self.target_input)
        self.source_input.currentIndexChanged.connect(self._on_changed)
        self.index_input.valueChanged.connect(self._on_changed)
        self.target_input.valueChanged.connect(self._on_changed)
        self._show_inputs()

    @property
    def kind(self) -> str:
        return self.source_input.currentData()

    def set_kind(self, kind: str) -> None:
        """Choose a source from code (no ``changed``)."""
        self.source_input.blockSignals(True)
        self.source_input.setCurrentIndex(self.source_input.findData(kind))
        self.source_input.blockSignals(False)
        self._show_inputs()

    def _show_inputs(self) -> None:
        self.index_input.setVisible(self.kind == TEST)
        self.target_label.setVisible(self.kind == DRAWING)
        self.target_input.setVisible(self.kind == DRAWING)

    def _on_changed(self, *_args) -> None:
        self._show_inputs()
        self.changed.emit()
