"""Training as a plain loop that yields small immutable progress records.

``run_training`` is a generator: it shuffles indices (not data) each epoch, slices mini-batches,
applies the optimizer, and yields

- ``UpdateLosses``: the batch loss of every update, in chunks of consecutive updates;
- ``Evaluation``: train/test loss and accuracy, before training, every ``eval_every`` updates and
  at every epoch's end, where it also carries the norm of the average gradient on the full
  training set;
- ``RunEnded``: once, last: completed, stopped or diverged, with the reason.

A ``TrainingControl`` shared with another thread pauses or stops the loop between two chunks of
updates. Consumers (the ``train`` command, the GUI worker) only iterate and forward the records.
"""

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine.core.mlp import MLP
from engine.core.optimizers import make_optimizer
from engine.kernels import one_sample as fast_sgd
from engine.kernels.mini_batch import BatchSGDKernel
from engine.kernels.tied_units import TiedStepper, has_tied_units
from engine.training.config import RunConfig

# Updates between two looks at the control flags and two divergence checks; small enough that
# pause/stop act within a millisecond, large enough that the checks cost nothing.
CHUNK_UPDATES = 64


@dataclass(frozen=True)
class UpdateLosses:
    """Batch losses of updates ``first_update .. first_update + len(losses) - 1`` (1-based)."""

    epoch: int
    first_update: int
    losses: np.ndarray


@dataclass(frozen=True)
class Evaluation:
    """Figures on the full training and test sets after ``update`` updates (0: initial weights)."""

    epoch: int  # epochs completed when end_of_epoch, else the epoch under way
    update: int
    epoch_progress: float  # epochs completed as a fraction, e.g. 1.5
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    grad_norm: float | None = None  # only at the end of an epoch
    end_of_epoch: bool = False
    elapsed: float = 0.0  # seconds since the run started

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunEnded:
    """How a run ended: ``status`` is ``completed``, ``stopped`` or ``diverged``."""

    status: str
    reason: str
    epochs_completed: int
    updates: int
    elapsed: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


Record = UpdateLosses | Evaluation | RunEnded


class TrainingControl:
    """Thread-safe pause/stop flags, checked by the training loop between two chunks of updates."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused loop must wake up to see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self) -> None:
        while not self._running.wait(timeout=0.1):
            pass


def updates_per_epoch(n_samples: int, batch_size: int) -> int:
    return math.ceil(n_samples / batch_size)


def evaluate(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    *,
    with_grad_norm: bool = False,
) -> tuple[float, float, float, float, float | None]:
    """Train loss and accuracy, test loss and accuracy (NaN without a test set), and optionally
    the norm of the average gradient over the full training set.

    One forward pass per set gives its loss and accuracy; with the gradient norm, the training
    set's pass is followed by one backward pass."""
    train_loss, train_acc, grads = model.metrics(X, y, with_grad=with_grad_norm)
    grad_norm = None
    if grads is not None:
        grad_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    if X_test is None or y_test is None or len(y_test) == 0:
        test_loss = test_acc = math.nan
    else:
        test_loss, test_acc, _ = model.metrics(X_test, y_test)
    return train_loss, train_acc, test_loss, test_acc, grad_norm


def _params_finite(model: MLP) -> bool:
    return all(np.isfinite(p).all() for p in model.params.values())


def make_stepper(
    model: MLP, X: np.ndarray, y: np.ndarray, config: RunConfig, batch_size: int
) -> Callable[[np.ndarray], np.ndarray]:
    """A function that runs one update per ``batch_size`` consecutive sample indices it is given
    (the last batch may be shorter) and returns the batch losses, computed before each update."""
    optimizer = make_optimizer(
        config.optimizer, config.learning_rate, config.momentum, config.nesterov
    )
    # Tied hidden units (zero init) stay tied in exact arithmetic; BLAS rounding would untie
    # them, so such a network trains through one representative unit per tied layer.
    if has_tied_units(model):
        return TiedStepper(model, X, y, optimizer, batch_size)
    # Plain SGD on the lab's shapes (zero or one hidden layer) has tight code paths, one sample
    # at a time (the lab's setting) and mini-batches: the generic layer loop is dominated by
    # Python's per-call overhead on networks this small. Same arithmetic, to rounding.
    if (
        config.optimizer == "sgd"
        and config.momentum == 0.0
        and model.n_layers <= 2
        and model.activation.name in fast_sgd.ACTIVATIONS
    ):
        if batch_size == 1:
            kernel = fast_sgd.SGDKernel(model.params, X, y, model.activation.name)
        else:
            kernel = BatchSGDKernel(model.params, X, y, batch_size, model.activation.name)
        return partial(kernel.run, learning_rate=config.learning_rate)

    def step(indices: np.ndarray) -> np.ndarray:
        losses = np.empty(math.ceil(len(indices) / batch_size))
        for i in range(len(losses)):
            batch = indices[i * batch_size : (i + 1) * batch_size]
            losses[i], grads = model.loss_and_grad(X[batch], y[batch])
            optimizer.update_params(model.params, grads)
        return losses

    return step


