"""Re-draw training digits the way the canvas will receive them, for data augmentation.

A drawing on the canvas differs from the dataset's scans in position, size, aspect, slant,
rotation and pen width; ``bitmap_to_digit`` undoes much of that (it crops, stretches, normalises
the pen, deslants) but not all of it, and it has habits of its own. So each training image is
re-drawn with random changes of all six, rendered large as a binary drawing, and sent through
the same pipeline as the canvas: training then sees what the canvas will produce.

Rendering: the 8x8 counts (0..16 on pixels per 4x4 block of the 32x32 frame) are read as an ink
density, interpolated bicubically at two samples per frame pixel (``ink_density``); each canvas
pixel is mapped back into the frame by the image's random affine map and reads the density there
(bilinear); it is ink where the density exceeds the image's threshold. The threshold keeps the
image's own share of ink (sum of counts / 1024), times a random factor for the pen width
(``render_drawings``). ``random_changes`` draws the changes; ``augment_images`` does it all,
for every image or, with ``keep``, for a random part of them (see ``bench/drawing_quality.py``
for what each costs and brings). NumPy, and SciPy's ``affine_transform`` imported when first
used (the app's start-up imports neither SciPy nor scikit-learn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.digits import Standardizer
from engine.data.drawing import FRAME, bitmap_to_digit

# The ranges of the random changes: about what people's digits on a canvas differ by.
CANVAS = 64  # side of the square drawing each image is rendered into, in pixels
HEIGHT = (40.0, 56.0)  # the digit's frame height on the canvas, pixels (size)
ASPECT = (0.75, 1.33)  # width multiplier, log-uniform (1 = the dataset's 20x32 box)
SLANT = (-0.25, 0.25)  # horizontal shift per pixel of height, upwards; > 0 leans right
ROTATION = (-8.0, 8.0)  # degrees, > 0 counter-clockwise (on screen)
INK = (0.7, 1.5)  # multiplier of the image's share of ink (pen width), log-uniform
# Share of images to leave as they are when training: a network trained on re-drawn digits only
# loses 1 to 2 points on the dataset's own test digits; keeping a quarter costs nothing there and
# gains as much on drawings (bench/drawing_quality.py, 7 seeds, both networks).
KEEP_FOR_TRAINING = 0.25
SAMPLES = 2  # density samples per frame pixel
MIN_DENSITY = 0.1  # never ink below this density (counts / 16)
_BLOCK = FRAME // 8  # frame pixels per block of the 8x8 image
_MARGIN = 1.0  # pixels kept free at each side of the canvas


@dataclass(frozen=True)
class DrawingChanges:
    """One random re-drawing per image; every field is an array of shape (n,).

    Attributes
    ----------
    height : frame height on the canvas, pixels (the 32x32 frame is drawn ``height`` tall).
    aspect : width multiplier; the frame is drawn ``height * aspect`` wide.
    slant : horizontal shift of the ink per pixel of height, upwards (> 0 leans right).
    rotation : degrees, counter-clockwise as seen on screen, applied after the slant.
    ink : multiplier of the image's share of ink pixels (> 1 a thicker pen).
    shift_x, shift_y : position of the frame's centre from the canvas centre, pixels.
    """

    height: np.ndarray
    aspect: np.ndarray
    slant: np.ndarray
    rotation: np.ndarray
    ink: np.ndarray
    shift_x: np.ndarray
    shift_y: np.ndarray

    @classmethod
    def identity(cls, n: int, height: float = HEIGHT[1]) -> DrawingChanges:
        """No change: the frame upright, ``height`` tall, centred, with the image's own ink."""
        ones, zeros = np.ones(n), np.zeros(n)
        return cls(np.full(n, float(height)), ones, zeros, zeros, ones, zeros, zeros)


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]), n))


def _linear_map(changes: DrawingChanges) -> np.ndarray:
    """(n, 2, 2) maps from frame offsets (x right, y down, frame pixels) to canvas offsets."""
    scale_y = changes.height / FRAME
    scale_x = scale_y * changes.aspect
    angle = np.deg2rad(changes.rotation)
    cos, sin = np.cos(angle), np.sin(angle)
    # Scale, then slant (y grows downwards: up is -y, so x moves by -slant * y), then rotate
    # (counter-clockwise on screen, where y points down).
    m = np.zeros((len(scale_y), 2, 2))
    m[:, 0, 0], m[:, 0, 1] = scale_x, -changes.slant * scale_y
    m[:, 1, 1] = scale_y
    rotate = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    return rotate @ m


