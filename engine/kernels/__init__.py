"""Optimised twins of the readable backpropagation (``MLP.backward``), chosen by name.

The network a student reads in ``engine/core/mlp.py`` is what ``--engine readable`` trains. The
default, ``--engine fast``, may hand a run to one of these kernels instead; each computes the
same updates with fewer, fused NumPy calls, and the tests prove it equal to the readable code
(every lab preset gives the same weights both ways, to 1e-10). Every run records which path
trained it: ``"readable"`` or a kernel's name.

``KERNELS`` lists them in the order they are tried; the first that ``accepts`` a run trains it:

- ``one_sample``: plain SGD, one sample per update, at most one hidden layer (the lab's run);
- ``mini_batch``: plain SGD on mini-batches, at most one hidden layer;
- ``fused``: any depth, any optimizer.

No kernel takes a network whose hidden units are *tied* (all equal, as zero initialization
makes them): BLAS rounds the last units of a layer differently and would untie them, whereas
the readable code keeps them identical to the bit (see ``engine.core.mlp.dense``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine.core.mlp import MLP
from engine.core.optimizers import SGD, Adam

READABLE = "readable"
ENGINES = ("fast", READABLE)  # --engine: kernels allowed, or the readable code only

Stepper = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Kernel:
    """A kernel: whether it can train a run, and how to build its stepper.

    A stepper is called with consecutive sample indices, runs one update per ``batch_size`` of
    them (the last batch may be shorter), updates ``model.params`` in place and returns the
    batch losses, each computed before its update.
    """

    name: str
    accepts: Callable[[MLP, str, float, int], bool]  # model, optimizer, momentum, batch size
    build: Callable[[MLP, np.ndarray, np.ndarray, SGD | Adam, int], Stepper]

    def __repr__(self) -> str:
        return f"Kernel({self.name!r})"


def _plain_sgd_small(model: MLP, optimizer: str, momentum: float) -> bool:
    return optimizer == "sgd" and momentum == 0.0 and model.n_layers <= 2


def _one_sample(model, X, y, optimizer: SGD | Adam, batch_size: int) -> Stepper:
    from engine.kernels.one_sample import SGDKernel

    kernel = SGDKernel(model.params, X, y, model.activation.name)
    return partial(kernel.run, learning_rate=optimizer.learning_rate)


def _mini_batch(model, X, y, optimizer: SGD | Adam, batch_size: int) -> Stepper:
    from engine.kernels.mini_batch import BatchSGDKernel

    kernel = BatchSGDKernel(model.params, X, y, batch_size, model.activation.name)
    return partial(kernel.run, learning_rate=optimizer.learning_rate)


def _fused(model, X, y, optimizer: SGD | Adam, batch_size: int) -> Stepper:
    from engine.kernels.fused import fused_stepper

    return fused_stepper(model, X, y, optimizer, batch_size)


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        # plain SGD one sample at a time, at most one hidden layer, ~12 NumPy calls an update
        Kernel(
            "one_sample",
            lambda model, opt, mu, bs: bs == 1 and _plain_sgd_small(model, opt, mu),
            _one_sample,
        ),
        # plain SGD on mini-batches, at most one hidden layer, one BLAS call per layer update
        Kernel(
            "mini_batch",
            lambda model, opt, mu, bs: bs > 1 and _plain_sgd_small(model, opt, mu),
            _mini_batch,
        ),
        # any depth and optimizer, the softmax and the loss fused in place
        Kernel(
            "fused",
            lambda model, opt, mu, bs: True,
            _fused,
        ),
    )
}


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
    """Whether some hidden layer of more than one unit has tied units (see ``tied_layers``)."""
    if not any(n > 1 for n in model.hidden_sizes):
        return False
    ties = tied_layers(model.params, len(model.hidden_sizes))
    return any(t and n > 1 for t, n in zip(ties, model.hidden_sizes, strict=True))


def choose_kernel(model: MLP, optimizer: str, momentum: float, batch_size: int) -> Kernel | None:
    """The kernel that trains this run under ``--engine fast``, or None for the readable code
    (tied hidden units, or a deliberate bug in the backward pass, which only it makes)."""
    if model.bug is not None or has_tied_units(model):
        return None
    return next(
        (k for k in KERNELS.values() if k.accepts(model, optimizer, momentum, batch_size)), None
    )
