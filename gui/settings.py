"""What the window remembers between sessions: the last hyperparameters (one text value each,
written and read through ``engine.HYPERPARAMETERS``), the engine choice, the window's layout.

Every value is read defensively: ``QSettings`` hands back strings from an ini file, lists when a
value holds an unquoted comma, byte arrays for ``@ByteArray(...)``, and may fail to decode one at
all. A value that cannot be read, or that the engine refuses, takes the default and is reported
(``load_config`` returns the problems), so one bad entry never stops the app or costs the others.
"""

from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from engine import ENGINES, HYPERPARAMETERS, RunConfig

GROUP = "hyperparameters"
ENGINE_KEY = "training/engine"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


def read_text(settings: QSettings, key: str) -> str | None:
    """The value at ``key`` as text; None when absent. ``ValueError`` when it is not text (a
    byte array, undecodable bytes, a number list...)."""
    try:
        value: Any = settings.value(key)
    except Exception as error:  # noqa: BLE001 - whatever Qt or the decoder raises
        raise ValueError(f"{key}: unreadable ({type(error).__name__})") from None
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)  # an unquoted "10, 20" in an ini file
    if isinstance(value, str):
        return value
    raise ValueError(f"{key}: not text ({type(value).__name__})")


def save_config(settings: QSettings, config: RunConfig) -> None:
    """Store a configuration, one text value per hyperparameter (as it is typed)."""
    settings.beginGroup(GROUP)
    for name, h in HYPERPARAMETERS.items():
        settings.setValue(name, h.format(h.get(config)))
    settings.endGroup()


def load_config(settings: QSettings, default: RunConfig | None = None) -> tuple[RunConfig, list]:
    """The stored configuration and one message per value that had to be replaced by its
    default (unreadable, or refused by the engine)."""
    config = default or RunConfig()
    problems: list[str] = []
    settings.beginGroup(GROUP)
    try:
        for name, h in HYPERPARAMETERS.items():
            try:
                text = read_text(settings, name)
                if text is None:
                    continue
                candidate = h.apply(config, h.parse(text))
                problem = candidate.validate().get(name)
                if problem:
                    raise ValueError(f"{name}: {problem}")
                config = candidate
            except ValueError as error:
                problems.append(f"setting {error}" if name in str(error) else f"{name}: {error}")
    finally:
        settings.endGroup()
    return config, problems


def load_engine(settings: QSettings) -> str:
    try:
        engine = read_text(settings, ENGINE_KEY)
    except ValueError:
        return "fast"
    return engine if engine in ENGINES else "fast"


def save_engine(settings: QSettings, engine: str) -> None:
    settings.setValue(ENGINE_KEY, engine)


def save_window(settings: QSettings, window: QMainWindow) -> None:
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState())


def restore_window(settings: QSettings, window: QMainWindow) -> bool:
    """Restore geometry and dock layout; False when nothing usable was stored."""
    try:
        geometry = settings.value(GEOMETRY_KEY, QByteArray(), type=QByteArray)
        state = settings.value(STATE_KEY, QByteArray(), type=QByteArray)
    except Exception:  # noqa: BLE001 - a damaged value: the default layout
        return False
    restored = isinstance(geometry, QByteArray) and bool(geometry)
    restored = restored and window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and state:
        window.restoreState(state)
    return restored
