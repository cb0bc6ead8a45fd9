"""Tests for engine.data.augment: training digits re-drawn as the canvas would receive them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.data import augment
from engine.data.augment import (
    CANVAS,
    DrawingChanges,
    augment_images,
    ink_density,
    random_changes,
    render_drawings,
    training_redraw,
)
from engine.data.digits import load_lab_split


def bar_image() -> np.ndarray:
    """A raw (1, 64) image: a vertical bar two blocks wide (columns 3-4), all rows, full ink."""
    image = np.zeros((8, 8))
    image[:, 3:5] = 16
    return image.reshape(1, 64)


def changed(**fields) -> DrawingChanges:
    """One re-drawing: the identity (56 px tall, centred) with ``fields`` changed."""
    base = DrawingChanges.identity(1)
    values = {name: getattr(base, name) for name in DrawingChanges.__dataclass_fields__}
    values.update({name: np.array([float(value)]) for name, value in fields.items()})
    return DrawingChanges(**values)


def draw(**fields) -> np.ndarray:
    return render_drawings(bar_image(), changed(**fields))[0]


def extent(ink: np.ndarray, axis: int) -> int:
    """Rows (axis 1) or columns (axis 0) that hold ink."""
    return int(np.count_nonzero(ink.any(axis=axis)))


def centre(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(ink)
    return np.array([cols.mean(), rows.mean()])  # (x, y)


def row_centres(ink: np.ndarray) -> tuple[float, float, int]:
    """x of the ink's centre in its top and bottom inked rows, and the rows between them."""
    rows = np.flatnonzero(ink.any(axis=1))
    top, bottom = rows[0] + 3, rows[-1] - 3  # a few rows inside: away from the stroke's ends
    x = np.arange(ink.shape[1])
    return (
        float(x[ink[top]].mean()),
        float(x[ink[bottom]].mean()),
        int(bottom - top),
    )


@pytest.fixture(scope="module")
def raw_train() -> np.ndarray:
    split = load_lab_split()
    return np.rint(split.scaler.inverse_transform(split.X_train[:300]))


# --- augment_images ---------------------------------------------------------------------------


def test_shapes_types_and_value_range(raw_train):
    out = augment_images(raw_train, np.random.default_rng(0))
    assert out.shape == raw_train.shape == (300, 64)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.round(out))
    assert out.min() >= 0 and out.max() <= 16
    assert (out.sum(axis=1) > 0).all()  # every digit still has ink


def test_accepts_8x8_images_and_leaves_the_input_alone(raw_train):
    images = raw_train[:5].reshape(5, 8, 8).copy()
    out = augment_images(images, np.random.default_rng(0))
    assert out.shape == (5, 64)
    np.testing.assert_array_equal(images, raw_train[:5].reshape(5, 8, 8))


