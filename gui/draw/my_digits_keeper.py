"""Keeps the user's labelled drawings: the one owner of ``my-digits.npz`` in the GUI.

Every change (keep, relabel, delete, import) is written first (``engine.data.my_digits``) and
takes effect only once written: then the session gets the new set (``Session.set_my_digits``)
and every view follows its ``my_digits_changed``. What happens is said with ``message``, for
the status bar; a refusal says what was kept as it was.
"""

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.data.drawing import bitmap_to_digit
from engine.data.my_digits import FILE_NAME, MyDigits, MyDigitsError, MyDigitsStore, load_my_digits
from engine.data.my_digits import save_my_digits as write_file
from gui.session import Session
from gui.widgets.captions import with_article


def my_digits_path(runs_folder: Path) -> Path:
    """Where the drawings are kept: next to the runs folder, in the user's data folder."""
    return Path(runs_folder).parent / FILE_NAME


def _plural(n: int, noun: str = "drawing") -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


class MyDigitsKeeper(QObject):
    """The user's drawings, kept in ``path``; the session holds their digits and labels.

    Signals
    -------
    message(str) : what was done or refused, one line for the status bar.
    """

    message = Signal(str)

    def __init__(self, session: Session, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.store = MyDigitsStore(path)

    @property
    def drawings(self) -> MyDigits:
        return self.store.drawings

    @property
    def path(self) -> Path:
        return self.store.path

    def load(self) -> None:
        """Read the file (at start). An unreadable one is reported and left as it is."""
        problem = self.store.load()
        self._publish()
        if problem is not None:
            self.message.emit(
                f"Your drawings could not be read ({problem}); none are shown, and the file is "
                "left as it is until you keep a new drawing"
            )

    # --- changing ----------------------------------------------------------------------------

    def keep(self, bitmap: np.ndarray, label: int) -> bool:
        """Keep a drawing (the canvas's bitmap) with its label; False if it was not kept."""
        bitmap = np.asarray(bitmap)
        if not bitmap.any():
            self.message.emit("Nothing to keep: draw a digit first")
            return False
        digit = bitmap_to_digit(bitmap)
        try:
            drawings = self.drawings.with_drawing(bitmap, digit, label)
        except MyDigitsError as error:
            self.message.emit(f"The drawing was not kept: {error}")
            return False
        done = f"Kept as {with_article(label)}: {_plural(len(drawings))} in My digits"
        return self._change(drawings, done, "The drawing was not kept")

    def relabel(self, indices: list[int], label: int) -> bool:
        if not len(indices):
            return False
        drawings = self.drawings.relabelled(indices, label)
        done = f"Relabelled {_plural(len(indices))} as {with_article(label)}"
        return self._change(drawings, done, "Not relabelled")

    def delete(self, indices: list[int]) -> bool:
        if not len(indices):
            return False
        drawings = self.drawings.without(indices)
        done = f"Deleted {_plural(len(indices))}; {_plural(len(drawings))} left"
        return self._change(drawings, done, "Nothing was deleted")

    def import_file(self, path: Path, *, replace: bool) -> bool:
        """Add the drawings of ``path`` to the set, or (``replace``) make them the set. A file
        that cannot be used is refused, and the set stays as it was."""
        kept = "your drawings are unchanged"
        try:
            imported = load_my_digits(path)
            drawings = imported if replace else self.drawings.merged(imported)
        except MyDigitsError as error:
            self.message.emit(f"Import refused: {error}; {kept}")
            return False
        how = "replaced yours" if replace else f"added: {_plural(len(drawings))} in all"
        done = f"Imported {_plural(len(imported))} from {Path(path).name} ({how})"
        return self._change(drawings, done, f"Import failed; {kept}")

    def export_file(self, path: Path) -> bool:
        """Write the whole set to ``path`` (the same format)."""
        if not len(self.drawings):
            self.message.emit("Nothing to export: keep some drawings first")
            return False
        try:
            write_file(path, self.drawings)
        except OSError as error:
            self.message.emit(f"Could not export to {path}: {_reason(error)}")
            return False
        self.message.emit(f"Exported {_plural(len(self.drawings))} to {path}")
        return True

    # --- helpers -----------------------------------------------------------------------------

    def _change(self, drawings: MyDigits, done: str, refused: str) -> bool:
        try:
            moved = self.store.replace(drawings)
        except OSError as error:
            self.message.emit(f"{refused}: could not write {self.path}: {_reason(error)}")
            return False
        self._publish()
        if moved is not None:
            done += f". The unreadable {self.path.name} was moved to {moved}"
        self.message.emit(done)
        return True

    def _publish(self) -> None:
        self.session.set_my_digits(self.drawings.digits, self.drawings.labels)
