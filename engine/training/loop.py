"""Training as a plain loop that yields small immutable progress records (``records``).

``run_training`` shuffles indices (not data) each epoch, slices mini-batches, applies the
optimizer, evaluates, and yields records; a ``TrainingControl`` shared with another thread
pauses, steps, slows or stops it between two updates. Consumers (the ``train`` command, the GUI's
training job) only iterate and forward the records.

Which code does the updates: with ``engine="readable"``, ``MLP.forward_keep_activations`` and
``MLP.backward`` only (``readable_stepper``); with ``engine="fast"`` (the default) a kernel of
``engine.kernels`` when one accepts the run. Single steps and slowed-down runs always use the
readable code, so what the Backprop tab shows is what trained.
"""

import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from engine.core.mlp import MLP
from engine.core.optimizers import SGD, Adam, BatchStepper, make_optimizer
from engine.kernels import ENGINES, READABLE, choose_kernel
from engine.training.config import RunConfig
from engine.training.control import PAUSED, STEP, STOP, TrainingControl
from engine.training.evaluation import evaluate
from engine.training.records import (
    Evaluation,
    Paused,
    Record,
    RunEnded,
    RunStarted,
    UpdateLosses,
)

# Updates between two looks at the control flags and two divergence checks; small enough that
# pause/stop act within a millisecond, large enough that the checks cost nothing.
CHUNK_UPDATES = 64
# An evaluation is sound when the training loss is finite and at most this many times the
# initial one; a diverging run goes back to the weights of the last sound evaluation.
DIVERGENCE_FACTOR = 10.0
# A training loss above this many times the initial one at the end of an epoch ends the run as
# diverged even though it is finite: the updates overshoot (a ReLU net at the lab's lr 0.1 goes
# 2.3 -> 190 -> 1e5 in two epochs, a sign error climbs to 1e3) and would only reach inf later.
# Only epochs' ends count: within one, a fast run may spike and recover.
EXPLOSION_FACTOR = 100.0


def updates_per_epoch(n_samples: int, batch_size: int) -> int:
    return math.ceil(n_samples / batch_size)


def readable_stepper(
    model: MLP, X: np.ndarray, y: np.ndarray, optimizer: SGD | Adam, batch_size: int
) -> BatchStepper:
    """The readable path: ``MLP.loss_and_grad`` (the lab's forward and backward pass) and the
    optimizer, one update per ``batch_size`` sample indices (``BatchStepper``)."""
    return BatchStepper(model.params, model.loss_and_grad, X, y, optimizer, batch_size)


