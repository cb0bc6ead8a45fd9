"""Backprop Lab: train a hand-written NumPy neural network on 8x8 digits and watch it learn.

python main.py                        the desktop app
python main.py train [options]        headless training (python main.py train --help)
python main.py --self-test            train, draw, save and reopen; prints "self-test ok"
python main.py --quit-after-startup   show the window with its data ready, then exit
python main.py --version
"""

import os
import sys

# The networks here are small (at most a few thousand rows by a few hundred columns): BLAS
# threads cost more to wake than they save, and on a busy 2-core laptop they stalled training
# up to 7x (measured). Set before NumPy loads; a user's explicit setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"


def main(argv: list[str]) -> int:
    if argv[:1] == ["train"]:
        from engine.train_command import main as train_main

        return train_main(argv[1:])
    if "--version" in argv:
        print(f"Backprop Lab {__version__}")
        return 0
    from gui.app import run_app

    return run_app(argv, version=__version__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
