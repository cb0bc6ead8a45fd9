"""Exactly symmetric training of networks whose hidden units are tied (zero initialization).

A hidden layer's units are *tied* when they are interchangeable: all columns of its incoming
weights ``W_l`` are equal, all entries of its bias ``b_l`` are equal and all rows of its outgoing
weights ``W_{l+1}`` are equal. Zero initialization ties every hidden layer. In exact arithmetic
tied units get equal gradients, so they stay tied under any optimizer that works elementwise
(SGD, momentum, Nesterov, Adam: their states stay tied too): the lab's lesson that zero init
never breaks the symmetry.

In floating point the full network does not honour this. BLAS kernels round the last lanes of a
vector (the SIMD tail, e.g. units 8-9 of 10) differently from the others (mul + add instead of
FMA), the tied state is unstable, and 1e-17 differences grow to O(1): the lab's 15-epoch
zero-init run ended with units 0-7 equal and units 8-9 different (W1 row 20: 0.659 x8, then
1.205 x2), on the batch-1 kernel, the mini-batch kernel and the generic path alike.

Approach: a *reduced network* (:class:`TiedStepper`). Each tied hidden layer keeps one
representative unit; an untied layer keeps all its units. With ``n`` the size of a tied layer
``l`` and ``a`` its representative output, the full network's arithmetic is, exactly:

- forward into the next layer: ``Z_{l+1} = n * (a @ W_{l+1}[:1]) + b_{l+1}``
  (the next layer sums ``n`` equal terms);
- backward out of a tied layer ``l`` into its input: ``dA_{l-1} = n * (dZ_l @ W_l[:, :1].T)``
  (each input feeds ``n`` equal units);
- gradients of the representative parameters: ``A_{l-1}.T @ dZ_l`` and ``sum(dZ_l)``, which are
  the gradients of *each* copy in the full network, so the same optimizer, run on the reduced
  arrays, holds in its state exactly the state of each copy.

The loss is computed by ``engine.core.mlp._mean_nll`` and the activations by the model's own
functions, so the only difference from ``MLP.loss_and_grad`` is rounding: ``n * x`` where BLAS
sums ``n`` copies of ``x``. The representatives are read from the live ``model.params`` arrays
when a chunk starts and broadcast back into them, in place, when it ends: the arrays stay the
same objects (the GUI worker snapshots them, ``run_training`` restores them after a divergence),
and every copy of a unit is bit for bit equal by construction, whatever the rounding. A layer
that is not tied keeps all its units, so a partly tied network works too.

Why not the alternative, elementwise (non-BLAS) arithmetic along the hidden axis of the full
network: it does ``n`` times the reduced network's work to get ``n`` equal results, and leaves
exact symmetry to the care of every operation (one BLAS call or pairwise reduction slipped in
later breaks it again); the reduced network makes it structural.

Measured (lab split, 64-10-10, CPU time on a loaded 2-core machine):

- agreement with ``MLP.loss_and_grad`` + the same optimizer over the first 150 updates (batch 1)
  and 60 (batch 7), every activation, SGD/momentum/Nesterov/Adam, depth 1 and 2, partly tied
  networks: losses within 4e-14 relative (median 4e-16);
- speed: ~30 us per update whatever the batch size (1, 7, 32) for plain SGD, against 4-18 us on
  the fast kernels (which break the symmetry); with momentum or Adam ~5-15 % faster than the
  generic path. The lab's zero-init run (15 epochs, batch 1, 22,905 updates, with evaluations)
  takes ~1.2 s instead of ~0.4 s; a dedicated tied kernel was judged not worth a second copy of
  the softmax and activation code for this one demonstration network.
- the tie check, once per stepper: ~5 us on random weights (it stops at the first row), up to
  ~130 us on a zero-init 64-4096-10 network. It is repeated at the start of every chunk while the
  tied stepper runs, so that weights changed between two chunks in a way that unties the units
  are noticed: the stepper then expands the optimizer's state to the full shapes and goes on
  along the generic path.
"""

from collections.abc import Mapping

import numpy as np

from engine.core.mlp import MLP, _mean_nll
from engine.core.optimizers import SGD, Adam


def _columns_equal(W: np.ndarray) -> bool:
    # the first row first: random weights fail there without a full comparison
    return bool((W[0] == W[0, 0]).all() and (W[:, :1] == W).all())


def tied_layers(params: Mapping[str, np.ndarray], n_hidden_layers: int) -> tuple[bool, ...]:
    """For each hidden layer ``1 .. n_hidden_layers``, whether its units are tied: all columns
    of ``W_l`` equal, all entries of ``b_l`` equal, all rows of ``W_{l+1}`` equal (NaN never
    equals itself, so a NaN unties)."""
    ties = []
    for layer in range(1, n_hidden_layers + 1):
        W, b, W_next = params[f"W{layer}"], params[f"b{layer}"], params[f"W{layer + 1}"]
        ties.append(
            _columns_equal(W) and bool((b == b[0]).all()) and bool((W_next == W_next[:1]).all())
        )
    return tuple(ties)


