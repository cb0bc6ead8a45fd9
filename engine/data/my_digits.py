"""The user's own labelled drawings ("my digits"): the set, its file format and its store.

Each drawing keeps the canvas's binary bitmap ``(H, W)`` (so the 8x8 can be recomputed when the
pipeline of ``engine.data.drawing`` changes), the 8x8 counts 0..16 the pipeline made of it when
it was kept (what the network is tested on), and its label 0..9.

The file is an ``.npz`` of version ``FORMAT_VERSION``:

- ``metadata``: a JSON string ``{"format": FORMAT_TAG, "version": 1, "count": n,
  "bitmap_shape": [H, W]}``;
- ``digits``: ``(n, 8, 8)`` uint8, counts 0..16;
- ``labels``: ``(n,)`` uint8, 0..9;
- ``bitmaps``: ``(n, ceil(H * W / 8))`` uint8, each bitmap row-major through ``np.packbits``.

A file may come from anywhere (an import), so it is read through ``NpzReader`` (nothing is
unpickled, every size is checked before it is allocated): the metadata first, then each array's
shape, dtype and values; other members are never read. Any problem raises ``MyDigitsError``
with a message that says what is wrong. Files are written atomically.

``MyDigitsStore`` keeps the set in one file: every change is written first and takes effect
only once written, so a failed write loses nothing. A file that cannot be read at start is left
alone (the set starts empty) until the first change, which first moves it aside, next to it.
No Qt here.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.digits import N_CLASSES
from engine.files.atomic import TEMP_SUFFIX, write_atomic
from engine.files.json_file import parse_json, whole_number
from engine.files.npz_reader import ArrayRule, NpzError, NpzReader

FORMAT_TAG = "backprop-lab-my-digits"
FORMAT_VERSION = 1
READABLE_VERSIONS = (1,)
FILE_NAME = "my-digits.npz"
MAX_COUNT = 16  # an 8x8 cell counts the on pixels of a 4x4 block
MAX_DRAWINGS = 5000
MIN_SIDE, MAX_SIDE = 8, 512  # of a bitmap
DEFAULT_SHAPE = (256, 256)  # the canvas's resolution
MAX_METADATA_BYTES = 64 << 10
_MAX_BITMAP_BYTES = MAX_DRAWINGS * MAX_SIDE * MAX_SIDE // 8
_MAX_ARCHIVE_BYTES = _MAX_BITMAP_BYTES + MAX_DRAWINGS * 8 * 65 + MAX_METADATA_BYTES + (1 << 20)


class MyDigitsError(ValueError):
    """A set of drawings (or a file of one) that cannot be used; the message says why."""


def _packed_width(shape: tuple[int, int]) -> int:
    return -(-shape[0] * shape[1] // 8)


def resample(bitmaps: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bitmaps ``(n, h, w)`` at ``shape`` by nearest neighbour (to merge sets drawn on
    canvases of other sizes)."""
    n, h, w = bitmaps.shape
    if (h, w) == tuple(shape):
        return bitmaps
    rows = ((np.arange(shape[0]) + 0.5) * h / shape[0]).astype(np.intp)
    cols = ((np.arange(shape[1]) + 0.5) * w / shape[1]).astype(np.intp)
    return bitmaps[:, rows][:, :, cols]


