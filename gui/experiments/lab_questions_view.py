"""The "Lab questions" tab: the lab's last questions, answered for the current model.

The answers are the engine's (``lab_answers`` and ``fit_diagnosis``); this view lays them out
next to test sample 42's image. They are computed again when a run ends or a model is opened or
reset, and only while the tab is visible (the first answer imports scikit-learn's metrics,
about a second): a hidden view only notes that it is stale.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine import LAB_SAMPLE, LabAnswers, fit_diagnosis, lab_answers
from gui.session import Session
from gui.theme import ERROR_RED, GREEN
from gui.widgets.digit_widgets import digit_pixmap
from gui.widgets.refresh_when_shown import RefreshWhenShown

QUESTIONS = (
    f"1. What is the negative log-likelihood (NLL) of test sample {LAB_SAMPLE}?",
    "2. What is the average NLL over the test set?",
    "3. What is the average NLL over the training set, and does a framework agree?",
    "4. Does the model overfit or underfit?",
)
AGREE_STYLE, DIFFER_STYLE = f"color: {GREEN};", f"color: {ERROR_RED};"
IMAGE_SIZE = 112


class LabQuestionsView(RefreshWhenShown, QWidget):
    """Question-and-answer rows; ``answers`` and ``verdict`` hold the latest figures."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labQuestionsView")
        self.session = session
        self.answers: LabAnswers | None = None
        self.verdict: tuple[str, str] | None = None
        self.stale = True
        self.image_label = QLabel()
        self.image_label.setFixedSize(IMAGE_SIZE, IMAGE_SIZE)
        self.image_label.setToolTip(f"Test sample {LAB_SAMPLE}, as the network sees it (8x8)")
        self.subject_label = QLabel()
        self.subject_label.setObjectName("labSubject")
        self.subject_label.setWordWrap(True)
        self.refresh_button = QPushButton("Answer again")
        self.refresh_button.clicked.connect(self.refresh)
        self.answer_labels: list[QLabel] = []
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(6)
        for row, question in enumerate(QUESTIONS):
            title = QLabel(f"<b>{question}</b>")
            title.setWordWrap(True)
            title.setContentsMargins(0, 10 if row else 0, 0, 0)
            answer = QLabel()
            answer.setObjectName(f"labAnswer{row + 1}")
            answer.setWordWrap(True)
            answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(title, 2 * row, 1)
            grid.addWidget(answer, 2 * row + 1, 1)
            self.answer_labels.append(answer)
        caption = QLabel(f"Test sample {LAB_SAMPLE}")
        caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        picture = QVBoxLayout()
        picture.addWidget(self.image_label)
        picture.addWidget(caption)
        picture.addStretch(1)
        grid.addLayout(picture, 0, 0, 2 * len(QUESTIONS), 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.subject_label)
        layout.addLayout(grid)
        layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        data = session.data
        self.image_label.setPixmap(digit_pixmap(data.test_image(LAB_SAMPLE), IMAGE_SIZE))
        session.run_finished.connect(self.refresh_when_visible)
        session.model_replaced.connect(self.refresh_when_visible)

    def refresh(self) -> None:
        """Answer the questions for the session's model and history now."""
        session = self.session
        self.answers = answers = lab_answers(session.model, session.data, LAB_SAMPLE)
        self.verdict = verdict, reason = fit_diagnosis(session.history)
        self.stale = False
        epochs = sum(run.history.epochs_completed for run in session.lineage if run.history)
        self.subject_label.setText(
            f"For the current model: {session.config.describe()}, after {epochs} epoch(s) "
            "of training. Losses are natural-log means over samples."
        )
        sample, test, train = answers.lines()
        self.answer_labels[0].setText(sample)
        self.answer_labels[1].setText(test)
        self.answer_labels[2].setText(train)
        self.answer_labels[2].setStyleSheet(AGREE_STYLE if answers.agree else DIFFER_STYLE)
        self.answer_labels[3].setText(f"<b>{verdict.capitalize()}</b>: {reason}")
