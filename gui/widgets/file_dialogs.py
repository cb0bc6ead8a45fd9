"""The one save/open dialog helper: remembers the last folder, adds the chosen filter's extension
to a name typed without one, and asks before replacing a file (Qt's own dialog does; the path
is then the user's confirmed choice)."""

import re
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

LAST_FOLDER_KEY = "files/last_folder"


def _folder(settings: QSettings | None) -> str:
    if settings is None:
        return str(Path.home())
    try:
        value = settings.value(LAST_FOLDER_KEY, str(Path.home()))
    except Exception:  # noqa: BLE001 - an unreadable setting: the home folder
        return str(Path.home())
    return value if isinstance(value, str) and Path(value).is_dir() else str(Path.home())


def ask_save_path(
    parent: QWidget, title: str, filters: str, settings: QSettings | None = None
) -> Path | None:
    """A path to write, from a dialog that confirms replacing an existing file; None if
    cancelled. ``report`` becomes ``report.png`` under a PNG filter; ``report.svg`` stays."""
    chosen, chosen_filter = QFileDialog.getSaveFileName(parent, title, _folder(settings), filters)
    if not chosen:
        return None
    path = Path(chosen)
    suffixes = re.findall(r"\*(\.\w+)", filters)
    if path.suffix.lower() not in suffixes:
        wanted = re.search(r"\*(\.\w+)", chosen_filter or "")
        path = path.with_name(path.name + (wanted.group(1) if wanted else suffixes[0]))
        if path.exists():  # the dialog confirmed another name: ask again for this one
            return ask_save_path(parent, f"{title} ({path.name} exists)", filters, settings)
    if settings is not None:
        settings.setValue(LAST_FOLDER_KEY, str(path.parent))
    return path


def ask_open_path(
    parent: QWidget, title: str, filters: str, settings: QSettings | None = None
) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(parent, title, _folder(settings), filters)
    if not chosen:
        return None
    if settings is not None:
        settings.setValue(LAST_FOLDER_KEY, str(Path(chosen).parent))
    return Path(chosen)