@dataclass(frozen=True, eq=False)
class MyDigits:
    """Labelled drawings, oldest first; changing one makes a new set.

    Attributes
    ----------
    bitmaps : bool ``(n, H, W)``, ink = True, row-major.
    digits : uint8 ``(n, 8, 8)``, the pipeline's counts 0..16.
    labels : uint8 ``(n,)``, 0..9.
    """

    bitmaps: np.ndarray
    digits: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        bitmaps, digits, labels = self.bitmaps, self.digits, self.labels
        if bitmaps.ndim != 3 or bitmaps.dtype != bool:
            raise MyDigitsError("bitmaps must be a bool array (n, height, width)")
        if not all(MIN_SIDE <= side <= MAX_SIDE for side in bitmaps.shape[1:]):
            raise MyDigitsError(
                f"bitmaps of {bitmaps.shape[1]}x{bitmaps.shape[2]} pixels; each side must be "
                f"{MIN_SIDE} to {MAX_SIDE}"
            )
        n = len(bitmaps)
        if digits.shape != (n, 8, 8) or labels.shape != (n,):
            raise MyDigitsError(
                f"{n} bitmaps but digits of shape {digits.shape} and labels of {labels.shape}"
            )
        if n > MAX_DRAWINGS:
            raise MyDigitsError(f"{n:,} drawings; at most {MAX_DRAWINGS:,} are kept")
        if digits.dtype != np.uint8 or (n and digits.max() > MAX_COUNT):
            raise MyDigitsError(f"8x8 digits must be whole counts 0..{MAX_COUNT}")
        if labels.dtype != np.uint8 or (n and labels.max() >= N_CLASSES):
            raise MyDigitsError("labels must be digits 0..9")

    @classmethod
    def empty(cls, shape: tuple[int, int] = DEFAULT_SHAPE) -> MyDigits:
        return cls(
            np.zeros((0, *shape), dtype=bool),
            np.zeros((0, 8, 8), dtype=np.uint8),
            np.zeros(0, dtype=np.uint8),
        )

    @classmethod
    def of(cls, bitmaps, digits, labels) -> MyDigits:
        """A set from any arrays: digits must be whole counts 0..16, labels 0..9, bitmaps
        nonzero = ink; ``MyDigitsError`` otherwise."""
        bitmaps = np.asarray(bitmaps)
        digits = np.asarray(digits, dtype=np.float64)
        labels = np.asarray(labels)
        if digits.size and (
            not np.all(np.isfinite(digits))
            or np.any(digits != np.round(digits))
            or digits.min() < 0
            or digits.max() > MAX_COUNT
        ):
            raise MyDigitsError(f"8x8 digits must be whole counts 0..{MAX_COUNT}")
        if labels.size and (
            labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= N_CLASSES
        ):
            raise MyDigitsError("labels must be digits 0..9")
        return cls(bitmaps != 0, digits.astype(np.uint8), labels.astype(np.uint8))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"MyDigits({len(self)} drawings, bitmaps {self.shape[0]}x{self.shape[1]})"

    @property
    def shape(self) -> tuple[int, int]:
        """The bitmaps' (height, width)."""
        return self.bitmaps.shape[1], self.bitmaps.shape[2]

    def counts(self) -> np.ndarray:
        """How many drawings of each digit ``(10,)``."""
        return np.bincount(self.labels, minlength=N_CLASSES)

    def with_drawing(self, bitmap: np.ndarray, digit: np.ndarray, label: int) -> MyDigits:
        """This set and one more drawing, its bitmap resampled to the set's shape."""
        added = MyDigits.of(np.asarray(bitmap)[None], np.asarray(digit)[None], [int(label)])
        return self.merged(added)

    def relabelled(self, indices, label: int) -> MyDigits:
        if not 0 <= int(label) < N_CLASSES:
            raise MyDigitsError(f"label {label} is not a digit 0..9")
        labels = self.labels.copy()
        labels[self._checked(indices)] = int(label)
        return MyDigits(self.bitmaps, self.digits, labels)

    def without(self, indices) -> MyDigits:
        keep = np.ones(len(self), dtype=bool)
        keep[self._checked(indices)] = False
        return MyDigits(self.bitmaps[keep], self.digits[keep], self.labels[keep])

    def merged(self, other: MyDigits) -> MyDigits:
        """This set, then ``other``'s drawings (their bitmaps at this set's shape; an empty
        set takes ``other``'s shape)."""
        shape = other.shape if not len(self) else self.shape
        return MyDigits(
            np.concatenate([resample(self.bitmaps, shape), resample(other.bitmaps, shape)]),
            np.concatenate([self.digits, other.digits]),
            np.concatenate([self.labels, other.labels]),
        )

    def _checked(self, indices) -> np.ndarray:
        indices = np.atleast_1d(np.asarray(indices, dtype=np.intp))
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise MyDigitsError(f"no drawing {indices.max()} in a set of {len(self)}")
        return indices


