"""Training speed of the engine against the lab's code, scikit-learn and (if installed) PyTorch.

One run measures every contender in several alternated rounds (each round runs every contender
once, in a rotated order, so machine noise hits all alike), with BLAS and OpenMP limited to one
thread, and prints medians of seconds per epoch and speed-up ratios against peers measured in the
same run. Setup (building a model, a stepper, a classifier) is not timed; the garbage collector
is off during each timed call, as in ``timeit`` (no ``gc.collect()`` before it: that would
start every call with cold caches).

The headline ratios (with targets) time what the lab's loop times: the training updates of one
epoch (the lab's ``train()`` calls; ours: the stepper of the kernel ``engine.kernels``
chooses, the update loop that ``run_training`` drives, called on the epoch's sample order).
``engine.fit`` is also timed,
labelled informational: one epoch as a user calls it, with the evaluations the app shows (train
and test loss and accuracy before training and at the epoch's end, where it also computes the
full-training-set gradient norm), the kernel set-up and the run's bookkeeping.

1. One sample at a time, the lab's 64-10-10 sigmoid net on the lab split (1527 training
   samples), one epoch, no shuffle, learning rate 0.1: the lab's ``NeuralNet.train`` on each
   sample (the lab's loop) against our update loop on ``np.arange(n)``. Target: at least 3.5x
   faster. The same script checks that, from the same initial weights, the engine's weights
   after one epoch (``fit`` and the update loop) equal the lab's to 1e-10 (exit code 1
   otherwise).
2. Batch 32, same net, shuffled: our update loop against the lab's one-sample epoch (target at
   least 15x) and scikit-learn's ``MLPClassifier`` with the same settings (logistic, plain SGD,
   no momentum, no L2, constant learning rate 0.1, batch 32; target at least 3x).
   scikit-learn's epoch is one ``partial_fit`` call on a classifier that has already done one
   (untimed) epoch: a steady-state epoch without the weight initialisation that
   ``fit(max_iter=1)`` would add (and without any evaluation). It gets float64 data, as the
   engine computes in float64.
3. Batch 32 on a 64-128-64-10 relu net (the engine's generic path): ours against scikit-learn
   and PyTorch (float64, one thread; skipped if ``import torch`` fails). Informational, no
   targets.

Needs threadpoolctl (``pip install -e .[bench]``). Exit code 1 if the weights differ from the
lab's; missed speed targets are reported (FAIL) but do not change the exit code.

Run: ``python bench/bench_engine.py [--rounds N] [--quick]``
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import engine  # noqa: E402
from bench import lab_reference  # noqa: E402
from engine.core.optimizers import SGD  # noqa: E402
from engine.kernels import choose_kernel  # noqa: E402
from engine.training.loop import readable_stepper  # noqa: E402

LEARNING_RATE = 0.1
BATCH = 32
WEIGHT_TOLERANCE = 1e-10
NOISE_LIMIT = 1.15  # a median this far above the fastest round flags a noisy run
SEED = 0

Runner = Callable[[], object]
FIT_LABEL = "ours: engine.fit, with evaluations"


@dataclass
class Contender:
    key: str
    label: str
    setup: Callable[[int], Runner]  # round number -> the call to time (one epoch)


@dataclass
class Comparison:
    section: int
    ours: str
    peer: str
    target: float | None  # minimum speed-up (peer time / our time), None: informational


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    X32: np.ndarray  # the lab split's training inputs, float32 as the lab has them
    y32: np.ndarray  # int32 labels, as the lab has them
    X64: np.ndarray  # float64 copy (what the engine trains on)
    y: np.ndarray  # intp labels
    X_test32: np.ndarray  # the lab split's test set (what fit() evaluates alongside)
    y_test32: np.ndarray

    @property
    def n(self) -> int:
        return len(self.y)


def load_data() -> Data:
    split = engine.load_lab_split()
    return Data(
        X32=split.X_train,
        y32=split.y_train,
        X64=np.ascontiguousarray(split.X_train, dtype=np.float64),
        y=split.y_train.astype(np.intp),
        X_test32=split.X_test,
        y_test32=split.y_test,
    )


# --- contenders ------------------------------------------------------------------------------


def lab_net(seed: int = SEED) -> lab_reference.NeuralNet:
    # The lab's NeuralNet draws from the global generator.
    np.random.seed(seed)  # noqa: NPY002
    return lab_reference.NeuralNet(64, 10, 10)


def lab_epoch(net: lab_reference.NeuralNet, data: Data) -> None:
    # The lab's loop: `for i, (x, y) in enumerate(zip(X_train, y_train)): model.train(x, y, lr)`.
    for x, y in zip(data.X32, data.y32, strict=True):
        net.train(x, y, LEARNING_RATE)


def engine_model(hidden: tuple[int, ...], activation: str) -> engine.MLP:
    return engine.MLP(64, hidden, 10, activation=activation, seed=SEED)


def engine_stepper(
    model: engine.MLP, data: Data, batch_size: int, readable: bool = False
) -> Callable:
    """The update loop ``run_training`` uses: the kernel the fast engine chooses, or with
    ``readable`` the readable code (``MLP.loss_and_grad``)."""
    optimizer = SGD(LEARNING_RATE)
    kernel = None if readable else choose_kernel(model, "sgd", 0.0, batch_size)
    if kernel is None:
        return readable_stepper(model, data.X64, data.y, optimizer, batch_size)
    return kernel.build(model, data.X64, data.y, optimizer, batch_size)


def sklearn_classifier(hidden: tuple[int, ...], activation: str, seed: int) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="sgd",
        batch_size=BATCH,
        learning_rate="constant",
        learning_rate_init=LEARNING_RATE,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        max_iter=1,
        shuffle=True,
        early_stopping=False,
        n_iter_no_change=10**9,
        tol=0.0,
        random_state=seed,
    )


def make_contenders(data: Data, with_deep: bool) -> tuple[list[Contender], list[Comparison]]:
    n = data.n
    contenders: list[Contender] = []
    comparisons: list[Comparison] = []

    def add(key: str, label: str, setup: Callable[[int], Runner]) -> None:
        contenders.append(Contender(key, label, setup))

    # 1. one sample at a time
    def fit_setup(
        hidden: tuple[int, ...], activation: str, batch_size: int, shuffle: bool
    ) -> Callable[[int], Runner]:
        """One ``engine.fit`` epoch with its evaluations, as a user gets it."""

        def setup(round_: int) -> Runner:
            model = engine_model(hidden, activation)
            return lambda: engine.fit(
                model,
                data.X32,
                data.y32,
                data.X_test32,
                data.y_test32,
                epochs=1,
                learning_rate=LEARNING_RATE,
                batch_size=batch_size,
                shuffle=shuffle,
                seed=round_,
            )

        return setup

    def lab_setup(_: int) -> Runner:
        net = lab_net()
        return lambda: lab_epoch(net, data)

    def step1_setup(_: int) -> Runner:
        step = engine_stepper(engine_model((10,), "sigmoid"), data, 1)
        order = np.arange(n)
        return lambda: step(order)

    add("lab", "lab: NeuralNet.train per sample", lab_setup)
    add("step1", "ours: training updates", step1_setup)
    add("fit1", FIT_LABEL, fit_setup((10,), "sigmoid", 1, shuffle=False))
    comparisons += [Comparison(1, "step1", "lab", 3.5), Comparison(1, "fit1", "lab", None)]

    # 2. batch 32, same net
    def step32_setup(hidden: tuple[int, ...], activation: str) -> Callable[[int], Runner]:
        def setup(round_: int) -> Runner:
            step = engine_stepper(engine_model(hidden, activation), data, BATCH)
            order = np.random.default_rng(round_).permutation(n)
            return lambda: step(order)

        return setup

    def sklearn_setup(hidden: tuple[int, ...], activation: str) -> Callable[[int], Runner]:
        def setup(round_: int) -> Runner:
            clf = sklearn_classifier(hidden, activation, round_)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.partial_fit(data.X64, data.y, classes=np.arange(10))  # initialises, untimed

            def run() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.partial_fit(data.X64, data.y)

            return run

        return setup

    add("step32", "ours: training updates", step32_setup((10,), "sigmoid"))
    add("fit32", FIT_LABEL, fit_setup((10,), "sigmoid", BATCH, shuffle=True))
    add("sk32", "sklearn: MLPClassifier.partial_fit", sklearn_setup((10,), "logistic"))
    comparisons += [
        Comparison(2, "step32", "lab", 15.0),
        Comparison(2, "step32", "sk32", 3.0),
        Comparison(2, "fit32", "lab", None),
        Comparison(2, "fit32", "sk32", None),
    ]

    # 3. batch 32, 64-128-64-10 relu
    if with_deep:
        deep = (128, 64)
        add("stepdeep", "ours: training updates", step32_setup(deep, "relu"))
        add("fitdeep", FIT_LABEL, fit_setup(deep, "relu", BATCH, shuffle=True))
        add("skdeep", "sklearn: MLPClassifier.partial_fit", sklearn_setup(deep, "relu"))
        comparisons += [
            Comparison(3, "stepdeep", "skdeep", None),
            Comparison(3, "fitdeep", "skdeep", None),
        ]
        torch_setup = make_torch_setup(data, deep)
        if torch_setup is not None:
            add("torchdeep", "PyTorch (float64)", torch_setup)
            comparisons += [
                Comparison(3, "stepdeep", "torchdeep", None),
                Comparison(3, "fitdeep", "torchdeep", None),
            ]
    return contenders, comparisons


def make_torch_setup(data: Data, hidden: tuple[int, ...]) -> Callable[[int], Runner] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    X = torch.from_numpy(data.X64)
    y = torch.from_numpy(data.y.astype(np.int64))
    n = data.n

    def setup(round_: int) -> Runner:
        torch.manual_seed(SEED)
        sizes = (64, *hidden, 10)
        layers: list = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1]).double()
        optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
        loss_fn = torch.nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(round_)

        def run() -> None:
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, BATCH):
                batch = order[start : start + BATCH]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(net(X[batch]), y[batch]).backward()
                optimizer.step()

        return run

    return setup


# --- the lab-equivalence check ---------------------------------------------------------------


def weight_differences(data: Data) -> dict[str, float]:
    """Max abs difference between the lab's weights and the engine's after one epoch from the
    same initial weights, one sample at a time in order, for fit() and the raw stepper."""
    net = lab_net()
    initial = {"W1": net.W_h, "b1": net.b_h, "W2": net.W_o, "b2": net.b_o}
    models = {}
    for path in ("fit", "stepper", "readable"):
        model = engine_model((10,), "sigmoid")
        for key, value in initial.items():
            model.params[key][...] = value
        models[path] = model
    lab_epoch(net, data)
    engine.fit(
        models["fit"],
        data.X32,
        data.y32,
        epochs=1,
        learning_rate=LEARNING_RATE,
        batch_size=1,
        shuffle=False,
    )
    engine_stepper(models["stepper"], data, 1)(np.arange(data.n))
    engine_stepper(models["readable"], data, 1, readable=True)(np.arange(data.n))
    final = {"W1": net.W_h, "b1": net.b_h, "W2": net.W_o, "b2": net.b_o}
    return {
        path: max(float(np.max(np.abs(model.params[k] - final[k]))) for k in final)
        for path, model in models.items()
    }


# --- timing ----------------------------------------------------------------------------------


def measure(contenders: list[Contender], rounds: int) -> dict[str, list[float]]:
    """Seconds of each contender's timed call, one per round; one untimed warm-up round first."""
    times: dict[str, list[float]] = {c.key: [] for c in contenders}
    k = len(contenders)
    for round_ in range(-1, rounds):
        shift = max(round_, 0) % k
        for contender in contenders[shift:] + contenders[:shift]:
            run = contender.setup(max(round_, 0))
            gc.disable()
            try:
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            if round_ >= 0:
                times[contender.key].append(elapsed)
    return times


