"""The "Would you have done better?" game: test images without their labels, half of them the
model's hardest.

The student types a digit for each; the game keeps the student's score against the model's on
the same images (the model's answers are taken when the game starts). Only the hardest images
would make the model lose by construction (they are mostly its errors), so the game mixes the
``N_HARDEST`` highest-loss test samples with ``N_RANDOM`` drawn at random from the others,
shuffled; the draw is seeded, so the same model, seed and game number give the same images.
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QFont, QIntValidator
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine import worst_predictions
from gui.session import Session
from gui.widgets.captions import with_article
from gui.widgets.digit_widgets import DigitImageView

N_HARDEST = 10
N_RANDOM = 10
N_ROUNDS = N_HARDEST + N_RANDOM
SEED = 0


def quiz_samples(
    order: np.ndarray,
    rng: np.random.Generator,
    n_hardest: int = N_HARDEST,
    n_random: int = N_RANDOM,
) -> np.ndarray:
    """The game's test indices, in the order they are played.

    ``order`` lists test indices by loss, highest first (``engine.worst_predictions``); the game
    takes its first ``n_hardest`` and ``n_random`` drawn without replacement from the rest, and
    shuffles them together with ``rng``.
    """
    order = np.asarray(order, dtype=np.intp)
    hardest, others = order[:n_hardest], order[n_hardest:]
    drawn = rng.choice(others, size=min(n_random, len(others)), replace=False)
    samples = np.concatenate([hardest, drawn])
    rng.shuffle(samples)
    return samples


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
    """Plays ``N_ROUNDS`` test images: the ``N_HARDEST`` of highest loss and ``N_RANDOM`` others.

    ``seed`` and the number of games started so far seed the random draw.
    """

    def __init__(self, session: Session, parent: QWidget | None = None, seed: int = SEED) -> None:
        super().__init__(parent)
        self.session = session
        self.seed = seed
        self.games = 0
        self.samples = np.zeros(0, dtype=np.intp)
        self.model_guesses = np.zeros(0, dtype=np.intp)
        self.round = 0
        self.score = GuessScore()

        n_others = len(session.data.y_test) - N_HARDEST
        self.intro = QLabel(
            f"{N_ROUNDS} test images without their labels: the {N_HARDEST} the network finds "
            f"hardest (highest loss) and {N_RANDOM} drawn at random from the other {n_others}, "
            "shuffled. Type the digit you see and press Enter: your score is kept against the "
            "network's on the same images."
        )
        self.intro.setWordWrap(True)
        self.image_view = DigitImageView("")
        self.image_view.setObjectName("guessImage")
        self.image_view.setMinimumSize(160, 180)
        self.image_view.setToolTip("A test image (raw 8x8 counts, 0-16), without its label")
        self.guess_input = QLineEdit()
        self.guess_input.setObjectName("guessInput")
        self.guess_input.setValidator(QIntValidator(0, 9, self))
        self.guess_input.setMaxLength(1)
        self.guess_input.setFixedWidth(48)
        self.guess_input.setToolTip("Your guess: one digit 0-9, then Enter")
        self.guess_button = QPushButton("Guess")
        self.guess_button.setObjectName("guessButton")
        self.guess_button.setToolTip("Check your guess against the true label and the model")
        self.next_button = QPushButton("Next image")
        self.next_button.setObjectName("guessNextButton")
        self.next_button.setToolTip("Go on to the next image")
        self.restart_button = QPushButton("New game")
        self.restart_button.setToolTip("Start again with new images for the current model")
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.score_label = QLabel("")
        self.score_label.setObjectName("guessScoreLabel")
        font = QFont(self.score_label.font())
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.score_label.setFont(font)
        self._build_layout()

        self.guess_input.returnPressed.connect(self.submit)
        self.guess_button.clicked.connect(self.submit)
        self.next_button.clicked.connect(self.next_round)
        self.restart_button.clicked.connect(self.restart)
        session.run_finished.connect(self.restart)
        session.model_replaced.connect(self.restart)
        self.restart()

    def _build_layout(self) -> None:
        """The image as large as the height allows on the left; the words and the guess on the
        right, wrapped to their column (a long answer never widens the window)."""
        guess = QHBoxLayout()
        guess.addWidget(QLabel("Your guess:"))
        guess.addWidget(self.guess_input)
        guess.addWidget(self.guess_button)
        guess.addWidget(self.next_button)
        guess.addStretch(1)
        restart = QHBoxLayout()
        restart.addStretch(1)
        restart.addWidget(self.restart_button)
        column = QWidget()
        column.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        column.setMaximumWidth(560)
        right = QVBoxLayout(column)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.intro)
        right.addSpacing(8)
        right.addLayout(guess)
        right.addWidget(self.result_label)
        right.addSpacing(8)
        right.addWidget(self.score_label)
        right.addStretch(1)
        right.addLayout(restart)
        layout = QHBoxLayout(self)
        layout.addWidget(self.image_view, 3)
        layout.addWidget(column, 2)

    @property
    def current_sample(self) -> int | None:
        return int(self.samples[self.round]) if self.round < len(self.samples) else None

    def restart(self, *_args) -> None:
        """New game on the current model: its hardest test samples and a random draw of others."""
        data, model = self.session.data, self.session.model
        order, _ = worst_predictions(model, data.X_test, data.y_test)
        rng = np.random.default_rng([self.seed, self.games])
        self.games += 1
        self.samples = quiz_samples(order, rng)
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
            f"It is {with_article(truth)}. You said {guess} ({you}); "
            f"the model said {model_guess} ({them})."
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
