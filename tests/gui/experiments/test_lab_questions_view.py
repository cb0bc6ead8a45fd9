"""The "Lab questions" tab against figures computed here with NumPy alone."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import RunConfig, fit_diagnosis

RUN_TIMEOUT = 60_000
CONFIG = RunConfig(hidden_sizes=(10,), activation="sigmoid", batch_size=16, epochs=4)


def nll_by_hand(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """-log p(true class) for every row: sigmoid hidden layer, softmax output, in float64."""
    hidden = 1.0 / (1.0 + np.exp(-(X.astype(np.float64) @ params["W1"] + params["b1"])))
    logits = hidden @ params["W2"] + params["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_proba = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_proba[np.arange(len(y)), y]


@pytest.fixture
def window(make_window, qtbot):
    window = make_window()
    window.show()
    window.form.set_config(CONFIG)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    return window


def show_tab(window, view) -> None:
    for index in range(window.tabs.count()):
        if window.tabs.widget(index).isAncestorOf(view) or window.tabs.widget(index) is view:
            window.tabs.setCurrentIndex(index)
            return
    raise AssertionError("no tab holds the view")


def test_answers_match_numpy_and_scikit_learn_definitions(window):
    view = window.lab_questions_view
    assert view.objectName() == "labQuestionsView" and view.stale  # hidden until shown
    show_tab(window, view)
    assert not view.stale
    data, params = window.session.data, window.session.model.params
    test_nll = nll_by_hand(params, data.X_test, data.y_test)
    train_nll = nll_by_hand(params, data.X_train, data.y_train)
    answers = view.answers
    assert answers.sample_index == 42 and answers.sample_label == data.y_test[42]
    assert answers.nll_sample == pytest.approx(test_nll[42], rel=1e-6)
    assert answers.test_nll == pytest.approx(test_nll.mean(), rel=1e-6)
    assert answers.train_nll == pytest.approx(train_nll.mean(), rel=1e-6)
    assert answers.framework_train_nll == pytest.approx(train_nll.mean(), rel=1e-6)
    assert answers.agree
    texts = [label.text() for label in view.answer_labels]
    assert f"{test_nll[42]:.4f}" in texts[0] and "sample 42" in texts[0]
    assert f"{test_nll.mean():.4f}" in texts[1]
    assert f"{train_nll.mean():.4f}" in texts[2] and "agree" in texts[2]
    verdict, reason = fit_diagnosis(window.session.history)
    assert view.verdict == (verdict, reason)
    assert verdict.capitalize() in texts[3] and reason in texts[3]
    assert "after 4 epoch(s)" in view.subject_label.text()


def test_answers_follow_runs_and_opened_models(window, qtbot, tmp_path):
    view = window.lab_questions_view
    show_tab(window, view)
    trained = view.answers
    path = window.file_actions.save_model_to(tmp_path / "model.npz")

    window.experiment.reset()  # visible: answered again at once, for the fresh network
    fresh = view.answers
    assert fresh.test_nll > trained.test_nll and view.verdict[0] == "too early to tell"

    assert window.file_actions.open_model_from(path)
    assert view.answers == trained

    window.form.set_config(CONFIG.with_changes(epochs=1))
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        window.experiment.train()
    assert view.answers != trained and "after 5 epoch(s)" in view.subject_label.text()


def test_a_hidden_view_waits_until_it_is_shown(window):
    view = window.lab_questions_view
    show_tab(window, view)
    answered = view.answers
    window.tabs.setCurrentIndex(0)
    window.experiment.reset()
    assert view.stale and view.answers is answered
    show_tab(window, view)
    assert not view.stale and view.answers != answered
