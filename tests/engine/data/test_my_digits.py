"""The user's drawings: the set, its versioned file, every bad file refused, and the store."""

import io
import json
import zipfile

import numpy as np
import pytest

from engine.data import my_digits as md
from engine.data.my_digits import (
    FORMAT_TAG,
    FORMAT_VERSION,
    MyDigits,
    MyDigitsError,
    MyDigitsStore,
    Scores,
    load_my_digits,
    save_my_digits,
)


def drawings(n: int = 3, shape=(32, 32), seed: int = 0) -> MyDigits:
    rng = np.random.default_rng(seed)
    return MyDigits.of(
        rng.random((n, *shape)) < 0.3,
        rng.integers(0, 17, size=(n, 8, 8)),
        np.arange(n) % 10,
    )


def same(a: MyDigits, b: MyDigits) -> bool:
    return (
        a.bitmaps.shape == b.bitmaps.shape
        and np.array_equal(a.bitmaps, b.bitmaps)
        and np.array_equal(a.digits, b.digits)
        and np.array_equal(a.labels, b.labels)
    )


def arrays_of(d: MyDigits) -> dict:
    """The members of a valid file of ``d``, to be broken one at a time."""
    n = len(d)
    meta = {"format": FORMAT_TAG, "version": FORMAT_VERSION, "count": n, "bitmap_shape": [32, 32]}
    return {
        "metadata": np.array(json.dumps(meta)),
        "digits": d.digits,
        "labels": d.labels,
        "bitmaps": np.packbits(d.bitmaps.reshape(n, -1), axis=1),
    }


def write(path, arrays: dict) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def with_metadata(**changes) -> dict:
    arrays = arrays_of(drawings())
    meta = json.loads(str(arrays["metadata"]))
    meta.update(changes)
    arrays["metadata"] = np.array(json.dumps(meta))
    return arrays


# --- the set -----------------------------------------------------------------------------------


def test_add_relabel_delete_and_merge_make_new_sets():
    empty = MyDigits.empty()
    assert len(empty) == 0 and empty.shape == (256, 256)
    bitmap = np.zeros((256, 256), dtype=bool)
    bitmap[40:200, 120:136] = True
    one = empty.with_drawing(bitmap, np.full((8, 8), 4.0), 7)
    assert len(empty) == 0 and len(one) == 1  # the old set is untouched
    assert one.labels.tolist() == [7] and one.digits.dtype == np.uint8
    two = one.with_drawing(bitmap[::2, ::2], np.ones((8, 8)), 1)  # a smaller canvas: resampled
    assert two.shape == (256, 256) and np.array_equal(two.bitmaps[1], bitmap)
    assert two.relabelled([1], 4).labels.tolist() == [7, 4]
    assert two.without([0]).labels.tolist() == [1]
    assert two.merged(two).labels.tolist() == [7, 1, 7, 1]
    assert two.counts()[[1, 7]].tolist() == [1, 1]
    assert repr(two) == "MyDigits(2 drawings, bitmaps 256x256)"


@pytest.mark.parametrize(
    "digits, labels, message",
    [
        (np.full((1, 8, 8), 17), [0], "whole counts 0..16"),
        (np.full((1, 8, 8), 2.5), [0], "whole counts 0..16"),
        (np.full((1, 8, 8), np.nan), [0], "whole counts 0..16"),
        (np.zeros((1, 8, 8)), [10], "labels must be digits 0..9"),
        (np.zeros((1, 8, 8)), [-1], "labels must be digits 0..9"),
        (np.zeros((1, 8, 8)), [2.0], "labels must be digits 0..9"),
        (np.zeros((2, 8, 8)), [1], "1 bitmaps but digits of shape (2, 8, 8)"),
    ],
)
def test_bad_values_are_refused(digits, labels, message):
    with pytest.raises(MyDigitsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        MyDigits.of(np.zeros((1, 32, 32)), digits, labels)


def test_bad_relabel_and_indices_are_refused():
    d = drawings()
    with pytest.raises(MyDigitsError, match="not a digit"):
        d.relabelled([0], 10)
    with pytest.raises(MyDigitsError, match="no drawing 3"):
        d.without([3])


def test_scores_count_right_answers_per_digit():
    scores = Scores.of(predictions=[7, 1, 2, 7], labels=[7, 1, 7, 3])
    assert scores.n_right == 2 and scores.accuracy == 0.5
    assert scores.kept[[1, 3, 7]].tolist() == [1, 1, 2]
    assert scores.right[[1, 3, 7]].tolist() == [1, 0, 1]
    assert scores.confusion[7, 2] == 1 and scores.confusion.sum() == 4
    assert np.isnan(Scores.of([], []).accuracy)


# --- the file ----------------------------------------------------------------------------------


def test_round_trip_keeps_bitmaps_digits_and_labels(tmp_path):
    d = drawings(5, shape=(37, 21))  # packbits pads 777 bits to 98 bytes
    path = save_my_digits(tmp_path / "mine.npz", d)
    assert same(load_my_digits(path), d)
    with np.load(path, allow_pickle=False) as stored:  # our own file: its layout, as documented
        meta = json.loads(str(stored["metadata"]))
        assert meta == {"format": FORMAT_TAG, "version": 1, "count": 5, "bitmap_shape": [37, 21]}
        assert stored["bitmaps"].dtype == np.uint8 and stored["bitmaps"].shape == (5, 98)
        assert stored["digits"].dtype == np.uint8 and stored["labels"].dtype == np.uint8
    assert same(load_my_digits(save_my_digits(tmp_path / "none.npz", MyDigits.empty())),
                MyDigits.empty())  # fmt: skip


def test_integer_arrays_of_other_widths_are_read(tmp_path):
    d = drawings()
    arrays = arrays_of(d)
    arrays["digits"], arrays["labels"] = d.digits.astype(np.int64), d.labels.astype(np.int32)
    write(tmp_path / "wide.npz", arrays)
    assert same(load_my_digits(tmp_path / "wide.npz"), d)


def test_a_newer_version_is_refused_saying_so(tmp_path):
    write(tmp_path / "new.npz", with_metadata(version=FORMAT_VERSION + 1))
    with pytest.raises(MyDigitsError, match="newer Backprop Lab \\(format version 2\\)"):
        load_my_digits(tmp_path / "new.npz")


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def valid_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays_of(drawings()))
    return buffer.getvalue()


