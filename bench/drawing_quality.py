"""How faithfully ``bitmap_to_digit`` turns drawings into the dataset's 8x8 digits, whether
augmentation (``engine.data.augment``) helps networks read drawings, and how fast both are.

The test digits of the lab split are re-made as drawings on the canvas's 256x256 bitmap, in three
styles (``STYLES``), sent through ``bitmap_to_digit`` and classified:

1. Pipeline: a scikit-learn ``MLPClassifier((64,))`` trained on the lab split (test accuracy
   0.981), on the originals and on each style. Targets: within 5, 10 and 14 points.
2. Augmentation: the lab net (64-10-10 sigmoid, uniform init, lr 0.1, batch 1, 15 epochs) and a
   64-unit ReLU net (He init, lr 0.01, batch 1, 30 epochs), trained by the engine without
   augmentation, and with each epoch's training images re-drawn by ``augment_images`` (all of
   them, or three quarters: ``keep``), one ``fit`` epoch at a time; median over seeds. Targets:
   +3 points on the drawings on average, at most -1 on the originals.
3. Other re-drawings (from the 32x32 counts: shrunk, thick, leaning), the "1" checks, timings.

Rendering a test digit (``render_style``): its counts / 16 are an ink density, interpolated
bicubically (Keys, a = -0.5) between the 4x4 blocks' centres onto the canvas, the frame's 20x32
box mapped onto the style's box; a pixel is ink where the density exceeds the level that keeps the
image's own share of ink (sum of counts / 1024, measured on the frame): strokes as thick, for the
digit's size, as the dataset's. The style then thickens the strokes by a round pen (Euclidean
distance). The styles are points a user could draw, not the augmentation's own renderer (that
one samples a density at two points per frame pixel on a 64x64 canvas and changes the pen by
the ink share, not by a distance), but both start from the same counts: the gain measured here
is an upper estimate of the gain on real drawings.

Run: ``python bench/drawing_quality.py [--seeds N] [--no-training]`` (about 6 minutes with the
default 7 seeds on an idle machine; 20 s with ``--no-training``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synthetic_drawings import (  # noqa: E402
    counts_to_bitmap,
    draw_strokes,
    shrink_into_corner,
    slanted,
    thick_pen,
)
from engine import MLP, RunConfig, RunEnded, load_lab_split, load_model_file, run_training  # noqa: E402
from engine.data.augment import KEEP_FOR_TRAINING, augment_images, training_redraw  # noqa: E402
from engine.data.drawing import bitmap_to_digit  # noqa: E402

CANVAS = 256  # the Draw tab's bitmap (gui/draw/canvas.py, RESOLUTION; its pen is 18 px)


@dataclass(frozen=True)
class Style:
    """A test digit re-drawn on the 256x256 canvas: where its box goes and how thick the pen is.

    The box is the dataset's 20x32 box (frame columns 6..25, all 32 rows), so the digit's ink
    fills about its height; ``pen_growth`` pixels are added to each side of every stroke.
    """

    description: str
    box_height: float
    box_width: float
    top: float
    left: float
    pen_growth: float = 0.0


STYLES = {
    "dataset": Style(
        "as the dataset's writers: 224 px tall, the dataset's 20:32 proportions (140 px wide), "
        "centred, the dataset's own stroke (about 40 px)",
        224, 140, 16, 58,
    ),
    "corner": Style(
        "small in a corner: 64 px tall, 40 px wide, 6 px from the top-left corner, strokes "
        "3 px thicker each side (about the canvas's 18 px pen at that size)",
        64, 40, 6, 6, 3,
    ),
    "wide": Style(
        "wide with a thick pen: 216 px tall, 240 px wide (1.8 times the dataset's proportions), "
        "strokes 10 px thicker each side (about 60 px, 3 times the canvas's pen)",
        216, 240, 20, 8, 10,
    ),
}  # fmt: skip


def _bicubic_weights(x: np.ndarray) -> np.ndarray:
    """(len(x), 10) weights of the 8 block centres (and an empty block each side) at frame
    coordinates ``x`` (frame pixels, 0..32)."""
    centres = (np.arange(-1, 9) + 0.5) * 4
    t = np.abs(x[:, None] - centres[None, :]) / 4
    near = 1.5 * t**3 - 2.5 * t**2 + 1
    far = -0.5 * t**3 + 2.5 * t**2 - 4 * t + 2
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def render_style(raw_image: np.ndarray, style: Style, canvas: int = CANVAS) -> np.ndarray:
    """One test digit (64 raw counts) as a bool (canvas, canvas) drawing in ``style``."""
    blocks = np.pad(np.asarray(raw_image, dtype=np.float64).reshape(8, 8) / 16, 1)
    pixel = np.arange(canvas) + 0.5
    rows = _bicubic_weights((pixel - style.top) * 32 / style.box_height)
    cols = _bicubic_weights(6 + (pixel - style.left) * 20 / style.box_width)
    density = rows @ blocks @ cols.T
    frame = _bicubic_weights((np.arange(128) + 0.5) / 4)
    level = np.quantile(frame @ blocks @ frame.T, 1 - np.sum(raw_image) / 1024)
    ink = density > level
    if style.pen_growth:
        ink = ndimage.distance_transform_edt(~ink) <= style.pen_growth
    return ink


def digits_of(bitmaps) -> np.ndarray:
    return np.array([bitmap_to_digit(b).ravel() for b in bitmaps], dtype=np.float64)


def remade_test_digits(raw_test: np.ndarray) -> dict[str, np.ndarray]:
    """Raw (n, 64) counts of the test digits re-made in every style, through the pipeline."""
    return {
        name: digits_of(render_style(image, style) for image in raw_test)
        for name, style in STYLES.items()
    }


# --- 1. the pipeline with a plain model ------------------------------------------------------

TARGET_DROP = {"dataset": 0.05, "corner": 0.10, "wide": 0.14}


def pipeline_table(split, remade: dict[str, np.ndarray]) -> None:
    mlp = MLPClassifier((64,), max_iter=1000, random_state=0).fit(split.X_train, split.y_train)
    base = mlp.score(split.X_test, split.y_test)
    print("| model | originals | " + " | ".join(f"{n} (target)" for n in STYLES) + " |")
    print("|---|---|" + "---|" * len(STYLES))
    cells = []
    for name, raw in remade.items():
        acc = mlp.score(split.scaler.transform(raw), split.y_test)
        ok = "ok" if acc >= base - TARGET_DROP[name] - 1e-9 else "MISSED"
        cells.append(f"{acc:.3f} ({acc - base:+.3f}; >= -{TARGET_DROP[name]:.2f} {ok})")
    print(f"| sklearn MLP (64,) | {base:.3f} | " + " | ".join(cells) + " |")
    print()
    for name, style in STYLES.items():
        print(f"- {name}: {style.description}")
    print()


# --- 2. training with and without augmentation -----------------------------------------------

NETS = {
    "lab net 64-10-10 sigmoid": RunConfig(),  # lr 0.1, batch 1, 15 epochs, uniform init
    "ReLU 64": RunConfig(
        hidden_sizes=(64,), activation="relu", init="he", learning_rate=0.01, epochs=30
    ),
}


AUGMENTATIONS = {  # name: keep (None: no augmentation)
    "no": None,
    "every image re-drawn (keep=0)": 0.0,
    f"3/4 re-drawn (keep={KEEP_FOR_TRAINING})": KEEP_FOR_TRAINING,
}


def train(config: RunConfig, split, seed: int, keep: float | None) -> MLP:
    """Train a fresh ``config`` network as the app and ``main.py train`` do: ``run_training``, with
    ``config.augment`` and ``training_redraw`` (re-drawing all but ``keep`` of the images each
    epoch) unless ``keep`` is None."""
    config = config.with_changes(seed=seed, augment=keep is not None)
    model = config.build_model()
    redraw = None if keep is None else training_redraw(split.X_train, split.scaler, keep)
    records = run_training(model, split.X_train, split.y_train, config=config, redraw=redraw)
    end = [r for r in records if isinstance(r, RunEnded)][0]
    assert end.status == "completed", end.reason
    return model


def augmentation_table(split, remade: dict[str, np.ndarray], seeds: int) -> None:
    tests = {"originals": split.X_test}
    tests.update({name: split.scaler.transform(raw) for name, raw in remade.items()})
    scores = {(net, name): [] for net in NETS for name in AUGMENTATIONS}
    for seed in range(seeds):
        for name, keep in AUGMENTATIONS.items():
            for net, config in NETS.items():
                model = train(config, split, seed, keep)
                scores[net, name].append([model.accuracy(X, split.y_test) for X in tests.values()])
    print(
        f"Test accuracy, median of {seeds} seeds (initial weights, shuffling, re-drawings); "
        "in brackets, the change from no augmentation."
    )
    print()
    print("| network | augmentation | " + " | ".join(tests) + " | drawings' mean |")
    print("|---|---|" + "---|" * (len(tests) + 1))
    for net in NETS:
        baseline = None
        for name, keep in AUGMENTATIONS.items():
            median = np.median(scores[net, name], axis=0)
            median = np.append(median, median[1:].mean())
            baseline = median if baseline is None else baseline
            cells = [
                f"{a:.3f}" if keep is None else f"{a:.3f} ({a - b:+.3f})"
                for a, b in zip(median, baseline, strict=True)
            ]
            print(f"| {net} | {name} | " + " | ".join(cells) + " |")
    print()
    print("Targets: drawings' mean +0.030 or more; originals -0.010 or better.")
    print()


def models_table(split, remade: dict[str, np.ndarray], paths: list[str]) -> None:
    """Accuracy of saved models on the test digits and on their re-made drawings, each model
    with its own scaler (as the app uses it)."""
    print("| model file | augment | originals | " + " | ".join(STYLES) + " | drawings' mean |")
    print("|---|---|---|" + "---|" * (len(STYLES) + 1))
    for path in paths:
        saved = load_model_file(path)
        scaler = saved.scaler or split.scaler
        scores = [
            saved.model.accuracy(scaler.transform(raw), split.y_test) for raw in remade.values()
        ]
        base = saved.model.accuracy(scaler.transform(raw_of(split)), split.y_test)
        cells = " | ".join(f"{a:.3f}" for a in scores)
        augment = "yes" if saved.config and saved.config.augment else "no"
        print(f"| {Path(path).name} | {augment} | {base:.3f} | {cells} | {np.mean(scores):.3f} |")
    print()


def raw_of(split) -> np.ndarray:
    return np.rint(split.scaler.inverse_transform(split.X_test))


# --- 3. other re-drawings, the "1" checks, timings -------------------------------------------


COUNT_CASES = {
    "a: unchanged 32x32": lambda b: b,
    "a': unchanged, raster placement (not a drawing)": None,  # built from the counts directly
    "b: shrunk to 24x24 in corner of 64x64": shrink_into_corner,
    "b': shrunk to 40x40 in corner of 200x200": lambda b: shrink_into_corner(b, 40, 200),
    "c: 128x128, pen 6 px thicker": thick_pen,
    "c': 280x280, pen 2*4 px thicker (x8.75)": lambda b: thick_pen(
        np.kron(b, np.ones((35, 35), dtype=bool))[::4, ::4], 1, 4
    ),
    "d: 128x128, leaning right (slope 0.25)": slanted,
}


def count_cases_table(split, raw_test: np.ndarray) -> None:
    mlp = MLPClassifier((64,), max_iter=1000, random_state=0).fit(split.X_train, split.y_train)
    print("| re-drawn from the 32x32 counts | sklearn MLP (64,) | mean abs cell change |")
    print("|---|---|---|")
    print(f"| originals | {mlp.score(split.X_test, split.y_test):.3f} | |")
    for name, transform in COUNT_CASES.items():
        if transform is None:
            bitmaps = (counts_to_bitmap(x, "raster") for x in raw_test)
        else:
            bitmaps = (transform(counts_to_bitmap(x)) for x in raw_test)
        redrawn = digits_of(bitmaps)
        acc = mlp.score(split.scaler.transform(redrawn), split.y_test)
        print(f"| {name} | {acc:.3f} | {np.abs(redrawn - raw_test).mean():.2f} |")
    print()


def ones_checks(split) -> None:
    raw_train = np.rint(split.scaler.inverse_transform(split.X_train))
    mean_one = raw_train[split.y_train == 1].mean(axis=0).reshape(8, 8)
    print(f"training set's mean '1', column ink: {mean_one.sum(axis=0).round(1).tolist()}")
    flag, base = [((110, 70), (150, 30)), ((150, 30), (150, 250))], [((110, 250), (190, 250))]
    strokes = {"vertical 1": [((140, 30), (140, 250))], "flagged 1": flag}
    strokes["flagged 1 + base"] = flag + base
    for name, segments in strokes.items():
        for pen in (3, 14) if name == "vertical 1" else (12, 18, 24):
            one = bitmap_to_digit(draw_strokes(segments, pen))
            corr = np.corrcoef(one.sum(axis=0), mean_one.sum(axis=0))[0, 1]
            print(
                f"{name + f', pen {pen}':26s} column ink {one.sum(axis=0).astype(int).tolist()}"
                f", column correlation with the mean '1' {corr:.3f}"
            )
    print()


def pipeline_speed() -> None:
    """``bitmap_to_digit`` on 256x256 canvases, as the Draw tab calls it (~30 times a second)."""
    four = [((160, 30), (70, 170)), ((70, 170), (210, 170)), ((170, 100), (170, 250))]
    rng = np.random.default_rng(0)
    noise = np.zeros((CANVAS, CANVAS), dtype=bool)
    noise[np.ix_(np.arange(40, 240), np.arange(60, 220))] = rng.random((200, 160)) < 0.05
    noise[40:240:7, 60:220] = True
    canvases = {
        "a 4, canvas pen (18 px)": draw_strokes(four, 18, CANVAS),
        "a 4, pen 48 px (thinned)": draw_strokes(four, 48, CANVAS),
        "a 4, pen 3 px (thickened)": draw_strokes(four, 3, CANVAS),
        "noise and lines (worst case)": noise,
        "all ink": np.ones((CANVAS, CANVAS), dtype=bool),
    }
    for name, canvas in canvases.items():
        for _ in range(20):
            bitmap_to_digit(canvas)
        times = []
        for _ in range(300):
            t0 = time.perf_counter()
            bitmap_to_digit(canvas)
            times.append(time.perf_counter() - t0)
        print(
            f"bitmap_to_digit, 256x256, {name:30s} median {np.median(times) * 1e3:.3f} ms, "
            f"p95 {np.percentile(times, 95) * 1e3:.3f} ms"
        )


def augmentation_speed(raw_train: np.ndarray, repeats: int = 5) -> None:
    rng = np.random.default_rng(0)
    augment_images(raw_train[:100], rng)  # warm up (SciPy's import, memory)
    for keep in (0.0, KEEP_FOR_TRAINING):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            augment_images(raw_train, rng, keep=keep)
            times.append(time.perf_counter() - t0)
        print(
            f"augment_images, {len(raw_train)} training images (one epoch), keep={keep}: median "
            f"{np.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=7, help="seeds per network (default 7)")
    parser.add_argument("--no-training", action="store_true", help="skip the augmentation table")
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="FILE",
        help="only score these saved models (main.py train --save) on the re-made drawings",
    )
    args = parser.parse_args()

    split = load_lab_split()
    raw_train = np.rint(split.scaler.inverse_transform(split.X_train))
    raw_test = np.rint(split.scaler.inverse_transform(split.X_test))
    remade = remade_test_digits(raw_test)
    if args.models:
        models_table(split, remade, args.models)
        return

    print("## The pipeline: test digits re-made as drawings\n")
    pipeline_table(split, remade)
    if not args.no_training:
        print("## Augmentation\n")
        augmentation_table(split, remade, args.seeds)
    print("## Other re-drawings\n")
    count_cases_table(split, raw_test)
    ones_checks(split)
    print("## Speed\n")
    pipeline_speed()
    augmentation_speed(raw_train)


if __name__ == "__main__":
    main()
