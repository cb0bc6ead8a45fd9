"""The labelled samples the worst-errors browser can look at: the test set, or the user's own
drawings ("my digits"). Each is read from the session when it is needed."""

from dataclasses import dataclass

import numpy as np

from gui.session import Session

TEST_SET, MY_DIGITS = "test", "mine"


@dataclass(frozen=True)
class SampleSet:
    """Samples as the network receives them, with what the views say of them.

    Attributes
    ----------
    key : ``TEST_SET`` or ``MY_DIGITS``.
    subject : the set, in a sentence ("the test set").
    noun : one sample ("test sample"), capitalised at the start of a title.
    plural : several ("test samples").
    X : standardised ``(n, 64)``; y : labels ``(n,)``; images : raw counts ``(n, 8, 8)``.
    """

    key: str
    subject: str
    noun: str
    plural: str
    X: np.ndarray
    y: np.ndarray
    images: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def title(self, index: int) -> str:
        """``Test sample 12`` or ``Drawing 3`` (drawings are counted from 1, as listed)."""
        number = index if self.key == TEST_SET else index + 1
        return f"{self.noun[0].upper()}{self.noun[1:]} {number}"


def sample_set(session: Session, key: str) -> SampleSet:
    """The test set or the user's drawings, as the session holds them now."""
    if key == MY_DIGITS:
        return SampleSet(
            MY_DIGITS, "your drawings", "drawing", "drawings",
            session.my_digits_X, np.asarray(session.my_labels, dtype=np.intp),
            np.asarray(session.my_digits, dtype=np.float64).reshape(-1, 8, 8),
        )  # fmt: skip
    data = session.data
    images = data.scaler.inverse_transform(data.X_test).reshape(-1, 8, 8)
    return SampleSet(
        TEST_SET, "the test set", "test sample", "test samples", data.X_test, data.y_test, images
    )