BAD_FILES = {
    "empty": (b"", "the file is empty"),
    "not a zip": (b"these are not drawings" * 10, "not an .npz archive"),
    "truncated": (valid_bytes()[:300], "not an .npz archive|damaged|truncated"),
    "no metadata": (zip_with({"digits.npy": npy(np.zeros((0, 8, 8), np.uint8))}), "no metadata"),
    "pickled metadata": (
        zip_with({"metadata.npy": npy(np.array([{"format": FORMAT_TAG}], dtype=object))}),
        "pickled Python objects",
    ),
}
TAG = FORMAT_TAG
BAD_METADATA = {
    "not JSON": ("{format", "not valid JSON"),
    "a list": ("[1, 2]", "not a mapping"),
    "a model file": (json.dumps({"format": "backprop-lab-model", "version": 2}),
                     "not a file of drawings .*backprop-lab-model"),
    "version as text": (json.dumps({"format": TAG, "version": "1"}), "version '1' is unknown"),
    "version true": (json.dumps({"format": TAG, "version": True}), "version True is unknown"),
    "version 0": (json.dumps({"format": TAG, "version": 0}), "version 0 is unknown"),
}  # fmt: skip
BAD_FIELDS = {
    "count too large": ({"count": md.MAX_DRAWINGS + 1}, "count of drawings must be"),
    "count negative": ({"count": -1}, "count of drawings must be"),
    "count not the arrays'": ({"count": 4}, "has shape \\(3, 8, 8\\); \\(4, 8, 8\\) expected"),
    "no bitmap shape": ({"bitmap_shape": None}, "bitmap_shape must be"),
    "huge bitmaps": ({"bitmap_shape": [100000, 32]}, "a bitmap side must be"),
    "other bitmap shape": ({"bitmap_shape": [16, 16]}, "'bitmaps' has shape"),
}


def bad_arrays(name: str):
    d = drawings()
    arrays = arrays_of(d)
    if name == "digits out of range":
        arrays["digits"] = np.full((3, 8, 8), 17, dtype=np.uint8)
    elif name == "negative digits":
        arrays["digits"] = np.full((3, 8, 8), -1, dtype=np.int8)
    elif name == "float digits":
        arrays["digits"] = d.digits.astype(np.float64)
    elif name == "labels out of range":
        arrays["labels"] = np.array([1, 2, 10], dtype=np.uint8)
    elif name == "negative labels":
        arrays["labels"] = np.array([1, -2, 3])
    elif name == "text labels":
        arrays["labels"] = np.array(["1", "2", "3"])
    elif name == "wide bitmaps":
        arrays["bitmaps"] = arrays["bitmaps"].astype(np.uint16)
    elif name == "no labels":
        del arrays["labels"]
    elif name == "digits of 8x7":
        arrays["digits"] = d.digits[:, :, :7].copy()
    return arrays


