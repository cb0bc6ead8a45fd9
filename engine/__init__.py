"""Backprop Lab's engine: a NumPy multilayer perceptron with hand-written backpropagation.

Pure NumPy (scikit-learn only to build the data split); it never imports Qt.
"""

from engine.core.activations import ACTIVATIONS, get_activation
from engine.core.functions import dsigmoid, nll, one_hot, sigmoid, softmax
from engine.core.initializers import INITIALIZERS
from engine.core.mlp import MLP
from engine.core.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from engine.data.digits import DigitsSplit, Standardizer, load_lab_split
from engine.data.drawing import bitmap_to_digit, digit_stages
from engine.experiments.analysis import (
    confusion_matrix,
    gradient_check,
    nearest_neighbors,
    per_sample_loss,
    worst_predictions,
)
from engine.experiments.framework_check import (
    FrameworkCheck,
    FrameworkCheckError,
    FrameworkEpoch,
    check_against_sklearn,
    epoch_mean_losses,
    sklearn_params,
)
from engine.experiments.lab_questions import LabAnswers, fit_diagnosis, lab_answers
from engine.experiments.runs import (
    FinalFigures,
    Run,
    RunStore,
    describe_differences,
    differences_column,
    final_figures,
)
from engine.experiments.sweep import (
    SWEEPABLE,
    SweepResult,
    SweepRow,
    SweepRunStarted,
    parse_sweep_values,
    run_sweep,
    sweep_configs,
)
from engine.files.model_file import (
    ModelFile,
    ModelFileError,
    load_model,
    load_model_file,
    save_model,
)
from engine.files.numpy_export import export_numpy
from engine.training.config import RunConfig, format_hidden_sizes, parse_hidden_sizes
from engine.training.history import History, fit
from engine.training.loop import (
    Evaluation,
    RunEnded,
    TrainingControl,
    UpdateLosses,
    run_training,
)

__all__ = [
    "ACTIVATIONS",
    "Adam",
    "DigitsSplit",
    "Evaluation",
    "FinalFigures",
    "FrameworkCheck",
    "FrameworkCheckError",
    "FrameworkEpoch",
    "History",
    "INITIALIZERS",
    "LabAnswers",
    "MLP",
    "ModelFile",
    "ModelFileError",
    "OPTIMIZERS",
    "Run",
    "RunConfig",
    "RunEnded",
    "RunStore",
    "SGD",
    "SWEEPABLE",
    "Standardizer",
    "SweepResult",
    "SweepRow",
    "SweepRunStarted",
    "TrainingControl",
    "UpdateLosses",
    "bitmap_to_digit",
    "check_against_sklearn",
    "confusion_matrix",
    "describe_differences",
    "differences_column",
    "digit_stages",
    "dsigmoid",
    "epoch_mean_losses",
    "export_numpy",
    "final_figures",
    "fit",
    "fit_diagnosis",
    "format_hidden_sizes",
    "get_activation",
    "gradient_check",
    "lab_answers",
    "load_lab_split",
    "load_model",
    "load_model_file",
    "make_optimizer",
    "nearest_neighbors",
    "nll",
    "one_hot",
    "parse_hidden_sizes",
    "parse_sweep_values",
    "per_sample_loss",
    "run_sweep",
    "run_training",
    "save_model",
    "sigmoid",
    "sklearn_params",
    "softmax",
    "sweep_configs",
    "worst_predictions",
]
