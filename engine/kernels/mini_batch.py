"""Mini-batch plain SGD (no momentum) for zero or one hidden layer, with few NumPy calls.

The arithmetic is that of ``MLP.loss_and_grad`` followed by ``SGD.update_params`` with no
momentum: mean NLL over the batch, softmax with the row maximum subtracted, textbook
gradients; weights after an epoch agree with that generic path to rounding (~1e-15). Only the
bookkeeping differs:

* biases are folded into the weights as an extra row (``P1 = [W1; b1]``, ``P2 = [W2; b2]``)
  and the inputs carry a column of ones (``[x, 1]``, and ``[h, 1]`` for the hidden layer), so
  each layer's forward pass is one ``dot`` and its whole update (weights and bias) one in-place
  BLAS ``gemm``: ``P -= lr / k * [a, 1].T @ G``;
* every intermediate lives in a buffer preallocated for the batch size (a shorter last batch
  uses the leading rows), every ufunc writes into one, and the epoch's rows (inputs and one-hot
  labels) are gathered once per :meth:`BatchSGDKernel.run` call;
* the softmax is computed once: the loss is ``log(sum(exp(s))) - s[y]`` on the max-shifted
  logits ``s`` (stable, finite even where a probability underflows to 0), and the same
  exponentials become the output gradient in place (divide by the row sums, subtract the
  one-hot labels);
* the sigmoid is SciPy's ``expit`` (one ufunc, no overflow warning; on blocks this small it is
  faster than ``engine.core.functions.sigmoid``, whose exact formula the generic path keeps).

SciPy is imported when a kernel is built, not with this module, to keep it off the app's
start-up path.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.core.activations import LEAKY_SLOPE
from engine.kernels.one_sample import ACTIVATION_NAMES, check_problem

__all__ = ["ACTIVATION_NAMES", "BatchSGDKernel"]


class BatchSGDKernel:
    """Preallocated buffers and the loop of plain mini-batch SGD for one network and data set.

    Parameters
    ----------
    params : ``{"W1", "b1", "W2", "b2"}`` (one hidden layer) or ``{"W1", "b1"}`` (none),
        float64 or float32 arrays of one dtype, updated in place by :meth:`run`.
    X : ``(n_samples, n_features)`` inputs; copied once, in the parameters' dtype.
    y : ``(n_samples,)`` integer class labels in ``0 .. n_classes - 1``.
    batch_size : samples per update (the last batch of a :meth:`run` call may be shorter).
    activation : hidden activation, one of :data:`ACTIVATION_NAMES` (ignored without a hidden
        layer); ``leaky_relu`` has slope ``LEAKY_SLOPE``.

    As ``one_sample.SGDKernel``: :meth:`run` works on a private copy of the weights and writes
    it back before returning, so between calls the ``params`` arrays are current and may be read
    or changed (the next call reads them again); they must stay the same objects.
    """

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        activation: str = "sigmoid",
    ) -> None:
        shape = check_problem(params, X, y, activation)
        if int(batch_size) < 1:
            raise ValueError("batch_size must be positive")
        dtype, n_in, n_hidden, n_out = shape.dtype, shape.n_in, shape.n_hidden, shape.n_out
        bs = self.batch_size = int(batch_size)
        self.activation = activation if shape.hidden else None
        self._arrays = [params[k] for k in ("W1", "b1", "W2", "b2") if k in params]
        # [X, 1] and one-hot labels, gathered per run() into the growable buffers below.
        X1 = np.ones((len(y), n_in + 1), dtype)
        X1[:, :n_in] = X
        self._X1 = X1
        self._Y1 = np.eye(n_out, dtype=dtype)[np.asarray(y, dtype=np.intp)]
        # Written once here, so the first run() does not pay for fresh pages.
        self._Xg, self._Yg = self._X1.copy(), self._Y1.copy()
        # Stacked weights: C order, so P.T is the Fortran-ordered matrix gemm updates in place.
        self._P1 = np.empty((n_in + 1, n_hidden or n_out), dtype)
        self._P2 = np.empty((n_hidden + 1, n_out), dtype) if shape.hidden else None
        # Per-batch buffers; h1 = [h, 1] (its last column stays 1).
        nh = max(n_hidden, 1)
        self._buffers = {
            "z1": np.empty((bs, nh), dtype),
            "h1": np.ones((bs, nh + 1), dtype),
            "d1": np.empty((bs, nh), dtype),
            "t1": np.empty((bs, nh), dtype),
            "z2": np.empty((bs, n_out), dtype),
            "mx": np.empty((bs, 1), dtype),
            "s": np.empty((bs, 1), dtype),
        }
        self._ones = np.ones(n_out, dtype)
        self._views: dict[int, dict[str, np.ndarray]] = {}
        from scipy.linalg.blas import get_blas_funcs
        from scipy.special import expit

        self._expit = expit
        self._gemm = get_blas_funcs("gemm", dtype=dtype)
        # gemm must really update P in place (f2py would silently work on a copy otherwise).
        P = self._P1
        a, b = np.zeros((P.shape[1], 1), dtype, order="F"), np.zeros((1, P.shape[0]), dtype)
        if not np.shares_memory(self._gemm(0.0, a, b, 1.0, P.T, 0, 0, 1), P):  # pragma: no cover
            raise RuntimeError("BLAS gemm does not update the weights in place")

    def _batch_views(self, k: int) -> dict[str, np.ndarray]:
        """The per-batch buffers cut to ``k`` rows (C-contiguous leading rows)."""
        views = self._views.get(k)
        if views is None:
            views = self._views[k] = {name: b[:k] for name, b in self._buffers.items()}
            views["h"] = views["h1"][:, :-1]
            views["s1"] = views["s"][:, 0]
        return views

    def _load(self) -> None:
        a, P1, P2 = self._arrays, self._P1, self._P2
        P1[:-1], P1[-1] = a[0], a[1]
        if P2 is not None:
            P2[:-1], P2[-1] = a[2], a[3]

    def _store(self) -> None:
        a, P1, P2 = self._arrays, self._P1, self._P2
        a[0][...], a[1][...] = P1[:-1], P1[-1]
        if P2 is not None:
            a[2][...], a[3][...] = P2[:-1], P2[-1]

    def run(self, indices: np.ndarray, learning_rate: float) -> np.ndarray:
        """One update per ``batch_size`` consecutive entries of ``indices`` (sample numbers; the
        last batch may be shorter). Returns each update's mean batch loss, computed before it."""
        idx = np.asarray(indices, dtype=np.intp)
        if idx.ndim != 1:
            raise ValueError("indices must be one-dimensional")
        m, bs = idx.shape[0], self.batch_size
        n_batches = -(-m // bs)
        losses = np.empty(n_batches)
        if m == 0:
            return losses
        if self._Xg.shape[0] < m:
            self._Xg = np.empty((m, self._X1.shape[1]), self._X1.dtype)
            self._Yg = np.empty((m, self._Y1.shape[1]), self._Y1.dtype)
        Xg, Yg = self._Xg[:m], self._Yg[:m]
        n = self._X1.shape[0]
        if idx.min() < -n or idx.max() >= n:
            raise IndexError(f"sample indices must lie in -{n}..{n - 1}")
        # mode="wrap" (valid indices, checked above) skips the copy that mode="raise" makes.
        np.take(self._X1, idx, axis=0, out=Xg, mode="wrap")
        np.take(self._Y1, idx, axis=0, out=Yg, mode="wrap")
        self._load()
        full = self._batch_views(bs)
        step = self._step_hidden if self._P2 is not None else self._step_linear
        lr = float(learning_rate)
        for i in range(n_batches):
            start = i * bs
            xb, yb = Xg[start : start + bs], Yg[start : start + bs]
            k = xb.shape[0]
            losses[i] = step(xb, yb, full if k == bs else self._batch_views(k), -lr / k, k)
        self._store()
        return losses

    def _softmax_loss(self, z2, yb, v, k: int) -> float:
        """Mean NLL of the logits ``z2``, which become ``k`` times the output gradient."""
        mx, s = v["mx"], v["s"]
        np.maximum.reduce(z2, 1, None, mx, True)
        np.subtract(z2, mx, z2)  # shifted logits, max 0
        picked = np.vdot(z2, yb)  # sum of the shifted logits of the labels
        np.exp(z2, z2)
        np.dot(z2, self._ones, v["s1"])  # row sums (faster than a reduction on short rows)
        np.divide(z2, s, z2)  # probabilities
        np.subtract(z2, yb, z2)  # probabilities - onehot = k * dL/dz2
        np.log(s, mx)
        return float(np.add.reduce(mx, None) - picked) / k

    def _step_hidden(self, xb, yb, v, alpha: float, k: int) -> float:
        P1, P2 = self._P1, self._P2
        z1, h, h1, d1, t1, z2 = v["z1"], v["h"], v["h1"], v["d1"], v["t1"], v["z2"]
        act = self.activation
        # forward: h = f([x, 1] @ P1), z2 = [h, 1] @ P2
        np.dot(xb, P1, z1)
        if act == "sigmoid":
            self._expit(z1, h)
        elif act == "tanh":
            np.tanh(z1, h)
        elif act == "relu":
            np.maximum(z1, 0.0, out=h)
        elif act == "leaky_relu":
            np.multiply(z1, LEAKY_SLOPE, t1)
            np.maximum(z1, t1, out=h)
        else:
            np.copyto(h, z1)
        np.dot(h1, P2, z2)
        loss = self._softmax_loss(z2, yb, v, k)
        # backward, with W2 before its update: d1 = (G2 @ W2.T) * f'(h), all k times too large
        np.dot(z2, P2[:-1].T, d1)
        if act == "sigmoid":  # f' = h (1 - h)
            np.subtract(1.0, h, t1)
            np.multiply(t1, h, t1)
            np.multiply(d1, t1, d1)
        elif act == "tanh":  # f' = 1 - h^2
            np.multiply(h, h, t1)
            np.subtract(1.0, t1, t1)
            np.multiply(d1, t1, d1)
        elif act != "identity":  # relu: 1 if h > 0 else 0; leaky: 1 if h > 0 else slope
            np.sign(h, t1)
            if act == "leaky_relu":
                np.fmax(t1, LEAKY_SLOPE, t1)
            np.multiply(d1, t1, d1)
        # P2 -= lr/k [h, 1].T @ G2;  P1 -= lr/k [x, 1].T @ G1  (alpha = -lr / k)
        gemm = self._gemm
        gemm(alpha, z2.T, h1.T, 1.0, P2.T, 0, 1, 1)
        gemm(alpha, d1.T, xb.T, 1.0, P1.T, 0, 1, 1)
        return loss

    def _step_linear(self, xb, yb, v, alpha: float, k: int) -> float:
        P1, z2 = self._P1, v["z2"]
        np.dot(xb, P1, z2)
        loss = self._softmax_loss(z2, yb, v, k)
        self._gemm(alpha, z2.T, xb.T, 1.0, P1.T, 0, 1, 1)
        return loss
