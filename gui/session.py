"""The state the views share: the data split, the current model, its configuration and history.

The worker thread never touches ``Session.model``: it trains its own copy and sends snapshots of
the parameters, which ``update_params`` copies in (in the GUI thread), so every view reads a
consistent model at any time, during training too.
"""

from PySide6.QtCore import QObject, Signal

from engine import MLP, DigitsSplit, History, RunConfig, RunEnded, load_lab_split


class Session(QObject):
    """Shared application state. Views connect to its signals and read its attributes.

    Signals
    -------
    model_changed : the weights changed (a live snapshot during training, a reset, a load).
    run_finished(RunEnded) : a run ended; ``history`` holds it.
    model_replaced : a new model and history (a reset or an opened file), after model_changed.
    """

    model_changed = Signal()
    run_finished = Signal(object)
    model_replaced = Signal()

    def __init__(self, data: DigitsSplit | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data = data if data is not None else load_lab_split()
        self.config = RunConfig()
        self.model: MLP = self.config.build_model(self.data.n_features, 10)
        self.history = History()

    def set_model(
        self, model: MLP, config: RunConfig | None = None, history: History | None = None
    ) -> None:
        """Replace the current model (a reset or an opened file)."""
        self.model = model
        if config is not None:
            self.config = config
        self.history = history if history is not None else History()
        self.model_changed.emit()
        self.model_replaced.emit()

    def set_config(self, config: RunConfig) -> None:
        """The settings of the next run on the current model (same architecture)."""
        self.config = config

    def update_params(self, params: dict) -> None:
        """Copy a snapshot of parameters from the worker into the current model."""
        self.model.set_params(params)
        self.model_changed.emit()

    def finish_run(self, end: RunEnded) -> None:
        self.history.end = end
        self.run_finished.emit(end)
