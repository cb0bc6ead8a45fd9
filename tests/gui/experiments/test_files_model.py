"""File > Save model / Open model through the window: a round trip with each run kept apart,
bad files refused all or nothing, and the menu."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine import RunConfig
from gui.experiments import file_actions
from gui.widgets.file_dialogs import LAST_FOLDER_KEY

RUN_TIMEOUT = 60_000
SHORT = RunConfig(
    hidden_sizes=(12,), activation="tanh", learning_rate=0.05, batch_size=32, epochs=3, seed=4
)


def train(window, qtbot, config: RunConfig):
    window.form.set_config(config)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT) as blocker:
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


def drawn(window) -> dict[str, np.ndarray]:
    loss = window.training_view.loss_plot
    return {
        "train": loss.train.getOriginalDataset()[1].copy(),
        "x": loss.train.getOriginalDataset()[0].copy(),
        "band": loss.smooth.getOriginalDataset()[1].copy(),
        "grad": window.training_view.gradient_plot.norm.getOriginalDataset()[1].copy(),
    }


def test_save_then_open_restores_weights_settings_and_history(window, qtbot, tmp_path, errors):
    run = train(window, qtbot, SHORT)
    session = window.session
    saved_params = params_of(session.model)
    before = drawn(window)
    path = window.file_actions.save_model_to(tmp_path / "model.npz")
    assert path is not None and path.is_file()
    assert "Saved" in window.statusBar().currentMessage()

    window.form.set_config(RunConfig(hidden_sizes=(30, 20), epochs=7))  # another network
    window.experiment.reset()
    assert session.model.hidden_sizes == (30, 20) and session.lineage == []

    assert window.file_actions.open_model_from(path)
    assert errors == []
    assert session.model.hidden_sizes == (12,) and session.model.activation.name == "tanh"
    for key, value in saved_params.items():
        np.testing.assert_array_equal(session.model.params[key], value)
    assert window.form.config() == SHORT == session.config
    [opened] = session.lineage
    np.testing.assert_array_equal(opened.history.update_losses, run.history.update_losses)
    from engine.training.history import EVALUATION_COLUMNS

    for column in EVALUATION_COLUMNS:  # NaN where there is no figure, equal as NaN
        np.testing.assert_array_equal(opened.history.column(column), run.history.column(column))
    assert opened.history.end == run.history.end
    for name, values in drawn(window).items():  # the plots show it as they showed the run
        np.testing.assert_allclose(values, before[name], err_msg=name)
    # Train continues from the opened weights, drawn after the reopened run.
    again = train(window, qtbot, SHORT.with_changes(epochs=1))
    assert again.status == "completed" and session.lineage == [opened, again]
    assert drawn(window)["x"][-1] == pytest.approx(4.0)


def test_continued_runs_are_drawn_again_where_they_were(window, qtbot, tmp_path, errors):
    train(window, qtbot, SHORT.with_changes(epochs=2))
    train(window, qtbot, SHORT.with_changes(epochs=1, batch_size=64))  # continues, other batch
    before = drawn(window)
    path = window.file_actions.save_model_to(tmp_path / "two-runs.npz")
    window.experiment.reset()
    assert window.file_actions.open_model_from(path)
    assert len(window.session.lineage) == 2  # the file says where each run starts and ends
    for name, values in drawn(window).items():
        np.testing.assert_allclose(values, before[name], err_msg=name)
    assert errors == []


def test_a_model_saved_without_a_run_opens_with_no_runs(window, tmp_path, errors):
    window.form.set_config(RunConfig(hidden_sizes=(5,), init="glorot", seed=3))
    window.experiment.reset()
    path = window.file_actions.save_model_to(tmp_path / "fresh.npz")
    window.form.set_config(RunConfig())
    window.experiment.reset()
    assert window.file_actions.open_model_from(path)
    assert window.session.model.hidden_sizes == (5,) and window.session.lineage == []
    assert window.form.config().init == "glorot"


def test_opening_is_all_or_nothing(window, qtbot, tmp_path, errors):
    import json
    import zipfile

    train(window, qtbot, SHORT)
    good = window.file_actions.save_model_to(tmp_path / "good.npz")
    bad = tmp_path / "fast.npz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "metadata.npy":
                text = np.load(__import__("io").BytesIO(data), allow_pickle=False).item()
                metadata = json.loads(text)
                metadata["config"]["learning_rate"] = "fast"
                buffer = __import__("io").BytesIO()
                np.save(buffer, np.array(json.dumps(metadata)))
                data = buffer.getvalue()
            target.writestr(item, data)
    session = window.session
    model, lineage, form_before = session.model, list(session.lineage), window.form.config()
    weights = params_of(model)
    assert not window.file_actions.open_model_from(bad)
    [(title, text)] = errors
    assert "learning_rate must be a number" in text
    assert session.model is model and session.lineage == lineage
    for key, value in weights.items():
        np.testing.assert_array_equal(model.params[key], value)
    assert window.form.config() == form_before


def test_exporting_to_numpy_never_touches_a_saved_model(window, tmp_path, errors):
    saved = window.file_actions.save_model_to(tmp_path / "m.npz")
    content = saved.read_bytes()
    script = window.file_actions.export_numpy_to(tmp_path / "m.py")
    assert script == tmp_path / "m.py" and script.is_file()
    assert saved.read_bytes() == content
    assert window.file_actions.open_model_from(saved) and errors == []


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
    model, lineage, config = session.model, list(session.lineage), session.config
    before = params_of(model)
    form_before = window.form.config()

    assert not window.file_actions.open_model_from(bad)

    assert len(errors) == 1
    title, text = errors[0]
    assert "open" in title.lower()
    expected = {
        "text": "not an .npz archive",
        "truncated": "truncated",
        "empty": "empty",
        "missing": "no such file",
    }[damage]
    assert expected in text and "bad.npz" in text
    assert session.model is model and session.lineage == lineage and session.config is config
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
    (tmp_path / "x.npz").write_bytes(b"")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(tmp_path / "x.npz"), ""))
    monkeypatch.setattr(window.file_actions, "open_model_from", opened.append)
    window.file_actions.open_action.trigger()
    assert opened == [tmp_path / "x.npz"]
    assert window.settings.value(LAST_FOLDER_KEY) == str(tmp_path)


def test_shortcuts_and_no_saving_or_opening_during_training(window, qtbot):
    actions = window.file_actions
    assert actions.save_action.shortcut().toString() == "Ctrl+S"
    assert actions.open_action.shortcut().toString() == "Ctrl+O"
    assert actions.save_action.isEnabled() and actions.open_action.isEnabled()
    window.form.set_config(RunConfig(hidden_sizes=(64, 64), init="glorot", epochs=40))
    qtbot.mouseClick(window.controls.train_button, Qt.MouseButton.LeftButton)
    assert window.controller.is_running
    assert not actions.save_action.isEnabled() and not actions.open_action.isEnabled()
    assert not actions.numpy_action.isEnabled()
    assert not actions.open_model_from("anything.npz")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT):
        window.controller.stop()
    assert actions.save_action.isEnabled() and actions.open_action.isEnabled()