def has_tied_units(model: MLP) -> bool:
    """Whether some hidden layer of more than one unit has tied units (see :func:`tied_layers`):
    training it with BLAS would break a symmetry that exact arithmetic keeps."""
    if not any(n > 1 for n in model.hidden_sizes):
        return False
    ties = tied_layers(model.params, len(model.hidden_sizes))
    return any(t and n > 1 for t, n in zip(ties, model.hidden_sizes, strict=True))


class TiedStepper:
    """Trains ``model`` through a reduced network with one unit per tied hidden layer.

    Call it as ``make_stepper``'s steppers: with consecutive sample indices, one update per
    ``batch_size`` of them (the last batch may be shorter); it returns the batch losses, each
    computed before its update, and leaves ``model.params`` updated in place. ``optimizer`` is a
    fresh ``SGD`` or ``Adam``; it works on the reduced arrays.
    """

    def __init__(
        self,
        model: MLP,
        X: np.ndarray,
        y: np.ndarray,
        optimizer: SGD | Adam,
        batch_size: int,
    ) -> None:
        self.model, self.X, self.y = model, X, y
        self.optimizer, self.batch_size = optimizer, batch_size
        self.ties = tied_layers(model.params, len(model.hidden_sizes))
        L = model.n_layers
        tied = (False, *self.ties, False)  # by layer of units: 0 the inputs, L the classes
        sizes = model.layer_sizes
        # count[l]: how many equal copies layer l's representative stands for
        count = [float(n) if t else 1.0 for n, t in zip(sizes, tied, strict=True)]
        kept = [1 if t else n for n, t in zip(sizes, tied, strict=True)]
        P: dict[str, np.ndarray] = {}
        self.reduced = P
        for i in range(1, L + 1):
            P[f"W{i}"] = np.empty((kept[i - 1], kept[i]), model.params[f"W{i}"].dtype)
            P[f"b{i}"] = np.empty(kept[i], model.params[f"b{i}"].dtype)
        # What _update walks through. Forward, by weight layer: (W, b, count of its equal
        # inputs); backward, from the output layer: (keys, W to backpropagate through or None
        # for the first layer, count of the equal units each input feeds).
        *self._hidden, self._output = [
            (P[f"W{i}"], P[f"b{i}"], count[i - 1]) for i in range(1, L + 1)
        ]
        self._backward = [
            (f"W{i}", f"b{i}", P[f"W{i}"] if i > 1 else None, count[i]) for i in range(L, 0, -1)
        ]
        self._activation = model.activation
        self._grads: dict[str, np.ndarray] = {}
        self.untied = False  # set for good if weights changed between two chunks untie units

    def _load(self) -> bool:
        """Read the representatives from the live arrays; False if the units are no longer
        tied as they were (weights changed between two chunks)."""
        params = self.model.params
        if tied_layers(params, len(self.ties)) != self.ties:
            return False
        for key, value in self.reduced.items():
            value[...] = params[key][tuple(slice(0, n) for n in value.shape)]
        return True

    def _store(self) -> None:
        """Broadcast the representatives into the live arrays, in place."""
        params = self.model.params
        for key, value in self.reduced.items():
            params[key][...] = value

    def _untie(self) -> None:
        """Continue on the generic path: expand the optimizer's state (``SGD.velocities``,
        ``Adam.m`` and ``Adam.v``, elementwise) to the full shapes."""
        self.untied = True
        params = self.model.params
        for name in ("velocities", "m", "v"):
            state = getattr(self.optimizer, name, None)
            for key, value in (state or {}).items():
                state[key] = np.broadcast_to(value, params[key].shape).copy()

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        bs = self.batch_size
        losses = np.empty(-(-len(indices) // bs))
        if not self.untied and not self._load():
            self._untie()
        if self.untied:
            model, update = self.model, self.optimizer.update_params
            for i in range(len(losses)):
                batch = indices[i * bs : (i + 1) * bs]
                losses[i], grads = model.loss_and_grad(self.X[batch], self.y[batch])
                update(model.params, grads)
            return losses
        for i in range(len(losses)):
            batch = indices[i * bs : (i + 1) * bs]
            losses[i] = self._update(self.X[batch], self.y[batch])
        self._store()
        return losses

    def _update(self, X: np.ndarray, labels: np.ndarray) -> float:
        """One update of the reduced parameters on a batch; returns its loss before it."""
        f = self._activation.function
        A, inputs = X, [X]
        for W, b, count in self._hidden:
            Z = A @ W
            if count != 1.0:
                Z *= count  # the full layer sums this many equal terms
            Z += b
            A = f(Z)
            inputs.append(A)
        W, b, count = self._output
        Z = A @ W
        if count != 1.0:
            Z *= count
        Z += b
        loss, _, dZ = _mean_nll(Z, labels, with_grad=True)
        derivative = self._activation.derivative_from_output
        grads = self._grads
        for (key_W, key_b, W, count), A_prev in zip(self._backward, inputs[::-1], strict=True):
            grads[key_W] = A_prev.T @ dZ
            grads[key_b] = dZ.sum(axis=0)
            if W is not None:
                dZ = dZ @ W.T
                if count != 1.0:
                    dZ *= count  # each input feeds this many equal units
                dZ *= derivative(A_prev)
        self.optimizer.update_params(self.reduced, grads)
        return loss