# --- the file ----------------------------------------------------------------------------------


def save_my_digits(path: str | os.PathLike, drawings: MyDigits) -> Path:
    """Write ``drawings`` to ``path`` atomically, in the current format."""
    n, (height, width) = len(drawings), drawings.shape
    metadata = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "count": n,
        "bitmap_shape": list(drawings.shape),
    }
    arrays = {
        "metadata": np.array(json.dumps(metadata)),
        "digits": drawings.digits,
        "labels": drawings.labels,
        "bitmaps": np.packbits(drawings.bitmaps.reshape(n, height * width), axis=1),
    }
    return write_atomic(path, lambda handle: np.savez_compressed(handle, **arrays))


def _whole(value, what: str, low: int, high: int) -> int:
    try:
        return whole_number(value, what, low, high)
    except ValueError as error:
        raise MyDigitsError(str(error)) from None


def _read_metadata(reader: NpzReader) -> tuple[int, tuple[int, int]]:
    """The count and bitmap shape the metadata declares, once its tag and version are known."""
    if "metadata" not in reader:
        raise MyDigitsError("it has no metadata: not a file of drawings from Backprop Lab")
    text = reader.read("metadata", ArrayRule("U", shape=(), max_bytes=MAX_METADATA_BYTES))
    try:
        metadata = parse_json(str(text), "its metadata")
    except ValueError as error:
        raise MyDigitsError(str(error)) from None
    if not isinstance(metadata, dict):
        raise MyDigitsError("its metadata is not a mapping")
    tag = metadata.get("format")
    if tag != FORMAT_TAG:
        shown = repr(tag)[:60]
        raise MyDigitsError(f"it is not a file of drawings (its format is {shown})")
    version = metadata.get("version")
    whole_version = isinstance(version, int) and not isinstance(version, bool)
    if whole_version and version > FORMAT_VERSION:
        raise MyDigitsError(
            f"it was written by a newer Backprop Lab (format version {version}); this one "
            f"reads version {FORMAT_VERSION}"
        )
    if not whole_version or version not in READABLE_VERSIONS:
        raise MyDigitsError(f"its format version {repr(version)[:30]} is unknown")
    count = _whole(metadata.get("count"), "the count of drawings", 0, MAX_DRAWINGS)
    shape = metadata.get("bitmap_shape")
    if not isinstance(shape, list) or len(shape) != 2:
        raise MyDigitsError("bitmap_shape must be [height, width]")
    height, width = (_whole(side, "a bitmap side", MIN_SIDE, MAX_SIDE) for side in shape)
    return count, (height, width)


def _read_arrays(reader: NpzReader) -> MyDigits:
    n, shape = _read_metadata(reader)
    for name in ("digits", "labels", "bitmaps"):
        if name not in reader:
            raise MyDigitsError(f"it has no array {name!r}")
    # values are read by the reader, checked here: integers only, then each range
    digits = reader.read("digits", ArrayRule("iu", shape=(n, 8, 8), max_bytes=n * 64 * 8))
    labels = reader.read("labels", ArrayRule("iu", shape=(n,), max_bytes=n * 8))
    packed_rule = ArrayRule("u", shape=(n, _packed_width(shape)), max_bytes=_MAX_BITMAP_BYTES)
    packed = reader.read("bitmaps", packed_rule)
    if packed.dtype != np.uint8:
        raise MyDigitsError(f"member 'bitmaps' holds {packed.dtype} values; uint8 expected")
    if n and (digits.min() < 0 or digits.max() > MAX_COUNT):
        raise MyDigitsError(f"member 'digits' holds values outside 0..{MAX_COUNT}")
    if n and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise MyDigitsError("member 'labels' holds labels outside 0..9")
    pixels = shape[0] * shape[1]
    bitmaps = np.unpackbits(packed, axis=1, count=pixels).reshape(n, *shape).astype(bool)
    return MyDigits(bitmaps, digits.astype(np.uint8), labels.astype(np.uint8))


