"""What the window remembers between sessions, read and written with explicit types.

``QSettings`` hands values back as strings from an ini file (and as other types from other
back ends), so every read names its type, and a value that does not parse falls back to the
default instead of reaching the form.
"""

import math

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from engine.training.config import RunConfig, format_hidden_sizes, parse_hidden_sizes

GROUP = "hyperparameters"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


def _read_float(settings: QSettings, key: str, default: float | None) -> float | None:
    text = settings.value(key, "" if default is None else repr(default), type=str)
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return default
    return value if math.isfinite(value) else default


def _read_int(settings: QSettings, key: str, default: int) -> int:
    try:
        return int(settings.value(key, default, type=int))
    except (TypeError, ValueError):
        return default


def save_config(settings: QSettings, config: RunConfig) -> None:
    """Store a configuration: text for names and floats, ints and bools as such."""
    settings.beginGroup(GROUP)
    settings.setValue("hidden_sizes", format_hidden_sizes(config.hidden_sizes))
    settings.setValue("activation", config.activation)
    settings.setValue("init", config.init)
    settings.setValue("init_scale", "" if config.init_scale is None else repr(config.init_scale))
    settings.setValue("optimizer", config.optimizer)
    settings.setValue("learning_rate", repr(config.learning_rate))
    settings.setValue("momentum", repr(config.momentum))
    settings.setValue("nesterov", bool(config.nesterov))
    settings.setValue("batch_size", int(config.batch_size))
    settings.setValue("epochs", int(config.epochs))
    settings.setValue("shuffle", bool(config.shuffle))
    settings.setValue("seed", int(config.seed))
    settings.endGroup()


def load_config(settings: QSettings, default: RunConfig | None = None) -> RunConfig:
    """The stored configuration; missing or unreadable values take ``default``'s."""
    d = default or RunConfig()
    settings.beginGroup(GROUP)
    try:
        try:
            hidden = parse_hidden_sizes(
                settings.value("hidden_sizes", format_hidden_sizes(d.hidden_sizes), type=str)
            )
        except ValueError:
            hidden = d.hidden_sizes
        config = RunConfig(
            hidden_sizes=hidden,
            activation=settings.value("activation", d.activation, type=str),
            init=settings.value("init", d.init, type=str),
            init_scale=_read_float(settings, "init_scale", d.init_scale),
            optimizer=settings.value("optimizer", d.optimizer, type=str),
            learning_rate=_read_float(settings, "learning_rate", d.learning_rate)
            or d.learning_rate,
            momentum=_read_float(settings, "momentum", d.momentum) or 0.0,
            nesterov=settings.value("nesterov", d.nesterov, type=bool),
            batch_size=_read_int(settings, "batch_size", d.batch_size),
            epochs=_read_int(settings, "epochs", d.epochs),
            shuffle=settings.value("shuffle", d.shuffle, type=bool),
            seed=_read_int(settings, "seed", d.seed),
        )
    finally:
        settings.endGroup()
    # A stored value the engine now refuses (an older version, a hand edit) falls back field
    # by field, so one bad entry does not cost the others.
    bad = config.validate()
    if bad:
        config = config.with_changes(**{name: getattr(d, name) for name in bad})
    return config


def save_window(settings: QSettings, window: QMainWindow) -> None:
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState())


def restore_window(settings: QSettings, window: QMainWindow) -> bool:
    """Restore geometry and dock layout; False when nothing usable was stored."""
    geometry = settings.value(GEOMETRY_KEY, QByteArray(), type=QByteArray)
    state = settings.value(STATE_KEY, QByteArray(), type=QByteArray)
    restored = bool(geometry) and window.restoreGeometry(geometry)
    if state:
        window.restoreState(state)
    return restored