BAD_ARRAYS = {
    "digits out of range": "'digits' holds values outside 0..16",
    "negative digits": "'digits' holds values outside 0..16",
    "float digits": "'digits' holds float64 values; integers or unsigned integers expected",
    "labels out of range": "'labels' holds labels outside 0..9",
    "negative labels": "'labels' holds labels outside 0..9",
    "text labels": "'labels' holds <U1 values",
    "wide bitmaps": "'bitmaps' holds uint16 values; uint8 expected",
    "no labels": "no array 'labels'",
    "digits of 8x7": "'digits' has shape \\(3, 8, 7\\)",
}


def make_bad(path, kind: str, name: str) -> None:
    if kind == "file":
        path.write_bytes(BAD_FILES[name][0])
    elif kind == "metadata":
        write(path, {**arrays_of(drawings()), "metadata": np.array(BAD_METADATA[name][0])})
    elif kind == "field":
        write(path, with_metadata(**BAD_FIELDS[name][0]))
    else:
        write(path, bad_arrays(name))


BAD_CASES = (
    [("file", name, message) for name, (_, message) in BAD_FILES.items()]
    + [("metadata", name, message) for name, (_, message) in BAD_METADATA.items()]
    + [("field", name, message) for name, (_, message) in BAD_FIELDS.items()]
    + [("arrays", name, message) for name, message in BAD_ARRAYS.items()]
)


@pytest.mark.parametrize("kind, name, message", BAD_CASES, ids=[c[1] for c in BAD_CASES])
def test_every_bad_file_is_refused_with_a_clear_message(tmp_path, kind, name, message):
    path = tmp_path / "bad.npz"
    make_bad(path, kind, name)
    with pytest.raises(MyDigitsError, match=message) as caught:
        load_my_digits(path)
    assert str(caught.value).startswith("bad.npz: ")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(MyDigitsError, match="no such file"):
        load_my_digits(tmp_path / "absent.npz")


# --- the store ---------------------------------------------------------------------------------


def test_store_starts_empty_without_a_file_and_keeps_every_change(tmp_path):
    store = MyDigitsStore(tmp_path / "my-digits.npz")
    assert store.load() is None and len(store.drawings) == 0
    d = drawings()
    assert store.replace(d) is None
    reopened = MyDigitsStore(tmp_path / "my-digits.npz")
    assert reopened.load() is None and same(reopened.drawings, d)
    reopened.replace(reopened.drawings.relabelled([0], 9).without([2]))
    again = MyDigitsStore(tmp_path / "my-digits.npz")
    again.load()
    assert again.drawings.labels.tolist() == [9, 1]


def test_an_unreadable_file_is_left_alone_then_moved_aside_by_the_first_change(tmp_path):
    path = tmp_path / "my-digits.npz"
    path.write_bytes(b"garbage")
    store = MyDigitsStore(path)
    problem = store.load()
    assert "my-digits.npz: not an .npz archive" in problem and store.unreadable == problem
    assert len(store.drawings) == 0 and path.read_bytes() == b"garbage"  # untouched
    moved = store.replace(drawings(1))
    assert moved.parent == tmp_path and moved.name.startswith("my-digits.unreadable-")
    assert moved.read_bytes() == b"garbage"  # nothing lost
    assert store.unreadable is None and len(load_my_digits(path)) == 1
    assert store.replace(drawings(2)) is None  # moved once only


def test_a_failed_write_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "my-digits.npz"
    store = MyDigitsStore(path)
    store.replace(drawings(2))
    before = path.read_bytes()

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(md, "write_atomic", full_disk)
    with pytest.raises(OSError):
        store.replace(drawings(5))
    assert len(store.drawings) == 2 and path.read_bytes() == before


def test_leftovers_of_an_interrupted_write_are_removed_at_load(tmp_path):
    import os

    leftover = tmp_path / ".my-digits.npz.abc123.partial"
    other = tmp_path / ".model.npz.abc123.partial"  # another file's: not ours to remove
    for file in (leftover, other):
        file.write_bytes(b"half")
        os.utime(file, (1, 1))
    MyDigitsStore(tmp_path / "my-digits.npz").load()
    assert not leftover.exists() and other.exists()


def test_import_merges_or_replaces_through_the_same_format(tmp_path):
    mine, theirs = drawings(2, seed=1), drawings(3, seed=2)
    exported = save_my_digits(tmp_path / "export.npz", theirs)
    imported = load_my_digits(exported)
    assert same(mine.merged(imported), MyDigits.of(
        np.concatenate([mine.bitmaps, theirs.bitmaps]),
        np.concatenate([mine.digits, theirs.digits]),
        np.concatenate([mine.labels, theirs.labels]),
    ))  # fmt: skip
    assert same(imported, theirs)


def test_a_folder_that_cannot_be_read_is_reported_not_raised(tmp_path, monkeypatch):
    from pathlib import Path

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "exists", denied)
    store = MyDigitsStore(tmp_path / "my-digits.npz")
    assert store.load() == "my-digits.npz: Permission denied" and len(store.drawings) == 0