def random_changes(n: int, rng: np.random.Generator) -> DrawingChanges:
    """Draw ``n`` random re-drawings: uniform size, slant, rotation and position, log-uniform
    aspect and ink. A digit that would not fit the canvas is made smaller; the position moves
    it at most to the canvas's edges.
    """
    changes = DrawingChanges(
        height=rng.uniform(*HEIGHT, n),
        aspect=_log_uniform(rng, ASPECT, n),
        slant=rng.uniform(*SLANT, n),
        rotation=rng.uniform(*ROTATION, n),
        ink=_log_uniform(rng, INK, n),
        shift_x=np.zeros(n),
        shift_y=np.zeros(n),
    )
    half = _half_extent(changes)  # (n, 2): half width and half height on the canvas
    fit = np.minimum(1.0, (CANVAS / 2 - _MARGIN) / half.max(axis=1))
    height = changes.height * fit
    room = np.maximum(CANVAS / 2 - _MARGIN - half * fit[:, None], 0.0)
    shift = rng.uniform(-1.0, 1.0, (n, 2)) * room
    return DrawingChanges(
        height,
        changes.aspect,
        changes.slant,
        changes.rotation,
        changes.ink,
        shift[:, 0],
        shift[:, 1],
    )


def _half_extent(changes: DrawingChanges) -> np.ndarray:
    """Half width and height (n, 2) on the canvas of the frame's whole 32x32 square."""
    corners = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]]) * (FRAME / 2)
    mapped = np.einsum("nij,cj->nci", _linear_map(changes), corners)
    return np.abs(mapped).max(axis=1)


def _upsampling_matrix(samples_per_pixel: int) -> np.ndarray:
    """(FRAME * samples, 10): bicubic weights (Keys, a = -0.5) of the 8 block centres and an
    empty block on each side, at the sample points ``(j + 0.5) / samples`` of the frame."""
    x = (np.arange(FRAME * samples_per_pixel) + 0.5) / samples_per_pixel
    centres = (np.arange(-1, 9) + 0.5) * _BLOCK
    t = np.abs(x[:, None] - centres[None, :]) / _BLOCK
    a = -0.5
    near = (a + 2) * t**3 - (a + 3) * t**2 + 1
    far = a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def ink_density(raw_images: np.ndarray, samples_per_pixel: int = SAMPLES) -> np.ndarray:
    """The 8x8 counts as a smooth ink density over the 32x32 frame.

    Parameters
    ----------
    raw_images : array_like, shape (n, 64)
        Raw counts 0..16, row-major 8x8 images.
    samples_per_pixel : int
        Density samples per frame pixel along each axis.

    Returns
    -------
    np.ndarray of float64, shape (n, 32 * s, 32 * s)
        Bicubic interpolation of ``counts / 16`` (about 0..1) between the blocks' centres, 0
        beyond the frame; sample ``(r, c)`` is at frame point ``((c + 0.5) / s, (r + 0.5) / s)``.
    """
    blocks = np.asarray(raw_images, dtype=np.float64).reshape(-1, 8, 8) / (_BLOCK * _BLOCK)
    padded = np.pad(blocks, ((0, 0), (1, 1), (1, 1)))
    u = _upsampling_matrix(samples_per_pixel)
    return u @ padded @ u.T


