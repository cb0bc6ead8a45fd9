"""``TrainingController``: the one owner of a training run's lifecycle (no widgets).

It starts a run (continuing from the current weights, or from a fresh network), pauses,
resumes, steps one update at a time, slows a run down, stops it, resets the network, and
shuts down with the window. It runs the run's ``TrainingWork`` as a ``gui.jobs.Job``, appends
the records it reports to the run's ``History`` (in the session's lineage), copies the
parameter snapshots into the session's model, paces the frames and estimates the time left.
Views subscribe to its signals and to the session's; they never touch the thread.
"""

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import (
    N_CLASSES,
    Evaluation,
    History,
    Paused,
    Run,
    RunConfig,
    RunEnded,
    TrainingControl,
    UpdateLosses,
)
from engine.training.loop import updates_per_epoch
from gui.jobs import Job, JobFailed
from gui.session import Session
from gui.training.training_job import (
    Pacing,
    ProgressBatch,
    TrainingSet,
    TrainingWork,
    pace_for_frame_cost,
)

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"
EVALUATIONS_PER_EPOCH = 10


@dataclass(frozen=True)
class Frame:
    """What one batch of progress changed, for the views (after the session holds it)."""

    run: Run
    updates_done: int
    total_updates: int
    epoch: int
    seconds_left: float | None
    last_evaluation: Evaluation | None
    paused: Paused | None


@dataclass(frozen=True)
class Step:
    """One single update, as the Backprop tab shows it: the weights before and after it, and
    the training samples it used."""

    before: dict[str, np.ndarray]
    after: dict[str, np.ndarray]
    indices: np.ndarray
    config: RunConfig


