"""Turn a mouse drawing into the 8x8 representation of scikit-learn's ``load_digits()``.

Per ``shared/DIGITS.md`` (UCI optdigits; NIST hsfsys, Garris et al., NISTIR 5469, 1994), each
digit's ink bounding box was stretched to 20 pixels wide by 32 high, x and y scaled separately,
centred in a 32x32 frame (columns 6..25); its stroke width was normalised by the on-pixel count
n of 1024 (4-neighbour dilation if n < 256, erosion if n > 412); it was deslanted; then on pixels
were counted in 4x4 blocks, giving 8x8 integers 0..16. Every dataset image spans the full
height and has about 313 on pixels. The pipeline, one public function per stage:

1. ``to_binary``: nonzero = ink.
2. ``crop_to_ink``: the ink's bounding box, at full resolution (so that a small digit in a
   corner of a big canvas is not blurred away by an early down-sampling to 32x32).
3. ``normalize_pen``: the box at ``WORK_HEIGHT`` rows, its strokes thinned or thickened to the
   dataset's mean width relative to the digit's height (``PEN_WIDTH``), cropped again.
4. ``scale_to_box``: box -> 32 high x ``box_width`` wide, centred. Down-sampling is any-coverage
   (an output pixel is on if any source pixel under it is), so thin strokes never vanish;
   up-sampling is nearest neighbour.
5. ``normalize_stroke_width``: dilate / erode one step at a time until n is in 256..412.
6. ``deslant``: NIST's shear, lining up the left-most ink of the top and bottom rows.
7. ``block_counts``: on pixels per 4x4 block -> 8x8 float counts 0..16.

Why step 3: the bounding box includes the pen. The dataset's strokes are all about as thick for
the digit's size, so their centres sit at about the same places in the 20x32 box; drawn with a
pen twice as thick (or with the canvas's pen, small in a corner), the centres move inwards, and
the thinning of step 5, done after the stretch, cannot move them back: a thick "0" turned into a
"1"-like blob. The dataset's strokes are thick: rendered large (as ``bench/drawing_quality.py``
does), training digits measure about 0.2 of their height (median ``stroke_width``), some 6 of
the frame's 32 rows. ``PEN_WIDTH`` = 0.18 was chosen among 0.12..0.24 on re-drawn *training*
digits, not on the test digits the bench reports. Step 5 remains, as NIST's.

Thin digits: stretched to 20 pixels, a plain "1" would become a solid block, but the dataset's
ones are bars two to three blocks wide in the middle (mean column ink of class 1 is about
[0, 5, 42, 93, 106, 56, 9, 2]). ``box_width`` therefore keeps the ink's aspect ratio, times
1.5625, when that gives less than 20: only ink narrower than 0.4 of its height is affected. A
"1" with a flag (and a base) has a wide bounding box, though, and stretched to it the flag spans
columns 2-6 and reads as a 2, 3 or 7; the dataset's flags are short blobs left of a thick stem.
So the width that counts is the smaller of the box's and ``CORE_FACTOR`` times the ink's width
in the middle 40 % of its rows (``core_width``), where a 1 is just its stem, whereas any other
digit spans most of its width there (in ``load_digits()`` the rule never narrows a box, with or
without step 3). Boxes of at most ``MASS_CENTRED`` pixels are centred on their ink's centre of
mass, as the dataset's ones are, so a flag does not push the stem off centre. ``digit_stages``
returns every stage for display. NumPy, and SciPy's ``ndimage`` (the distance transform of step 3,
the dilation and erosion of step 5), imported when first used (the app's start-up imports
neither SciPy nor scikit-learn); no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME = 32
BOX_WIDTH = 20
MIN_ON, MAX_ON = 256, 412
FULL_ASPECT = 0.4  # ink at least this wide (width / height) is stretched to the full 20 pixels
CORE_ROWS = (0.3, 0.7)  # the middle rows of the ink box, where a 1 is only its stem
# Since step 3 the stem of a "1" is 0.18 of its height wide, whatever the pen: CORE_FACTOR 1.6
# (was 1.8) keeps a flagged "1" narrow; MASS_CENTRED 14 (was 12) still covers its box.
CORE_FACTOR = 1.6  # ink width counted = min(box width, CORE_FACTOR * width in those rows)
MASS_CENTRED = 14  # boxes at most this wide (ones) are centred on the ink's centre of mass ...
MASS_CENTRE = 16.5  # ... put at this x (pixels from the left), where the dataset's ones have it
PEN_WIDTH = 0.18  # the dataset's mean stroke width (``stroke_width``), a fraction of the height
WORK_HEIGHT = 64  # rows at which the pen is normalised: twice the frame's, so 2:1 down to it
MAX_WORK_ASPECT = 2  # working width at most this many times the height
_MIN_WIDTH = 2
_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)  # 4-neighbours
_MAX_STEPS = 8


def _padded(binary: np.ndarray, k: int) -> np.ndarray:
    """``binary`` (H, W) inside ``k`` rows and columns of False (``np.pad`` costs 60 us)."""
    out = np.zeros((binary.shape[0] + 2 * k, binary.shape[1] + 2 * k), dtype=binary.dtype)
    out[k : k + binary.shape[0], k : k + binary.shape[1]] = binary
    return out


def to_binary(bitmap: np.ndarray) -> np.ndarray:
    """Binarise a drawing.

    Parameters
    ----------
    bitmap : array_like, shape (H, W)
        Bool, 0/1 or any numbers; nonzero (and not NaN) = ink.

    Returns
    -------
    np.ndarray of bool, shape (H, W)
    """
    arr = np.asarray(bitmap)
    if arr.ndim != 2:
        raise ValueError(f"bitmap must be 2-D, got shape {arr.shape}")
    if arr.dtype.kind in "fc":
        return np.nan_to_num(arr, nan=0.0) != 0
    return arr.astype(bool, copy=False)


def crop_to_ink(binary: np.ndarray) -> np.ndarray:
    """Cut a binary bitmap (H, W) to its ink bounding box (h, w); (0, 0) if it has no ink."""
    rows, cols = np.flatnonzero(binary.any(axis=1)), np.flatnonzero(binary.any(axis=0))
    if rows.size == 0:
        return np.zeros((0, 0), dtype=bool)
    return binary[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _resample_axis(a: np.ndarray, n: int, axis: int) -> np.ndarray:
    size = a.shape[axis]
    if size >= n:  # any-coverage: OR over each output pixel's run of source pixels
        return np.logical_or.reduceat(a, (np.arange(n) * size) // n, axis=axis)
    return np.take(a, ((np.arange(n) + 0.5) * size / n).astype(np.intp), axis=axis)


def resample_binary(binary: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize each axis separately: any-coverage when shrinking, nearest neighbour when growing.

    Parameters
    ----------
    binary : np.ndarray of bool, shape (H, W), H, W >= 1
    shape : (int, int)
        Output (rows, cols).

    Returns
    -------
    np.ndarray of bool, shape ``shape``
    """
    return _resample_axis(_resample_axis(binary, shape[0], 0), shape[1], 1)


