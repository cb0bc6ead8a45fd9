"""Breaking backpropagation on purpose: the combo box that chooses one of ``engine.BUGS`` and the
red banner shown while one is on.

Both follow the session (``settings_changed``): Reset, which calls ``session.set_bug(None)``,
clears them. A run trains a copy of the model made when it starts, so the bug can only change
while no run is under way.
"""

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from engine import BUGS
from gui.session import Session
from gui.theme import ERROR_RED, NOTICE_STYLE
from gui.training.controller import TrainingController

NO_BUG = "No bug: correct backprop"
ON_STYLE = (
    f"QLabel {{ color: white; background: {ERROR_RED}; border-radius: 3px; padding: 1px 5px; }}"
)


class BugInput(QWidget):
    """``Break backprop: [combo] [BUG ON]``; choosing calls ``session.set_bug``."""

    def __init__(
        self, session: Session, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.controller = session, controller
        self.combo = QComboBox()
        self.combo.setObjectName("backpropBugInput")
        self.combo.addItem(NO_BUG, None)
        self.combo.setItemData(0, "The lab's backpropagation, as it should be",
                               Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        for index, bug in enumerate(BUGS.values(), 1):
            self.combo.addItem(bug.label, bug.name)
            self.combo.setItemData(index, bug.explanation, Qt.ItemDataRole.ToolTipRole)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mark = QLabel("BUG ON")
        self.mark.setObjectName("bugOnLabel")
        self.mark.setStyleSheet(ON_STYLE)
        self.mark.setToolTip("Backpropagation is broken on purpose; Reset puts it right")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Break backprop"))
        row.addWidget(self.combo)
        row.addWidget(self.mark)
        self.combo.currentIndexChanged.connect(self._on_chosen)
        session.settings_changed.connect(self._on_settings_changed)
        controller.state_changed.connect(self._on_state_changed)
        self._on_settings_changed()
        self._on_state_changed()

    def _on_chosen(self, _index: int) -> None:
        self.session.set_bug(self.combo.currentData())

    def _on_settings_changed(self) -> None:
        index = self.combo.findData(self.session.bug) if self.session.bug else 0
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self.mark.setVisible(self.session.bug is not None)

    def _on_state_changed(self, *_args) -> None:
        idle = not self.controller.is_running
        self.combo.setEnabled(idle)
        self.combo.setToolTip(
            "Make one classic mistake in the backward pass (hover an item for what it does); "
            "Reset puts it right"
            if idle
            else "A run is under way: it trains with the backprop it started with. Stop it to "
            "change the bug."
        )


class BugBanner(QLabel):
    """A red banner saying which mistake is on and what it breaks; hidden without one."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("bugBanner")
        self.setWordWrap(True)
        self.setStyleSheet(NOTICE_STYLE.replace("#f5c6cb", ERROR_RED))
        self.setTextFormat(Qt.TextFormat.RichText)
        session.settings_changed.connect(self._on_settings_changed)
        self._on_settings_changed()

    def _on_settings_changed(self) -> None:
        bug = BUGS.get(self.session.bug) if self.session.bug else None
        self.setVisible(bug is not None)
        if bug is None:
            self.clear()
            return
        self.setText(
            f"<b>Backprop is broken on purpose: {html.escape(bug.label)}.</b> Wrong gradients: "
            f"{html.escape(bug.breaks)}. Training and the gradient check use it; Reset "
            "(Ctrl+Shift+R) or “No bug” puts it right."
        )
        self.setToolTip(bug.explanation)
