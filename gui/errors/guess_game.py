"""The "Would you have done better?" game: the model's hardest test samples, without labels.

The student types a digit for each; the game keeps the student's score against the model's on
the same images (the model's answers are taken when the game starts).
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIntValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engine import MLP, worst_predictions
from gui.session import Session
from gui.widgets.digit_widgets import DigitImageView

N_ROUNDS = 20


@dataclass
class GuessScore:
    """Right answers of the student and of the model over the rounds played."""

    rounds: int = 0
    student: int = 0
    model: int = 0

    def record(self, student_guess: int, model_guess: int, truth: int) -> None:
        self.rounds += 1
        self.student += int(student_guess == truth)
        self.model += int(model_guess == truth)

    def __str__(self) -> str:
        return f"You {self.student} / {self.rounds}    Model {self.model} / {self.rounds}"


class GuessGame(QWidget):
    """Plays the ``N_ROUNDS`` test samples with the highest loss, highest first."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._model: MLP | None = None
        self.samples = np.zeros(0, dtype=np.intp)
        self.model_guesses = np.zeros(0, dtype=np.intp)
        self.round = 0
        self.score = GuessScore()

        intro = QLabel(
            f"The {N_ROUNDS} test images the network finds hardest (highest loss), without "
            "their labels. Type the digit you see and press Enter."
        )
        intro.setWordWrap(True)
        self.image_view = DigitImageView("")
        self.image_view.setMinimumSize(220, 240)
        self.guess_input = QLineEdit()
        self.guess_input.setObjectName("guessInput")
        self.guess_input.setValidator(QIntValidator(0, 9, self))
        self.guess_input.setMaxLength(1)
        self.guess_input.setMaximumWidth(60)
        self.guess_input.setToolTip("Your guess: one digit 0-9, then Enter")
        self.guess_button = QPushButton("Guess")
        self.guess_button.setObjectName("guessButton")
        self.guess_button.setToolTip("Check your guess against the true label and the model")
        self.next_button = QPushButton("Next image")
        self.next_button.setObjectName("guessNextButton")
        self.next_button.setToolTip("Go on to the next hardest image")
        self.restart_button = QPushButton("New game")
        self.restart_button.setToolTip("Start again with the current model's hardest images")
        self.result_label = QLabel("")
        self.score_label = QLabel("")
        self.score_label.setObjectName("guessScoreLabel")
        font = QFont(self.score_label.font())
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.score_label.setFont(font)

        row = QHBoxLayout()
        row.addWidget(QLabel("Your guess:"))
        row.addWidget(self.guess_input)
        row.addWidget(self.guess_button)
        row.addWidget(self.next_button)
        row.addStretch(1)
        row.addWidget(self.restart_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.image_view, 1)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addWidget(self.score_label, 0, Qt.AlignmentFlag.AlignHCenter)

        self.guess_input.returnPressed.connect(self.submit)
        self.guess_button.clicked.connect(self.submit)
        self.next_button.clicked.connect(self.next_round)
        self.restart_button.clicked.connect(self.restart)
        session.run_finished.connect(self.restart)
        session.model_replaced.connect(self.restart)
        session.weights_changed.connect(self._on_model_changed)
        self.restart()

    @property
    def current_sample(self) -> int | None:
        return int(self.samples[self.round]) if self.round < len(self.samples) else None

    def restart(self, *_args) -> None:
        """New game on the current model's hardest test samples."""
        data, model = self.session.data, self.session.model
        self._model = model
        self.samples, _ = worst_predictions(model, data.X_test, data.y_test, N_ROUNDS)
        self.model_guesses = np.asarray(model.predict(data.X_test[self.samples]))
        self.round, self.score = 0, GuessScore()
        self._show_round()

    def submit(self) -> None:
        """Score the typed guess for the current image and reveal its label."""
        text = self.guess_input.text().strip()
        if self.current_sample is None or not self.guess_input.isEnabled() or not text.isdigit():
            return
        guess, truth = int(text), int(self.session.data.y_test[self.current_sample])
        model_guess = int(self.model_guesses[self.round])
        self.score.record(guess, model_guess, truth)
        you = "right" if guess == truth else "wrong"
        them = "right" if model_guess == truth else "wrong"
        self.result_label.setText(
            f"It is a {truth}. You said {guess} ({you}); the model said {model_guess} ({them})."
        )
        self.image_view.set_title(f"True label: {truth}")
        self.score_label.setText(str(self.score))
        self.guess_input.setEnabled(False)
        self.guess_button.setEnabled(False)
        self.next_button.setEnabled(True)
        self.next_button.setFocus()

    def next_round(self) -> None:
        self.round += 1
        self._show_round()

    def _show_round(self) -> None:
        self.guess_input.clear()
        sample = self.current_sample
        playing = sample is not None
        self.guess_input.setEnabled(playing)
        self.guess_button.setEnabled(playing)
        self.next_button.setEnabled(False)
        self.score_label.setText(str(self.score))
        if playing:
            self.image_view.set_title(
                f"Image {self.round + 1} of {len(self.samples)}: which digit?"
            )
            self.image_view.set_image(self.session.data.test_image(sample))
            self.result_label.setText("")
            self.guess_input.setFocus()
        else:
            self.image_view.set_title("Game over")
            self.result_label.setText(f"Final score: {self.score}. Press New game to play again.")

    def _on_model_changed(self) -> None:
        if self.session.model is not self._model:
            self.restart()