def _finite(params: dict[str, np.ndarray]) -> bool:
    return all(np.isfinite(p).all() for p in params.values())


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
    engine: str = "fast",
    X_mine: np.ndarray | None = None,
    y_mine: np.ndarray | None = None,
    redraw: Callable[[np.random.Generator], np.ndarray] | None = None,
) -> Iterator[Record]:
    """Train ``model`` in place for ``config.epochs`` epochs, yielding progress records.

    Parameters
    ----------
    X, y : training data ``(n_samples, n_features)`` and integer labels ``(n_samples,)``.
    X_test, y_test : optional held-out data, evaluated alongside.
    config : optimizer, learning rate, batch size, momentum, epochs, shuffling and seed
        (its architecture fields are not used: the model is given).
    control : pause, step, speed and stop, set from another thread.
    eval_every : evaluate every this many updates as well as at every epoch's end.
    engine : ``"fast"`` (kernels allowed) or ``"readable"`` (``MLP``'s own code only).
    X_mine, y_mine : the user's own labelled drawings, evaluated alongside (``my_digits_*``).
    redraw : with ``config.augment``, gives each epoch's training inputs (the same samples,
        re-drawn: ``engine.data.augment``); evaluations stay on ``X``.

    A non-finite loss or parameter, or a training loss above ``EXPLOSION_FACTOR`` times the
    initial one at the end of an epoch, ends the run as ``diverged`` and restores the parameters of
    the last sound evaluation (training loss finite and at most ``DIVERGENCE_FACTOR`` times the
    initial one).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if config.augment and redraw is None:
        raise ValueError("config.augment needs a redraw function (engine.data.augment)")
    control = control or TrainingControl()
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.intp)
    n = len(y)
    bs = min(config.batch_size, n)
    per_epoch = updates_per_epoch(n, bs)
    rng = np.random.default_rng(config.seed)
    optimizer = make_optimizer(
        config.optimizer, config.learning_rate, config.momentum, config.nesterov
    )
    kernel = (
        choose_kernel(model, config.optimizer, config.momentum, bs) if engine == "fast" else None
    )

    def steppers(X_epoch: np.ndarray) -> tuple[BatchStepper, Callable]:
        readable = readable_stepper(model, X_epoch, y, optimizer, bs)
        return readable, (kernel.build(model, X_epoch, y, optimizer, bs) if kernel else readable)

    readable_step, fast_step = steppers(X)
    redraw_rng = np.random.default_rng([config.seed, 1])  # apart from the shuffling's
    done_by = {"kernel": 0, READABLE: 0}
    started = time.perf_counter()
    update = 0
    last_update: dict[str, np.ndarray] | None = None
    sound = {key: value.copy() for key, value in model.params.items()}
    sound_update, initial_loss = 0, math.nan

    def trained_by() -> str:
        if kernel is None or not done_by["kernel"]:
            return READABLE
        if done_by[READABLE]:
            return f"{kernel.name} (and {READABLE} for {done_by[READABLE]} stepped updates)"
        return kernel.name

    def evaluation(epoch: int, end_of_epoch: bool) -> Evaluation:
        nonlocal sound_update, initial_loss
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            figures = evaluate(
                model, X, y, X_test, y_test, readable=kernel is None, last_update=last_update,
                X_mine=X_mine, y_mine=y_mine,
            )  # fmt: skip
        done_in_epoch = update - (epoch - 1) * per_epoch
        progress = epoch if end_of_epoch else epoch - 1 + done_in_epoch / per_epoch
        if update == 0:
            initial_loss = figures.train_loss
        if figures.train_loss <= DIVERGENCE_FACTOR * initial_loss and _finite(model.params):
            for key, value in model.params.items():
                np.copyto(sound[key], value)
            sound_update = update
        return Evaluation(
            epoch,
            update,
            float(progress),
            figures.train_loss,
            figures.train_accuracy,
            figures.test_loss,
            figures.test_accuracy,
            grad_norm=figures.grad_norm if end_of_epoch else None,
            end_of_epoch=end_of_epoch,
            elapsed=time.perf_counter() - started,
            layers=figures.layers,
            my_digits_loss=figures.my_digits_loss,
            my_digits_accuracy=figures.my_digits_accuracy,
        )

    def ended(status: str, reason: str, epochs_completed: int) -> RunEnded:
        kept = sound_update if status == "diverged" else None
        elapsed = time.perf_counter() - started
        return RunEnded(status, reason, epochs_completed, update, elapsed, trained_by(), kept)

    def went_back() -> str:
        model.set_params(sound)
        return (
            f"The network went back to its weights after update {sound_update}, the last "
            f"evaluation whose training loss was finite and at most {DIVERGENCE_FACTOR:g}x the "
            "initial one; try a smaller learning rate"
        )

    def exploded(record: Evaluation) -> RunEnded | None:
        """The diverged end when ``record``'s training loss is finite but far too large."""
        if not record.train_loss > EXPLOSION_FACTOR * initial_loss:
            return None
        return ended(
            "diverged",
            f"at epoch {record.epoch}, update {record.update}, the training loss reached "
            f"{record.train_loss:.4g}, more than {EXPLOSION_FACTOR:g}x the initial "
            f"{initial_loss:.4g}: the updates overshoot. " + went_back(),
            record.epoch,
        )

    yield RunStarted(kernel.name if kernel else READABLE, per_epoch, per_epoch * config.epochs, bs)
    yield evaluation(0, end_of_epoch=False)
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n) if config.shuffle else np.arange(n)
        if config.augment:
            redrawn = np.ascontiguousarray(redraw(redraw_rng), dtype=np.float64)
            readable_step, fast_step = steppers(redrawn)
        start_update = update
        while update - start_update < per_epoch:
            done = update - start_update
            action = control.next_action()
            if action == STOP:
                yield ended("stopped", f"stopped by the user during epoch {epoch}", epoch - 1)
                return
            if action == PAUSED:
                yield Paused(epoch, update + 1, order[done * bs : (done + 1) * bs].copy())
                control.wait_while_paused()
                continue
            slow = action == STEP or control.slow
            chunk = 1 if slow else min(CHUNK_UPDATES, per_epoch - done)
            if eval_every:
                chunk = min(chunk, eval_every - update % eval_every)
            evaluates = done + chunk == per_epoch or bool(
                eval_every and (update + chunk) % eval_every == 0
            )
            step = readable_step if slow else fast_step
            indices = order[done * bs : (done + chunk) * bs]
            # A diverging run overflows on its way to inf/NaN; that is detected just below.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if evaluates:  # the last update apart, to measure its size (update_ratio)
                    head = step(indices[: (chunk - 1) * bs]) if chunk > 1 else np.empty(0)
                    before = {key: value.copy() for key, value in model.params.items()}
                    losses = np.concatenate([head, step(indices[(chunk - 1) * bs :])])
                    last_update = {k: model.params[k] - before[k] for k in before}
                else:
                    losses = step(indices)
            done_by[READABLE if step is readable_step else "kernel"] += chunk
            finite = np.isfinite(losses)
            if not finite.all() or not _finite(model.params):
                bad = int(np.argmin(finite)) if not finite.all() else chunk - 1
                what = (
                    f"the loss became {losses[bad]}"
                    if not finite.all()
                    else "the weights became infinite or NaN"
                )
                update += bad + 1
                yield UpdateLosses(epoch, update - bad, losses[:bad].copy())
                yield ended(
                    "diverged",
                    f"at epoch {epoch}, update {update}, {what}. " + went_back(),
                    epoch - 1,
                )
                return
            update += chunk
            yield UpdateLosses(epoch, update - chunk + 1, losses, indices.copy() if slow else None)
            if evaluates and update - start_update < per_epoch:
                yield evaluation(epoch, end_of_epoch=False)
            if action != STEP and control.speed is not None:
                control.pace()
        record = evaluation(epoch, end_of_epoch=True)
        yield record
        if end := exploded(record):
            yield end
            return
    yield ended("completed", f"completed {config.epochs} epochs", config.epochs)
