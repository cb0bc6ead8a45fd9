"""Sweeps in the window: ``SweepController`` runs the sweep the Sweep tab describes as a
``gui.jobs.Job`` and stores each of its runs in the run library as it ends.

The work buffers the records of ``engine.run_sweep`` and reports them in ``SweepBatch``es at
most every ``EMIT_INTERVAL`` seconds, and at once when one of the sweep's runs ends, with a copy
of that run's final model. One ``TrainingControl`` governs the whole sweep: stopping ends the
run under way and starts no further run. While a sweep runs, Train is off, and vice versa.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from engine import (
    MLP,
    DigitsSplit,
    Run,
    RunConfig,
    RunEnded,
    SweepResult,
    SweepRunStarted,
    TrainingControl,
    run_sweep,
)
from engine.experiments.sweep import parse_sweep_values, sweep_configs, sweep_run_name
from gui.experiments.run_library import RunLibrary
from gui.experiments.sweep_panel import SweepPanel
from gui.jobs import Job, JobFailed, Report
from gui.session import Session
from gui.training.controller import TrainingController
from gui.training.training_job import EMIT_INTERVAL


@dataclass(frozen=True)
class SweepBatch:
    """``(index, record)`` pairs since the previous batch, in order; ``final_models`` holds a
    copy of the model of every run that ended in this batch, by index."""

    records: list[tuple[int, object]]
    final_models: dict[int, MLP] = field(default_factory=dict)


def sweep_work(data: DigitsSplit, configs: list[RunConfig], control: TrainingControl, engine: str):
    """The work function of a sweep's ``Job``; returns ``completed`` or ``stopped``."""

    def work(report: Report) -> str:
        buffer: list[tuple[int, object]] = []
        models: dict[int, MLP] = {}
        last = time.monotonic()
        model: MLP | None = None
        for index, record in run_sweep(data, configs, control, engine=engine):
            if isinstance(record, SweepRunStarted):
                model = record.model  # trained in place here: the GUI gets copies
                record = SweepRunStarted(record.config, model.copy())
            buffer.append((index, record))
            if isinstance(record, RunEnded) or time.monotonic() - last >= EMIT_INTERVAL:
                if isinstance(record, RunEnded):
                    models[index] = model.copy()
                report(SweepBatch(buffer, models))
                buffer, models, last = [], {}, time.monotonic()
        if buffer:
            report(SweepBatch(buffer, models))
        return "stopped" if control.stop_requested else "completed"

    return work


class SweepController(QObject):
    """Signals: ``running_changed(bool)``; ``progress_shown`` after each batch is drawn;
    ``finished(SweepResult)`` once the sweep's thread is done."""

    running_changed = Signal(bool)
    progress_shown = Signal()
    finished = Signal(object)

    def __init__(
        self,
        session: Session,
        library: RunLibrary,
        panel: SweepPanel,
        base_config: Callable[[], RunConfig | None],
        training: TrainingController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.library, self.panel = session, library, panel
        self.base_config, self.training = base_config, training
        self.result: SweepResult | None = None
        self._job: Job | None = None
        self._control: TrainingControl | None = None
        self._configs: list[RunConfig] = []
        panel.start_requested.connect(self.start)
        panel.stop_requested.connect(self.stop)

    @property
    def running(self) -> bool:
        return self._job is not None

    def set_can_start(self, can_start: bool) -> None:
        """The window says whether a sweep may start (no training run under way)."""
        self.panel.set_state(self.running, can_start=can_start and not self.running)

    def start(self) -> bool:
        """Start the sweep the Sweep tab describes, from the Experiment panel's settings."""
        if self.running or self.training.is_running:  # one thing trains at a time
            return False
        base = self.base_config()
        if base is None:
            self.panel.show_message("Fix the marked settings first.", problem=True)
            return False
        name, data = self.panel.parameter(), self.session.data
        try:
            values = parse_sweep_values(name, self.panel.values_text())
            self._configs = sweep_configs(base, name, values, n_train=len(data.y_train))
        except ValueError as error:
            self.panel.show_message(str(error), problem=True)
            return False
        self.result = SweepResult(name, values)
        self._control = TrainingControl()
        work = sweep_work(data, self._configs, self._control, self.session.engine)
        self._job = Job(work, "SweepThread", self)
        self._job.progress.connect(self._on_progress)
        self._job.finished.connect(self._on_finished)
        self.panel.show_message(None)
        self.panel.show_result(self.result)
        self.panel.show_progress(f"Run 1/{len(values)} starting…", 0, len(values))
        self._job.start()
        self.panel.set_state(True, can_start=False)
        self.running_changed.emit(True)
        return True

    def stop(self, wait: bool = False) -> None:
        if self._control is None:
            return
        self._control.stop()
        self.panel.show_progress("Stopping after the current update…", 0, 1)
        if wait and self._job is not None:
            self._job.wait()

    def _on_progress(self, batch: SweepBatch) -> None:
        result = self.result
        epoch = None
        for index, record in batch.records:
            result.add(index, record)
            epoch = getattr(record, "epoch", epoch)
        for index, model in sorted(batch.final_models.items()):
            history = result.histories[index]
            name = sweep_run_name(result.name, result.values[index])
            run = Run.create(
                self._configs[index], model, history, scaler=self.session.data.scaler, name=name
            )
            self.library.add_run(run)
        self.panel.show_result(result)
        index = batch.records[-1][0]
        row, total = result.rows[index], len(result.values)
        done = sum(r.status not in ("running", "not run") for r in result.rows)
        epochs = self._configs[index].epochs
        at = f", epoch {min(epoch, epochs)}/{epochs}" if epoch and row.status == "running" else ""
        label = result.sweepable.label.lower()
        self.panel.show_progress(f"Run {index + 1}/{total}: {label} {row.label}{at}", done, total)
        self.progress_shown.emit()

    def _on_finished(self, outcome) -> None:
        self._job = self._control = None
        result = self.result
        done = sum(r.status not in ("running", "not run") for r in result.rows) if result else 0
        total = len(result.values) if result else 0
        status = "failed" if isinstance(outcome, JobFailed) else outcome
        self.panel.show_progress(f"Sweep {status}: {done}/{total} runs", done, total)
        if isinstance(outcome, JobFailed):
            self.panel.show_message(f"The sweep failed: {outcome.error}", problem=True)
        self.panel.set_state(False, can_start=True)
        self.running_changed.emit(False)
        self.finished.emit(result)
