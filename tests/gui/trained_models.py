"""Networks trained for the GUI tests (a fixture per module, from ``train_briefly``)."""

from engine import MLP, DigitsSplit, fit
from gui.session import Session


def train_briefly(digits: DigitsSplit, epochs: int, batch_size: int) -> MLP:
    """The app's default network (64-10-10 sigmoid) after ``epochs`` of SGD at lr 0.1."""
    model = Session(digits).model
    fit(model, digits.X_train, digits.y_train, epochs=epochs, learning_rate=0.1,
        batch_size=batch_size)  # fmt: skip
    return model
