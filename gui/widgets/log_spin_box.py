"""A spin box for learning rates: arrows step along 1, 2, 5, 10, 20, ... and text accepts
``3e-4`` or ``0.0003`` alike."""

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget

LADDER = (1.0, 2.0, 5.0)


def ladder_step(value: float, steps: int, minimum: float, maximum: float) -> float:
    """``value`` moved ``steps`` rungs along the 1-2-5 ladder (a value off the ladder first
    snaps to the neighbouring rung in the direction of travel)."""
    for _ in range(abs(steps)):
        if value <= 0:
            value = max(minimum, 1e-6) if steps > 0 else value
            continue
        exponent = math.floor(math.log10(value))
        rungs = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in LADDER]
        if steps > 0:
            value = min(r for r in rungs if r > value * (1 + 1e-9))
        else:
            below = [r for r in rungs if r < value * (1 - 1e-9)]
            value = max(below) if below else value
        value = min(max(value, minimum), maximum)
    return value


class LogSpinBox(QDoubleSpinBox):
    def __init__(
        self, minimum: float = 0.0, maximum: float = 100.0, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setDecimals(8)  # the value's precision; the text shows what matters
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> object:
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            valid = stripped == "" or stripped[-1] in "eE.-+"
            state = QValidator.State.Intermediate if valid else QValidator.State.Invalid
            return state, text, position
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, position
        return QValidator.State.Intermediate, text, position

    def stepBy(self, steps: int) -> None:
        self.setValue(ladder_step(self.value(), steps, self.minimum(), self.maximum()))
