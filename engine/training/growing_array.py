"""``GrowingArray``: a NumPy array with amortised O(1) appends (rows of a fixed width, or values).

A run sends up to millions of update losses; Python lists of floats would take eight times the
memory of a float32 array and be converted again on every frame. The array doubles its capacity
when full (or takes a size reserved up front) and hands out views of its filled part.
"""

import numpy as np


class GrowingArray:
    """A 1-D (``width=None``) or 2-D ``(n, width)`` array of ``dtype`` that grows at the end.

    ``values`` is a view of the filled part; a view handed out earlier stays valid (growing
    allocates a new array and leaves the old one to its views).
    """

    def __init__(self, dtype=np.float64, width: int | None = None, capacity: int = 256) -> None:
        self.dtype = np.dtype(dtype)
        self.width = width
        self._data = np.empty(self._shape(capacity), self.dtype)
        self._size = 0

    def _shape(self, rows: int) -> tuple[int, ...]:
        return (rows,) if self.width is None else (rows, self.width)

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"GrowingArray(size={self._size}, capacity={len(self._data)}, dtype={self.dtype})"

    @property
    def values(self) -> np.ndarray:
        return self._data[: self._size]

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows in all, so appending up to there never copies."""
        if rows > len(self._data):
            grown = np.empty(self._shape(rows), self.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=self.dtype)
        values = values.reshape(self._shape(-1)) if values.ndim != len(self._shape(0)) else values
        end = self._size + len(values)
        if end > len(self._data):
            self.reserve(max(end, 2 * len(self._data)))
        self._data[self._size : end] = values
        self._size = end

    def append(self, value) -> None:
        self.extend([value])
