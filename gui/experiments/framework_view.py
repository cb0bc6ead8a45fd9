"""The "Framework check" tab: the current run's settings trained by scikit-learn's MLPClassifier.

The view runs the engine's ``check_against_sklearn`` as a ``gui.jobs.Job``, draws
scikit-learn's per-epoch loss over the engine's own run (from the session's history) and
sets the final figures of both side by side, with the notes on what cannot match exactly.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import (
    FrameworkCheck,
    FrameworkCheckError,
    FrameworkEpoch,
    RunConfig,
    TrainingControl,
    check_against_sklearn,
    epoch_mean_losses,
    sklearn_params,
)
from engine.experiments.framework_check import mapping_notes
from gui.experiments.framework_figures import ROWS, figure_columns
from gui.jobs import Job, JobFailed
from gui.session import Session
from gui.theme import BLUE, ERROR_RED, ORANGE, swatch
from gui.widgets.live_plot import LivePlot

ERROR_STYLE = f"color: {ERROR_RED};"


class FrameworkView(QWidget):
    """Runs the check on demand; shows the engine's side from the session at any time.

    Signals
    -------
    check_finished(FrameworkCheck) : the scikit-learn run ended and its thread is done.
    """

    check_finished = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frameworkCheckView")
        self.session = session
        self.check: FrameworkCheck | None = None
        self.epochs: list[FrameworkEpoch] = []  # scikit-learn's, as they arrive
        self._job: Job | None = None
        self._control: TrainingControl | None = None
        self._engine_curve = np.empty(0)
        self._build()
        session.run_finished.connect(self._on_engine_changed)
        session.model_replaced.connect(self._on_engine_changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)
        self._on_engine_changed()

    def _build(self) -> None:
        self.run_button = QPushButton("Check against scikit-learn")
        self.run_button.setObjectName("frameworkRunButton")
        self.run_button.setToolTip(
            "Train scikit-learn's MLPClassifier with the current run's settings, in the "
            "background, and compare it with Backprop Lab's run"
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("frameworkStopButton")
        self.stop_button.setEnabled(False)
        self.status_label = QLabel()
        self.status_label.setObjectName("frameworkStatus")
        self.status_label.setWordWrap(True)
        self.legend = QLabel(
            f"{swatch(BLUE)} Backprop Lab &nbsp; {swatch(ORANGE)} scikit-learn &nbsp;·&nbsp; "
            "dots: the mean batch loss during the epoch &nbsp;·&nbsp; dashed: the train-set "
            "loss after it"
        )
        self.legend.setObjectName("frameworkLegend")
        self.legend.setWordWrap(True)
        self.plot = LivePlot(
            "Training loss per epoch", "loss (nats)", object_name="frameworkLossPlot"
        )
        self.engine_batch = self._curve("Backprop Lab: mean batch loss in the epoch", BLUE)
        self.framework_batch = self._curve("scikit-learn: loss_ (mean batch loss)", ORANGE)
        self.engine_full = self._curve("Backprop Lab: train-set loss after it", BLUE, dash=True)
        self.framework_full = self._curve(
            "scikit-learn: train-set loss after it", ORANGE, dash=True
        )
        self.table = QTableWidget(len(ROWS), 2)
        self.table.setObjectName("frameworkFigures")
        self.table.setHorizontalHeaderLabels(["Backprop Lab", "scikit-learn"])
        self.table.setVerticalHeaderLabels(list(ROWS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.horizontalHeader().setMinimumSectionSize(110)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("frameworkNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.verticalHeader().setDefaultSectionSize(24)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.notes_label)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(self.table.sizeHint().width() + bar + 4)  # the bar beside it
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(scroll)
        splitter.setSizes([620, 420])  # scaled to the room there is
        splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.legend)
        layout.addWidget(splitter, 1)
        self.run_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)

    @property
    def is_running(self) -> bool:
        return self._job is not None

    @property
    def config(self) -> RunConfig:
        """The settings compared: the current run's."""
        return self.session.config

    def _curve(self, name: str, colour: str, dash: bool = False) -> pg.PlotDataItem:
        """Dashed for the full-set loss after each epoch; dots for the epoch's mean batch loss."""
        style = Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine
        dots = {"symbol": "o", "symbolSize": 5, "symbolBrush": colour, "symbolPen": None}
        pen = pg.mkPen(colour, width=1, style=style)
        return self.plot.getPlotItem().plot([], [], name=name, pen=pen, **({} if dash else dots))

    # --- commands ----------------------------------------------------------------------------

    def start(self) -> bool:
        """Start scikit-learn's run; refused (with the reason shown) when it cannot match."""
        if self.is_running:
            return False
        config = self.config
        try:
            sklearn_params(config, len(self.session.data.y_train))
        except FrameworkCheckError as error:
            self._show_status(f"Cannot compare: {error}.", error=True)
            return False
        self.check, self.epochs = None, []
        self.framework_batch.setData([], [])
        self.framework_full.setData([], [])
        self._on_engine_changed()
        control = self._control = TrainingControl()
        data = self.session.data
        self._job = Job(
            lambda report: check_against_sklearn(config, data, control, report),
            "FrameworkThread",
            self,
        )
        self._job.progress.connect(self._on_epoch)
        self._job.finished.connect(self._on_finished)
        self._show_status(f"scikit-learn is training: {config.describe()}, {config.epochs} epochs…")
        self._job.start()
        self._set_running(True)
        return True

    def stop(self, wait: bool = False) -> None:
        """Ask scikit-learn's run to end after its current epoch; ``wait`` for the thread too."""
        if self._control is None:
            return
        self._control.stop()
        self._show_status("Stopping after the current epoch…")
        if wait and self._job is not None:
            self._job.wait()

    # --- display -----------------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet(ERROR_STYLE if error else "")
        self.status_label.setText(text)

    def _show_figures(self) -> None:
        engine, framework = figure_columns(self.session.history, self._engine_curve, self.check)
        for row, pair in enumerate(zip(engine, framework, strict=True)):
            for col, text in enumerate(pair):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def _show_notes(self) -> None:
        config = self.config
        notes = self.check.notes if self.check and self.check.notes else mapping_notes(config)
        try:
            params = sklearn_params(config, len(self.session.data.y_train))
        except FrameworkCheckError:
            params = None
        items = "".join(f"<li>{note}</li>" for note in notes)
        call = ", ".join(f"{k}={v!r}" for k, v in params.items()) if params else ""
        self.notes_label.setText(
            f"<b>Compared:</b> {config.describe()}, {config.epochs} epochs. "
            f"<b>What cannot match exactly:</b><ul>{items}</ul>"
            + (f"<small><code>MLPClassifier({call})</code></small>" if call else "")
        )

    def _on_engine_changed(self, *_args) -> None:
        history, config = self.session.history, self.config
        n_train = len(self.session.data.y_train)
        self._engine_curve = epoch_mean_losses(history, n_train, config.batch_size)
        x = np.arange(1, len(self._engine_curve) + 1, dtype=np.float64)
        self.engine_batch.setData(x, self._engine_curve)
        full = history.column("train_loss", epochs_only=True)
        self.engine_full.setData(np.arange(1, len(full) + 1, dtype=np.float64), full)
        self._show_figures()
        self._show_notes()

    def _on_epoch(self, epoch: FrameworkEpoch) -> None:
        self.epochs.append(epoch)
        x = np.array([e.epoch for e in self.epochs], dtype=np.float64)
        self.framework_batch.setData(x, np.array([e.loss for e in self.epochs]))
        self.framework_full.setData(x, np.array([e.train_loss for e in self.epochs]))
        self._show_status(
            f"scikit-learn: epoch {epoch.epoch} of {self.config.epochs}, loss {epoch.loss:.4f}, "
            f"test accuracy {100 * epoch.test_accuracy:.1f} %"
        )

    def _on_finished(self, check) -> None:
        self._job = self._control = None
        self._set_running(False)
        if isinstance(check, JobFailed):
            check = FrameworkCheck({}, [], status="failed", reason=check.error)
        self.check = check
        self._show_figures()
        self._show_notes()
        if check.status == "completed":
            self._show_status(f"scikit-learn {check.reason} in {check.elapsed:.1f} s.")
        else:
            error = check.status != "stopped"
            self._show_status(f"scikit-learn's run {check.status}: {check.reason}.", error)
        self.check_finished.emit(check)

    def _on_scheme_changed(self) -> None:
        self.plot.apply_theme()
