"""Drawings made from code, for the drawing pipeline's tests and ``bench/drawing_quality.py``:
the dataset's 8x8 counts back as a 32x32 bitmap, that bitmap shrunk, thickened or leaning, and
round-pen strokes as a mouse would draw them."""

import numpy as np

from engine.data.drawing import dilate


def counts_to_bitmap(image: np.ndarray, placement: str = "smooth") -> np.ndarray:
    """8x8 counts -> 32x32 bitmap with exactly that many pixels on per 4x4 block.

    "smooth" turns on the pixels nearest to neighbouring ink (ranked by a bilinear up-sampling of
    the counts), so strokes stay continuous; "raster" fills each block in reading order.
    """
    img = np.asarray(image, dtype=np.float64).reshape(8, 8)
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


def draw_strokes(segments, pen: float = 18, size: int = 280) -> np.ndarray:
    """Round-pen line segments ``((x0, y0), (x1, y1))`` on a size x size canvas, like a mouse."""
    yy, xx = np.mgrid[:size, :size].astype(np.float64)
    ink = np.zeros((size, size), dtype=bool)
    for (x0, y0), (x1, y1) in segments:
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        ink |= (xx - x0 - t * dx) ** 2 + (yy - y0 - t * dy) ** 2 <= (pen / 2) ** 2
    return ink
