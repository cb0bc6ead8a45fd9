"""The data split, worst predictions and the confusion matrix."""

import numpy as np
import pytest

from engine import MLP, confusion_matrix, fit, load_lab_split, per_sample_loss, worst_predictions


def test_lab_split_shapes_and_types(digits):
    assert digits.X_train.shape == (1527, 64) and digits.X_test.shape == (270, 64)
    assert digits.X_train.dtype == np.float32 and digits.y_train.dtype == np.int32
    assert set(np.unique(digits.y_train)) == set(range(10))
    np.testing.assert_allclose(digits.X_train.mean(axis=0), 0, atol=1e-5)


def test_cached_split_matches_scikit_learn(digits):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    raw = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        np.asarray(raw.data, dtype="float32"),
        np.asarray(raw.target, dtype="int32"),
        test_size=0.15,
        random_state=37,
    )
    scaler = StandardScaler()
    np.testing.assert_allclose(digits.X_train, scaler.fit_transform(X_train), atol=1e-5)
    np.testing.assert_allclose(digits.X_test, scaler.transform(X_test), atol=1e-5)
    np.testing.assert_array_equal(digits.y_test, y_test)
    fresh = load_lab_split(use_cache=False)
    np.testing.assert_array_equal(fresh.X_test, digits.X_test)


def test_scaler_round_trips_raw_images(digits):
    image = digits.test_image(42)
    assert image.shape == (8, 8) and image.min() >= -1e-4 and image.max() <= 16 + 1e-4
    np.testing.assert_allclose(np.round(image), image, atol=1e-3)  # counts are integers
    np.testing.assert_allclose(digits.scaler.transform(image), digits.X_test[42], atol=1e-5)


def test_worst_predictions_are_sorted_highest_loss_first(digits):
    model = MLP(64, (10,), 10)
    fit(model, digits.X_train, digits.y_train, epochs=1, learning_rate=0.1, batch_size=8)
    indices, losses = worst_predictions(model, digits.X_test, digits.y_test, k=10)
    all_losses = per_sample_loss(model, digits.X_test, digits.y_test)
    assert len(indices) == 10
    assert np.all(np.diff(losses) <= 0)
    assert losses[0] == pytest.approx(all_losses.max())
    np.testing.assert_allclose(losses, all_losses[indices])
    assert set(indices) == set(np.argsort(all_losses)[-10:])


def test_confusion_matrix_counts():
    matrix = confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


# --- the cached copy of the digits: read through the checked reader, never trusted ----------


def _cache_with(tmp_path, **changes):
    from engine.data import digits as module

    with np.load(module.CACHE_PATH) as cache:
        arrays = {name: cache[name] for name in cache.files}
    arrays.update(changes)
    path = tmp_path / "digits_split.npz"
    np.savez_compressed(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def _indices():
    from engine.data import digits as module

    with np.load(module.CACHE_PATH) as cache:
        return cache["train_idx"].copy(), cache["test_idx"].copy()


def _bad_caches():
    train, test = _indices()
    repeated, beyond = train.copy(), train.copy()
    repeated[0] = repeated[1]
    beyond[np.argmax(beyond)] = 5000  # 1,797 distinct indices, one of them past the end
    return {
        "index past the end": dict(train_idx=beyond),
        "index twice": dict(train_idx=repeated),
        "negative index": dict(test_idx=np.where(test == test[0], -1, test).astype(np.int16)),
        "pixel above 16": dict(pixels=np.full((1797, 64), 17, dtype=np.uint8)),
        "label 10": dict(target=np.full(1797, 10, dtype=np.uint8)),
        "member missing": dict(target=None),
        "wrong shape": dict(test_idx=test[:-1]),
        "wrong dtype": dict(pixels=np.zeros((1797, 64), dtype=np.float64)),
    }


@pytest.mark.parametrize("kind", list(_bad_caches()))
def test_a_bad_cache_is_refused_and_scikit_learn_takes_over(tmp_path, monkeypatch, digits, kind):
    from engine.data import digits as module

    path = _cache_with(tmp_path, **_bad_caches()[kind])
    with pytest.raises(ValueError, match="cached"):
        module.read_cache(path)
    monkeypatch.setattr(module, "CACHE_PATH", path)
    split = load_lab_split()
    assert "scikit-learn instead" in split.note
    np.testing.assert_array_equal(split.X_test, digits.X_test)


def test_the_shipped_cache_is_read_without_a_note(tmp_path, digits):
    from engine.data import digits as module

    split = module.read_cache(_cache_with(tmp_path))
    assert split.note == "" and digits.note == ""
    np.testing.assert_array_equal(split.X_train, digits.X_train)
