"""Tests for engine.data.drawing: a mouse drawing -> the 8x8 representation of load_digits()."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from bench.synthetic_drawings import (
    counts_to_bitmap,
    draw_strokes,
    shrink_into_corner,
    slanted,
    thick_pen,
)
from engine.data import drawing
from engine.data.drawing import (
    DigitStages,
    bitmap_to_digit,
    block_counts,
    box_width,
    core_width,
    crop_to_ink,
    deslant,
    digit_stages,
    dilate,
    erode,
    normalize_pen,
    normalize_stroke_width,
    resample_binary,
    scale_to_box,
    stroke_width,
)


def polyline(*points) -> list:
    """Segments joining ``points`` (x, y) in order."""
    return list(zip(points[:-1], points[1:], strict=True))


def ellipse(cx: float, cy: float, rx: float, ry: float) -> list:
    angle = np.linspace(0, 2 * np.pi, 41)
    return polyline(*zip(cx + rx * np.cos(angle), cy + ry * np.sin(angle), strict=True))


FLAG_ONE = polyline((110, 70), (150, 30), (150, 250))  # the flag, then the stem
BASE = polyline((110, 250), (190, 250))
STROKE_DIGITS = {  # other digits drawn from strokes on a 280x280 canvas: (label, segments)
    "0": (0, ellipse(140, 140, 60, 105)),
    "0 narrow": (0, ellipse(140, 140, 35, 105)),
    "4": (4, polyline((160, 30), (70, 170), (210, 170)) + polyline((170, 100), (170, 250))),
    "4 open": (4, polyline((90, 30), (80, 160), (210, 160)) + polyline((170, 40), (170, 250))),
    "4 narrow": (4, polyline((150, 30), (100, 170), (185, 170)) + polyline((165, 100), (165, 250))),
    "7": (7, polyline((70, 40), (210, 40), (120, 250))),
    "7 narrow": (7, polyline((110, 40), (180, 40), (140, 250))),
    "7 crossed": (7, polyline((80, 40), (200, 40), (130, 250)) + polyline((120, 150), (200, 150))),
}


@pytest.fixture(scope="module")
def lab():
    digits = load_digits()
    data = digits.data.astype(np.float32)
    target = digits.target.astype(np.int32)
    x_tr, x_te, y_tr, y_te = train_test_split(data, target, test_size=0.15, random_state=37)
    scaler = StandardScaler().fit(x_tr)
    clf = LogisticRegression(max_iter=1000).fit(scaler.transform(x_tr), y_tr)
    base = clf.score(scaler.transform(x_te), y_te)
    bitmaps = [counts_to_bitmap(x) for x in x_te]
    return digits, scaler, clf, base, bitmaps, y_te


@pytest.fixture(scope="module")
def classifiers(lab):
    """LogisticRegression and a 64-unit MLP trained on the lab split, and their scaler."""
    digits, scaler = lab[0], lab[1]
    x_tr, _, y_tr, _ = train_test_split(
        digits.data.astype(np.float32), digits.target, test_size=0.15, random_state=37
    )
    mlp = MLPClassifier((64,), max_iter=1000, random_state=0).fit(scaler.transform(x_tr), y_tr)
    return scaler, {"logreg": lab[2], "mlp64": mlp}


def _predict(classifiers, bitmap: np.ndarray) -> dict[str, int]:
    scaler, models = classifiers
    x = scaler.transform(bitmap_to_digit(bitmap).reshape(1, -1))
    return {name: int(model.predict(x)[0]) for name, model in models.items()}


def test_counts_to_bitmap_round_trips(lab):
    digits = lab[0]
    for image in digits.images[:50]:
        np.testing.assert_array_equal(block_counts(counts_to_bitmap(image)), image)


@pytest.mark.parametrize("shape", [(32, 32), (280, 280), (5, 7), (1, 1)])
def test_empty_bitmap_gives_zeros(shape):
    out = bitmap_to_digit(np.zeros(shape))
    assert out.shape == (8, 8)
    assert out.dtype == np.float64
    assert not out.any()
    assert not digit_stages(np.zeros(shape, dtype=bool)).frame.any()


@pytest.mark.parametrize("shape", [(32, 32), (280, 280), (64, 100), (300, 17), (3, 3), (1, 1)])
@pytest.mark.parametrize("kind", ["bool", "int", "float", "uint8"])
def test_any_size_and_dtype(shape, kind):
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    ink = rng.random(shape) < 0.2
    ink.flat[0] = True
    bitmap = {
        "bool": ink,
        "int": ink.astype(int),
        "float": ink * rng.uniform(0.1, 2.0, shape),
        "uint8": ink.astype(np.uint8) * 255,
    }[kind]
    out = bitmap_to_digit(bitmap)
    assert out.shape == (8, 8)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.round(out))
    assert out.min() >= 0 and out.max() <= 16
    assert out.sum() > 0
    np.testing.assert_array_equal(out, bitmap_to_digit(ink))


def test_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        bitmap_to_digit(np.zeros((4, 4, 3)))


def test_stages_are_consistent():
    bitmap = np.zeros((120, 90), dtype=bool)
    bitmap[20:100, 30:34] = True
    bitmap[20:24, 30:70] = True
    stages = digit_stages(bitmap)
    assert isinstance(stages, DigitStages)
    assert stages.cropped.shape == (80, 40)
    for frame in (stages.scaled, stages.stroked, stages.frame):
        assert frame.shape == (32, 32) and frame.dtype == np.bool_
    np.testing.assert_array_equal(stages.digit, block_counts(stages.frame))
    np.testing.assert_array_equal(stages.digit, bitmap_to_digit(bitmap))


def test_box_is_20_by_32_at_columns_6_to_25():
    bitmap = np.zeros((200, 200), dtype=bool)
    bitmap[50:150, 40:110] = True  # aspect 0.7
    scaled = scale_to_box(crop_to_ink(bitmap))
    cols = np.flatnonzero(scaled.any(axis=0))
    assert (cols[0], cols[-1]) == (6, 25)
    assert scaled.any(axis=1).all()


def test_translation_does_not_matter():
    rng = np.random.default_rng(1)
    glyph = rng.random((40, 30)) < 0.3
    a, b = np.zeros((200, 200), dtype=bool), np.zeros((64, 90), dtype=bool)
    a[150:190, 5:35] = glyph
    b[10:50, 55:85] = glyph
    np.testing.assert_array_equal(bitmap_to_digit(a), bitmap_to_digit(b))


def test_downsampling_keeps_thin_strokes():
    canvas = np.zeros((280, 280), dtype=bool)
    i = np.arange(280)
    canvas[i, i] = True  # one-pixel diagonal line
    small = resample_binary(canvas, (32, 20))
    assert small.any(axis=1).all() and small.any(axis=0).all()


def _accuracy(lab, transform) -> float:
    _, scaler, clf, _, bitmaps, y_te = lab
    redrawn = np.array([bitmap_to_digit(transform(b)).ravel() for b in bitmaps], np.float32)
    return clf.score(scaler.transform(redrawn), y_te)


# Measured with LogisticRegression: original 0.970; a 0.944; b 0.930 / 0.915; c 0.933;
# d 0.919 (before ``normalize_pen``: a 0.948; b 0.919 / 0.933; c 0.930; d 0.952). Redrawing
# re-centres each digit on its ink box (the dataset's ink is not exactly centred, as NIST
# deslanted after centring), so about 2 points are lost even unchanged. Shrinking with nearest
# neighbour and thickening the pen also destroy some detail, so the transformed cases get a
# looser bound of 8 points. The styles of bench/drawing_quality.py measure the pipeline on
# drawings rendered large; these 32x32 re-drawings keep its behaviour on small inputs in check.
@pytest.mark.parametrize(
    ("case", "transform", "max_drop"),
    [
        ("a: unchanged 32x32", lambda b: b, 0.04),
        ("b: 24x24 in corner of 64x64", lambda b: shrink_into_corner(b, 24, 64), 0.08),
        ("b: 40x40 in corner of 200x200", lambda b: shrink_into_corner(b, 40, 200), 0.08),
        ("c: 128x128, pen 6 px thicker", thick_pen, 0.08),
        ("d: 128x128, leaning right", slanted, 0.08),
    ],
)
def test_redrawn_test_digits_keep_accuracy(lab, case, transform, max_drop):
    base = lab[3]
    acc = _accuracy(lab, transform)
    print(f"{case}: accuracy {acc:.4f} (original 8x8 images {base:.4f})")
    assert base > 0.95
    assert acc >= base - max_drop, f"{case}: {acc:.4f} vs {base:.4f}"


@pytest.mark.parametrize(
    ("canvas", "cols", "lean"),
    [(280, (132, 146), 0.0), (280, (138, 141), 0.0), (32, (15, 16), 0.0), (280, (110, 124), 0.3)],
)
def test_drawn_one_looks_like_the_datasets_ones(lab, canvas, cols, lean):
    digits = lab[0]
    mean_one = digits.images[digits.target == 1].mean(axis=0)
    block = np.zeros((8, 8))
    block[:, 2:6], block[:, [1, 6]] = 16, 8  # a stroke stretched to the full 20-pixel box
    stroke = np.zeros((canvas, canvas), dtype=bool)
    top, bottom = canvas // 10, canvas - canvas // 10
    stroke[top:bottom, cols[0] : cols[1]] = True
    for r in range(canvas):
        stroke[r] = np.roll(stroke[r], int((bottom - r) * lean))
    one = bitmap_to_digit(stroke)
    corr_one = np.corrcoef(one.ravel(), mean_one.ravel())[0, 1]
    corr_block = np.corrcoef(one.ravel(), block.ravel())[0, 1]
    assert corr_one > 0.8
    assert corr_one > corr_block + 0.15
    column_ink = one.sum(axis=0)
    assert column_ink[3:5].sum() >= 0.75 * column_ink.sum()
    assert column_ink[[0, 1, 6, 7]].sum() == 0
    assert one.any(axis=1).all()  # full height, like every dataset image


def test_stroke_width_normalisation_reaches_range():
    thin = np.zeros((32, 32), dtype=bool)
    i = np.arange(32)
    thin[i, (i * 20) // 32 + 6] = True  # 32 on pixels
    thin[0, 6:26] = True
    thick = np.ones((32, 32), dtype=bool)  # 1024 on pixels
    for frame in (thin, thick):
        n = normalize_stroke_width(frame).sum()
        assert drawing.MIN_ON <= n <= drawing.MAX_ON, n
    ok = np.zeros((32, 32), dtype=bool)
    ok[:, 10:20] = True  # 320: already in range, unchanged
    np.testing.assert_array_equal(normalize_stroke_width(ok), ok)
    assert not normalize_stroke_width(np.zeros((32, 32), dtype=bool)).any()


@pytest.mark.parametrize("pen", [6, 20, 40])
def test_stroke_width_measures_the_pen(pen):
    ring = draw_strokes(ellipse(140, 140, 60, 105), pen)
    assert stroke_width(ring) == pytest.approx(pen, rel=0.1)
    assert stroke_width(np.zeros((5, 5), dtype=bool)) == 0


@pytest.mark.parametrize("pen", [4, 18, 48])
def test_normalize_pen_gives_the_datasets_stroke_width(pen):
    for segments in (ellipse(140, 140, 60, 105), STROKE_DIGITS["4"][1]):
        work = normalize_pen(crop_to_ink(draw_strokes(segments, pen)))
        assert work.any(axis=0).all() and work.any(axis=1).all()  # cropped again
        # Relative to the height as drawn (WORK_HEIGHT rows); within about a pixel each side,
        # the distance transform's step.
        width = stroke_width(work) / drawing.WORK_HEIGHT
        assert width == pytest.approx(drawing.PEN_WIDTH, abs=2.5 / drawing.WORK_HEIGHT)
    assert normalize_pen(np.zeros((0, 0), dtype=bool)).shape == (0, 0)


@pytest.mark.parametrize("name", ["0", "4", "4 open", "7"])
def test_the_pen_hardly_matters(name):
    """The same strokes with a 6 px and a 40 px pen give nearly the same digit (the pipeline
    before ``normalize_pen``: 1.0 to 3.7 counts apart on average; now 0.5 to 0.8)."""
    segments = STROKE_DIGITS[name][1]
    thin, thick = (bitmap_to_digit(draw_strokes(segments, pen)) for pen in (6, 40))
    assert np.abs(thin - thick).mean() < 1.0


def test_a_thick_pen_does_not_pull_the_strokes_inwards():
    """Drawn with a 60 px pen, a "0" keeps its sides in the outer columns (1-2 and 5-6), as the
    dataset's zeros, instead of becoming a blob in the middle."""
    zero = bitmap_to_digit(draw_strokes(ellipse(140, 140, 70, 100), 60))
    columns = zero.sum(axis=0)
    assert columns[[1, 2]].sum() > columns[[3, 4]].sum() < columns[[5, 6]].sum()


