"""Train, Train from scratch, Pause/Resume, Step, Stop and Reset, the speed control, the progress
bar, and the notice shown after a failed run.

A thin view: the window wires the buttons to the ``TrainingController`` and tells this widget
what to show (``set_state``, ``show_progress``...).
"""

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from gui.theme import NOTICE_STYLE

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, None)  # updates per second; None: unlimited


def format_seconds(seconds: float | None) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``; ``—`` for a missing or odd value."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > 1e9:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class RunControls(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = QPushButton("Train")
        self.scratch_button = QPushButton("Train from scratch")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset")
        buttons = (
            (self.train_button, "trainButton", "Train the network (Ctrl+R)"),
            (
                self.scratch_button,
                "trainFromScratchButton",
                "A fresh initialization of the network, then train it (Ctrl+Shift+T)",
            ),
            (self.pause_button, "pauseButton", "Pause or resume between two updates (Space)"),
            (
                self.step_button,
                "stepButton",
                "Exactly one update (one sample or one mini-batch), shown step by step in the "
                "Backprop tab (N)",
            ),
            (
                self.stop_button,
                "stopButton",
                "Stop after the current update (Esc); the weights trained so far are kept",
            ),
            (
                self.reset_button,
                "resetButton",
                "A fresh initialization of the network with the settings above, empty plots, "
                "and no deliberate backprop bug (Ctrl+Shift+R)",
            ),
        )
        for button, name, tip in buttons:
            button.setObjectName(name)
            button.setToolTip(tip)
        self.train_button.setDefault(True)
        self.speed_input = QComboBox()
        self.speed_input.setObjectName("speedInput")
        for speed in SPEEDS:
            self.speed_input.addItem("unlimited" if speed is None else f"{speed} / s", speed)
        self.speed_input.setCurrentIndex(len(SPEEDS) - 1)
        self.speed_input.setToolTip(
            "Updates per second: slow a run down to watch it (the Backprop tab follows each "
            "update); unlimited trains as fast as the computer can"
        )
        self.continue_label = QLabel()
        self.continue_label.setObjectName("continueLabel")
        self.continue_label.setWordWrap(True)
        self.continue_label.setStyleSheet("font-size: 8pt;")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Ready")
        self.progress_bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress_bar.setToolTip("Epoch, update and an estimate of the time left")
        self.notice_label = QLabel()
        self.notice_label.setObjectName("noticeLabel")
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(NOTICE_STYLE)
        self.notice_label.hide()
        speed = QHBoxLayout()
        speed.addWidget(QLabel("Speed"))
        speed.addWidget(self.speed_input, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.train_button, 0, 0)
        grid.addWidget(self.scratch_button, 0, 1)
        grid.addWidget(self.continue_label, 1, 0, 1, 2)
        grid.addWidget(self.pause_button, 2, 0)
        grid.addWidget(self.step_button, 2, 1)
        grid.addWidget(self.stop_button, 3, 0)
        grid.addWidget(self.reset_button, 3, 1)
        grid.addLayout(speed, 4, 0, 1, 2)
        grid.addWidget(self.progress_bar, 5, 0, 1, 2)
        grid.addWidget(self.notice_label, 6, 0, 1, 2)

    def speed(self) -> float | None:
        return self.speed_input.currentData()

    def set_state(self, running: bool, paused: bool, can_train: bool) -> None:
        self.train_button.setEnabled(can_train and not running)
        self.scratch_button.setEnabled(can_train and not running)
        self.reset_button.setEnabled(can_train and not running)
        self.step_button.setEnabled(can_train or running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")

    def show_continuation(self, continues: bool, run_number: int | None) -> None:
        """Say what Train will do: go on from the current weights, or start a fresh network."""
        if continues:
            self.train_button.setText("Continue training")
            after = f" of run {run_number}" if run_number else ""
            self.continue_label.setText(
                f"Train continues from the current weights{after}; "
                "Train from scratch starts a fresh network."
            )
        else:
            self.train_button.setText("Train")
            self.continue_label.setText("Train starts from a fresh network.")

    def show_progress(
        self, epoch: int, epochs: int, update: int, total: int, seconds_left: float | None
    ) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(min(update, total))
        left = "" if seconds_left is None else f" · {format_seconds(seconds_left)} left"
        self.progress_bar.setFormat(f"Epoch {epoch}/{epochs} · update {update:,}/{total:,}{left}")

    def show_ready(self, text: str = "Ready") -> None:
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(text)

    def show_done(self, text: str, complete: bool) -> None:
        if complete:
            self.progress_bar.setValue(self.progress_bar.maximum())
        self.progress_bar.setFormat(text)  # Qt expands only %p, %v and %m; "%%" stays as is

    def show_notice(self, text: str | None) -> None:
        self.notice_label.setText(text or "")
        self.notice_label.setVisible(bool(text))
