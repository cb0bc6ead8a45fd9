"""``python main.py train``: the lab's training runs from the command line, without a window.

Prints the lab's lines (``Random init: ...`` then ``Epoch #1, ...``), or one JSON object per
evaluation with ``--json``. The hyperparameter flags are generated from
``engine.training.hyperparameters``. Everything is checked before training starts, ``--save``
included. Exit codes: 0 done, 2 bad arguments, 3 diverged, 130 interrupted (Ctrl-C: the run stops
between two updates and, with ``--save``, the weights reached so far are saved).
"""

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from engine.data.augment import training_redraw
from engine.data.digits import N_CLASSES, load_lab_split
from engine.files.atomic import TEMP_SUFFIX
from engine.files.model_file import save_model
from engine.kernels import ENGINES
from engine.training.config import RunConfig
from engine.training.control import TrainingControl
from engine.training.history import History
from engine.training.hyperparameters import (
    HYPERPARAMETERS,
    OPTIMIZER_CHOICES,
    Hyperparameter,
    with_optimizer_choice,
)
from engine.training.loop import run_training, updates_per_epoch
from engine.training.records import Evaluation, RunEnded, UpdateLosses, finite_or_none

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130
PROG = "main.py train"


def _typed(h: Hyperparameter):
    def parse(text: str) -> Any:
        try:
            return h.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = h.kind  # argparse names the type in some messages
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train a NumPy MLP on the lab's 8x8 digits split and print its progress.",
    )
    for h in HYPERPARAMETERS.values():
        if h.kind == "bool":  # --no-shuffle turns shuffling off, --augment turns augmenting on
            parser.add_argument(h.flag, dest=h.name, action="store_true", help=h.help)
        else:
            metavar = "{" + ",".join(h.choices) + "}" if h.choices else h.name.upper()
            parser.add_argument(
                h.flag, dest=h.name, type=_typed(h), default=None, metavar=metavar, help=h.help
            )
    add = parser.add_argument
    add(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast (default): optimised kernels where they apply; readable: train through "
        "MLP.forward_keep_activations and MLP.backward only (the same numbers, slower)",
    )
    add(
        "--eval-every",
        type=int,
        default=None,
        metavar="N",
        help="also evaluate every N updates (with --json, printed as extra objects)",
    )
    add("--save", metavar="FILE", help="save the trained model to FILE (.npz)")
    add("--json", action="store_true", help="print one JSON object per evaluation instead of text")
    return parser


def config_from_args(args: argparse.Namespace) -> tuple[RunConfig, dict[str, str], list[str]]:
    """The configuration the flags describe, the flags refused (flag -> why), and warnings."""
    config, errors, warnings = RunConfig(), {}, []
    for h in HYPERPARAMETERS.values():
        value = getattr(args, h.name)
        if h.kind == "bool":
            if value:  # the flag was given
                config = h.apply(config, h.flag_value)
        elif value is not None and h.name != "momentum":
            config = h.apply(config, value)
    momentum = args.momentum
    choice = config.optimizer_choice
    if momentum is not None:
        if choice == "adam" and momentum != 0:
            errors["--momentum"] = (
                "adam does not use momentum; use --optimizer momentum or nesterov"
            )
        elif choice == "sgd" and momentum > 0:  # sgd with momentum: the momentum optimizer
            config = with_optimizer_choice(config, "momentum").with_changes(momentum=momentum)
        elif OPTIMIZER_CHOICES[choice].uses_momentum:
            config = config.with_changes(momentum=momentum)
    if args.init_scale is not None and config.init == "zeros":
        warnings.append("--init-scale has no effect with --init zeros")
    return config, errors, warnings


