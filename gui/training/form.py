"""The Experiment panel's form: one field per hyperparameter, generated from
``engine.HYPERPARAMETERS`` (label, tooltip, kind, range), and the lab's experiments as presets.

What is typed stays as typed: a value the engine refuses (``RunConfig.validate``, the
hyperparameters' parsers) is marked red with the reason under the field, and ``config()`` is
None until it is fixed. Fields that do not apply are disabled: the activation without a hidden
layer, the init scale of zeros, the momentum of SGD and Adam.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import ACTIVATIONS, HYPERPARAMETERS, Hyperparameter, RunConfig
from engine.core.initializers import DEFAULT_SCALES
from engine.training.hyperparameters import OPTIMIZER_CHOICES
from engine.training.presets import PRESETS
from gui.theme import ERROR_RED
from gui.widgets.number_field import NumberField

ERROR_STYLE = f"color: {ERROR_RED}; font-size: 8pt;"
INVALID_STYLE = f"border: 1px solid {ERROR_RED};"
OBJECT_NAMES = {"hidden_sizes": "hiddenLayersInput"}  # kept from earlier versions
LINEAR_STEPS = {"momentum": 0.05}
# The on/off hyperparameters share one row, "Each epoch: [x] shuffle [ ] re-draw (augment)": a
# row each would push the run controls off a 768-pixel-high screen.
BOOL_ROW_LABEL = "Each epoch"
CHECK_LABELS = {
    "shuffle": "shuffle",
    "augment": "re-draw (augment)",
}


def object_name(name: str) -> str:
    """``learning_rate`` -> ``learningRateInput``."""
    head, *rest = name.split("_")
    return OBJECT_NAMES.get(name, head + "".join(w.capitalize() for w in rest) + "Input")


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
        self.inputs: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
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
            button = QPushButton(preset.name.split(" (")[0])
            button.setObjectName(f"preset{index}")
            button.setToolTip(f"<b>{preset.name}</b><br>{preset.description}")
            button.clicked.connect(self._on_preset_clicked)
            grid.addWidget(button, index // 2, index % 2)
            self.preset_buttons[preset.name] = button

    def _make_input(self, h: Hyperparameter) -> QWidget:
        if h.kind == "choice":
            widget = QComboBox()
            for choice, label in zip(h.choices, h.choice_labels, strict=True):
                widget.addItem(label, choice)
                if h.name == "activation":
                    tip = ACTIVATIONS[choice].description
                    widget.setItemData(widget.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            widget.currentIndexChanged.connect(self._on_changed)
        elif h.kind == "bool":
            widget = QCheckBox(CHECK_LABELS.get(h.name, h.label))
            widget.toggled.connect(self._on_changed)
        elif h.kind == "sizes":
            widget = QLineEdit()
            widget.setPlaceholderText("none: logistic regression")
            widget.textChanged.connect(self._on_changed)
        else:
            step = None if h.ladder_step else LINEAR_STEPS.get(h.name, 1.0)
            widget = NumberField(step=step, minimum=h.minimum, integer=h.kind == "int")
            widget.text_changed.connect(self._on_changed)
        widget.setObjectName(object_name(h.name))
        widget.setToolTip(h.tooltip)
        return widget

    def _field(self, h: Hyperparameter) -> QWidget:
        """The input above its (hidden until needed) error message."""
        widget = self.inputs[h.name] = self._make_input(h)
        error = QLabel()
        error.setObjectName(f"{widget.objectName()}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self.error_labels[h.name] = error
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(error)
        return box

    def _build_fields(self) -> None:
        self.fields_box = QGroupBox("Network and training")
        form = QFormLayout(self.fields_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        bools: QHBoxLayout | None = None
        for h in HYPERPARAMETERS.values():
            if h.kind != "bool":
                form.addRow(h.label, self._field(h))
                continue
            if bools is None:
                row = QWidget()
                bools = QHBoxLayout(row)
                bools.setContentsMargins(0, 0, 0, 0)
                form.addRow(BOOL_ROW_LABEL, row)
            bools.addWidget(self._field(h))
        if bools is not None:
            bools.addStretch(1)
        batch = self.inputs["batch_size"]
        batch.setToolTip(f"{batch.toolTip()}\nThe training set has {self.n_train} samples.")

    # --- reading and writing -----------------------------------------------------------------

    def _text(self, name: str) -> str:
        widget = self.inputs[name]
        if isinstance(widget, QComboBox):
            return str(widget.currentData())
        if isinstance(widget, QCheckBox):
            return "on" if widget.isChecked() else "off"
        return widget.text()

    def set_config(self, config: RunConfig) -> None:
        """Show ``config`` in the fields (one ``changed`` signal at the end)."""
        for widget in self.inputs.values():
            widget.blockSignals(True)
        try:
            for name, h in HYPERPARAMETERS.items():
                widget, value = self.inputs[name], h.get(config)
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(0, widget.findData(value)))
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                elif name == "momentum" and not value:
                    widget.setText("0.9")  # shown (disabled) until a momentum rule is chosen
                else:
                    widget.setText(h.format(value))
        finally:
            for widget in self.inputs.values():
                widget.blockSignals(False)
        self._on_changed()

    def _read(self) -> tuple[RunConfig | None, dict[str, str]]:
        """The configuration the fields describe, and the objections to it."""
        errors: dict[str, str] = {}
        config = RunConfig()
        uses_momentum = OPTIMIZER_CHOICES[self._text("optimizer")].uses_momentum
        for name, h in HYPERPARAMETERS.items():
            if name == "momentum" and not uses_momentum:
                continue
            text = self._text(name)
            if name == "init_scale" and text.strip() == "":
                continue
            try:
                config = h.apply(config, h.parse(text))
            except ValueError as error:
                errors[name] = str(error)
        for name, message in config.validate(self.n_train).items():
            errors.setdefault(name, message)
        return (None if errors else config), errors

    def config(self) -> RunConfig | None:
        return self._read()[0]

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
            self.inputs[name].setStyleSheet(INVALID_STYLE if message else "")
        uses_momentum = OPTIMIZER_CHOICES[self._text("optimizer")].uses_momentum
        self.inputs["momentum"].setEnabled(uses_momentum)
        has_hidden = self._text("hidden_sizes").strip().lower() not in ("", "none", "()")
        self.inputs["activation"].setEnabled(has_hidden)
        init = self._text("init")
        self.inputs["init_scale"].setEnabled(init != "zeros")
        default_scale = DEFAULT_SCALES.get(init, 0.0)
        self.inputs["init_scale"].lineEdit().setPlaceholderText(f"default: {default_scale:g}")
        self.changed.emit()
