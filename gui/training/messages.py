"""What the status bar, the progress bar and the notice say about a configuration and a run.

Plain functions of engine records, so the wording lives in one place and is testable without Qt.
"""

from dataclasses import dataclass

from engine import Evaluation, RunConfig, RunEnded


def architecture(config: RunConfig) -> tuple:
    """The fields that define a network's shape and its initial weights."""
    return config.hidden_sizes, config.activation, config.init, config.init_scale, config.seed


def describe(config: RunConfig) -> str:
    """``64 → 10 sigmoid → 10 · SGD, lr 0.1, batch 1``."""
    layers = " → ".join(["64", *(f"{h} {config.activation}" for h in config.hidden_sizes), "10"])
    rule = {"adam": "Adam"}.get(config.optimizer, "SGD")
    if config.optimizer == "sgd" and config.momentum:
        rule += f" ({'Nesterov ' if config.nesterov else ''}momentum {config.momentum:g})"
    return f"{layers} · {rule}, lr {config.learning_rate:g}, batch {config.batch_size}"


def evaluation_message(e: Evaluation) -> str:
    return (
        f"Epoch {e.epoch_progress:.1f}: train accuracy {100 * e.train_accuracy:.1f} %, "
        f"test accuracy {100 * e.test_accuracy:.1f} %, train loss {e.train_loss:.4f}"
    )


@dataclass(frozen=True)
class EndMessages:
    status: str  # the status bar
    progress: str  # the progress bar's text
    notice: str | None  # a notice in the window, for a run that failed
    complete: bool  # the progress bar goes to its maximum


def end_messages(end: RunEnded, final: Evaluation | None) -> EndMessages:
    figures = f": test accuracy {100 * final.test_accuracy:.1f} %" if final is not None else ""
    if end.status == "completed":
        text = f"Completed {end.epochs_completed} epochs in {end.elapsed:.1f} s{figures}"
        return EndMessages(text, text, None, True)
    if end.status == "stopped":
        text = f"Stopped after {end.updates:,} updates{figures}; Train continues from here"
        return EndMessages(text, "Stopped", None, False)
    notice = (
        f"<b>Training {end.status}.</b> {end.reason}. The plots show the run up to the last "
        "finite update; Reset for a fresh start."
    )
    return EndMessages(
        f"The run {end.status}: {end.reason}", end.status.capitalize(), notice, False
    )
