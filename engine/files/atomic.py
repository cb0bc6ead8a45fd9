"""Atomic file writes: write a temporary file next to the target, then rename it over.

An interrupted write (a crash, a full disk) leaves the previous file as it was, never a
half-written one; a temporary file left by a killed process is named ``.<name>.<random>.partial``
and ``remove_interrupted`` deletes it later. Files get the permissions the user's umask gives
(a file replaced keeps its own), not the 0600 of a temporary file.
"""

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".partial"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()  # read once, at import (os.umask can only be read by setting it)


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(handle)`` on a temporary binary file, then replace ``path`` with it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = 0o666 & ~UMASK
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def remove_interrupted(folder: str | os.PathLike, older_than: float = 60.0) -> list[Path]:
    """Delete the temporary files of interrupted writes in ``folder`` (not its subfolders) whose
    last change is more than ``older_than`` seconds ago (a younger one may be another window's
    save under way). Returns the files removed."""
    removed = []
    now = time.time()
    for candidate in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        try:
            if now - candidate.stat().st_mtime > older_than:
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue
    return removed
