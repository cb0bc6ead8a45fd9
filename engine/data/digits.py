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


def load_lab_split(use_cache: bool = True) -> DigitsSplit:
    """The lab's split; from the cached copy when available (fast), else via scikit-learn."""
    if use_cache and CACHE_PATH.is_file():
        with np.load(CACHE_PATH, allow_pickle=False) as cache:
            raw = cache["pixels"].astype(np.float32)
            target = cache["target"].astype(np.int32)
            return split_from_raw(raw, target, cache["train_idx"], cache["test_idx"])
    return split_from_raw(*split_indices_with_sklearn())
