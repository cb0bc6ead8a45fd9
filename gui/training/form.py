"""The hyperparameter panel: one field per ``RunConfig`` field, each with a tooltip, a message
under it when its value is refused, and the lab's experiments as one-click presets.

The rules are the engine's (``RunConfig.validate`` and ``parse_hidden_sizes``); this widget
only shows their verdict.
"""

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import DEFAULT_SCALES, INITIALIZERS
from engine.training.config import MAX_EPOCHS, RunConfig, format_hidden_sizes, parse_hidden_sizes
from engine.training.presets import PRESETS
from gui.training.tooltips import TOOLTIPS
from gui.widgets.log_spin_box import LogSpinBox

# What the optimizer box offers -> (engine optimizer, nesterov, uses momentum)
OPTIMIZER_CHOICES = {
    "SGD": ("sgd", False, False),
    "SGD with momentum": ("sgd", False, True),
    "Nesterov momentum": ("sgd", True, True),
    "Adam": ("adam", False, False),
}
ERROR_STYLE = "color: #c0392b; font-size: 8pt;"


class HyperparameterForm(QWidget):
    """Edits a ``RunConfig``. ``config()`` is None while a field is invalid.

    Signals
    -------
    changed : any field changed (after the error messages were updated).
    preset_chosen(str) : a preset button was clicked (the form already shows it).
    """

    changed = Signal()
    preset_chosen = Signal(str)

    def __init__(self, n_train: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.n_train = n_train
        self._errors: dict[str, str] = {}
        self._build_presets()
        self._build_fields()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.presets_box)
        layout.addWidget(self.fields_box)
        self.set_config(RunConfig())

    # --- building ----------------------------------------------------------------------------

    def _build_presets(self) -> None:
        self.presets_box = QGroupBox("Lab experiments")
        grid = QGridLayout(self.presets_box)
        grid.setSpacing(4)
        self.preset_buttons: dict[str, QPushButton] = {}
        for index, preset in enumerate(PRESETS.values()):
            button = QPushButton(preset.name)
            button.setObjectName(f"preset{index}")
            button.setToolTip(preset.description)
            button.clicked.connect(self._on_preset_clicked)
            grid.addWidget(button, index // 2, index % 2)
            self.preset_buttons[preset.name] = button

    def _field(self, name: str, widget: QWidget, object_name: str) -> QWidget:
        """``widget`` above its (hidden until needed) error message."""
        widget.setObjectName(object_name)
        widget.setToolTip(TOOLTIPS[name])
        error = QLabel()
        error.setObjectName(f"{object_name}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self.error_labels[name] = error
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(error)
        return box

    def _build_fields(self) -> None:
        self.fields_box = QGroupBox("Network and training")
        self.error_labels: dict[str, QLabel] = {}
        form = QFormLayout(self.fields_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.hidden_input = QLineEdit()
        self.hidden_input.setPlaceholderText("none: logistic regression")
        self.activation_input = QComboBox()
        for name, activation in ACTIVATIONS.items():
            self.activation_input.addItem(name, name)
            self.activation_input.setItemData(
                self.activation_input.count() - 1,
                activation.description,
                Qt.ItemDataRole.ToolTipRole,
            )
        self.init_input = QComboBox()
        self.init_input.addItems(list(INITIALIZERS))
        self.init_scale_input = QLineEdit()
        self.optimizer_input = QComboBox()
        self.optimizer_input.addItems(list(OPTIMIZER_CHOICES))
        self.learning_rate_input = LogSpinBox(minimum=0.0, maximum=1000.0)
        self.momentum_input = QDoubleSpinBox()
        self.momentum_input.setRange(0.0, 1.0)
        self.momentum_input.setDecimals(3)
        self.momentum_input.setSingleStep(0.05)
        self.batch_input = QSpinBox()
        self.batch_input.setRange(1, self.n_train)
        self.epochs_input = QSpinBox()
        self.epochs_input.setRange(1, MAX_EPOCHS)
        self.shuffle_input = QCheckBox("Shuffle the samples every epoch")
        self.seed_input = QSpinBox()
        self.seed_input.setRange(0, 2**31 - 1)

        rows = (
            ("Hidden layers", "hidden_sizes", self.hidden_input, "hiddenLayersInput"),
            ("Activation", "activation", self.activation_input, "activationInput"),
            ("Initialization", "init", self.init_input, "initInput"),
            ("Init scale", "init_scale", self.init_scale_input, "initScaleInput"),
            ("Optimizer", "optimizer", self.optimizer_input, "optimizerInput"),
            ("Learning rate", "learning_rate", self.learning_rate_input, "learningRateInput"),
            ("Momentum", "momentum", self.momentum_input, "momentumInput"),
            ("Batch size", "batch_size", self.batch_input, "batchSizeInput"),
            ("Epochs", "epochs", self.epochs_input, "epochsInput"),
            ("", "shuffle", self.shuffle_input, "shuffleInput"),
            ("Seed", "seed", self.seed_input, "seedInput"),
        )
        for label, name, widget, object_name in rows:
            form.addRow(label, self._field(name, widget, object_name))
        self.batch_input.setSuffix(f"  (full set: {self.n_train})")

        for line_edit in (self.hidden_input, self.init_scale_input):
            line_edit.textChanged.connect(self._on_changed)
        for combo in (self.activation_input, self.init_input, self.optimizer_input):
            combo.currentIndexChanged.connect(self._on_changed)
        for spin in (
            self.learning_rate_input,
            self.momentum_input,
            self.batch_input,
            self.epochs_input,
            self.seed_input,
        ):
            spin.valueChanged.connect(self._on_changed)
        self.shuffle_input.toggled.connect(self._on_changed)

    # --- reading and writing -----------------------------------------------------------------

    def set_config(self, config: RunConfig) -> None:
        """Show ``config`` in the fields (one ``changed`` signal at the end)."""
        widgets = (
            self.hidden_input,
            self.activation_input,
            self.init_input,
            self.init_scale_input,
            self.optimizer_input,
            self.learning_rate_input,
            self.momentum_input,
            self.batch_input,
            self.epochs_input,
            self.shuffle_input,
            self.seed_input,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.hidden_input.setText(format_hidden_sizes(config.hidden_sizes))
            self.activation_input.setCurrentText(config.activation)
            self.init_input.setCurrentText(config.init)
            scale = config.init_scale
            self.init_scale_input.setText("" if scale is None else f"{scale:g}")
            self.optimizer_input.setCurrentText(self._optimizer_choice(config))
            self.learning_rate_input.setValue(config.learning_rate)
            self.momentum_input.setValue(config.momentum if config.momentum else 0.9)
            self.batch_input.setValue(min(config.batch_size, self.n_train))
            self.epochs_input.setValue(config.epochs)
            self.shuffle_input.setChecked(config.shuffle)
            self.seed_input.setValue(min(config.seed, self.seed_input.maximum()))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._on_changed()

    @staticmethod
    def _optimizer_choice(config: RunConfig) -> str:
        if config.optimizer == "adam":
            return "Adam"
        if config.momentum > 0:
            return "Nesterov momentum" if config.nesterov else "SGD with momentum"
        return "SGD"

    def _read(self) -> tuple[RunConfig | None, dict[str, str]]:
        """The configuration the fields describe, and the engine's objections to it."""
        errors: dict[str, str] = {}
        try:
            hidden = parse_hidden_sizes(self.hidden_input.text())
        except ValueError as error:
            errors["hidden_sizes"] = str(error)
            hidden = ()
        scale_text = self.init_scale_input.text().strip()
        scale = None
        if scale_text:
            try:
                scale = float(scale_text)
            except ValueError:
                errors["init_scale"] = f"{scale_text!r} is not a number; empty: the default"
            else:
                if not math.isfinite(scale):
                    scale = -1.0  # refused below by the engine's own rule
        optimizer, nesterov, uses_momentum = OPTIMIZER_CHOICES[self.optimizer_input.currentText()]
        config = RunConfig(
            hidden_sizes=hidden,
            activation=self.activation_input.currentText(),
            init=self.init_input.currentText(),
            init_scale=scale,
            optimizer=optimizer,
            learning_rate=self.learning_rate_input.value(),
            momentum=self.momentum_input.value() if uses_momentum else 0.0,
            nesterov=nesterov,
            batch_size=self.batch_input.value(),
            epochs=self.epochs_input.value(),
            shuffle=self.shuffle_input.isChecked(),
            seed=self.seed_input.value(),
        )
        errors = {**config.validate(self.n_train), **errors}
        return (None if errors else config), errors

    def config(self) -> RunConfig | None:
        return self._read()[0]

    def commit_text(self) -> None:
        """Take in a number still being typed (the spin boxes commit on Enter or focus out)."""
        for spin in (
            self.learning_rate_input,
            self.momentum_input,
            self.batch_input,
            self.epochs_input,
            self.seed_input,
        ):
            spin.interpretText()

    def errors(self) -> dict[str, str]:
        """Messages for the invalid fields, keyed by ``RunConfig`` field name."""
        return dict(self._errors)

    def is_valid(self) -> bool:
        return not self._errors

    def set_editable(self, editable: bool) -> None:
        """Lock the fields while a run is training (its configuration is fixed)."""
        self.presets_box.setEnabled(editable)
        self.fields_box.setEnabled(editable)

    def load_preset(self, name: str) -> None:
        self.set_config(PRESETS[name].config)

    # --- reacting ----------------------------------------------------------------------------

    def _on_preset_clicked(self) -> None:
        for name, button in self.preset_buttons.items():
            if button is self.sender():
                self.load_preset(name)
                self.preset_chosen.emit(name)

    def _on_changed(self) -> None:
        _, self._errors = self._read()
        for name, label in self.error_labels.items():
            message = self._errors.get(name, "")
            label.setText(f"⚠ {message}" if message else "")
            label.setVisible(bool(message))
        _, _, uses_momentum = OPTIMIZER_CHOICES[self.optimizer_input.currentText()]
        self.momentum_input.setEnabled(uses_momentum)
        default_scale = DEFAULT_SCALES.get(self.init_input.currentText())
        self.init_scale_input.setPlaceholderText(f"default: {default_scale:g}")
        self.changed.emit()