def core_width(cropped: np.ndarray) -> int:
    """Width of the ink in the middle rows (``CORE_ROWS``) of an ink box (h, w), h, w >= 1.

    For a "1" that is its stem, without flag or base; the full width ``w`` if those rows are empty.
    """
    h = cropped.shape[0]
    lo = int(h * CORE_ROWS[0])
    cols = np.flatnonzero(cropped[lo : max(lo + 1, int(np.ceil(h * CORE_ROWS[1])))].any(axis=0))
    return int(cols[-1] - cols[0] + 1) if cols.size else cropped.shape[1]


def box_width(height: int, width: int, core: int | None = None) -> int:
    """Width (of 32 pixels) that an ink box of ``height`` x ``width`` is stretched to.

    With ``core`` (``core_width``), the ink counts as ``min(width, CORE_FACTOR * core)`` wide, so
    that a 1's flag or base does not widen its box. Returns NIST's 20 if that is at least
    ``FULL_ASPECT`` of the height, else ``round(20 * width / height / FULL_ASPECT)``, at least 2:
    a "1" stays a narrow bar, as the dataset's ones are.
    """
    if core is not None:
        width = min(width, CORE_FACTOR * core)
    return int(np.clip(round(BOX_WIDTH * width / (height * FULL_ASPECT)), _MIN_WIDTH, BOX_WIDTH))


def to_working_resolution(cropped: np.ndarray) -> np.ndarray:
    """Resample an ink box (h, w) to ``WORK_HEIGHT`` rows, keeping its aspect ratio.

    Width at most ``MAX_WORK_ASPECT`` times the height; any-coverage when shrinking, nearest
    neighbour when growing (``resample_binary``). An empty box stays empty.
    """
    if cropped.size == 0:
        return cropped
    h, w = cropped.shape
    width = int(np.clip(round(w * WORK_HEIGHT / h), 1, MAX_WORK_ASPECT * WORK_HEIGHT))
    return resample_binary(cropped, (WORK_HEIGHT, width))