# --- report ----------------------------------------------------------------------------------

SECTIONS = {
    1: "1. One sample at a time, 64-10-10 sigmoid, 1527 samples, 1 epoch, no shuffle",
    2: "2. Batch 32, 64-10-10 sigmoid, shuffled",
    3: "3. Batch 32, 64-128-64-10 relu, shuffled (informational, no targets)",
}
SECTION_OF = {
    "lab": 1,
    "fit1": 1,
    "step1": 1,
    "fit32": 2,
    "step32": 2,
    "sk32": 2,
    "fitdeep": 3,
    "stepdeep": 3,
    "skdeep": 3,
    "torchdeep": 3,
}


def environment() -> str:
    blas = [
        f"{i['internal_api']} {i.get('version') or ''} {i.get('architecture') or ''} "
        f"threads={i['num_threads']}".replace("  ", " ")
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    return (
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}; BLAS: {'; '.join(blas)}"
        + (f"; OPENBLAS_CORETYPE={coretype}" if coretype else "")
    )


def report(
    contenders: list[Contender],
    comparisons: list[Comparison],
    times: dict[str, list[float]],
    torch_missing: bool,
) -> int:
    """Print the tables; returns the number of failed targets."""
    median = {key: statistics.median(values) for key, values in times.items()}
    labels = {c.key: c.label for c in contenders}
    failed = 0
    width = max(len(c.label) for c in contenders) + 2
    for section, title in SECTIONS.items():
        keys = [c.key for c in contenders if SECTION_OF[c.key] == section]
        if not keys:
            continue
        print(f"\n{title}")
        print(f"  {'contender':<{width}}{'median s/epoch':>15}{'min':>10}{'max':>10}")
        for key in keys:
            values = times[key]
            print(
                f"  {labels[key]:<{width}}{median[key]:>15.5f}"
                f"{min(values):>10.5f}{max(values):>10.5f}"
            )
        if section == 2:
            print(f"  (lab: the one-sample epoch of section 1, {median['lab']:.5f} s)")
        rows = [c for c in comparisons if c.section == section]
        headline = [c for c in rows if c.target is not None]
        info = [c for c in rows if c.target is None]
        for group, title in (
            (headline, "headline: training updates of one epoch"),
            (
                info,
                "informational, no target" + (": fit() includes evaluations" if headline else ""),
            ),
        ):
            if not group:
                continue
            print(f"  {title}")
            print(f"  {'ours':<{width}}{'vs':<9}{'ratio':>8}{'target':>9}  result")
            for c in group:
                ratio = median[c.peer] / median[c.ours]
                if c.target is None:
                    target, result = "-", "info"
                else:
                    target = f">={c.target:g}x"
                    result = "PASS" if ratio >= c.target else "FAIL"
                    failed += result == "FAIL"
                peer = labels[c.peer].split(":")[0]
                print(f"  {labels[c.ours]:<{width}}{peer:<9}{ratio:>7.2f}x{target:>9}  {result}")
        if section == 3 and torch_missing:
            print("  PyTorch not installed: skipped")
    noisy = [labels[k] for k, v in times.items() if median[k] > NOISE_LIMIT * min(v)]
    if noisy:
        print(
            f"\nWarning: noisy machine (median above {NOISE_LIMIT:g}x the fastest round for "
            f"{len(noisy)} contender(s)); rerun, or use more --rounds, for firm ratios."
        )
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=None, help="alternated rounds (default 7, 3 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds and no 64-128-64-10 section")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 7)
    if rounds < 1:
        parser.error("--rounds must be at least 1")

    data = load_data()
    with threadpool_limits(limits=1):
        print(environment())
        diffs = weight_differences(data)
        contenders, comparisons = make_contenders(data, with_deep=not args.quick)
        torch_missing = not args.quick and "torchdeep" not in {c.key for c in contenders}
        print(
            f"{rounds} alternated rounds of {len(contenders)} contenders "
            "(+1 warm-up round), medians; one BLAS thread"
        )
        times = measure(contenders, rounds)
    failed = report(contenders, comparisons, times, torch_missing)

    print("\nSame weights as the lab's code after one epoch (same initial weights, batch 1):")
    ok = True
    for path, diff in diffs.items():
        good = diff <= WEIGHT_TOLERANCE
        ok &= good
        print(f"  {path}: max abs difference {diff:.3e} (<= {WEIGHT_TOLERANCE:g}: {good})")
    print(f"\n{failed} target(s) missed." if failed else "\nAll targets met.")
    if not ok:
        print("ERROR: the engine's weights differ from the lab's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
