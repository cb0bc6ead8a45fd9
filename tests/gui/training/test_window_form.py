"""The hyperparameter form: generated from the descriptions, invalid text marked red with the
reason (never clamped or replaced), fields that do not apply disabled, presets, settings restored
and read defensively."""

import html

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from engine import HYPERPARAMETERS, RunConfig
from engine.training.presets import PRESETS
from gui.settings import load_config, save_config
from gui.training.form import object_name
from gui.widgets.number_field import ladder_step


def error_of(window, name: str) -> QLabel:
    return window.findChild(QLabel, f"{object_name(name)}Error")


def type_into(qtbot, widget, text: str) -> None:
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(line, text)


def test_every_hyperparameter_has_its_field_and_tooltip(make_window):
    form = make_window().form
    for name, h in HYPERPARAMETERS.items():
        assert form.inputs[name].toolTip().startswith(h.tooltip[:40]), name


def test_invalid_hidden_layers_disable_train_until_fixed(make_window, qtbot):
    window = make_window()
    window.show()
    train = window.controls.train_button
    assert train.isEnabled()
    qtbot.keyClicks(window.form.inputs["hidden_sizes"], "x")  # "10x"
    assert not train.isEnabled() and not window.experiment.train_action.isEnabled()
    label = error_of(window, "hidden_sizes")
    assert label.isVisible() and "'10x' is not one" in label.text()
    window.form.inputs["hidden_sizes"].setText("64, 32")
    assert train.isEnabled() and not label.isVisible()


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("learning_rate", "abc", "'abc' is not a number"),
        ("learning_rate", "nan", "not a finite number"),
        ("learning_rate", "0", "above 0"),
        ("epochs", "0", "from 1"),
        ("batch_size", "5000", "to 1527"),
        ("seed", "4294967296", "4294967295"),
        ("momentum", "1", "below 1"),
    ],
)
def test_invalid_numbers_stay_as_typed_and_are_marked(make_window, qtbot, name, text, words):
    window = make_window()
    window.show()
    window.form.set_config(HYPERPARAMETERS["optimizer"].apply(RunConfig(), "momentum"))
    field = window.form.inputs[name]
    type_into(qtbot, field, text)
    field.clearFocus()
    assert field.text() == text  # never clamped or replaced by the last good value
    assert not window.controls.train_button.isEnabled()
    assert words in error_of(window, name).text()
    assert window.form.config() is None


def test_the_largest_seed_the_engine_takes_is_accepted(make_window):
    form = make_window().form
    form.inputs["seed"].setText("4294967295")
    assert form.config().seed == 2**32 - 1


def test_fields_that_do_not_apply_are_disabled(make_window):
    form = make_window().form
    optimizer = form.inputs["optimizer"]
    optimizer.setCurrentIndex(optimizer.findData("sgd"))
    assert not form.inputs["momentum"].isEnabled() and form.config().momentum == 0
    optimizer.setCurrentIndex(optimizer.findData("nesterov"))
    form.inputs["momentum"].setText("0.8")
    config = form.config()
    assert (config.optimizer, config.momentum, config.nesterov) == ("sgd", 0.8, True)
    form.inputs["hidden_sizes"].setText("")
    assert not form.inputs["activation"].isEnabled()  # a logistic regression has none
    init = form.inputs["init"]
    init.setCurrentIndex(init.findData("zeros"))
    assert not form.inputs["init_scale"].isEnabled()


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_fill_the_form_reset_the_network_and_explain(make_window, qtbot, name):
    window = make_window()
    window.show()
    qtbot.mouseClick(window.form.preset_buttons[name], Qt.MouseButton.LeftButton)
    assert window.form.config() == PRESETS[name].config
    assert window.current_model().hidden_sizes == PRESETS[name].config.hidden_sizes
    assert window.session.config == PRESETS[name].config and window.session.lineage == []
    explanation = window.training_view.explanation
    assert explanation.isVisible()
    assert html.escape(PRESETS[name].explanation[:30]) in explanation.text()


def test_settings_restore_hyperparameters_engine_and_geometry(make_window, settings):
    first = make_window()
    first.show()
    config = RunConfig(
        hidden_sizes=(64, 32), activation="tanh", init="normal", init_scale=0.05,
        optimizer="sgd", learning_rate=0.003, momentum=0.7, nesterov=True, batch_size=16,
        epochs=7, shuffle=False, seed=42,
    )  # fmt: skip
    first.form.set_config(config)
    first.experiment.engine_actions["readable"].trigger()
    first.resize(800, 590)  # within the offscreen screen (800x600)
    size = (first.width(), first.height())
    first.close()
    second = make_window(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert second.form.config() == config
    assert second.current_model().hidden_sizes == (64, 32)  # the restored network, fresh
    assert second.session.engine == "readable"
    assert second.height() == size[1]  # the offscreen screen (800x600) is narrower than the window


def test_settings_come_back_typed_and_bad_values_fall_back_with_a_report(settings):
    save_config(settings, RunConfig(learning_rate=0.25, batch_size=8, shuffle=False))
    settings.setValue("hyperparameters/epochs", "lots")
    settings.setValue("hyperparameters/activation", "swish")
    config, problems = load_config(settings)
    assert config.learning_rate == 0.25 and config.batch_size == 8 and config.shuffle is False
    assert config.epochs == RunConfig().epochs and config.activation == "sigmoid"
    assert len(problems) == 2 and any("epochs" in p for p in problems)


def test_undecodable_and_unquoted_settings_do_not_stop_the_window(make_window, tmp_path):
    path = tmp_path / "damaged.ini"
    path.write_bytes(
        b"[hyperparameters]\noptimizer=@ByteArray(\xff)\nactivation=@ByteArray(\xfe\xff)\n"
        b"learning_rate=@ByteArray(\xff\xfe)\nhidden_sizes=10, 20\n"
    )
    window = make_window(QSettings(str(path), QSettings.Format.IniFormat))
    config = window.form.config()
    assert config.hidden_sizes == (10, 20)  # an unquoted list is still the two layers
    assert (config.optimizer, config.activation) == ("sgd", "sigmoid")
    assert config.learning_rate == RunConfig().learning_rate
    assert "could not be read" in window.statusBar().currentMessage()


def test_number_arrows_step_along_a_log_ladder_or_linearly(make_window):
    assert ladder_step(0.1, 1) == pytest.approx(0.2)
    assert ladder_step(0.1, -1) == pytest.approx(0.05)
    assert ladder_step(0.3, 1) == pytest.approx(0.5)
    assert ladder_step(0.3, -2) == pytest.approx(0.1)
    form = make_window().form
    form.inputs["learning_rate"].stepBy(1)
    assert form.config().learning_rate == pytest.approx(0.2)
    form.inputs["epochs"].stepBy(3)
    assert form.config().epochs == 18
    form.inputs["learning_rate"].setText("abc")
    form.inputs["learning_rate"].stepBy(1)  # nothing to step from: the text stays, in red
    assert form.inputs["learning_rate"].text() == "abc"
