"""File > Save model / Open model through the window: a round trip, bad files, and the menu."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine import RunConfig
from gui.experiments import file_actions

RUN_TIMEOUT = 60_000
SHORT = RunConfig(
    hidden_sizes=(12,), activation="tanh", learning_rate=0.05, batch_size=32, epochs=3, seed=4
)


def train(window, qtbot, config: RunConfig):
    window.form.set_config(config)
    with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


@pytest.fixture
def errors(window):
    shown: list[tuple[str, str]] = []
    window.file_actions.show_error = lambda title, text: shown.append((title, text))
    return shown


@pytest.fixture
def window(make_window):
    window = make_window()
    window.show()
    return window


def params_of(model) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in model.params.items()}


def test_save_then_open_restores_weights_settings_and_history(window, qtbot, tmp_path, errors):
    train(window, qtbot, SHORT)
    session = window.session
    saved_params = params_of(session.model)
    saved_history = session.history
    n_updates, n_evals = window.trace.n_updates, window.trace.n_evaluations
    path = window.file_actions.save_model_to(tmp_path / "model.npz")
    assert path is not None and path.is_file()
    assert "Saved" in window.statusBar().currentMessage()

    window.form.set_config(RunConfig(hidden_sizes=(30, 20), epochs=7))  # another network
    window.reset_model()
    assert session.model.hidden_sizes == (30, 20) and window.trace.n_updates == 0

    assert window.file_actions.open_model_from(path)
    assert errors == []
    assert session.model.hidden_sizes == (12,) and session.model.activation.name == "tanh"
    for key, value in saved_params.items():
        np.testing.assert_array_equal(session.model.params[key], value)
    assert window.form.config() == SHORT == session.config
    assert session.history.update_losses == saved_history.update_losses
    assert session.history.evaluations == saved_history.evaluations
    assert session.history.end == saved_history.end
    # The plots show the reopened history as they showed the run.
    assert (window.trace.n_updates, window.trace.n_evaluations) == (n_updates, n_evals)
    loss = window.training_view.loss_plot
    assert len(loss.raw.getOriginalDataset()[1]) == n_updates
    np.testing.assert_allclose(loss.raw.getOriginalDataset()[1], saved_history.update_losses)
    assert len(window.training_view.gradient_plot.norm.getOriginalDataset()[1]) == 3
    assert window.trace.update_x.values[-1] == pytest.approx(3.0)
    # Train continues from the opened weights, drawn after the reopened run.
    end = train(window, qtbot, SHORT.with_changes(epochs=1))
    assert end.status == "completed"
    assert window.trace.update_x.values[-1] == pytest.approx(4.0)
    assert len(session.history.update_losses) == n_updates + n_updates // 3


def test_continued_runs_are_drawn_again_where_they_were(window, qtbot, tmp_path, errors):
    train(window, qtbot, SHORT.with_changes(epochs=2))
    train(window, qtbot, SHORT.with_changes(epochs=1, batch_size=64))  # continues, other batch
    trace = window.trace
    drawn = {name: getattr(trace, name).values.copy() for name in trace.SERIES}
    path = window.file_actions.save_model_to(tmp_path / "two-runs.npz")
    window.reset_model()
    assert window.file_actions.open_model_from(path)
    for name, values in drawn.items():
        np.testing.assert_allclose(getattr(trace, name).values, values, err_msg=name)
    assert errors == []


def test_a_model_saved_without_a_run_opens_with_an_empty_history(window, tmp_path, errors):
    window.form.set_config(RunConfig(hidden_sizes=(5,), init="glorot", seed=3))
    window.reset_model()
    path = window.file_actions.save_model_to(tmp_path / "fresh.npz")
    window.form.set_config(RunConfig())
    window.reset_model()
    assert window.file_actions.open_model_from(path)
    assert window.session.model.hidden_sizes == (5,) and window.session.history.evaluations == []
    assert window.form.config().init == "glorot" and window.trace.n_updates == 0


@pytest.mark.parametrize("damage", ["text", "truncated", "empty", "missing"])
def test_a_bad_file_says_what_is_wrong_and_changes_nothing(window, tmp_path, errors, damage):
    good = window.file_actions.save_model_to(tmp_path / "good.npz")
    bad = tmp_path / "bad.npz"
    if damage == "text":
        bad.write_text("these are not the weights you are looking for\n")
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "empty":
        bad.write_bytes(b"")
    session = window.session
    model, history, config = session.model, session.history, session.config
    before = params_of(model)
    form_before = window.form.config()

    assert not window.file_actions.open_model_from(bad)

    assert len(errors) == 1
    title, text = errors[0]
    assert "open" in title.lower()
    expected = {
        "text": "not a model file",
        "truncated": "truncated",
        "empty": "empty",
        "missing": "no such file",
    }[damage]
    assert expected in text and "bad.npz" in text
    assert session.model is model and session.history is history and session.config is config
    for key, value in before.items():
        np.testing.assert_array_equal(model.params[key], value)
    assert window.form.config() == form_before


def test_the_menu_asks_for_a_path_and_adds_the_extension(window, tmp_path, errors, monkeypatch):
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *args: (str(tmp_path / "chosen"), file_actions.MODEL_FILTER),
    )
    window.file_actions.save_action.trigger()
    assert (tmp_path / "chosen.npz").is_file()
    opened: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(tmp_path / "x.npz"), ""))
    monkeypatch.setattr(window.file_actions, "open_model_from", opened.append)
    window.file_actions.open_action.trigger()
    assert opened == [tmp_path / "x.npz"]
    assert window.settings.value(file_actions.LAST_FOLDER_KEY) == str(tmp_path)


def test_shortcuts_and_no_saving_or_opening_during_training(window, qtbot):
    actions = window.file_actions
    assert actions.save_action.shortcut().toString() == "Ctrl+S"
    assert actions.open_action.shortcut().toString() == "Ctrl+O"
    assert actions.save_action.isEnabled() and actions.open_action.isEnabled()
    window.form.set_config(RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40))
    qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    assert window.is_training
    assert not actions.save_action.isEnabled() and not actions.open_action.isEnabled()
    assert not actions.numpy_action.isEnabled()
    assert not actions.open_model_from("anything.npz")
    with qtbot.waitSignal(window.training_finished, timeout=RUN_TIMEOUT):
        window.stop_training()
    assert actions.save_action.isEnabled() and actions.open_action.isEnabled()
