"""The "Would you have done better?" game: a fair mix of images, the student's typed guesses
scored against the model, and answers in good English."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import worst_predictions
from gui.errors.guess_game import N_HARDEST, N_RANDOM, N_ROUNDS, GuessGame, GuessScore, quiz_samples
from gui.widgets.captions import with_article
from tests.gui.trained_models import train_briefly


@pytest.fixture(scope="module")
def trained_model(digits):
    return train_briefly(digits, epochs=5, batch_size=4)  # about 95 % right, a dozen errors


@pytest.fixture
def game(qtbot, session):
    game = GuessGame(session)
    qtbot.addWidget(game)
    game.resize(900, 420)
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


def test_quiz_takes_the_hardest_and_a_seeded_random_draw_of_the_rest_shuffled():
    order = np.arange(270)[::-1].copy()  # test indices by loss, highest first
    samples = quiz_samples(order, np.random.default_rng(0))
    assert len(samples) == len(set(samples.tolist())) == N_HARDEST + N_RANDOM == N_ROUNDS
    hardest = set(order[:N_HARDEST].tolist())
    assert hardest <= set(samples.tolist())
    drawn = [s for s in samples.tolist() if s not in hardest]
    assert len(drawn) == N_RANDOM and set(drawn) <= set(order[N_HARDEST:].tolist())
    assert set(samples[:N_HARDEST].tolist()) != hardest  # shuffled: not hardest first
    again = quiz_samples(order, np.random.default_rng(0))
    np.testing.assert_array_equal(samples, again)  # reproducible
    other = quiz_samples(order, np.random.default_rng(1))
    assert set(other.tolist()) != set(samples.tolist())  # another seed, another draw


def test_quiz_with_fewer_samples_than_rounds_draws_what_there_is():
    order = np.array([4, 2, 7, 0, 1, 3, 5, 6, 9, 8, 11, 10])
    samples = quiz_samples(order, np.random.default_rng(0))
    assert sorted(samples.tolist()) == list(range(12))


def test_the_game_is_fair_to_the_model_and_says_how_it_is_made(game):
    data, model = game.session.data, game.session.model
    order, _ = worst_predictions(model, data.X_test, data.y_test)
    hardest = set(order[:N_HARDEST].tolist())
    samples = game.samples.tolist()
    assert len(samples) == N_ROUNDS and hardest <= set(samples)
    others = [s for s in samples if s not in hardest]
    model_right = model.predict(data.X_test[others]) == data.y_test[others]
    accuracy = model.accuracy(data.X_test, data.y_test)
    assert accuracy > 0.9
    assert model_right.sum() >= N_RANDOM - 2  # the random half: mostly the model's successes
    intro = game.intro.text()
    assert f"the {N_HARDEST} the network finds hardest" in intro
    assert f"{N_RANDOM} drawn at random" in intro


def test_same_seed_same_images_and_a_new_game_draws_again(qtbot, session):
    first, second = GuessGame(session, seed=7), GuessGame(session, seed=7)
    for widget in (first, second):
        qtbot.addWidget(widget)
    np.testing.assert_array_equal(first.samples, second.samples)
    before = first.samples.copy()
    first.restart()
    assert set(first.samples.tolist()) != set(before.tolist())


def test_plays_every_image_without_its_label_and_keeps_score(game, qtbot):
    data, model = game.session.data, game.session.model
    samples = game.samples.tolist()
    expected_student = expected_model = 0
    for round_ in range(N_ROUNDS):
        index = game.current_sample
        assert index == samples[round_]
        truth = int(data.y_test[index])
        assert "label" not in game.image_view.title.text()
        assert game.result_label.text() == ""
        guess = truth if round_ % 2 == 0 else (truth + 1) % 10
        type_guess(qtbot, game, guess)
        expected_student += guess == truth
        expected_model += int(model.predict(data.X_test[index])) == truth
        assert game.result_label.text().startswith(f"It is {with_article(truth)}.")
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
    assert game.current_sample == game.samples[0]


def test_a_long_answer_wraps_instead_of_widening_the_game(game, qtbot):
    width = game.minimumSizeHint().width()
    type_guess(qtbot, game, 8)
    assert game.result_label.text()
    assert game.minimumSizeHint().width() <= width


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "a 0"), (1, "a 1"), (5, "a 5"), (7, "a 7"), (8, "an 8"), (9, "a 9"), (10, "a 10"),
     (11, "an 11"), (12, "a 12"), (17, "a 17"), (18, "an 18"), (80, "an 80"), (88, "an 88"),
     (100, "a 100"), (110, "a 110"), (180, "a 180"), (800, "an 800"), (1800, "a 1800"),
     (8000, "an 8000"), (11000, "an 11000"), (18500, "an 18500"), (-8, "a -8")],
)  # fmt: skip
def test_article_follows_how_the_number_is_read(number, expected):
    assert with_article(number) == expected
