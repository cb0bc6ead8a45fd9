"""The row under the canvas that keeps a drawing with its label: "Keep as 0 1 2 ... 9".

One click keeps the drawing; the digit keys do the same while the canvas has focus.
"""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from gui.widgets.captions import with_article

BUTTON_WIDTH = 30  # pixels: ten of them and the label fit a 1280x720 canvas column


class KeepRow(QWidget):
    """Ten buttons, one per digit.

    Signals
    -------
    chosen(int) : the digit clicked.
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keepDigitRow")
        self.label = QLabel("Keep as")
        self.label.setToolTip("Keep this drawing, with the digit you meant, in My digits")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.buttons: list[QToolButton] = []
        for digit in range(10):
            button = QToolButton()
            button.setText(str(digit))
            button.setObjectName(f"keepAs{digit}Button")
            button.setToolTip(
                f"Keep this drawing as {with_article(digit)} in My digits\n"
                f"(or press {digit} while the canvas has focus)"
            )
            button.setFixedWidth(BUTTON_WIDTH)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _checked=False, d=digit: self.chosen.emit(d))
            layout.addWidget(button)
            self.buttons.append(button)

    def set_enabled(self, enabled: bool) -> None:
        """Whether there is a drawing to keep (the label stays readable either way)."""
        for button in self.buttons:
            button.setEnabled(enabled)