def stroke_width(binary: np.ndarray) -> float:
    """Mean stroke width of the ink of a bool image (H, W), in pixels: twice its area over its
    outline's length (a stroke of length L and width w has area L w and outline about 2 L).

    The outline is counted as ink/paper transitions along rows and columns, times pi / 4, the
    mean ratio of a curve's length to its axis-aligned steps. 0 if there is no ink.
    """
    area = int(np.count_nonzero(binary))
    if area == 0:
        return 0.0
    p = _padded(binary, 1)
    steps = np.count_nonzero(p[1:] != p[:-1]) + np.count_nonzero(p[:, 1:] != p[:, :-1])
    return 2.0 * area / (steps * np.pi / 4)


def normalize_pen(cropped: np.ndarray, width: float = PEN_WIDTH) -> np.ndarray:
    """Redraw an ink box with the dataset's relative pen width, then crop it again.

    The box is brought to ``WORK_HEIGHT`` rows (``to_working_resolution``); if its mean stroke
    width (``stroke_width``) is not ``width`` times the height, the strokes are thinned or
    thickened by half the difference on each side (Euclidean distance transform, SciPy). This is
    done before the box is stretched because the box includes the pen: drawn with a thick pen,
    the strokes' centres would otherwise sit too far inside the 20x32 box, where thinning in the
    frame cannot bring them back. Parts of a stroke thinner than the thinning (a flourish drawn
    with a light touch) may vanish; if everything would, the ink is left as it is.

    Parameters
    ----------
    cropped : np.ndarray of bool, shape (h, w)
        An ink bounding box (``crop_to_ink``); (0, 0) if empty.
    width : float
        Target mean stroke width, as a fraction of the ink's height as drawn (the new pen then
        makes the box a little taller or shorter: measured so, it reads better).

    Returns
    -------
    np.ndarray of bool, shape (WORK_HEIGHT', w')
        The re-drawn ink cropped to its new bounding box; (0, 0) if empty.
    """
    from scipy import ndimage  # lazily: the app's start-up must not import SciPy

    work = to_working_resolution(cropped)
    if work.size == 0:
        return work
    change = (width * WORK_HEIGHT - stroke_width(work)) / 2
    if abs(change) < 1:  # ink pixels are >= 1 from the paper and paper >= 1 from the ink
        return crop_to_ink(work)
    if change < 0:
        inside = ndimage.distance_transform_edt(_padded(work, 1))[1:-1, 1:-1]
        thinned = inside > -change
        work = thinned if thinned.any() else work
    elif change > 0:
        margin = int(np.ceil(change)) + 1
        work = ndimage.distance_transform_edt(~_padded(work, margin)) <= change
    return crop_to_ink(work)


def scale_to_box(cropped: np.ndarray) -> np.ndarray:
    """Stretch an ink box (h, w) to 32 high by ``box_width`` wide, centred in a (32, 32) frame.

    Ordinary digits land in columns 6..25 (NIST); boxes at most ``MASS_CENTRED`` wide (ones) are
    centred on their column centre of mass; an empty box gives an empty frame.
    """
    frame = np.zeros((FRAME, FRAME), dtype=bool)
    if cropped.size == 0:
        return frame
    w = box_width(*cropped.shape, core_width(cropped))
    scaled = resample_binary(cropped, (FRAME, w))
    left = (FRAME - w + 1) // 2
    if w <= MASS_CENTRED:
        mass = scaled.sum(axis=0)
        centre = float(mass @ (np.arange(w) + 0.5)) / mass.sum()
        left = int(np.clip(np.floor(MASS_CENTRE + 0.5 - centre), 0, FRAME - w))
    frame[:, left : left + w] = scaled
    return frame


def dilate(frame: np.ndarray) -> np.ndarray:
    """Thicken strokes of a bool (H, W) image by one pixel: on if any 4-neighbour is on."""
    from scipy import ndimage  # lazily: the app's start-up must not import SciPy

    return ndimage.binary_dilation(frame, _CROSS)


def erode(frame: np.ndarray) -> np.ndarray:
    """Thin strokes of a bool (H, W) image by one pixel: off if any 4-neighbour is off (outside
    the image counts as off, as in NIST's morphchr.c)."""
    from scipy import ndimage

    return ndimage.binary_erosion(frame, _CROSS, border_value=0)


def _distance(n: int, lo: int, hi: int) -> int:
    return max(lo - n, n - hi, 0)