def run_training(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    *,
    config: RunConfig,
    control: TrainingControl | None = None,
    eval_every: int | None = None,
) -> Iterator[Record]:
    """Train ``model`` in place for ``config.epochs`` epochs, yielding progress records.

    Parameters
    ----------
    X, y : training data ``(n_samples, n_features)`` and integer labels ``(n_samples,)``.
    X_test, y_test : optional held-out data, evaluated alongside.
    config : optimizer, learning rate, batch size, momentum, epochs, shuffling and seed
        (its architecture fields are not used: the model is given).
    control : pause/stop flags set from another thread.
    eval_every : evaluate every this many updates as well as at every epoch's end.

    A non-finite loss or parameter ends the run as ``diverged`` and restores the parameters of the
    last check at which everything was finite.
    """
    control = control or TrainingControl()
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.intp)
    n = len(y)
    batch_size = min(config.batch_size, n)
    per_epoch = updates_per_epoch(n, batch_size)
    rng = np.random.default_rng(config.seed)
    step = make_stepper(model, X, y, config, batch_size)
    started = time.perf_counter()
    update = 0

    def evaluation(epoch: int, end_of_epoch: bool) -> Evaluation:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            figures = evaluate(model, X, y, X_test, y_test, with_grad_norm=end_of_epoch)
        done_in_epoch = update - (epoch - 1) * per_epoch
        progress = epoch if end_of_epoch else epoch - 1 + done_in_epoch / per_epoch
        return Evaluation(
            epoch,
            update,
            float(progress),
            *figures[:4],
            grad_norm=figures[4],
            end_of_epoch=end_of_epoch,
            elapsed=time.perf_counter() - started,
        )

    def ended(status: str, reason: str, epochs_completed: int) -> RunEnded:
        return RunEnded(status, reason, epochs_completed, update, time.perf_counter() - started)

    snapshot = {k: v.copy() for k, v in model.params.items()}  # refreshed before every chunk
    yield evaluation(0, end_of_epoch=False)
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n) if config.shuffle else np.arange(n)
        start_update = update
        while update - start_update < per_epoch:
            if control.stop_requested:
                yield ended("stopped", f"stopped by the user during epoch {epoch}", epoch - 1)
                return
            if control.paused:
                control.wait_while_paused()
                continue
            done_in_epoch = update - start_update
            chunk = min(CHUNK_UPDATES, per_epoch - done_in_epoch)
            if eval_every:
                chunk = min(chunk, eval_every - update % eval_every)
            for key, value in model.params.items():
                np.copyto(snapshot[key], value)
            # A diverging run overflows on its way to inf/NaN; that is detected just below.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                losses = step(
                    order[done_in_epoch * batch_size : (done_in_epoch + chunk) * batch_size]
                )
            finite = np.isfinite(losses)
            if not finite.all() or not _params_finite(model):
                bad = int(np.argmin(finite)) if not finite.all() else chunk - 1
                what = (
                    f"the loss became {losses[bad]}"
                    if not finite.all()
                    else "the weights became infinite or NaN"
                )
                model.set_params(snapshot)
                update += bad + 1
                yield UpdateLosses(epoch, update - bad, losses[:bad].copy())
                yield ended(
                    "diverged",
                    f"diverged at epoch {epoch}, update {update}: {what}; "
                    "try a smaller learning rate (the last finite weights were kept)",
                    epoch - 1,
                )
                return
            update += chunk
            yield UpdateLosses(epoch, update - chunk + 1, losses)
            if eval_every and update % eval_every == 0 and update - start_update < per_epoch:
                yield evaluation(epoch, end_of_epoch=False)
        yield evaluation(epoch, end_of_epoch=True)
    yield ended("completed", f"completed {config.epochs} epochs", config.epochs)