def load_my_digits(path: str | os.PathLike) -> MyDigits:
    """The drawings in ``path``; ``MyDigitsError`` (naming the file) when it cannot be used."""
    path = Path(path)
    try:
        with NpzReader(path, max_members=16, max_total_bytes=_MAX_ARCHIVE_BYTES) as reader:
            return _read_arrays(reader)
    except (NpzError, MyDigitsError) as error:
        raise MyDigitsError(f"{path.name}: {error}") from None


@dataclass(frozen=True)
class Scores:
    """How a network does on a set of labelled drawings.

    Attributes
    ----------
    predictions : the predicted digit of each drawing ``(n,)``.
    kept, right : per digit, how many drawings there are and how many are predicted right.
    confusion : ``(10, 10)`` counts, rows the drawings' labels, columns the predictions.
    """

    predictions: np.ndarray
    kept: np.ndarray
    right: np.ndarray
    confusion: np.ndarray

    @classmethod
    def of(cls, predictions: np.ndarray, labels: np.ndarray) -> Scores:
        predictions = np.asarray(predictions, dtype=np.intp).reshape(-1)
        labels = np.asarray(labels, dtype=np.intp).reshape(-1)
        confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
        np.add.at(confusion, (labels, predictions), 1)
        return cls(predictions, confusion.sum(axis=1), np.diag(confusion).copy(), confusion)

    @property
    def n_right(self) -> int:
        return int(self.right.sum())

    @property
    def accuracy(self) -> float:
        """The fraction predicted right; NaN without drawings."""
        n = int(self.kept.sum())
        return self.n_right / n if n else float("nan")


# --- the store ---------------------------------------------------------------------------------


class MyDigitsStore:
    """The user's drawings, kept in ``path``.

    Attributes
    ----------
    drawings : the current set (empty until ``load``).
    unreadable : why the file could not be read at start (it is then left as it is until the
        first change moves it aside), or None.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.drawings = MyDigits.empty()
        self.unreadable: str | None = None

    def __repr__(self) -> str:
        return f"MyDigitsStore({str(self.path)!r}, {len(self.drawings)} drawings)"

    def load(self) -> str | None:
        """Read the file; returns why it could not be read (the set is then empty), or None
        (also when there is no file yet)."""
        self.drawings, self.unreadable = MyDigits.empty(), None
        try:
            self._remove_interrupted()
            if not self.path.exists():
                return None
            self.drawings = load_my_digits(self.path)
        except MyDigitsError as error:
            self.unreadable = str(error)
        except OSError as error:  # the folder itself cannot be read
            self.unreadable = f"{self.path.name}: {error.strerror or error}"
        return self.unreadable

    def replace(self, drawings: MyDigits) -> Path | None:
        """Make ``drawings`` the set: written first, then kept. Returns where an unreadable
        file found at start was moved to (or None). ``OSError`` when writing fails: the set
        and the file are then as they were."""
        moved = None
        if self.unreadable is not None and self.path.exists():
            moved = self._aside_path()
            os.replace(self.path, moved)
        save_my_digits(self.path, drawings)
        self.drawings, self.unreadable = drawings, None
        return moved

    def _aside_path(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        candidate = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{self.path.suffix}")
        k = 1
        while candidate.exists():
            k += 1
            candidate = candidate.with_name(
                f"{self.path.stem}.unreadable-{stamp}-{k}{self.path.suffix}"
            )
        return candidate

    def _remove_interrupted(self, older_than: float = 60.0) -> None:
        """Temporary files of interrupted writes of this file (not other files')."""
        now = time.time()
        for partial in self.path.parent.glob(f".{self.path.name}.*{TEMP_SUFFIX}"):
            try:
                if now - partial.stat().st_mtime > older_than:
                    partial.unlink()
            except OSError:
                continue
