"""How well ``engine.data.drawing.bitmap_to_digit`` reproduces the 8x8 digits, and how fast it is.

Each test image of the lab split (15 %, random_state=37) is redrawn as a 32x32 binary bitmap
(each 8x8 count becomes a 4x4 block with that many pixels on), transformed as a user might draw
it, converted back with ``bitmap_to_digit`` and classified by a LogisticRegression trained on the
standardised training images (and an MLP). Prints accuracy per case, how much the cells change,
the lowest correlation between a class's mean redrawn and original images, the "1" checks (plain
strokes, and a "1" with a flag and a base drawn with a round pen) and the timing. Needs the
``engine`` package to import.

Run: ``python bench/drawing_quality.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine.data.drawing import bitmap_to_digit, dilate  # noqa: E402


def counts_to_bitmap(image: np.ndarray, placement: str = "smooth") -> np.ndarray:
    """8x8 counts -> 32x32 bitmap with exactly that many pixels on per 4x4 block.

    "smooth" turns on the pixels nearest to neighbouring ink (ranked by a bilinear up-sampling of
    the counts), so strokes stay continuous; "raster" fills each block in reading order.
    """
    img = np.asarray(image, dtype=np.float64)
    if placement == "smooth":
        pos = np.clip((np.arange(32) + 0.5) / 4 - 0.5, 0, 7)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, 7)
        t = pos - lo
        rows = img[lo] * (1 - t)[:, None] + img[hi] * t[:, None]
        score = rows[:, lo] * (1 - t) + rows[:, hi] * t
    else:
        score = np.tile(-np.arange(16, dtype=np.float64).reshape(4, 4), (8, 8))
    blocks = score.reshape(8, 4, 8, 4).transpose(0, 2, 1, 3).reshape(8, 8, 16)
    rank = np.argsort(np.argsort(-blocks, axis=2, kind="stable"), axis=2)
    on = rank < img.astype(int)[:, :, None]
    return on.reshape(8, 8, 4, 4).transpose(0, 2, 1, 3).reshape(32, 32)


def shrink_into_corner(bitmap: np.ndarray, size: int = 24, canvas: int = 64) -> np.ndarray:
    """Shrink a 32x32 bitmap to size x size (nearest) and put it near the top-right corner."""
    idx = (np.arange(size) * 32) // size
    out = np.zeros((canvas, canvas), dtype=bool)
    out[2 : 2 + size, canvas - size - 3 : canvas - 3] = bitmap[np.ix_(idx, idx)]
    return out


def draw_strokes(segments, pen: float = 18, size: int = 280) -> np.ndarray:
    """Round-pen line segments ``((x0, y0), (x1, y1))`` on a size x size canvas, like a mouse."""
    yy, xx = np.mgrid[:size, :size].astype(np.float64)
    ink = np.zeros((size, size), dtype=bool)
    for (x0, y0), (x1, y1) in segments:
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        ink |= (xx - x0 - t * dx) ** 2 + (yy - y0 - t * dy) ** 2 <= (pen / 2) ** 2
    return ink


def thick_pen(bitmap: np.ndarray, scale: int = 4, grow: int = 3) -> np.ndarray:
    """Up-scale (nearest) by ``scale`` and thicken the strokes by ``grow`` pixels each side."""
    out = np.kron(bitmap, np.ones((scale, scale), dtype=bool))
    for _ in range(grow):
        out = dilate(out)
    return out


def slanted(bitmap: np.ndarray, slope: float = 0.25, scale: int = 4) -> np.ndarray:
    """Up-scale by ``scale`` and lean it right: row r moves right by slope * (height - 1 - r)."""
    big = np.kron(bitmap, np.ones((scale, scale), dtype=bool))
    h, w = big.shape
    out = np.zeros((h, w + int(h * slope) + 1), dtype=bool)
    for r in range(h):
        o = int((h - 1 - r) * slope)
        out[r, o : o + w] = big[r]
    return out


CASES = {
    "a: unchanged 32x32": lambda b: b,
    "a': unchanged, raster placement": None,  # built from the counts directly
    "b: shrunk to 24x24 in corner of 64x64": shrink_into_corner,
    "b': shrunk to 40x40 in corner of 200x200": lambda b: shrink_into_corner(b, 40, 200),
    "c: 128x128, pen 6 px thicker": thick_pen,
    "c': 280x280, pen 2*4 px thicker (x8.75)": lambda b: thick_pen(
        np.kron(b, np.ones((35, 35), dtype=bool))[::4, ::4], 1, 4
    ),
    "d: 128x128, leaning right (slope 0.25)": slanted,
}


def lab_split():
    digits = load_digits()
    data = digits.data.astype(np.float32)
    target = digits.target.astype(np.int32)
    return digits, train_test_split(data, target, test_size=0.15, random_state=37)


def main() -> None:
    digits, (x_tr, x_te, y_tr, y_te) = lab_split()
    scaler = StandardScaler().fit(x_tr)
    models = {
        "logreg": LogisticRegression(max_iter=1000),
        "mlp64": MLPClassifier((64,), max_iter=1000, random_state=0),
    }
    for model in models.values():
        model.fit(scaler.transform(x_tr), y_tr)
    print(
        f"{'case':42s} "
        + " ".join(f"{m:>7s}" for m in models)
        + "  mean |cell change|  min class-mean corr"
    )
    scores = " ".join(f"{m.score(scaler.transform(x_te), y_te):7.4f}" for m in models.values())
    print(f"{'original 8x8 test images':42s} {scores}")
    for name, fn in CASES.items():
        if fn is None:
            bitmaps = [counts_to_bitmap(x.reshape(8, 8), "raster") for x in x_te]
        else:
            bitmaps = [fn(counts_to_bitmap(x.reshape(8, 8))) for x in x_te]
        redrawn = np.array([bitmap_to_digit(b).ravel() for b in bitmaps], dtype=np.float32)
        scores = " ".join(
            f"{m.score(scaler.transform(redrawn), y_te):7.4f}" for m in models.values()
        )
        corr = min(
            np.corrcoef(redrawn[y_te == c].mean(0), x_te[y_te == c].mean(0))[0, 1]
            for c in range(10)
        )
        print(f"{name:42s} {scores}  {np.abs(redrawn - x_te).mean():18.2f}  {corr:19.3f}")

    mean_one = digits.images[digits.target == 1].mean(axis=0)
    block = np.zeros((8, 8))
    block[:, 2:6], block[:, [1, 6]] = 16, 8  # a 20x32 block in columns 6..25
    print(f"dataset mean '1' column ink: {mean_one.sum(axis=0).round(1).tolist()}")
    for name, (rows, cols, lean) in {
        "vertical 1, pen 14": (slice(30, 250), slice(132, 146), 0),
        "vertical 1, pen 3": (slice(30, 250), slice(138, 141), 0),
        "leaning 1, pen 14": (slice(30, 250), slice(120, 134), 0.3),
    }.items():
        stroke = np.zeros((280, 280), dtype=bool)
        stroke[rows, cols] = True
        for r in range(280):
            stroke[r] = np.roll(stroke[r], int((250 - r) * lean))
        one = bitmap_to_digit(stroke)
        c1, cb = (np.corrcoef(one.ravel(), x.ravel())[0, 1] for x in (mean_one, block))
        print(
            f"{name:20s} column ink {one.sum(axis=0).astype(int).tolist()}, "
            f"corr with mean '1' {c1:.3f}, with 20-wide block {cb:.3f}"
        )

    flag, base = [((110, 70), (150, 30)), ((150, 30), (150, 250))], [((110, 250), (190, 250))]
    for name, segments in {"flagged 1": flag, "flagged 1 + base": flag + base}.items():
        for pen in (12, 18, 24):
            one = bitmap_to_digit(draw_strokes(segments, pen))
            x = scaler.transform(one.reshape(1, -1))
            preds = " ".join(f"{m} {model.predict(x)[0]}" for m, model in models.items())
            c1 = np.corrcoef(one.sum(axis=0), mean_one.sum(axis=0))[0, 1]
            print(
                f"{name + f', pen {pen}':24s} column ink {one.sum(axis=0).astype(int).tolist()}, "
                f"column corr with mean '1' {c1:.3f}, read as: {preds}"
            )

    rng = np.random.default_rng(0)
    canvas = np.zeros((280, 280), dtype=bool)
    canvas[np.ix_(np.arange(40, 240), np.arange(60, 220))] = rng.random((200, 160)) < 0.05
    canvas[40:240:7, 60:220] = True
    for _ in range(20):
        bitmap_to_digit(canvas)
    times = []
    for _ in range(300):
        t0 = time.perf_counter()
        bitmap_to_digit(canvas)
        times.append(time.perf_counter() - t0)
    print(
        f"bitmap_to_digit on 280x280: median {np.median(times) * 1e3:.3f} ms, "
        f"p95 {np.percentile(times, 95) * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()
