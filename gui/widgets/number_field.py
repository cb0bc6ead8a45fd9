"""A number field whose text is the truth: what is typed stays as typed (never clamped or
replaced by a previous value), so an invalid entry can be marked red with the reason. The arrows
(and Up/Down, the wheel) step the value: linearly, or along 1, 2, 5, 10, 20, ... for values that
span decades (learning rates, batch sizes)."""

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

LADDER = (1.0, 2.0, 5.0)


def ladder_step(value: float, steps: int) -> float:
    """``value`` moved ``steps`` rungs along the 1-2-5 ladder (a value off the ladder first
    snaps to the neighbouring rung in the direction of travel)."""
    for _ in range(abs(steps)):
        if value <= 0:
            value = 1e-4 if steps > 0 else value
            continue
        exponent = math.floor(math.log10(value))
        rungs = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in LADDER]
        if steps > 0:
            value = min(r for r in rungs if r > value * (1 + 1e-9))
        else:
            below = [r for r in rungs if r < value * (1 - 1e-9)]
            value = max(below) if below else value
    return float(f"{value:.6g}")


class NumberField(QAbstractSpinBox):
    """Text in, text out; ``step`` is the linear step, or None for the 1-2-5 ladder.

    Signals
    -------
    text_changed : the text changed (typed or stepped).
    """

    text_changed = Signal()

    def __init__(
        self,
        *,
        step: float | None = 1.0,
        minimum: float | None = None,
        integer: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._step, self._minimum, self._integer = step, minimum, integer
        self.setKeyboardTracking(True)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.lineEdit().textChanged.connect(self.text_changed)

    def text(self) -> str:
        return self.lineEdit().text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's naming)
        self.lineEdit().setText(text)

    def validate(self, text: str, position: int) -> object:
        return QValidator.State.Acceptable, text, position  # judged by the form, shown in red

    def fixup(self, text: str) -> str:
        return text

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:  # noqa: N802
        if not self.isEnabled():
            return QAbstractSpinBox.StepEnabledFlag.StepNone
        return (
            QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
            | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        )

    def stepBy(self, steps: int) -> None:  # noqa: N802
        try:
            value = float(self.text())
        except ValueError:
            return  # nothing sensible to step from: the text stays, marked red
        if not math.isfinite(value):
            return
        value = ladder_step(value, steps) if self._step is None else value + steps * self._step
        if self._minimum is not None:
            value = max(value, self._minimum)
        self.setText(str(int(round(value))) if self._integer else f"{value:.6g}")
