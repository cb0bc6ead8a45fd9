"""One test sample in detail: the image, the model's probabilities, a saliency map and the three
nearest training images."""

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine import nearest_neighbors
from gui.session import Session
from gui.widgets.digit_widgets import DigitImageView, ProbabilityBars

N_NEIGHBOURS = 3
SALIENCY_TIP = (
    "Gradient of this sample's loss with respect to each of the 64 inputs (model.grad_input).\n"
    "Red: more ink there would raise the loss (push away from the true digit);\n"
    "blue: more ink there would lower it. Colours are scaled to the largest magnitude."
)


class ErrorDetail(QWidget):
    """Shows the selected test sample; ``index`` is None until one is selected."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.index: int | None = None
        self.neighbours = np.zeros(0, dtype=np.intp)
        self.image_view = DigitImageView("Select a sample", show_values=False)
        self.image_view.setToolTip("The test image (raw 8x8 counts, 0-16)")
        self.image_view.setMinimumSize(180, 200)
        self.saliency_view = DigitImageView(
            "Saliency d loss / d input (red: ink raises the loss)", diverging=True
        )
        self.saliency_view.setToolTip(SALIENCY_TIP)
        self.saliency_view.setMinimumSize(180, 200)
        self.info_label = QLabel("Click a thumbnail to see it here.")
        self.info_label.setWordWrap(True)
        self.bars = ProbabilityBars()
        self.bars.setMinimumHeight(150)
        self.neighbour_views = []
        for _ in range(N_NEIGHBOURS):
            view = DigitImageView("")
            view.setToolTip("One of the training images closest to this sample (Euclidean)")
            view.setMinimumSize(90, 110)
            self.neighbour_views.append(view)

        images = QGridLayout()
        images.addWidget(self.image_view, 0, 0)
        images.addWidget(self.saliency_view, 0, 1)
        neighbours = QGridLayout()
        neighbours.addWidget(QLabel("Nearest training images"), 0, 0, 1, N_NEIGHBOURS)
        for k, view in enumerate(self.neighbour_views):
            neighbours.addWidget(view, 1, k)
        layout = QVBoxLayout(self)
        layout.addLayout(images, 3)
        layout.addWidget(self.info_label)
        layout.addWidget(self.bars, 2)
        layout.addLayout(neighbours, 2)

    def show_sample(self, index: int) -> None:
        """Show test sample ``index`` with the session's current model."""
        data, model = self.session.data, self.session.model
        self.index = int(index)
        x, label = data.X_test[self.index], int(data.y_test[self.index])
        probabilities = np.asarray(model.predict_proba(x))
        predicted = int(np.argmax(probabilities))
        loss = model.loss(x, label)
        self.image_view.set_title(f"Test sample {self.index}")
        self.image_view.set_image(data.test_image(self.index))
        self.saliency_view.set_image(model.grad_input(x, label).reshape(8, 8))
        self.bars.set_probabilities(probabilities, label)
        verdict = "right" if predicted == label else "wrong"
        self.info_label.setText(
            f"True label {label}, predicted {predicted} ({verdict}), "
            f"p(true) = {probabilities[label]:.3f}, loss = {loss:.3f}"
        )
        self.neighbours = nearest_neighbors(data.X_train, x, N_NEIGHBOURS)
        for view, j in zip(self.neighbour_views, self.neighbours, strict=True):
            view.set_title(f"train {j}: label {data.y_train[j]}")
            view.set_image(data.scaler.inverse_transform(data.X_train[j]).reshape(8, 8))

    def refresh(self) -> None:
        """Recompute the shown sample with the current weights."""
        if self.index is not None:
            self.show_sample(self.index)