def test_same_rng_state_gives_the_same_images(raw_train):
    a = augment_images(raw_train[:50], np.random.default_rng(7))
    b = augment_images(raw_train[:50], np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_different_seeds_and_successive_epochs_differ(raw_train):
    rng = np.random.default_rng(7)
    first, second = augment_images(raw_train[:50], rng), augment_images(raw_train[:50], rng)
    other = augment_images(raw_train[:50], np.random.default_rng(8))
    assert np.abs(first - second).mean() > 0.5
    assert np.abs(first - other).mean() > 0.5


def test_keep_leaves_that_share_of_images_as_they_are(raw_train):
    np.testing.assert_array_equal(
        augment_images(raw_train[:20], np.random.default_rng(0), keep=1.0), raw_train[:20]
    )
    out = augment_images(raw_train, np.random.default_rng(0), keep=0.25)
    unchanged = (out == raw_train).all(axis=1)
    assert 0.15 < unchanged.mean() < 0.35
    redrawn = augment_images(raw_train, np.random.default_rng(0))
    assert (redrawn == raw_train).all(axis=1).mean() < 0.05  # keep=0: (almost) all change
    again = augment_images(raw_train, np.random.default_rng(0), keep=0.25)
    np.testing.assert_array_equal(out, again)


def test_an_empty_image_stays_empty():
    out = augment_images(np.zeros((3, 64)), np.random.default_rng(0))
    assert not out.any()


def test_re_drawn_digits_still_look_like_their_class(raw_train):
    """Each class's mean re-drawn image stays close to its mean original (the changes are those
    of handwriting, not noise)."""
    labels = load_lab_split().y_train[:300]
    out = augment_images(raw_train, np.random.default_rng(0))
    for digit in range(10):
        mine, theirs = out[labels == digit].mean(axis=0), raw_train[labels == digit].mean(axis=0)
        assert np.corrcoef(mine, theirs)[0, 1] > 0.85, digit


# --- random_changes ---------------------------------------------------------------------------


def test_random_changes_stay_in_their_ranges():
    c = random_changes(2000, np.random.default_rng(0))
    assert (c.height <= augment.HEIGHT[1]).all() and (c.height > 0.6 * augment.HEIGHT[0]).all()
    for name, (lo, hi) in {
        "aspect": augment.ASPECT,
        "slant": augment.SLANT,
        "rotation": augment.ROTATION,
        "ink": augment.INK,
    }.items():
        values = getattr(c, name)
        assert lo <= values.min() and values.max() <= hi, name
        assert values.max() - values.min() > 0.8 * (hi - lo), name  # the whole range is used
    assert np.abs(c.shift_x).max() > 3 and np.abs(c.shift_y).max() > 3


def test_a_drawing_never_leaves_the_canvas(raw_train):
    """Neither a full frame of ink (the largest a digit can be) nor real digits drawn with the
    thickest pen touch the canvas's edges, wherever they are put."""
    changes = random_changes(300, np.random.default_rng(1))
    thickest = dataclasses.replace(changes, ink=np.full(300, augment.INK[1]))
    for images, c in ((np.full((300, 64), 16.0), changes), (raw_train, thickest)):
        ink = render_drawings(images, c)
        assert ink.any(axis=(1, 2)).all()
        assert not (ink[:, [0, -1], :].any() or ink[:, :, [0, -1]].any())


# --- each change does what it says, on a bar --------------------------------------------------


def test_identity_draws_the_bar_upright_centred_and_frame_tall():
    ink = draw()
    assert abs(extent(ink, 1) - 56) <= 3  # the bar spans the frame's height
    assert abs(extent(ink, 0) - 56 / 32 * 8) <= 3  # two blocks of the frame's 32 pixels
    np.testing.assert_allclose(centre(ink), [CANVAS / 2, CANVAS / 2], atol=0.6)
    top, bottom, _ = row_centres(ink)
    assert abs(top - bottom) <= 0.5


def test_position_moves_the_ink():
    moved = centre(draw(shift_x=7, shift_y=-5)) - centre(draw())
    np.testing.assert_allclose(moved, [7, -5], atol=0.6)


def test_size_scales_the_ink():
    assert extent(draw(height=40), 1) / extent(draw(height=56), 1) == pytest.approx(40 / 56, 0.06)


def test_aspect_widens_the_ink_only():
    wide, plain = draw(aspect=1.4), draw()
    assert extent(wide, 0) / extent(plain, 0) == pytest.approx(1.4, rel=0.15)
    assert extent(wide, 1) == extent(plain, 1)


def test_slant_leans_the_ink_right():
    top, bottom, rows = row_centres(draw(slant=0.3))
    assert (top - bottom) / rows == pytest.approx(0.3, abs=0.04)


def test_rotation_turns_the_ink_counter_clockwise():
    top, bottom, rows = row_centres(draw(rotation=10))
    assert (bottom - top) / rows == pytest.approx(np.tan(np.deg2rad(10)), abs=0.04)
    top, bottom, rows = row_centres(draw(rotation=-10))
    assert (top - bottom) / rows == pytest.approx(np.tan(np.deg2rad(10)), abs=0.04)


def test_ink_changes_the_stroke_width():
    plain = draw()
    thick, thin = draw(ink=1.5), draw(ink=0.6)
    assert extent(thin, 0) < extent(plain, 0) < extent(thick, 0)
    assert thick.sum() / plain.sum() == pytest.approx(1.5, rel=0.2)
    assert thin.sum() / plain.sum() == pytest.approx(0.6, rel=0.2)


def test_ink_density_follows_the_counts():
    density = ink_density(bar_image())[0]
    assert density.shape == (64, 64)
    # The bar covers frame columns 12..19 (samples 24..39): full there, nothing far from it,
    # and a quarter of the frame in all.
    assert density[16:48, 26:38].mean() == pytest.approx(1, abs=0.1)
    assert np.abs(density[16:48, :12]).max() < 0.01
    assert density.mean() == pytest.approx(0.25, abs=0.01)


# --- training_redraw: what run_training calls each epoch with config.augment --------------------


def test_training_redraw_gives_standardised_redrawn_inputs_in_the_same_order():
    split = load_lab_split()
    X, y = split.X_train[:200], split.y_train[:200]
    redraw = training_redraw(X, split.scaler, keep=0.5)
    epoch = redraw(np.random.default_rng(3))
    assert epoch.shape == X.shape
    np.testing.assert_array_equal(epoch, redraw(np.random.default_rng(3)))
    kept = np.all(np.isclose(epoch, X, atol=1e-5), axis=1)
    assert 0.3 < kept.mean() < 0.7  # about half re-drawn, half as they were
    raw = split.scaler.inverse_transform(epoch)
    np.testing.assert_allclose(raw, np.rint(raw), atol=1e-4)  # counts, scaled by the same scaler
    assert raw.min() > -1e-4 and raw.max() < 16 + 1e-4
    # each re-drawn sample is still its own digit: nearest class mean of the originals
    means = np.stack([X[y == c].mean(axis=0) for c in range(10)])
    nearest = np.argmin(((epoch[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    assert (nearest[~kept] == y[~kept]).mean() > 0.6


def test_run_training_with_augment_needs_redraw_and_is_reproducible():
    from engine import RunConfig, run_training
    from engine.training.records import Evaluation

    split = load_lab_split()
    X, y = split.X_train[:300], split.y_train[:300]
    config = RunConfig(hidden_sizes=(16,), epochs=2, augment=True)
    with pytest.raises(ValueError, match="redraw"):
        next(run_training(config.build_model(), X, y, config=config))

    def losses(augment: bool) -> list[float]:
        c = config.with_changes(augment=augment)
        redraw = training_redraw(X, split.scaler) if augment else None
        records = run_training(c.build_model(), X, y, config=c, redraw=redraw)
        return [r.train_loss for r in records if isinstance(r, Evaluation)]

    first, again, plain = losses(True), losses(True), losses(False)
    assert first == again
    assert first[0] == plain[0] and first[1:] != plain[1:]
