"""Backprop Lab: train a hand-written NumPy neural network on 8x8 digits and watch it learn.

python main.py                        the desktop app
python main.py train [options]        headless training (python main.py train --help)
python main.py --self-test            train, draw, save and reopen; prints "self-test ok"
python main.py --quit-after-startup   show the window with its data ready, then exit
python main.py --version
"""

import argparse
import os
import sys

# The networks here are small (at most a few thousand rows by a few hundred columns): BLAS
# threads cost more to wake than they save, and on a busy 2-core laptop they stalled training
# up to 7x (measured). Set before NumPy loads; a user's explicit setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"


def build_parser() -> argparse.ArgumentParser:
    """The app's arguments; ``train`` has its own (``engine.train_command``), shown in the help."""
    from engine.train_command import build_parser as train_parser

    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Backprop Lab: train a NumPy neural network on 8x8 digits and watch\n"
        "backpropagation learn. Without arguments, opens the window.",
        epilog="The train command (no window):\n\n" + train_parser().format_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", nargs="?", choices=["train"], help="train: train without a window"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="build the window, train, draw, save and reopen a model; print 'self-test ok'",
    )
    parser.add_argument(
        "--quit-after-startup",
        action="store_true",
        help="show the window with its data ready, then exit (start-up measurements)",
    )
    parser.add_argument("--version", action="version", version=f"Backprop Lab {__version__}")
    return parser


def main(argv: list[str]) -> int:
    if argv[:1] == ["train"]:
        from engine.train_command import main as train_main

        return train_main(argv[1:])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version (0) or a bad argument (2, with the usage)
        return int(exit_.code or 0)
    from gui.app import run_app

    return run_app(self_test=args.self_test, quit_after_startup=args.quit_after_startup,
                   version=__version__)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
