"""The hyperparameter panel: validation gating Train, presets, settings restored."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from engine import RunConfig
from gui.settings import load_config, save_config
from engine.training.presets import PRESETS
from gui.widgets.log_spin_box import ladder_step


def error_of(window, object_name: str) -> QLabel:
    return window.findChild(QLabel, f"{object_name}Error")


def test_invalid_hidden_layers_disable_train_until_fixed(make_window, qtbot):
    window = make_window()
    window.show()
    train = window.controls.train_button
    assert train.isEnabled()
    qtbot.keyClicks(window.form.hidden_input, "x")  # "10x"
    assert not train.isEnabled() and not window.train_action.isEnabled()
    label = error_of(window, "hiddenLayersInput")
    assert label.isVisible() and "'10x' is not one" in label.text()
    window.form.hidden_input.setText("64, 32")
    assert train.isEnabled() and not label.isVisible()


def test_invalid_learning_rate_is_explained(make_window):
    window = make_window()
    window.show()
    window.form.learning_rate_input.setValue(0.0)
    assert not window.controls.train_button.isEnabled()
    assert "above 0" in error_of(window, "learningRateInput").text()
    window.form.learning_rate_input.setValue(0.05)
    assert window.controls.train_button.isEnabled()


def test_momentum_only_with_a_momentum_optimizer(make_window):
    window = make_window()
    form = window.form
    form.optimizer_input.setCurrentText("SGD")
    assert not form.momentum_input.isEnabled() and form.config().momentum == 0
    form.optimizer_input.setCurrentText("Nesterov momentum")
    form.momentum_input.setValue(0.8)
    config = form.config()
    assert (config.optimizer, config.momentum, config.nesterov) == ("sgd", 0.8, True)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_fill_the_form_and_reset_the_network(make_window, qtbot, name):
    window = make_window()
    qtbot.mouseClick(window.form.preset_buttons[name], Qt.MouseButton.LeftButton)
    assert window.form.config() == PRESETS[name].config
    assert window.session.model.hidden_sizes == PRESETS[name].config.hidden_sizes
    assert window.session.config == PRESETS[name].config


def test_settings_restore_hyperparameters_and_geometry(make_window, settings):
    first = make_window()
    first.show()
    config = RunConfig(
        hidden_sizes=(64, 32),
        activation="tanh",
        init="normal",
        init_scale=0.05,
        optimizer="sgd",
        learning_rate=0.003,
        momentum=0.7,
        nesterov=True,
        batch_size=16,
        epochs=7,
        shuffle=False,
        seed=42,
    )
    first.form.set_config(config)
    first.resize(760, 560)  # within the offscreen screen (800x600)
    first.close()
    second = make_window(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert second.form.config() == config
    assert second.session.model.hidden_sizes == (64, 32)  # the restored network, fresh
    assert (second.width(), second.height()) == (760, 560)


def test_settings_come_back_typed_and_bad_values_fall_back(settings):
    save_config(settings, RunConfig(learning_rate=0.25, batch_size=8, shuffle=False))
    settings.setValue("hyperparameters/epochs", "lots")
    settings.setValue("hyperparameters/activation", "swish")
    config = load_config(settings)
    assert config.learning_rate == 0.25 and config.batch_size == 8 and config.shuffle is False
    assert config.epochs == RunConfig().epochs and config.activation == "sigmoid"


def test_learning_rate_steps_along_a_log_ladder():
    assert ladder_step(0.1, 1, 0, 100) == pytest.approx(0.2)
    assert ladder_step(0.1, -1, 0, 100) == pytest.approx(0.05)
    assert ladder_step(0.3, 1, 0, 100) == pytest.approx(0.5)
    assert ladder_step(0.3, -2, 0, 100) == pytest.approx(0.1)
    assert ladder_step(50, 3, 0, 100) == 100