class TrainingController(QObject):
    """Runs the session's training.

    Signals
    -------
    state_changed(str) : ``idle``, ``running``, ``paused`` or ``stopping``.
    progress(Frame) : a batch of progress is in the session (history and weights).
    step_done(Step) : a single update was done (Step, or the next update of a paused run).
    run_finished(Run) : a run ended (completed, stopped, diverged, failed) and its thread is done.
    """

    state_changed = Signal(str)
    progress = Signal(object)
    step_done = Signal(object)
    run_finished = Signal(object)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = IDLE
        self.speed: float | None = None  # updates per second; None: unlimited
        self._job: Job | None = None
        self._control: TrainingControl | None = None
        self._run: Run | None = None
        self._pacing = Pacing()
        self._frame_cost = 0.0  # smoothed GUI time per frame, remembered between runs
        self._gui_cpu = 0.0
        self._started = self._paused_since = self._paused_total = 0.0
        self._total = self._per_epoch = 0
        self._waiting: Paused | None = None  # where a paused run waits

    # --- state -----------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """A run is under way (running, paused or stopping)."""
        return self._job is not None

    @property
    def is_paused(self) -> bool:
        return self.state == PAUSED

    @property
    def current_run(self) -> Run | None:
        return self._run

    @property
    def next_indices(self) -> np.ndarray | None:
        """The training samples the next update will use, while a run waits."""
        return self._waiting.next_indices if self._waiting is not None else None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def continues(self, config: RunConfig) -> bool:
        """Whether ``start(config)`` would continue from the current weights."""
        recipe_same = config.network_recipe() == self.session.config.network_recipe()
        return recipe_same and bool(self.session.lineage)

    # --- commands --------------------------------------------------------------------------

    def reset(self, config: RunConfig) -> None:
        """A fresh network for ``config``, no runs behind it, and no deliberate bug."""
        if self.is_running:
            return
        self.session.set_bug(None)
        model = config.build_model(self.session.data.n_features, N_CLASSES)
        self.session.replace_model(model, config, [])

    def start(self, config: RunConfig, *, fresh: bool = False, paused: bool = False) -> bool:
        """Train with ``config``: from the current weights when the network recipe is the same
        (and ``fresh`` is not asked), else from a fresh network. ``paused`` starts the run
        waiting for ``step`` or ``resume``."""
        if self.is_running:
            return False
        session = self.session
        if fresh or config.network_recipe() != session.config.network_recipe():
            self.reset(config)
        session.set_config(config)
        previous = session.last_run
        run = Run.create(
            config, None, History(), scaler=session.data.scaler,
            continued_from=previous.number if previous else None,
        )  # fmt: skip
        self._run, self._waiting = run, None
        self._control = TrainingControl()
        self._control.set_speed(self.speed)
        if paused:
            self._control.pause()
        self._pacing.interval = pace_for_frame_cost(self._frame_cost)
        training = TrainingSet.of(
            session.data, session.my_digits, session.my_labels, session.train_on_my_digits
        )
        n_train = len(training.y)
        self._per_epoch = updates_per_epoch(n_train, min(config.batch_size, n_train))
        self._total = self._per_epoch * config.epochs
        work = TrainingWork(
            session.model, session.data, config, self._control, engine=session.engine,
            eval_every=max(1, self._per_epoch // EVALUATIONS_PER_EPOCH), pacing=self._pacing,
            training=training,
        )  # fmt: skip
        self._job = Job(work, "TrainingThread", self)
        self._job.progress.connect(self._on_progress)
        self._job.finished.connect(self._on_finished)
        session.begin_run(run)
        self._started, self._paused_total = time.monotonic(), 0.0
        self._paused_since = self._started if paused else 0.0
        self._gui_cpu = time.thread_time()
        self._job.start()
        self._set_state(PAUSED if paused else RUNNING)
        return True

    def pause(self) -> None:
        if self._control is not None and self.state == RUNNING:
            self._paused_since = time.monotonic()
            self._control.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._control is not None and self.state == PAUSED:
            self._paused_total += time.monotonic() - self._paused_since
            self._control.resume()
            self._set_state(RUNNING)

    def toggle_pause(self) -> None:
        if self.state == PAUSED:
            self.resume()
        else:
            self.pause()

    def step(self, config: RunConfig | None = None) -> bool:
        """Exactly one update: the next one of a run under way (which then waits), or the first
        of a new run with ``config`` started paused."""
        if self._control is None:
            if config is None or not self.start(config, paused=True):
                return False
        elif self.state == RUNNING:
            self.pause()
        self._control.step()
        return True

    def set_speed(self, updates_per_second: float | None) -> None:
        """Slow runs to this many updates per second (None: as fast as possible)."""
        self.speed = updates_per_second
        if self._control is not None:
            self._control.set_speed(updates_per_second)

    def stop(self, wait: bool = False) -> None:
        """Ask the run to stop between two updates; ``wait`` also waits for its thread (the
        run then ends, and ``run_finished`` fires, before this returns)."""
        if self._control is None:
            return
        self._control.stop()
        self._set_state(STOPPING)
        if wait and self._job is not None:
            self._job.wait()

    def shutdown(self) -> None:
        """The window closes: stop a run under way and record how it ended."""
        self.stop(wait=True)

    # --- from the job ----------------------------------------------------------------------

    def _on_progress(self, batch: ProgressBatch) -> None:
        run = self._run
        if run is None:
            return
        self._pace_frames()
        history = run.history
        single = [r for r in batch.records if isinstance(r, UpdateLosses) and r.indices is not None]
        before = None
        if batch.n_updates == 1 and single:  # a step, or slow motion: the views may show it
            before = {k: v.copy() for k, v in self.session.model.params.items()}
        evaluations = 0
        for record in batch.records:
            history.add(record)
            evaluations += isinstance(record, Evaluation)
        self._waiting = batch.paused
        self.session.set_weights(batch.params)
        run.summarise()
        if before is not None:
            self.step_done.emit(Step(before, batch.params, single[0].indices, run.config))
        self.progress.emit(self._frame(run, batch, evaluations))

    def _frame(self, run: Run, batch: ProgressBatch, evaluations: int) -> Frame:
        done = run.history.n_updates
        if self.speed:
            left = (self._total - done) / self.speed
        else:
            active = time.monotonic() - self._started - self._paused_total
            if self.state == PAUSED:
                active -= time.monotonic() - self._paused_since
            left = (self._total - done) * active / done if done else None
        epoch = min(run.config.epochs, done // max(1, self._per_epoch) + 1)
        final = run.history.final if evaluations else None
        return Frame(run, done, self._total, epoch, left, final, batch.paused)

    def _pace_frames(self) -> None:
        """Slow the batches down when drawing them costs the GUI thread (and the trainer, which
        waits for the GIL meanwhile) too much: measured as the GUI thread's CPU time since the
        previous batch, smoothed."""
        now = time.thread_time()
        spent, self._gui_cpu = now - self._gui_cpu, now
        self._frame_cost = 0.7 * self._frame_cost + 0.3 * spent
        self._pacing.interval = pace_for_frame_cost(self._frame_cost)

    def _on_finished(self, result) -> None:
        run = self._run
        self._job = self._control = self._run = self._waiting = None
        if run is None:
            return
        if isinstance(result, JobFailed):
            reason = f"training failed: {result.error}"
            run.history.add(RunEnded("failed", reason, 0, run.history.n_updates, 0.0))
        elif run.history.end is None:
            run.history.add(RunEnded("failed", "the trainer ended without saying how", 0, 0, 0.0))
        run.model = self.session.model.copy()
        run.summarise()
        self._set_state(IDLE)
        self.session.end_run(run)
        self.run_finished.emit(run)
