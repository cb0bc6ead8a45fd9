"""``python main.py train``: the lab's training runs from the command line, without a window.

Prints the lab's lines (``Random init: ...`` then ``Epoch #1, ...``), or one JSON object per epoch
with ``--json``. Exit codes: 0 done, 2 bad arguments, 3 diverged.
"""

import argparse
import json
import math
import sys
from typing import TextIO

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITIALIZERS
from engine.data.digits import load_lab_split
from engine.files.model_file import save_model
from engine.training.config import RunConfig, parse_hidden_sizes
from engine.training.history import History
from engine.training.loop import Evaluation, RunEnded, UpdateLosses, run_training, updates_per_epoch

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED = 0, 2, 3

# RunConfig field -> the flag that sets it, to name the flag in error messages.
FLAGS = {
    "hidden_sizes": "--hidden",
    "activation": "--activation",
    "init": "--init",
    "init_scale": "--init-scale",
    "optimizer": "--optimizer",
    "learning_rate": "--lr",
    "momentum": "--momentum",
    "batch_size": "--batch-size",
    "epochs": "--epochs",
    "seed": "--seed",
}


def hidden_sizes_arg(text: str) -> tuple[int, ...]:
    try:
        return parse_hidden_sizes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    defaults = RunConfig()
    parser = argparse.ArgumentParser(
        prog="main.py train",
        description="Train a NumPy MLP on the lab's 8x8 digits split and print its progress.",
    )
    add = parser.add_argument
    add(
        "--hidden",
        type=hidden_sizes_arg,
        default=defaults.hidden_sizes,
        metavar="SIZES",
        help="hidden layer sizes, a comma list such as 64,32; 'none' for logistic regression "
        "(default: 10)",
    )
    add("--activation", choices=list(ACTIVATIONS), default=defaults.activation)
    add(
        "--init",
        choices=list(INITIALIZERS),
        default=defaults.init,
        help="weight initialization (default: uniform, the lab's +-0.01)",
    )
    add("--init-scale", type=float, default=None, help="scale of the initialization")
    add(
        "--optimizer",
        choices=["sgd", "nesterov", "adam"],
        default="sgd",
        help="sgd (with --momentum for momentum), nesterov, or adam",
    )
    add("--lr", type=float, default=defaults.learning_rate, help="learning rate (default: 0.1)")
    add(
        "--batch-size",
        type=int,
        default=defaults.batch_size,
        help="samples per update, 1 (the lab) to 1527 (full batch)",
    )
    add(
        "--momentum",
        type=float,
        default=None,
        help="momentum in [0, 1) (default: 0, or 0.9 with --optimizer nesterov)",
    )
    add("--epochs", type=int, default=defaults.epochs, help="passes over the training set")
    add("--seed", type=int, default=defaults.seed, help="seed of the initialization and shuffling")
    add("--no-shuffle", action="store_true", help="visit the samples in order, as the lab does")
    add(
        "--eval-every",
        type=int,
        default=None,
        metavar="N",
        help="also evaluate every N updates (with --json, printed as extra objects)",
    )
    add("--save", metavar="FILE", help="save the trained model to FILE (.npz)")
    add("--json", action="store_true", help="print one JSON object per epoch instead of text")
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    nesterov = args.optimizer == "nesterov"
    momentum = args.momentum if args.momentum is not None else (0.9 if nesterov else 0.0)
    return RunConfig(
        hidden_sizes=args.hidden,
        activation=args.activation,
        init=args.init,
        init_scale=args.init_scale,
        optimizer="adam" if args.optimizer == "adam" else "sgd",
        learning_rate=args.lr,
        momentum=momentum,
        nesterov=nesterov,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=not args.no_shuffle,
        seed=args.seed,
    )


def lab_line(evaluation: Evaluation) -> str:
    head = "Random init:" if evaluation.update == 0 else f"Epoch #{evaluation.epoch},"
    return (
        f"{head} train loss: {evaluation.train_loss:.5f}, "
        f"train acc: {evaluation.train_accuracy:.3f}, test acc: {evaluation.test_accuracy:.3f}"
    )


def json_line(evaluation: Evaluation) -> str:
    data = {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in evaluation.to_dict().items()
    }
    return json.dumps(data)


class ProgressLine:
    """A one-line progress display on a terminal (stderr), erased before each printed line."""

    def __init__(self, stream: TextIO, per_epoch: int) -> None:
        self.stream, self.per_epoch = stream, per_epoch
        self.enabled = stream.isatty()
        self.shown = False

    def show(self, record: UpdateLosses) -> None:
        if not self.enabled:
            return
        done = (record.first_update + len(record.losses) - 1) - (record.epoch - 1) * self.per_epoch
        if done % max(1, self.per_epoch // 50) and done != self.per_epoch:
            return
        self.stream.write(f"\r  epoch {record.epoch}: {100 * done / self.per_epoch:5.1f}%")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()
            self.shown = False


def main(argv: list[str], stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    data = load_lab_split()
    config = config_from_args(args)
    errors = config.validate(n_train=len(data.y_train))
    if args.eval_every is not None and args.eval_every < 1:
        errors["eval_every"] = "must be at least 1"
    if errors:
        for field, message in errors.items():
            print(f"main.py train: error: {FLAGS.get(field, '--' + field)}: {message}", file=stderr)
        return EXIT_USAGE
    model = config.build_model(data.n_features, 10)
    history = History()
    progress = ProgressLine(stderr, updates_per_epoch(len(data.y_train), config.batch_size))
    records = run_training(
        model,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        config=config,
        eval_every=args.eval_every,
    )
    for record in records:
        history.add(record)
        if isinstance(record, UpdateLosses):
            progress.show(record)
        elif isinstance(record, Evaluation):
            progress.clear()
            if args.json:
                print(json_line(record), file=stdout, flush=True)
            elif record.end_of_epoch or record.update == 0:
                print(lab_line(record), file=stdout, flush=True)
        elif isinstance(record, RunEnded):
            progress.clear()
    if args.save:
        save_model(args.save, model, config=config, scaler=data.scaler, history=history)
    if history.end is not None and history.end.status == "diverged":
        print(f"main.py train: {history.end.reason}", file=stderr)
        return EXIT_DIVERGED
    return EXIT_OK
