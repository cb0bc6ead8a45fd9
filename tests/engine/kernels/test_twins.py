"""The kernels are optimised twins of the readable code: every lab preset trains to the same
weights and figures both ways (``--engine fast`` and ``--engine readable``).

Two float64 implementations of the same arithmetic differ by rounding, about 1e-16 per
operation, and SGD on one sample at a time amplifies such differences: on the preset with the
largest weights they double every ~0.9 epoch (measured: 2e-15 after one epoch, 9e-10 after 15),
as they do between the readable code and itself written with ``@`` instead of ``einsum``. So each
epoch is compared from the same starting weights, to 1e-10, and whole runs on their figures.
"""

import numpy as np
import pytest

from engine import History, run_training
from engine.kernels import choose_kernel
from engine.training.presets import PRESETS

EPOCHS_COMPARED = 3  # per preset, each from the readable run's weights


def relative_difference(a: dict, b: dict) -> float:
    return max(float(np.abs(a[k] - b[k]).max() / max(np.abs(b[k]).max(), 1e-300)) for k in b)


def one_epoch(model, digits, config, engine, epoch):
    config = config.with_changes(epochs=1, seed=config.seed + epoch)
    records = run_training(model, digits.X_train, digits.y_train, config=config, engine=engine)
    return History.from_records(list(records))


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_epoch_of_every_preset_is_the_same_both_ways(digits, name):
    config = PRESETS[name].config
    readable = config.build_model()
    kernel = choose_kernel(readable, config.optimizer, config.momentum, config.batch_size)
    for epoch in range(EPOCHS_COMPARED):
        fast = readable.copy()
        fast_history = one_epoch(fast, digits, config, "fast", epoch)
        readable_history = one_epoch(readable, digits, config, "readable", epoch)
        assert fast_history.trained_by == (kernel.name if kernel else "readable")
        assert readable_history.trained_by == "readable"
        assert relative_difference(fast.params, readable.params) < 1e-10, (name, epoch)
        np.testing.assert_allclose(
            fast_history.update_losses, readable_history.update_losses, rtol=1e-6, atol=1e-9
        )  # float32 storage


@pytest.mark.parametrize(
    "name", ["Lab: 10 sigmoid units", "Mini-batches of 32", "Momentum", "Second hidden layer"]
)
def test_whole_runs_print_the_same_figures_both_ways(digits, name):
    config = PRESETS[name].config
    histories = {}
    for engine in ("fast", "readable"):
        model = config.build_model()
        records = run_training(
            model, digits.X_train, digits.y_train, digits.X_test, digits.y_test,
            config=config, engine=engine,
        )  # fmt: skip
        histories[engine] = History.from_records(list(records))
    for column in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "grad_norm"):
        np.testing.assert_allclose(
            histories["fast"].column(column, epochs_only=True),
            histories["readable"].column(column, epochs_only=True),
            rtol=1e-9,
            atol=1e-12,
            err_msg=column,
        )