def normalize_stroke_width(
    frame: np.ndarray, lo: int = MIN_ON, hi: int = MAX_ON, max_steps: int = _MAX_STEPS
) -> np.ndarray:
    """Dilate or erode one step at a time until the on-pixel count is in ``lo..hi``.

    A step is taken only if it brings the count closer to the range (so it never erases the
    drawing). NIST did at most two steps (thicken once if 108 <= n < 256, twice if n < 108;
    thin once if 412 < n <= 560, twice if n > 560); more steps only matter for strokes far
    thinner or thicker than its scanned pen strokes.

    Parameters
    ----------
    frame : np.ndarray of bool, shape (32, 32)
    lo, hi : int
        Target range of on pixels.
    max_steps : int
        At most this many dilations or erosions.

    Returns
    -------
    np.ndarray of bool, shape (32, 32)
    """
    n = int(frame.sum())
    for _ in range(max_steps):
        if n == 0 or lo <= n <= hi:
            break
        candidate = dilate(frame) if n < lo else erode(frame)
        m = int(candidate.sum())
        if _distance(m, lo, hi) >= _distance(n, lo, hi):
            break
        frame, n = candidate, m
    return frame


def deslant(frame: np.ndarray) -> np.ndarray:
    """Shear rows horizontally so the digit stands upright (NIST hsfsys ``shear_char``).

    The left-most ink pixels two rows inside the top and the bottom of the ink are lined up;
    row r moves by ``round((r - 16) * factor)``. Ink under 6 rows high is left alone.

    Parameters
    ----------
    frame : np.ndarray of bool, shape (32, 32)

    Returns
    -------
    np.ndarray of bool, shape (32, 32)
    """
    rows = np.flatnonzero(frame.any(axis=1))
    if rows.size == 0 or rows[-1] - rows[0] + 1 <= 5:
        return frame
    top, bottom = rows[0] + 2, rows[-1] - 2
    if not (frame[top].any() and frame[bottom].any()):
        return frame
    factor = (int(frame[top].argmax()) - int(frame[bottom].argmax())) / (bottom - top)
    if factor == 0:
        return frame
    x = (np.arange(FRAME) - FRAME // 2) * factor
    shift = np.trunc(x + np.copysign(0.5, x)).astype(np.intp)  # round half away from zero
    src = np.arange(FRAME)[None, :] - shift[:, None]
    inside = (src >= 0) & (src < FRAME)
    return inside & frame[np.arange(FRAME)[:, None], np.clip(src, 0, FRAME - 1)]


def block_counts(frame32: np.ndarray) -> np.ndarray:
    """On pixels per 4x4 block of a bool (32, 32) frame -> float64 (8, 8) counts 0..16."""
    return frame32.reshape(8, 4, 8, 4).sum(axis=(1, 3), dtype=np.int64).astype(np.float64)


@dataclass(frozen=True)
class DigitStages:
    """Every stage of the pipeline, for display.

    Attributes
    ----------
    binary : np.ndarray of bool, shape (H, W)
        The drawing, ink = True.
    cropped : np.ndarray of bool, shape (h, w)
        Its ink bounding box; (0, 0) if empty.
    scaled, stroked, frame : np.ndarray of bool, shape (32, 32)
        Pen normalised, box stretched and centred; then stroke width normalised (NIST's on-pixel
        count); then deslanted (final frame).
    digit : np.ndarray of float64, shape (8, 8)
        On pixels per 4x4 block of ``frame``, 0..16: what the network receives.
    """

    binary: np.ndarray
    cropped: np.ndarray
    scaled: np.ndarray
    stroked: np.ndarray
    frame: np.ndarray
    digit: np.ndarray


def digit_stages(bitmap: np.ndarray, correct_slant: bool = True) -> DigitStages:
    """Run the whole pipeline on a drawing (H, W), nonzero = ink, keeping every stage."""
    binary = to_binary(bitmap)
    cropped = crop_to_ink(binary)
    scaled = scale_to_box(normalize_pen(cropped))
    stroked = normalize_stroke_width(scaled)
    frame = deslant(stroked) if correct_slant else stroked
    return DigitStages(binary, cropped, scaled, stroked, frame, block_counts(frame))


def bitmap_to_digit(bitmap: np.ndarray, correct_slant: bool = True) -> np.ndarray:
    """Convert a drawing to the 8x8 representation of ``load_digits()``.

    Parameters
    ----------
    bitmap : array_like, shape (H, W)
        Any size; nonzero = ink.
    correct_slant : bool
        Apply NIST's slant correction (``deslant``), as the dataset did.

    Returns
    -------
    np.ndarray of float64, shape (8, 8)
        Integer counts 0..16, row-major like ``load_digits().images``; zeros if no ink.
    """
    return digit_stages(bitmap, correct_slant).digit