def save_problem(text: str) -> str | None:
    """Why ``--save text`` cannot be written, or None: checked before any training."""
    if not text.strip():
        return "give a file name, such as model.npz"
    path = Path(text).expanduser()
    if path.is_dir():
        return f"{text} is a folder; give a file name inside it"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    try:  # the save writes a temporary file there and renames it: try exactly that
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
        os.close(handle)
        os.unlink(probe)
    except OSError:  # os.access says yes to root even in /proc or on a read-only disk
        return f"cannot write in the folder {folder}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{text} is read-only"
    return None


def lab_line(evaluation: Evaluation) -> str:
    head = "Random init:" if evaluation.update == 0 else f"Epoch #{evaluation.epoch},"
    return (
        f"{head} train loss: {evaluation.train_loss:.5f}, "
        f"train acc: {evaluation.train_accuracy:.3f}, test acc: {evaluation.test_accuracy:.3f}"
    )


def json_line(evaluation: Evaluation) -> str:
    data = evaluation.to_dict()
    for key, value in data.items():
        if isinstance(value, float):
            data[key] = finite_or_none(value)
    data["layers"] = [
        {k: finite_or_none(v) if isinstance(v, float) else v for k, v in layer.items()}
        for layer in data["layers"]
    ]
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


class _Interrupt:
    """The first Ctrl-C asks the run to stop between two updates; a second one is the default
    (KeyboardInterrupt). Installed only in the main thread."""

    def __init__(self, control: TrainingControl) -> None:
        self.control, self.requested, self._previous = control, False, None

    def __enter__(self) -> "_Interrupt":
        try:
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        except ValueError:  # not the main thread
            self._previous = None
        return self

    def _on_signal(self, signum, frame) -> None:
        self.requested = True
        self.control.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _error(stderr: TextIO, message: str) -> None:
    print(f"{PROG}: error: {message}", file=stderr)


def main(argv: list[str], stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    config, refused, warnings = config_from_args(args)
    try:
        data = load_lab_split()
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted before training", file=stderr)
        return EXIT_INTERRUPTED
    for name, message in config.validate(n_train=len(data.y_train)).items():
        refused.setdefault(HYPERPARAMETERS[name].flag, message)
    if args.eval_every is not None and args.eval_every < 1:
        refused["--eval-every"] = "must be at least 1"
    if args.save is not None and (problem := save_problem(args.save)):
        refused["--save"] = problem
    if refused:
        for flag, message in refused.items():
            _error(stderr, f"{flag}: {message}")
        return EXIT_USAGE
    for warning in warnings:
        print(f"{PROG}: warning: {warning}", file=stderr)
    model = config.build_model(data.n_features, N_CLASSES)
    history, control = History(), TrainingControl()
    progress = ProgressLine(stderr, updates_per_epoch(len(data.y_train), config.batch_size))
    reader_gone = False
    records = run_training(
        model,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        config=config,
        control=control,
        eval_every=args.eval_every,
        engine=args.engine,
        redraw=training_redraw(data.X_train, data.scaler) if config.augment else None,
    )
    with _Interrupt(control) as interrupt:
        try:
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
        except BrokenPipeError:  # the reader went away (train | head -1): stop quietly
            reader_gone = True
            control.stop()
            records.close()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
        except KeyboardInterrupt:  # a second Ctrl-C, inside NumPy
            interrupt.requested = True
            records.close()
    end = history.end
    saved = None
    if args.save:
        try:
            saved = save_model(args.save, model, config=config, scaler=data.scaler, history=history)
        except OSError as error:
            _error(stderr, f"--save: could not write {args.save}: {error.strerror or error}")
            return EXIT_USAGE
    if interrupt.requested:
        updates = history.n_updates
        note = f"; saved the weights reached so far to {saved}" if saved else ""
        print(f"{PROG}: interrupted after {updates:,} updates{note}", file=stderr)
        return EXIT_INTERRUPTED
    if reader_gone:
        return EXIT_OK
    if end is not None and end.status == "diverged":
        print(f"{PROG}: diverged {end.reason}", file=stderr)
        return EXIT_DIVERGED
    return EXIT_OK
