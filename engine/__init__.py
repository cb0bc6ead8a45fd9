"""Backprop Lab's engine: a NumPy multilayer perceptron with hand-written backpropagation.

Pure NumPy (scikit-learn only to build the data split); it never imports Qt.
"""

from engine.activations import ACTIVATIONS, get_activation
from engine.analysis import (
    confusion_matrix,
    gradient_check,
    nearest_neighbors,
    per_sample_loss,
    worst_predictions,
)
from engine.config import RunConfig, format_hidden_sizes, parse_hidden_sizes
from engine.data import DigitsSplit, Standardizer, load_lab_split
from engine.drawing import bitmap_to_digit, digit_stages
from engine.functions import dsigmoid, nll, one_hot, sigmoid, softmax
from engine.history import History, fit
from engine.initializers import INITIALIZERS
from engine.mlp import MLP
from engine.model_file import ModelFile, ModelFileError, load_model, load_model_file, save_model
from engine.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from engine.training import (
    Evaluation,
    RunEnded,
    TrainingControl,
    UpdateLosses,
    run_training,
)

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "MLP",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "DigitsSplit",
    "Evaluation",
    "History",
    "ModelFile",
    "ModelFileError",
    "RunConfig",
    "RunEnded",
    "Standardizer",
    "TrainingControl",
    "UpdateLosses",
    "confusion_matrix",
    "dsigmoid",
    "bitmap_to_digit",
    "digit_stages",
    "fit",
    "format_hidden_sizes",
    "get_activation",
    "gradient_check",
    "load_lab_split",
    "load_model",
    "load_model_file",
    "make_optimizer",
    "nearest_neighbors",
    "nll",
    "one_hot",
    "parse_hidden_sizes",
    "per_sample_loss",
    "run_training",
    "save_model",
    "sigmoid",
    "softmax",
    "worst_predictions",
]
