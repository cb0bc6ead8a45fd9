"""The "Would you have done better?" game: the student's typed guesses, scored against the model."""

import pytest
from PySide6.QtCore import Qt

from engine import fit, worst_predictions
from gui.errors.guess_game import N_ROUNDS, GuessGame, GuessScore
from gui.session import Session


@pytest.fixture
def game(qtbot, digits):
    session = Session(digits)
    fit(session.model, digits.X_train, digits.y_train, epochs=3, learning_rate=0.1, batch_size=16)
    game = GuessGame(session)
    game.restart()
    qtbot.addWidget(game)
    game.show()
    qtbot.waitExposed(game)
    return game


def type_guess(qtbot, game, digit: int) -> None:
    qtbot.keyClicks(game.guess_input, str(digit))
    qtbot.keyClick(game.guess_input, Qt.Key.Key_Return)


def test_score_counts_right_answers_of_both():
    score = GuessScore()
    score.record(student_guess=3, model_guess=8, truth=3)
    score.record(student_guess=1, model_guess=7, truth=7)
    score.record(student_guess=2, model_guess=2, truth=5)
    assert (score.rounds, score.student, score.model) == (3, 1, 1)
    assert str(score) == "You 1 / 3    Model 1 / 3"


def test_plays_the_worst_errors_without_labels_and_keeps_score(game, qtbot):
    data, model = game.session.data, game.session.model
    worst, _ = worst_predictions(model, data.X_test, data.y_test, N_ROUNDS)
    assert game.samples.tolist() == worst.tolist()
    expected_student = expected_model = 0
    for round_ in range(N_ROUNDS):
        index = game.current_sample
        assert index == worst[round_]
        truth = int(data.y_test[index])
        assert "label" not in game.image_view.title.text()
        assert game.result_label.text() == ""
        guess = truth if round_ % 2 == 0 else (truth + 1) % 10
        type_guess(qtbot, game, guess)
        expected_student += guess == truth
        expected_model += int(model.predict(data.X_test[index])) == truth
        assert f"It is a {truth}" in game.result_label.text()
        assert (game.score.student, game.score.model) == (expected_student, expected_model)
        assert game.score_label.text() == str(game.score)
        type_guess(qtbot, game, guess)  # a second guess for the same image does not count
        assert game.score.rounds == round_ + 1
        qtbot.mouseClick(game.next_button, Qt.MouseButton.LeftButton)
    assert game.current_sample is None
    assert not game.guess_input.isEnabled()
    assert "Final score" in game.result_label.text()
    assert game.score.student == (N_ROUNDS + 1) // 2

    qtbot.mouseClick(game.restart_button, Qt.MouseButton.LeftButton)
    assert game.score.rounds == 0
    assert game.current_sample == worst[0]
