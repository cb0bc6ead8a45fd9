"""Train, Pause/Resume, Stop and Reset, the progress bar and the notice shown after a failed run.

A thin view: the main window decides what the buttons do and tells this widget what to show.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

NOTICE_STYLE = (
    "QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c6cb; "
    "border-radius: 4px; padding: 6px; }"
)


def format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
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
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset")
        buttons = (
            (
                self.train_button,
                "trainButton",
                "Train the network (Ctrl+R); it continues from the "
                "current weights when the network is unchanged",
            ),
            (self.pause_button, "pauseButton", "Pause or resume between two updates (Space)"),
            (
                self.stop_button,
                "stopButton",
                "Stop after the current update (Esc); the weights trained so far are kept",
            ),
            (
                self.reset_button,
                "resetButton",
                "A fresh initialization of the network with the settings above, and empty plots",
            ),
        )
        for button, name, tip in buttons:
            button.setObjectName(name)
            button.setToolTip(tip)
        self.train_button.setDefault(True)
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
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.train_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.progress_bar, 2, 0, 1, 2)
        grid.addWidget(self.notice_label, 3, 0, 1, 2)

    def set_state(self, training: bool, paused: bool, can_train: bool) -> None:
        self.train_button.setEnabled(can_train and not training)
        self.reset_button.setEnabled(can_train and not training)
        self.pause_button.setEnabled(training)
        self.stop_button.setEnabled(training)
        self.pause_button.setText("Resume" if paused else "Pause")

    def show_progress(
        self, epoch: int, epochs: int, update: int, total: int, seconds_left: float | None
    ) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(min(update, total))
        left = "" if seconds_left is None else f" · {format_seconds(seconds_left)} left"
        self.progress_bar.setFormat(f"Epoch {epoch}/{epochs} · update {update:,}/{total:,}{left}")

    def show_done(self, text: str, complete: bool) -> None:
        if complete:
            self.progress_bar.setValue(self.progress_bar.maximum())
        self.progress_bar.setFormat(text)  # Qt expands only %p, %v and %m; "%%" stays as is

    def show_notice(self, text: str | None) -> None:
        self.notice_label.setText(text or "")
        self.notice_label.setVisible(bool(text))
