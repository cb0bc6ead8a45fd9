"""The state the views share: the data split, the current model, its configuration, and the runs
that trained it.

``lineage`` lists the runs of the current model, oldest first: a run that continues from the
current weights is appended; a reset or an opened file replaces the model and the lineage.
Each run is one ``engine.Run`` whose ``History`` the training controller fills while it trains;
the plots draw from it, the Runs store saves it, the model file keeps it. The worker thread
never touches ``Session.model``: it trains its own copy and sends snapshots of the parameters,
which ``set_weights`` copies in, in the GUI thread.
"""

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import MLP, N_CLASSES, DigitsSplit, History, Run, RunConfig, load_lab_split


class Session(QObject):
    """Shared application state. Views connect to its signals and read its attributes.

    Signals
    -------
    weights_changed : new weights for the same network (a snapshot during training, a step).
    model_replaced : a new network (a reset, an opened file); the lineage was replaced too.
    run_started(Run) : a run was appended to the lineage.
    run_finished(Run) : the last run of the lineage ended; its summary is up to date.
    settings_changed : the engine choice or the deliberate backprop bug changed.
    my_digits_changed : the user's own labelled drawings changed (or whether they train).
    """

    weights_changed = Signal()
    model_replaced = Signal()
    run_started = Signal(object)
    run_finished = Signal(object)
    settings_changed = Signal()
    my_digits_changed = Signal()

    def __init__(self, data: DigitsSplit | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data = data if data is not None else load_lab_split()
        self.config = RunConfig()
        self.model: MLP = self.config.build_model(self.data.n_features, N_CLASSES)
        self.lineage: list[Run] = []
        self.engine = "fast"  # "fast": kernels allowed; "readable": MLP's own code only
        self.bug: str | None = None  # a deliberate mistake in the backward pass, or None
        # the user's own labelled drawings: their 8x8 digits (raw counts 0..16) and labels
        self.my_digits = np.empty((0, 8, 8))
        self.my_labels = np.empty(0, dtype=np.intp)
        self.train_on_my_digits = False  # then they are no longer a fair test

    # --- reading ---------------------------------------------------------------------------

    @property
    def last_run(self) -> Run | None:
        return self.lineage[-1] if self.lineage else None

    @property
    def history(self) -> History:
        """The last run's history (an empty one before any run)."""
        return self.last_run.history if self.last_run else History()

    # --- changing --------------------------------------------------------------------------

    def replace_model(
        self, model: MLP, config: RunConfig | None = None, lineage: list[Run] | None = None
    ) -> None:
        """A new network (a reset or an opened file), with the runs that trained it."""
        model.bug = self.bug
        self.model = model
        if config is not None:
            self.config = config
        self.lineage = list(lineage or [])
        self.weights_changed.emit()
        self.model_replaced.emit()

    def set_config(self, config: RunConfig) -> None:
        """The settings of the next run on the current model (same network recipe)."""
        self.config = config

    def set_weights(self, params: dict) -> None:
        """Copy a snapshot of parameters into the current model."""
        self.model.set_params(params)
        self.weights_changed.emit()

    def begin_run(self, run: Run) -> None:
        self.lineage.append(run)
        self.run_started.emit(run)

    def end_run(self, run: Run) -> None:
        self.run_finished.emit(run)

    @property
    def my_digits_X(self) -> np.ndarray:
        """The user's drawings as the network receives them, standardised ``(n, 64)``."""
        return self.data.scaler.transform(self.my_digits.reshape(-1, 64))

    def set_my_digits(self, digits: np.ndarray, labels: np.ndarray) -> None:
        """The user's labelled drawings: 8x8 digits ``(n, 8, 8)`` of counts 0..16, labels."""
        self.my_digits = np.asarray(digits, dtype=np.float64).reshape(-1, 8, 8)
        self.my_labels = np.asarray(labels, dtype=np.intp).reshape(-1)
        self.my_digits_changed.emit()

    def set_train_on_my_digits(self, train: bool) -> None:
        self.train_on_my_digits = bool(train)
        self.my_digits_changed.emit()

    def set_engine(self, engine: str) -> None:
        self.engine = engine
        self.settings_changed.emit()

    def set_bug(self, bug: str | None) -> None:
        """Make (or, with None, stop making) a deliberate mistake in the backward pass."""
        self.bug = bug
        self.model.bug = bug
        self.settings_changed.emit()
