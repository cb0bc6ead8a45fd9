"""Captions that never push a layout wider or get drawn over their neighbours, and the words in
them.

A ``Caption`` is a label of a fixed number of lines: a layout may make it as narrow as it needs
(each line is then elided with "…", and the whole text becomes the tooltip), but never shorter
than its lines, so a tight window shrinks the images beside it instead of overlapping them.
"""

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def with_article(number: int) -> str:
    """The number with its indefinite article as it is read aloud: ``"a 5"``, ``"an 8"``.

    Read aloud, a number starts with a vowel sound when it starts with "eight" (8, 80-89,
    800-899, 8000 ...) or when it is eleven or eighteen (thousand, million ...): "an 11".
    """
    digits = str(int(number))
    eight = digits.startswith("8")
    eleven_or_eighteen = len(digits) % 3 == 2 and digits[:2] in ("11", "18")
    return f"{'an' if eight or eleven_or_eighteen else 'a'} {number}"


class Caption(QLabel):
    """A label of one or more fixed lines (``\\n``) that elides each line to the width it gets.

    ``text()`` returns the whole text; ``toolTip()`` the whole text too when a line is elided
    (else the tooltip set with ``setToolTip``).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's naming)
        if text != self._text:
            self._text = text
            self._elide()
            self.updateGeometry()

    def setToolTip(self, tip: str) -> None:  # noqa: N802
        self._tip = tip
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        lines = self._text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        margins = self.contentsMargins()
        return QSize(
            width + 2 * self.margin() + margins.left() + margins.right() + 2,
            self.minimumSizeHint().height(),
        )

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        margins = self.contentsMargins()
        lines = self._text.count("\n") + 1
        height = lines * self.fontMetrics().lineSpacing()
        return QSize(0, height + 2 * self.margin() + margins.top() + margins.bottom())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        room = max(self.width() - 2 * self.margin() - margins.left() - margins.right(), 1)
        metrics = self.fontMetrics()
        lines = [
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, room)
            for line in self._text.split("\n")
        ]
        shown = "\n".join(lines)
        super().setText(shown)
        super().setToolTip(self._text if shown != self._text else self._tip)