def _ink_thresholds(density: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Per image, the density level above which ``share`` (n,) of the frame is ink."""
    flat = np.sort(density.reshape(len(density), -1), axis=1)
    index = np.clip(np.round((1.0 - share) * flat.shape[1]).astype(np.intp), 0, flat.shape[1] - 1)
    return flat[np.arange(len(flat)), index]


def render_drawings(
    raw_images: np.ndarray, changes: DrawingChanges, canvas: int = CANVAS
) -> np.ndarray:
    """Draw each image on its own canvas, changed as ``changes`` says.

    Parameters
    ----------
    raw_images : array_like, shape (n, 64)
        Raw counts 0..16.
    changes : DrawingChanges
        One re-drawing per image (``random_changes`` or ``DrawingChanges.identity``).
    canvas : int
        Side of each drawing, pixels.

    Returns
    -------
    np.ndarray of bool, shape (n, canvas, canvas)
        Ink = True. Each canvas pixel reads the ink density (bilinear) at its centre mapped back
        into the frame, and is ink where that exceeds the level that keeps ``changes.ink`` times
        the image's own share of ink (its counts' sum / 1024), and ``MIN_DENSITY``.
    """
    from scipy import ndimage  # lazily: the app's start-up must not import SciPy

    raw = np.asarray(raw_images, dtype=np.float64).reshape(-1, 64)
    if len(raw) == 0:
        return np.zeros((0, canvas, canvas), dtype=bool)
    density = ink_density(raw)
    share = np.clip(raw.sum(axis=1) / FRAME**2 * changes.ink, 0.0, 1.0)
    thresholds = _ink_thresholds(density[:, ::SAMPLES, ::SAMPLES], share)
    # Canvas pixel (row, col) -> density sample (row, col): the inverse of the drawing's map,
    # in (row, col) order, from the canvas centre (shifted) to the frame's, in samples.
    to_frame = np.linalg.inv(_linear_map(changes))[:, ::-1, ::-1] * SAMPLES
    first_pixel = 0.5 - canvas / 2 - np.stack([changes.shift_y, changes.shift_x], axis=1)
    offsets = np.einsum("nij,nj->ni", to_frame, first_pixel) + (FRAME / 2 * SAMPLES - 0.5)
    sampled = np.empty((len(raw), canvas, canvas), dtype=np.float32)
    for i in range(len(raw)):
        ndimage.affine_transform(
            density[i], to_frame[i], offset=offsets[i], output=sampled[i],
            order=1, mode="grid-constant", cval=0.0, prefilter=False,
        )  # fmt: skip
    # The floor keeps the bicubic's faint ripples off the paper (and an empty image empty).
    return sampled > np.maximum(thresholds, MIN_DENSITY)[:, None, None]


def augment_images(
    raw_images: np.ndarray, rng: np.random.Generator, *, keep: float = 0.0
) -> np.ndarray:
    """Re-draw the images with random changes and send them through ``bitmap_to_digit``.

    Parameters
    ----------
    raw_images : array_like, shape (n, 64) or (n, 8, 8)
        Raw counts 0..16 (``DigitsSplit.scaler.inverse_transform(X)``, rounded, or
        ``load_digits().data``), row-major 8x8 images. Not modified.
    rng : np.random.Generator
        The only source of randomness: the same generator state gives the same output.
    keep : float
        Probability that an image is returned as it is instead (0: every image re-drawn); see
        ``KEEP_FOR_TRAINING``.

    Returns
    -------
    np.ndarray of float64, shape (n, 64)
        Integer counts 0..16 of the re-drawn images, as the canvas would produce them; scale
        them with the training data's scaler before training.
    """
    raw = np.asarray(raw_images, dtype=np.float64).reshape(-1, 64)
    out = raw.copy()
    redraw = np.flatnonzero(rng.random(len(raw)) >= keep)
    drawings = render_drawings(raw[redraw], random_changes(len(redraw), rng))
    for i, drawing in zip(redraw, drawings, strict=True):
        out[i] = bitmap_to_digit(drawing).ravel()
    return out


def training_redraw(
    X_train: np.ndarray, scaler: Standardizer, keep: float = KEEP_FOR_TRAINING
) -> Callable[[np.random.Generator], np.ndarray]:
    """The ``redraw`` function ``run_training`` calls once per epoch when ``config.augment``.

    Parameters
    ----------
    X_train : np.ndarray, shape (n, 64)
        The standardised training inputs (the samples keep their order and labels).
    scaler : Standardizer
        The scaler that standardised them; the re-drawn counts are standardised with it too.
    keep : float
        Share of images left as they are each epoch (``augment_images``).

    Returns
    -------
    callable
        ``redraw(rng)`` -> this epoch's standardised inputs (n, 64): the same samples re-drawn.
    """
    raw = np.rint(scaler.inverse_transform(X_train))  # the counts are integers; undo float error

    def redraw(rng: np.random.Generator) -> np.ndarray:
        return scaler.transform(augment_images(raw, rng, keep=keep))

    return redraw