def test_deslant_makes_a_leaning_bar_upright():
    frame = np.zeros((32, 32), dtype=bool)
    for r in range(32):
        frame[r, 20 - r // 3 : 26 - r // 3] = True
    upright = deslant(frame)
    assert upright.sum() == frame.sum()
    left = [np.flatnonzero(row)[0] for row in upright]
    assert max(left) - min(left) <= 1


def test_engine_module_imports_only_numpy_at_module_level():
    """SciPy only inside the function that needs it: the app's start-up must not import it."""
    tree = ast.parse(Path(drawing.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in top if isinstance(n, ast.ImportFrom)}
    assert names <= {"numpy", "dataclasses", "__future__"}, names
    inner = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} - names
    assert inner <= {"scipy"}, inner


def test_importing_the_pipeline_does_not_import_scipy():
    code = (
        "import sys; import engine.data.drawing, engine.data.augment; "
        "sys.exit(any(m == 'scipy' or m.startswith(('scipy.', 'sklearn')) for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


@pytest.mark.parametrize("pen", [12, 18, 24])
@pytest.mark.parametrize("base", [False, True], ids=["flag", "flag+base"])
def test_flagged_one_is_read_as_one(classifiers, base, pen):
    """A "1" with a flag (and a base serif), as most people write it, is a 1, not a 2, 3 or 7."""
    one = draw_strokes(FLAG_ONE + (BASE if base else []), pen)
    assert _predict(classifiers, one) == {"logreg": 1, "mlp64": 1}


@pytest.mark.parametrize("base", [False, True], ids=["flag", "flag+base"])
def test_flagged_one_has_the_datasets_column_ink(lab, base):
    digits = lab[0]
    class_means = [digits.images[digits.target == c].sum(axis=1).mean(axis=0) for c in range(10)]
    stages = digit_stages(draw_strokes(FLAG_ONE + (BASE if base else [])))
    column_ink = stages.digit.sum(axis=0)
    corr = [np.corrcoef(column_ink, mean)[0, 1] for mean in class_means]
    assert int(np.argmax(corr)) == 1, np.round(corr, 2)
    assert corr[1] > 0.9
    assert column_ink[[0, 1, 6, 7]].sum() <= 0.05 * column_ink.sum()  # the flag is a short blob
    # A narrow box, not the flag stretched over 20 pixels. Its stem is as wide as the dataset's
    # strokes (``normalize_pen``): 0.18 of the height, 9 of 32 pixels once a plain "1" is
    # stretched; with the flag, 12 or 13 (the dataset's ones span 4 to 6 blocks of 4 pixels).
    scaled_cols = np.flatnonzero(stages.scaled.any(axis=0))
    assert scaled_cols.size <= 14


@pytest.mark.parametrize("pen", [12, 18, 24])
@pytest.mark.parametrize("name", list(STROKE_DIGITS))
def test_other_stroke_digits_keep_their_class(classifiers, name, pen):
    label, segments = STROKE_DIGITS[name]
    assert _predict(classifiers, draw_strokes(segments, pen)) == {"logreg": label, "mlp64": label}


def test_core_width_ignores_flag_and_base():
    cropped = crop_to_ink(draw_strokes(FLAG_ONE + BASE, pen=18))
    assert cropped.shape[1] > 90  # flag and base widen the bounding box ...
    assert core_width(cropped) <= 20  # ... but the middle rows hold only the 18 px stem
    h, w = cropped.shape
    assert box_width(h, w) == 20
    assert box_width(h, w, core_width(cropped)) <= 8
    four = crop_to_ink(draw_strokes(STROKE_DIGITS["4"][1]))
    assert box_width(*four.shape, core_width(four)) == 20


def test_core_rule_never_narrows_a_dataset_digit(lab):
    """In load_digits() every digit's middle rows are wide: the box rule is unchanged there,
    before and after the pen's normalisation."""
    for image in lab[0].images:
        cropped = crop_to_ink(counts_to_bitmap(image))
        for box in (cropped, normalize_pen(cropped)):
            h, w = box.shape
            assert box_width(h, w, core_width(box)) == box_width(h, w)


def test_dilate_and_erode_use_the_four_neighbours_with_paper_outside():
    dot = np.zeros((5, 5), dtype=bool)
    dot[2, 2] = True
    plus = dilate(dot)
    assert plus.sum() == 5 and plus[1, 2] and plus[2, 1] and not plus[1, 1]  # no diagonals
    np.testing.assert_array_equal(erode(plus), dot)
    full = np.ones((4, 4), dtype=bool)  # outside the frame is paper: the border erodes
    eroded = erode(full)
    assert eroded[1:3, 1:3].all() and eroded.sum() == 4
    corner = np.zeros((3, 3), dtype=bool)
    corner[0, 0] = True
    assert dilate(corner).sum() == 3  # grows inside the frame only
