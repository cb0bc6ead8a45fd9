"""One sample in detail (of the test set, or one of the user's drawings: ``set_samples``): the
image, the model's probabilities, a saliency map and the three nearest training images.

A grid whose captions sit in rows of their own, never over an image::

    Test sample 123            | Probabilities
    [image]                    | [bars]
    Saliency                   | Nearest training images
    [saliency]                 | [n1] [n2] [n3]
    True label 8, predicted 4 (wrong) / p(true), loss
"""

import numpy as np
from PySide6.QtWidgets import QGridLayout, QWidget

from engine import nearest_neighbors
from gui.errors.sample_sets import TEST_SET, SampleSet, sample_set
from gui.session import Session
from gui.widgets.captions import Caption
from gui.widgets.digit_widgets import DigitImageView, ImageRow
from gui.widgets.probability_bars import ProbabilityBars

N_NEIGHBOURS = 3
SALIENCY_TIP = (
    "Gradient of this sample's loss with respect to each of the 64 inputs (model.grad_input).\n"
    "Red: more ink there would raise the loss (push away from the true digit);\n"
    "blue: more ink there would lower it. Colours are scaled to the largest magnitude."
)
NEIGHBOUR_TIP = "one of the training images closest to this sample (Euclidean distance)"
NO_SAMPLE = "Click a thumbnail to see it here\nwith the network's view of it."


class ErrorDetail(QWidget):
    """Shows the selected sample of ``samples``; ``index`` is None until one is selected."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorDetailView")
        self.session = session
        self.samples: SampleSet = sample_set(session, TEST_SET)
        self.index: int | None = None
        self.neighbours = np.zeros(0, dtype=np.intp)
        self.image_view = DigitImageView("Select a sample")
        self.image_view.setToolTip("The test image (raw 8x8 counts, 0-16)")
        self.saliency_view = DigitImageView("Saliency: d loss / d input", diverging=True)
        self.saliency_view.setObjectName("saliencyView")
        self.saliency_view.setToolTip(SALIENCY_TIP)
        for view in (self.image_view, self.saliency_view):
            view.setMinimumSize(100, 110)
        self.info_label = Caption(NO_SAMPLE)
        self.bars_caption = Caption("The network's probabilities")
        self.bars = ProbabilityBars()
        self.neighbours_caption = Caption("Nearest training images")
        self.neighbour_views = []
        for _ in range(N_NEIGHBOURS):
            view = DigitImageView("", side=100)
            view.setToolTip(NEIGHBOUR_TIP)
            view.setMinimumSize(60, 80)
            self.neighbour_views.append(view)
        self._build_layout()

    def _build_layout(self) -> None:
        neighbours = ImageRow(self.neighbour_views)
        right_top, right_bottom = QWidget(), QWidget()
        top = QGridLayout(right_top)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.bars_caption, 0, 0)
        top.addWidget(self.bars, 1, 0)
        bottom = QGridLayout(right_bottom)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.neighbours_caption, 0, 0)
        bottom.addWidget(neighbours, 1, 0)
        bottom.setRowStretch(2, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.addWidget(self.image_view, 0, 0)
        grid.addWidget(right_top, 0, 1)
        grid.addWidget(self.saliency_view, 1, 0)
        grid.addWidget(right_bottom, 1, 1)
        grid.addWidget(self.info_label, 2, 0, 1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)

    def set_samples(self, samples: SampleSet) -> None:
        """Show samples of this set from now on (the one shown is forgotten if the set is
        another one)."""
        if samples.key != self.samples.key:
            self.index = None
        self.samples = samples

    def show_sample(self, index: int) -> None:
        """Show sample ``index`` of ``samples`` with the session's current model."""
        data, model, samples = self.session.data, self.session.model, self.samples
        self.index = int(index)
        x, label = samples.X[self.index], int(samples.y[self.index])
        probabilities = np.asarray(model.predict_proba(x))
        predicted = int(np.argmax(probabilities))
        loss = model.loss(x, label)
        self.image_view.set_title(samples.title(self.index))
        self.image_view.set_image(samples.images[self.index])
        self.saliency_view.set_image(model.grad_input(x, label).reshape(8, 8))
        self.bars.set_probabilities(probabilities, label)
        verdict = "right" if predicted == label else "wrong"
        truth = "True label" if samples.key == TEST_SET else "Kept as"
        self.info_label.setText(
            f"{truth} {label}, predicted {predicted} ({verdict})\n"
            f"p(true) = {probabilities[label]:.3f}, loss = {loss:.3f}"
        )
        self.neighbours = nearest_neighbors(data.X_train, x, N_NEIGHBOURS)
        for view, j in zip(self.neighbour_views, self.neighbours, strict=True):
            view.set_title(f"label {data.y_train[j]}")
            view.setToolTip(f"Training image {j}, label {data.y_train[j]}: {NEIGHBOUR_TIP}")
            view.set_image(data.scaler.inverse_transform(data.X_train[j]).reshape(8, 8))

    def refresh(self) -> None:
        """Recompute the shown sample with the current weights (or show none if it is gone)."""
        if self.index is not None and self.index < len(self.samples):
            self.show_sample(self.index)
        else:
            self.clear()

    def clear(self) -> None:
        """No sample shown."""
        self.index = None
        self.neighbours = np.zeros(0, dtype=np.intp)
        self.image_view.set_title("Select a sample")
        for view in (self.image_view, self.saliency_view, *self.neighbour_views):
            view.clear()
        for view in self.neighbour_views:
            view.set_title("")
        self.bars.clear_probabilities()
        self.info_label.setText(NO_SAMPLE)
