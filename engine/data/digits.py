"""The lab's data: scikit-learn's 8x8 digits, split and standardised exactly as the lab does.

``load_digits()``, data as float32, target as int32, ``train_test_split(test_size=0.15,
random_state=37)``, then a ``StandardScaler`` fitted on the training part only: 1527 training and
270 test samples of 64 features, 10 classes.

Importing scikit-learn (and SciPy behind it) costs about a second, so the split is also cached as
``resources/digits_split.npz`` (raw pixel counts and the split's indices); ``load_lab_split()``
reads the cache when it is there and matches, and falls back to scikit-learn otherwise.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEST_SIZE = 0.15
RANDOM_STATE = 37
N_CLASSES = 10
IMAGE_SHAPE = (8, 8)
N_FEATURES = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
LAB_SAMPLE = 42  # the test sample whose loss the lab asks for
CACHE_PATH = Path(__file__).resolve().parents[2] / "resources" / "digits_split.npz"


@dataclass(frozen=True)
class Standardizer:
    """Per-feature standardisation ``(x - mean) / scale``, as a ``StandardScaler`` fitted on the
    training data.

    Features with zero variance get a scale of 1, as scikit-learn does.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> "Standardizer":
        X64 = np.asarray(X, dtype=np.float64)
        scale = X64.std(axis=0)
        scale[scale < 10 * np.finfo(np.float64).eps] = 1.0
        return cls(mean=X64.mean(axis=0), scale=scale)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Standardise raw pixel counts (0..16), ``(n, 64)`` or ``(64,)``; returns float32."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-2:] == IMAGE_SHAPE:
            X = X.reshape(*X.shape[:-2], -1)
        return ((X - self.mean) / self.scale).astype(np.float32)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Back from standardised features to raw pixel counts (for display)."""
        return np.asarray(X, dtype=np.float64) * self.scale + self.mean


@dataclass(frozen=True)
class DigitsSplit:
    """The lab's train/test split. ``X_*`` standardised float32 ``(n, 64)``, ``y_*`` int32."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    scaler: Standardizer
    note: str = ""  # why the cached copy was not used, when it was not

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def test_image(self, index: int) -> np.ndarray:
        """Test sample ``index`` as an 8x8 image of raw pixel counts (0..16)."""
        return self.scaler.inverse_transform(self.X_test[index]).reshape(IMAGE_SHAPE)


def split_from_raw(raw: np.ndarray, target: np.ndarray, train_idx, test_idx) -> DigitsSplit:
    """Build the standardised split from raw float32 pixels and the split's indices."""
    raw_train, raw_test = raw[train_idx], raw[test_idx]
    scaler = Standardizer.fit(raw_train)
    return DigitsSplit(
        X_train=scaler.transform(raw_train),
        y_train=target[train_idx],
        X_test=scaler.transform(raw_test),
        y_test=target[test_idx],
        scaler=scaler,
    )


def split_indices_with_sklearn() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw data, targets and the lab's split indices, computed by scikit-learn."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    raw = np.asarray(digits.data, dtype=np.float32)
    target = np.asarray(digits.target, dtype=np.int32)
    train_idx, test_idx = train_test_split(
        np.arange(len(target)), test_size=TEST_SIZE, random_state=RANDOM_STATE
    )
    return raw, target, train_idx, test_idx


def write_cache(path: Path = CACHE_PATH) -> None:
    """Store the raw digits and the split's indices (a few tens of kB, compressed)."""
    raw, target, train_idx, test_idx = split_indices_with_sklearn()
    np.savez_compressed(
        path,
        pixels=raw.astype(np.uint8),
        target=target.astype(np.uint8),
        train_idx=train_idx.astype(np.int16),
        test_idx=test_idx.astype(np.int16),
    )


N_SAMPLES = 1797  # in load_digits()
CACHE_MEMBERS = {  # name: (dtype, shape)
    "pixels": (np.uint8, (N_SAMPLES, N_FEATURES)),
    "target": (np.uint8, (N_SAMPLES,)),
    "train_idx": (np.int16, (1527,)),
    "test_idx": (np.int16, (270,)),
}


def read_cache(path: Path = CACHE_PATH) -> DigitsSplit:
    """The split from the cached copy, every member checked (dtype, shape, values) through the
    engine's checked reader; ``ValueError`` saying what is wrong otherwise."""
    from engine.files.npz_reader import ArrayRule, NpzError, read_npz

    rules = {name: ArrayRule(kinds=np.dtype(dtype).kind, shape=shape)
             for name, (dtype, shape) in CACHE_MEMBERS.items()}  # fmt: skip
    try:
        arrays = read_npz(path, rules)
    except (NpzError, OSError) as error:
        raise ValueError(f"the cached digits are unreadable ({error})") from None
    if set(arrays) != set(CACHE_MEMBERS):
        raise ValueError(f"the cached digits lack {sorted(set(CACHE_MEMBERS) - set(arrays))}")
    pixels, target = arrays["pixels"], arrays["target"]
    train_idx, test_idx = arrays["train_idx"], arrays["test_idx"]
    indices = np.concatenate([train_idx, test_idx])
    if pixels.max() > 16 or target.max() >= N_CLASSES:
        raise ValueError("the cached digits hold values out of range")
    if not np.array_equal(np.sort(indices), np.arange(N_SAMPLES)):  # each sample once
        raise ValueError("the cached split's indices are not a split of the digits")
    raw = pixels.astype(np.float32)
    return split_from_raw(raw, target.astype(np.int32), train_idx, test_idx)


def load_lab_split(use_cache: bool = True) -> DigitsSplit:
    """The lab's split; from the cached copy when it is there and sound (fast), else computed
    by scikit-learn, with ``note`` saying why."""
    note = ""
    if use_cache and CACHE_PATH.is_file():
        try:
            return read_cache(CACHE_PATH)
        except ValueError as error:
            note = f"{error}; the digits were loaded through scikit-learn instead"
    split = split_from_raw(*split_indices_with_sklearn())
    return DigitsSplit(split.X_train, split.y_train, split.X_test, split.y_test, split.scaler, note)
