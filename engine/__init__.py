"""Backprop Lab's engine: a NumPy multilayer perceptron with hand-written backpropagation.

NumPy (scikit-learn only for the data split and the framework check); it never imports Qt.
The packages, by what they do:

- ``core``: the lab's mathematics: functions, activations, initializations, ``MLP`` and its
  backpropagation, the update rules, the gradient check;
- ``training``: hyperparameters and ``RunConfig``, the training loop and its records, ``History``;
- ``kernels``: optimised twins of the readable backpropagation, proven equal to it;
- ``data``: the lab's digits split, and the pipeline from a drawing to an 8x8 digit;
- ``experiments``: stored runs, sweeps, the scikit-learn check, the lab's questions, analysis;
- ``files``: model files, atomic writes, the standalone NumPy export.
"""

from engine.core.activations import ACTIVATIONS, get_activation
from engine.core.backprop_trace import BackpropTrace, LayerTrace, trace_backprop
from engine.core.bugs import BUGS, Bug
from engine.core.functions import dsigmoid, nll, one_hot, sigmoid, softmax
from engine.core.gradient_check import (
    GradientCheck,
    check_gradients,
    gradient_check,
    numerical_gradient,
)
from engine.core.initializers import INITIALIZERS
from engine.core.mlp import MLP
from engine.core.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from engine.data.digits import (
    LAB_SAMPLE,
    N_CLASSES,
    N_FEATURES,
    DigitsSplit,
    Standardizer,
    load_lab_split,
)
from engine.data.drawing import bitmap_to_digit, digit_stages
from engine.experiments.analysis import (
    confusion_matrix,
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
from engine.kernels import ENGINES, KERNELS, READABLE
from engine.training.config import RunConfig, format_hidden_sizes, parse_hidden_sizes
from engine.training.control import TrainingControl
from engine.training.evaluation import activation_histograms
from engine.training.history import History, fit
from engine.training.hyperparameters import HYPERPARAMETERS, SWEEPABLE, Hyperparameter
from engine.training.loop import run_training, updates_per_epoch
from engine.training.records import (
    Evaluation,
    LayerHealth,
    Paused,
    RunEnded,
    RunStarted,
    UpdateLosses,
)

__all__ = [
    "ACTIVATIONS",
    "BUGS",
    "BackpropTrace",
    "Bug",
    "GradientCheck",
    "LayerTrace",
    "activation_histograms",
    "check_gradients",
    "trace_backprop",
    "Adam",
    "DigitsSplit",
    "ENGINES",
    "Evaluation",
    "FinalFigures",
    "FrameworkCheck",
    "FrameworkCheckError",
    "FrameworkEpoch",
    "HYPERPARAMETERS",
    "History",
    "Hyperparameter",
    "INITIALIZERS",
    "KERNELS",
    "LAB_SAMPLE",
    "LabAnswers",
    "LayerHealth",
    "MLP",
    "ModelFile",
    "ModelFileError",
    "N_CLASSES",
    "N_FEATURES",
    "OPTIMIZERS",
    "Paused",
    "READABLE",
    "Run",
    "RunConfig",
    "RunEnded",
    "RunStarted",
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
    "numerical_gradient",
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
    "updates_per_epoch",
    "worst_predictions",
]
