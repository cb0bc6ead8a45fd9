"""One epoch of one-sample-at-a-time SGD, written to keep NumPy calls per update to a minimum.

The network is the lab's: zero or one hidden layer, softmax output, mean NLL loss, plain SGD
(no momentum) on one sample at a time. The arithmetic is the textbook per-sample gradient, the
same as the lab's ``grad_loss``/``train``; only the bookkeeping is different, so weights after
an epoch agree with the lab's code to rounding (~1e-13 on the digits data).

Parameter layout (as the project's MLP and the lab): ``z = x @ W + b`` with ``W`` of shape
``(n_in, n_out)``; ``params`` holds ``"W1", "b1", "W2", "b2"`` (hidden layer, then output
layer) or only ``"W1", "b1"`` for the zero-hidden-layer model (logistic regression,
``softmax(x @ W1 + b1)``). The arrays are updated in place; their dtype (float64 or float32)
is the working dtype.

Why it is fast (about 12 NumPy calls per update for a sigmoid network, against ~40 in the
lab's code, and none of them allocates):

* all weights live in one matrix ``P`` with the biases folded in as extra rows
  (``[W1; b1]`` on top of ``[W2; b2]``), so the update of every layer is a single in-place
  BLAS ``gemm``: ``P -= alpha * A @ B`` where ``A`` has two columns (``[x, 1, 0]`` and
  ``[0, h, 1]``) and ``B`` two rows (the gradients of the two pre-activations);
* softmax is never normalised: with ``e = exp(z2)`` and ``s = sum(e)``, ``e - s * onehot`` is
  ``s`` times the output gradient, backpropagation is linear in it, and ``alpha = -lr / s``
  puts both the normalisation and the learning rate into the one gemm;
* softmax skips the max subtraction unless ``s`` leaves a safe range (then that sample is
  recomputed with the max subtracted), and the loss is ``log(s) - z2[y]`` on Python floats,
  finite even where the predicted probability underflows to 0;
* the sigmoid is SciPy's ``expit`` (one ufunc, no overflow warning), and every ufunc gets
  positional, preallocated ``out`` buffers.

:class:`SGDKernel` runs an epoch in chunks (for example ``order[i:j]``), with a stop check or a
progress report between chunks; a chunk costs a few microseconds on top of its updates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from engine.core.activations import LEAKY_SLOPE

__all__ = ["ACTIVATION_NAMES", "SGDKernel"]

#: Hidden activations this module implements (names as in ``engine.core.activations``).
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
_SIGMOID, _TANH, _RELU, _LEAKY, _IDENTITY, _NO_HIDDEN = range(6)
_CODES = dict(zip(ACTIVATION_NAMES, range(5), strict=True))


class ProblemShape(NamedTuple):
    """What :func:`check_problem` found: working dtype, layer sizes, whether there is a hidden
    layer (``n_hidden`` is 0 without one)."""

    dtype: np.dtype
    n_in: int
    n_hidden: int
    n_out: int
    hidden: bool


def check_problem(
    params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray, activation: str
) -> ProblemShape:
    """Validate the parameters (zero or one hidden layer, one float dtype), data and activation
    the kernels accept; raise ``TypeError``/``ValueError`` with the reason otherwise."""
    W1, b1 = params["W1"], params["b1"]
    hidden = "W2" in params
    arrays = [W1, b1] + ([params["W2"], params["b2"]] if hidden else [])
    dtype = W1.dtype
    if dtype not in (np.float64, np.float32):
        raise TypeError(f"parameters must be float64 or float32, got {dtype}")
    if any(a.dtype != dtype for a in arrays):
        raise TypeError("all parameters must have the same dtype")
    if hidden:
        if activation not in _CODES:
            allowed = ", ".join(ACTIVATION_NAMES)
            raise ValueError(f"unknown activation {activation!r}; choose one of: {allowed}")
        W2, b2 = params["W2"], params["b2"]
        n_in, n_hidden = W1.shape
        n_out = W2.shape[1]
        if b1.shape != (n_hidden,) or W2.shape != (n_hidden, n_out) or b2.shape != (n_out,):
            raise ValueError("inconsistent parameter shapes")
    else:
        n_in, n_out = W1.shape
        n_hidden = 0
        if b1.shape != (n_out,):
            raise ValueError("inconsistent parameter shapes")
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != n_in:
        raise ValueError(f"X must have shape (n_samples, {n_in}), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_out):
        raise ValueError(f"labels must lie in 0..{n_out - 1}")
    return ProblemShape(dtype, n_in, n_hidden, n_out, hidden)


class SGDKernel:
    """Preallocated buffers and the inner loop of one-sample SGD for one network and data set.

    Parameters
    ----------
    params : ``{"W1", "b1", "W2", "b2"}`` (one hidden layer) or ``{"W1", "b1"}`` (none),
        float64 or float32 arrays, all of the same dtype, updated in place by :meth:`run`.
    X : ``(n_samples, n_features)`` inputs; converted once to the parameters' dtype.
    y : ``(n_samples,)`` integer class labels in ``0 .. n_classes - 1``.
    activation : hidden activation, one of :data:`ACTIVATION_NAMES` (ignored without a hidden
        layer); ``leaky_relu`` has slope :data:`LEAKY_SLOPE`.

    The kernel keeps a private copy of the weights while :meth:`run` works and writes it back
    into the ``params`` arrays before returning, so between calls the arrays are current and
    may be read or changed freely (the next call reads them again). The arrays must stay the
    same objects (same shapes) for the kernel's lifetime.
    """

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        y: np.ndarray,
        activation: str = "sigmoid",
    ) -> None:
        shape = check_problem(params, X, y, activation)
        hidden = shape.hidden
        W1, b1 = params["W1"], params["b1"]
        self._arrays = [W1, b1] + ([params["W2"], params["b2"]] if hidden else [])
        dtype, n_in, n_hidden, n_out = shape.dtype, shape.n_in, shape.n_hidden, shape.n_out
        self._code = _CODES[activation] if hidden else _NO_HIDDEN
        self.dtype = dtype
        self.n_in, self.n_hidden, self.n_out = n_in, n_hidden, n_out
        self.X = np.ascontiguousarray(X, dtype=dtype)
        self.y = np.asarray(y).astype(np.intp)

        # Stacked weights P (rows: [W1; b1] then [W2; b2]), its update factors A (columns:
        # [x, 1, 0] and [0, h, 1], Fortran order so each column is contiguous) and B (rows:
        # hidden and output gradients, zero-padded to the common width).
        r1 = n_in + 1
        if hidden:
            width = max(n_hidden, n_out)
            rows = r1 + n_hidden + 1
            P = np.zeros((rows, width), dtype)
            A = np.zeros((rows, 2), dtype, order="F")
            B = np.zeros((2, width), dtype)
            A[n_in, 0] = 1.0
            A[rows - 1, 1] = 1.0
            self._W1 = P[:r1, :n_hidden]
            self._W2 = P[r1:, :n_out]
            self._W2h = P[r1 : r1 + n_hidden, :n_out]  # W2 without its bias row
            self._h = A[r1 : r1 + n_hidden, 1]
            self._ha = A[r1:, 1]  # [h, 1]
            self._g1 = B[0, :n_hidden]
            self._g2 = B[1, :n_out]
        else:
            P = np.zeros((r1, n_out), dtype)
            A = np.zeros((r1, 1), dtype, order="F")
            B = np.zeros((1, n_out), dtype)
            A[n_in, 0] = 1.0
            self._W1 = P
            self._g2 = B[0]
        self._P, self._A, self._B = P, A, B
        self._xa = A[:r1, 0]  # [x, 1]
        self._x = A[:n_in, 0]
        self._PT, self._BT = P.T, B.T  # the Fortran-ordered operands gemm updates in place
        # SciPy comes with scikit-learn: its BLAS gemm does the whole update in place in one call,
        # and expit is the sigmoid as a single (overflow-free) ufunc. Imported here, not at module
        # level, to keep SciPy off the app's start-up path.
        from scipy.linalg.blas import get_blas_funcs
        from scipy.special import expit

        self._expit = expit
        self._gemm = get_blas_funcs("gemm", dtype=dtype)
        # gemm must really update P in place (f2py would silently work on a copy otherwise).
        out = self._gemm(0.0, self._BT, A, 1.0, self._PT, 0, 1, 1)
        if not np.shares_memory(out, P):  # pragma: no cover - a layout bug, not a user error
            raise RuntimeError("BLAS gemm does not update the weights in place")
        nh = max(n_hidden, 1)
        self._z1 = np.empty(nh, dtype)
        self._t1 = np.empty(nh, dtype)
        self._gh = np.empty(nh, dtype)
        self._ones = np.ones(nh, dtype)
        self._zeros = np.zeros(nh, dtype)
        self._slope = np.full(nh, LEAKY_SLOPE, dtype)
        self._z2 = np.empty(n_out, dtype)
        # Softmax skips the max subtraction while s = sum(exp(z2)) stays in this range (the
        # gradients are carried s times too large, so s must stay moderate); outside it the
        # sample is recomputed with the max subtracted, which puts s in [1, n_out].
        lim = 2.0**100 if dtype == np.float64 else 2.0**60
        self._s_lo, self._s_hi = 1.0 / lim, lim

    # -- weights in and out of the stacked buffer ---------------------------------------------

    def _load(self) -> None:
        n_in, P = self.n_in, self._P
        W1, b1 = self._arrays[0], self._arrays[1]
        if self._code == _NO_HIDDEN:
            P[:n_in] = W1
            P[n_in] = b1
            return
        nh = self.n_hidden
        W1v = P[: n_in + 1, :nh]
        W1v[:n_in] = W1
        W1v[n_in] = b1
        self._W2[:nh] = self._arrays[2]
        self._W2[nh] = self._arrays[3]

    def _store(self) -> None:
        n_in, P = self.n_in, self._P
        W1, b1 = self._arrays[0], self._arrays[1]
        if self._code == _NO_HIDDEN:
            W1[...] = P[:n_in]
            b1[...] = P[n_in]
            return
        nh = self.n_hidden
        W1[...] = P[:n_in, :nh]
        b1[...] = P[n_in, :nh]
        self._arrays[2][...] = self._W2[:nh]
        self._arrays[3][...] = self._W2[nh]

    # -- the epoch ----------------------------------------------------------------------------

    def run(
        self,
        indices: np.ndarray,
        learning_rate: float,
        losses_out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Do one SGD update per entry of ``indices`` (sample numbers, in that order).

        Returns the loss of each update: the NLL of its sample computed in the forward pass,
        before the update. If ``losses_out`` is given (at least ``len(indices)`` long), the
        losses are written into its first ``len(indices)`` entries and that view is returned.
        """
        idx = np.asarray(indices)
        if idx.ndim != 1:
            raise ValueError("indices must be one-dimensional")
        n = idx.shape[0]
        if losses_out is not None and losses_out.shape[0] < n:
            raise ValueError("losses_out is shorter than indices")
        rows = self.X[idx]  # gathered once; iterating yields cheap row views
        labels = self.y[idx].tolist()
        lr = float(learning_rate)
        self._load()
        # exp(z2) may overflow by design: softmax then falls back to max subtraction.
        with np.errstate(over="ignore", under="ignore"):
            if self._code == _NO_HIDDEN:
                losses = self._run_linear(rows, labels, lr)
            else:
                losses = self._run_hidden(rows, labels, lr)
        self._store()
        if losses_out is None:
            return np.array(losses, dtype=np.float64)
        out = losses_out[:n]
        out[...] = losses
        return out

    def _softmax_fallback(self, z2, e, c: int) -> tuple[float, float]:
        """Exponentials of ``z2 - max(z2)`` into ``e``; returns (their sum, the sample's NLL)."""
        zl = z2.tolist()
        m = max(zl)
        np.subtract(z2, m, e)
        np.exp(e, e)
        s = sum(e.tolist())
        return s, math.log(s) + m - zl[c]

    def _run_hidden(self, rows, labels, lr: float) -> list[float]:
        # Everything the loop touches is bound to a local name.
        code = self._code
        dot, exp, sub, mul, copyto = np.dot, np.exp, np.subtract, np.multiply, np.copyto
        sigmoid, tanh, fmax, sign = self._expit, np.tanh, np.fmax, np.sign
        log = math.log
        x, xa, h, ha = self._x, self._xa, self._h, self._ha
        W1, W2, W2h = self._W1, self._W2, self._W2h
        z1, t1, gh, ones, zeros = self._z1, self._t1, self._gh, self._ones, self._zeros
        slope = self._slope
        z2, g1, e = self._z2, self._g1, self._g2
        A, BT, PT = self._A, self._BT, self._PT
        gemm = self._gemm
        s_lo, s_hi = self._s_lo, self._s_hi
        fallback = self._softmax_fallback
        losses: list[float] = []
        append = losses.append
        for xrow, c in zip(rows, labels, strict=True):
            copyto(x, xrow)
            # hidden layer: h = f(x @ W1 + b1), written straight into A's second column
            if code == _SIGMOID:
                dot(xa, W1, z1)
                sigmoid(z1, h)
            elif code == _TANH:
                dot(xa, W1, z1)
                tanh(z1, h)
            elif code == _RELU:
                dot(xa, W1, z1)
                fmax(z1, zeros, h)
            elif code == _LEAKY:
                dot(xa, W1, z1)
                mul(z1, slope, t1)
                fmax(z1, t1, h)
            else:
                dot(xa, W1, h)
            # output layer: e = exp(z2) and s = sum(e) (softmax is e / s); loss = log(s) - z2[c]
            dot(ha, W2, z2)
            exp(z2, e)
            s = sum(e.tolist())
            if s_lo < s < s_hi:
                append(log(s) - z2.item(c))
            else:
                s, loss = fallback(z2, e, c)
                append(loss)
            # Unnormalised gradients, s times the true ones (fixed by gemm's alpha = -lr / s):
            # g2 = e - s * onehot = s * dL/dz2; g1 = (W2 @ g2) * f'(z1) = s * dL/dz1,
            # with W2 taken before its update.
            e[c] -= s
            if code == _IDENTITY:
                dot(W2h, e, g1)
            else:
                dot(W2h, e, gh)
                if code == _SIGMOID:  # f' = h (1 - h)
                    sub(ones, h, t1)
                    mul(gh, h, g1)
                    mul(g1, t1, g1)
                elif code == _TANH:  # f' = 1 - h^2
                    mul(h, h, t1)
                    sub(ones, t1, t1)
                    mul(gh, t1, g1)
                elif code == _RELU:  # f' = 1 if h > 0 else 0
                    sign(h, t1)
                    mul(gh, t1, g1)
                else:  # leaky: f' = 1 if z > 0 else slope
                    sign(z1, t1)
                    fmax(t1, slope, t1)
                    mul(gh, t1, g1)
            # P -= lr/s * A @ B: [W1; b1] -= lr [x; 1] dL/dz1, [W2; b2] -= lr [h; 1] dL/dz2
            gemm(-lr / s, BT, A, 1.0, PT, 0, 1, 1)
        return losses

    def _run_linear(self, rows, labels, lr: float) -> list[float]:
        dot, exp, copyto = np.dot, np.exp, np.copyto
        log = math.log
        x, xa, W1 = self._x, self._xa, self._W1
        z2, e = self._z2, self._g2
        A, BT, PT = self._A, self._BT, self._PT
        gemm = self._gemm
        s_lo, s_hi = self._s_lo, self._s_hi
        fallback = self._softmax_fallback
        losses: list[float] = []
        append = losses.append
        for xrow, c in zip(rows, labels, strict=True):
            copyto(x, xrow)
            dot(xa, W1, z2)
            exp(z2, e)
            s = sum(e.tolist())
            if s_lo < s < s_hi:
                append(log(s) - z2.item(c))
            else:
                s, loss = fallback(z2, e, c)
                append(loss)
            e[c] -= s
            gemm(-lr / s, BT, A, 1.0, PT, 0, 1, 1)
        return losses
