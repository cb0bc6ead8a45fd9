"""What the status bar, the progress bar and the notice say about a run.

Plain functions of engine records, so the wording lives in one place and is testable without Qt.
"""

from dataclasses import dataclass

from engine import Evaluation, RunEnded

PATHS = {
    "readable": "the readable backprop (MLP.forward_keep_activations and MLP.backward)",
    "one_sample": "the one-sample kernel",
    "mini_batch": "the mini-batch kernel",
    "fused": "the fused kernel",
}


def trained_by_text(trained_by: str) -> str:
    """``"one_sample"`` -> ``"the one-sample kernel"``; other text as it is."""
    return PATHS.get(trained_by, trained_by or "an unknown path")


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
    path = f" (trained by {trained_by_text(end.trained_by)})" if end.trained_by else ""
    if end.status == "completed":
        text = f"Completed {end.epochs_completed} epochs in {end.elapsed:.1f} s{figures}"
        return EndMessages(text + path, text, None, True)
    if end.status == "stopped":
        text = f"Stopped after {end.updates:,} updates{figures}; Train continues from here"
        return EndMessages(text + path, "Stopped", None, False)
    if end.status == "diverged":
        notice = (
            f"<b>Training diverged</b> {end.reason}. The plots show the run up to the last "
            "finite update; Reset for a fresh start."
        )
        return EndMessages(f"The run diverged {end.reason}", "Diverged", notice, False)
    notice = f"<b>Training {end.status}:</b> {end.reason}."
    return EndMessages(
        f"The run {end.status}: {end.reason}", end.status.capitalize(), notice, False
    )
