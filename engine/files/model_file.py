"""Saving and loading a trained model as one ``.npz`` file, never unpickled.

Version 2 of the format holds:

- ``param/W1``, ``param/b1``, ...: the parameters;
- ``scaler/mean``, ``scaler/scale``: the data scaler;
- for each run that trained these weights, oldest first, ``runs/<i>/update_losses`` (float32),
  ``runs/<i>/evaluations`` and ``runs/<i>/layers`` (float64 tables, see ``History``);
- ``metadata``: a JSON string with a format tag and version, the architecture, the current
  configuration and, per run, its configuration and the facts of its history.

Runs are stored apart, so a file tells where each one starts and ends. Version 1 files (one
history for all runs) are read too: their runs are told apart by the evaluations at update 0.

A model file may come from anywhere, so loading validates before it allocates (through
``NpzReader``): the metadata first (capped, parsed defensively, every field's type and range
checked), then the parameter count the architecture declares against ``MAX_PARAMETERS`` and
against the ``.npy`` headers of the parameter arrays, then the arrays themselves (exact shapes,
finite floats); the runs' arrays are checked by header and capped in total
(``MAX_HISTORY_BYTES``). Members the format does not name are never read. The model is built
last. Any bad file raises ``ModelFileError`` with a message saying what is wrong, and nothing
else is touched.

Saving writes a temporary file next to the target and renames it over, so an interrupted save
never leaves a half-written model; it refuses, before writing, what loading would refuse.
"""

import errno
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITIALIZERS
from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import write_atomic
from engine.files.json_file import finite_number, parse_json, shown, whole_number
from engine.files.npz_reader import ArrayHeader, ArrayRule, NpzError, NpzReader
from engine.training.config import RunConfig, parameter_count
from engine.training.history import (
    EVALUATION_COLUMNS,
    LAYER_COLUMNS,
    OLD_EVALUATION_WIDTH,
    History,
)
from engine.training.hyperparameters import MAX_HIDDEN_LAYERS, MAX_PARAMETERS, MAX_UNITS

FORMAT_TAG = "backprop-lab-model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)

MAX_METADATA_BYTES = 4 << 20  # as stored (4 bytes a character); real metadata takes a few KB
MAX_LAYER_SIZE = 1 << 16  # inputs and classes; this app writes 64 and 10
MAX_SEED = 2**64 - 1  # what NumPy's generators take; the app's own seeds stop at 2**32 - 1
MAX_METADATA_DEPTH = 32  # the real metadata is 5 levels deep
MAX_RUNS = 1000
MAX_HISTORY_BYTES = 256 << 20  # all runs' arrays: 64 million float32 losses
MAX_MEMBERS = 4096
_PARAMETER_BYTES = 8 * MAX_PARAMETERS  # float64
# Every member's declared size counts, read or not: more than the format can hold means a
# crafted archive (a deflate bomb beside the model, say), refused before anything is read.
MAX_ARCHIVE_BYTES = (
    _PARAMETER_BYTES
    + 2 * 8 * MAX_LAYER_SIZE  # the scaler
    + MAX_METADATA_BYTES
    + MAX_HISTORY_BYTES
    + MAX_MEMBERS * 1024  # .npy headers
)

METADATA_RULE = ArrayRule("U", shape=(), max_bytes=MAX_METADATA_BYTES)
_N_EVALUATION_COLUMNS = len(EVALUATION_COLUMNS)
_MAX_LAYER_COLUMNS = len(LAYER_COLUMNS) * (MAX_HIDDEN_LAYERS + 1)
_RUN_RULES = {
    "update_losses": ArrayRule("f", shape=(None,), max_bytes=MAX_HISTORY_BYTES),
    # the width is checked with the header (files before the my-digits columns have fewer)
    "evaluations": ArrayRule("f", shape=(None, None), max_bytes=MAX_HISTORY_BYTES),
    "layers": ArrayRule("f", shape=(None, None), max_bytes=MAX_HISTORY_BYTES),
}
_V1_LOSSES = "history/update_losses"


class ModelFileError(Exception):
    """A model file that cannot be used; the message says why."""


@dataclass
class ModelFile:
    """What a model file holds: the model, its configuration and scaler, and the runs that
    trained it, oldest first, each as ``(configuration, history)``."""

    model: MLP
    config: RunConfig | None = None
    scaler: Standardizer | None = None
    runs: list[tuple[RunConfig, History]] = field(default_factory=list)

    @property
    def history(self) -> History | None:
        """The last run's history, or None."""
        return self.runs[-1][1] if self.runs else None


# --- saving ------------------------------------------------------------------------------------


def _architecture_of(model: MLP) -> dict[str, Any]:
    return {
        "input_size": model.input_size,
        "hidden_sizes": list(model.hidden_sizes),
        "output_size": model.output_size,
        "activation": model.activation.name,
        "init": model.init,
        "init_scale": model.init_scale,
        "seed": model.seed,
    }


def _too_large(message: str) -> OSError:
    # An OSError, as a full disk is: whoever saves (the window, the train command) already tells
    # the user about those, and the file is as impossible to write.
    return OSError(errno.EFBIG, message)


def save_model(
    path: str | os.PathLike,
    model: MLP,
    *,
    config: RunConfig | None = None,
    scaler: Standardizer | None = None,
    history: History | None = None,
    runs: list[tuple[RunConfig, History]] | None = None,
) -> Path:
    """Write ``model`` (and optionally its configuration, scaler and runs) atomically.

    ``runs`` lists the runs that trained the weights as ``(configuration, history)``; a single
    ``history`` may be given instead, as the run of ``config``. What ``load_model_file`` would
    refuse is refused before anything is written: an architecture beyond its limits with
    ``ValueError``, runs beyond ``MAX_RUNS`` or ``MAX_HISTORY_BYTES`` with ``OSError`` (``EFBIG``).
    """
    path = Path(path)
    if runs is None:
        runs = [(config or RunConfig(), history)] if history is not None else []
    architecture = _architecture_of(model)
    _Architecture.from_metadata(architecture)  # what loading would refuse, refused now
    if len(runs) > MAX_RUNS:
        raise _too_large(f"{len(runs):,} runs; a model file holds at most {MAX_RUNS:,}")
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    stored_runs = []
    for index, (run_config, run_history) in enumerate(runs):
        facts, parts = run_history.to_parts()
        stored_runs.append({"config": run_config.to_dict(), "history": facts})
        for name, array in parts.items():
            arrays[f"runs/{index}/{name}"] = array
    history_bytes = sum(a.nbytes for name, a in arrays.items() if name.startswith("runs/"))
    if history_bytes > MAX_HISTORY_BYTES:
        raise _too_large(
            f"the runs' histories take {history_bytes / 2**20:.0f} MiB; a model file holds "
            f"at most {MAX_HISTORY_BYTES / 2**20:.0f} MiB"
        )
    metadata = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "architecture": architecture,
        "param_keys": list(model.params),
        "config": config.to_dict() if config else None,
        "runs": stored_runs,
    }
    if scaler is not None:
        arrays["scaler/mean"], arrays["scaler/scale"] = scaler.mean, scaler.scale
    arrays["metadata"] = np.array(json.dumps(metadata))
    return write_atomic(path, lambda handle: np.savez(handle, **arrays))


# --- checking metadata values ------------------------------------------------------------------


def _name(value: Any, what: str, choices: dict[str, Any]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}, not {shown(value)}")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a mapping, not {shown(value)}")
    return value


def _text(value: Any, what: str, max_length: int) -> str:
    if not isinstance(value, str) or len(value) > max_length:
        raise ValueError(f"{what} must be text of at most {max_length:,} characters")
    return value


@dataclass(frozen=True)
class _Architecture:
    """The network a file declares, every field checked."""

    input_size: int
    hidden_sizes: tuple[int, ...]
    output_size: int
    activation: str
    init: str
    init_scale: float | None
    seed: int

    @classmethod
    def from_metadata(cls, data: Any) -> "_Architecture":
        """Check the metadata's ``architecture``; ``ValueError`` names the first bad field."""
        data = _mapping(data, "the architecture")
        hidden = data.get("hidden_sizes")
        if not isinstance(hidden, list | tuple):
            raise ValueError(f"hidden_sizes must be a list of layer sizes, not {shown(hidden)}")
        if len(hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"{len(hidden):,} hidden layers; at most {MAX_HIDDEN_LAYERS}")
        init_scale = data.get("init_scale")
        architecture = cls(
            input_size=whole_number(data.get("input_size"), "input_size", 1, MAX_LAYER_SIZE),
            hidden_sizes=tuple(
                whole_number(h, "a hidden layer size", 1, MAX_UNITS) for h in hidden
            ),
            output_size=whole_number(data.get("output_size"), "output_size", 1, MAX_LAYER_SIZE),
            activation=_name(data.get("activation"), "activation", ACTIVATIONS),
            init=_name(data.get("init", "uniform"), "init", INITIALIZERS),
            init_scale=None if init_scale is None else finite_number(init_scale, "init_scale", 0),
            seed=whole_number(data.get("seed", 0), "seed", 0, MAX_SEED),
        )
        count = architecture.parameter_count
        if count > MAX_PARAMETERS:
            raise ValueError(
                f"the architecture {architecture} has {count:,} parameters; "
                f"at most {MAX_PARAMETERS:,}"
            )
        return architecture

    def __str__(self) -> str:
        return " → ".join(map(str, self.layer_sizes))

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.input_size, *self.hidden_sizes, self.output_size)

    @property
    def parameter_count(self) -> int:
        return parameter_count(self.layer_sizes)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """``W1, b1, ..., WL, bL`` with their shapes, as ``MLP.params`` has them."""
        shapes: dict[str, tuple[int, ...]] = {}
        sizes = self.layer_sizes
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
            shapes[f"W{layer}"], shapes[f"b{layer}"] = (fan_in, fan_out), (fan_out,)
        return shapes

    def build(self, params: dict[str, np.ndarray]) -> MLP:
        model = MLP(
            self.input_size,
            self.hidden_sizes,
            self.output_size,
            activation=self.activation,
            init=self.init,
            init_scale=self.init_scale,
            seed=self.seed,
        )
        model.set_params(params)
        return model


def _run_config(value: Any, what: str) -> RunConfig:
    try:
        return RunConfig.from_dict(value)
    # from_dict raises ValueError for what it recognises; an integer beyond the float range
    # reaches math.isnan in the range checks and raises OverflowError instead
    except (ValueError, TypeError, OverflowError) as error:
        raise ValueError(f"{what}: {_short(error)}") from None


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:197] + "..."


def _check_run_end(end: Any, what: str) -> None:
    """The fields ``History.from_parts`` takes on trust: the rest it checks itself."""
    if end is None:
        return
    end = _mapping(end, f"{what} end")
    if end.get("trained_by") is not None:
        _text(end["trained_by"], f"{what} end trained_by", 200)
    for key in ("status", "reason"):
        if key in end:
            _text(end[key], f"{what} end {key}", 10_000)
    if end.get("weights_from_update") is not None:
        whole_number(end["weights_from_update"], f"{what} end weights_from_update", 0, 2**62)
    for key in ("epochs_completed", "updates"):
        if key in end:
            whole_number(end[key], f"{what} end {key}", 0, 2**62)
    if "elapsed" in end:
        finite_number(end["elapsed"], f"{what} end elapsed", 0)


def _check_run_facts(facts: Any, what: str) -> dict[str, Any]:
    facts = {} if facts is None else _mapping(facts, what)
    for key in ("updates_per_epoch", "batch_size"):
        if facts.get(key) is not None:
            whole_number(facts[key], f"{what} {key}", 0, 2**62)
    _check_run_end(facts.get("end"), what)
    return facts


# --- loading -----------------------------------------------------------------------------------


def _check_nesting(value: Any, limit: int) -> None:
    """Refuse JSON nested deeper than ``limit``: reading it further (``repr`` in a message, say)
    would recurse that deep. Walked with a stack of its own, not by recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                raise ValueError(f"the metadata is nested more than {limit} levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _read_metadata(reader: NpzReader) -> dict[str, Any]:
    if "metadata" not in reader:
        raise ValueError("not a Backprop Lab model (no metadata)")
    try:
        stored = reader.read("metadata", METADATA_RULE)
        text = str(stored[()])
    except NpzError as error:
        raise ValueError(f"not a Backprop Lab model ({error})") from None
    metadata = parse_json(text, "the metadata")
    _check_nesting(metadata, MAX_METADATA_DEPTH)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_TAG:
        raise ValueError("not a Backprop Lab model (foreign metadata)")
    version = metadata.get("version")
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or version not in READABLE_VERSIONS
    ):
        raise ValueError(
            f"format version {shown(version)}; "
            f"this version of Backprop Lab reads versions {READABLE_VERSIONS}"
        )
    return metadata


def _read_params(reader: NpzReader, architecture: _Architecture) -> dict[str, np.ndarray]:
    """The parameters, after their headers show they hold what the architecture declares."""
    shapes = architecture.parameter_shapes()
    for key in shapes:
        if f"param/{key}" not in reader:
            raise ValueError(f"parameter {key} is missing")
    any_floats = ArrayRule("f", max_bytes=_PARAMETER_BYTES)
    held = sum(reader.header(f"param/{key}", any_floats).size for key in shapes)
    if architecture.parameter_count > held:
        raise ValueError(
            f"the architecture {architecture} declares {architecture.parameter_count:,} "
            f"parameters; the parameter arrays hold {held:,}"
        )
    params = {}
    for key, shape in shapes.items():
        array = reader.read(f"param/{key}", ArrayRule("f", shape=shape, max_bytes=_PARAMETER_BYTES))
        if not np.isfinite(array).all():
            raise ValueError(f"parameter {key} holds inf or NaN")
        params[key] = array
    return params


def _read_scaler(reader: NpzReader, n_features: int) -> Standardizer | None:
    if "scaler/mean" not in reader and "scaler/scale" not in reader:
        return None
    if "scaler/mean" not in reader or "scaler/scale" not in reader:
        raise ValueError("the scaler is incomplete (it needs both mean and scale)")
    rule = ArrayRule("f", shape=(n_features,), max_bytes=8 * n_features)
    mean, scale = reader.read("scaler/mean", rule), reader.read("scaler/scale", rule)
    if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
        raise ValueError("the scaler holds inf, NaN or a scale that is not positive")
    return Standardizer(mean=mean.astype(np.float64), scale=scale.astype(np.float64))


def _check_evaluations(table: np.ndarray, what: str) -> None:
    """The epoch and update columns become ints when read (``History.evaluation``): they must be
    counts, not NaN, inf or negative."""
    for column in ("epoch", "update"):
        values = table[:, EVALUATION_COLUMNS.index(column)]
        if not (np.isfinite(values).all() and (values >= 0).all()):
            raise ValueError(
                f"{what}: the evaluations' {column} column holds NaN, inf or a value below 0"
            )


def _check_run_headers(headers: dict[str, ArrayHeader], what: str) -> None:
    layers, evaluations = headers.get("layers"), headers.get("evaluations")
    widths = (_N_EVALUATION_COLUMNS, OLD_EVALUATION_WIDTH)
    if evaluations is not None and evaluations.shape[1] not in widths:
        raise ValueError(
            f"{what}: member 'runs/…/evaluations' has shape {evaluations.shape}; "
            f"(any, {_N_EVALUATION_COLUMNS}) expected"
        )
    if layers is None:
        return
    rows = evaluations.shape[0] if evaluations is not None else 0
    width = layers.shape[1]
    if layers.shape[0] != rows or not width or width % len(LAYER_COLUMNS):
        raise ValueError(f"{what}: layer health of shape {layers.shape} for {rows} evaluations")
    if width > _MAX_LAYER_COLUMNS:
        raise ValueError(f"{what}: layer health for more than {MAX_HIDDEN_LAYERS + 1} layers")


def _read_run_arrays(reader: NpzReader, count: int) -> list[dict[str, np.ndarray]]:
    """Every run's arrays, once all their headers are acceptable and small enough together."""
    headers = []
    for index in range(count):
        names = {part: f"runs/{index}/{part}" for part in _RUN_RULES}
        found = {
            part: reader.header(name, _RUN_RULES[part])
            for part, name in names.items()
            if name in reader
        }
        _check_run_headers(found, f"run {index}")
        headers.append(found)
    _check_history_bytes(sum(h.nbytes for found in headers for h in found.values()))
    runs = []
    for index, found in enumerate(headers):
        parts = {part: reader.read(h.name, _RUN_RULES[part]) for part, h in found.items()}
        if "evaluations" in parts:
            _check_evaluations(parts["evaluations"], f"run {index}")
        runs.append(parts)
    return runs


def _check_history_bytes(total: int) -> None:
    if total > MAX_HISTORY_BYTES:
        raise ValueError(
            f"the runs' arrays declare {total / 2**20:,.0f} MiB; "
            f"at most {MAX_HISTORY_BYTES / 2**20:.0f} MiB"
        )


def _run_entries(metadata: dict[str, Any]) -> list[tuple[RunConfig, dict[str, Any]]]:
    """A version 2 file's runs as ``(configuration, facts of the history)``, checked."""
    stored = metadata.get("runs")
    stored = [] if stored is None else stored
    if not isinstance(stored, list):
        raise ValueError(f"runs must be a list, not {shown(stored)}")
    if len(stored) > MAX_RUNS:
        raise ValueError(f"{len(stored):,} runs; at most {MAX_RUNS:,}")
    entries = []
    for index, entry in enumerate(stored):
        what = f"run {index}"
        entry = _mapping(entry, what)
        config = entry.get("config")
        config = RunConfig() if config is None else _run_config(config, f"{what} configuration")
        entries.append((config, _check_run_facts(entry.get("history"), f"{what} history")))
    return entries


def _runs_v2(
    reader: NpzReader, entries: list[tuple[RunConfig, dict[str, Any]]]
) -> list[tuple[RunConfig, History]]:
    runs = []
    arrays = _read_run_arrays(reader, len(entries))
    for index, ((config, facts), parts) in enumerate(zip(entries, arrays, strict=True)):
        try:
            runs.append((config, History.from_parts(facts, parts)))
        except (ValueError, TypeError) as error:
            raise ValueError(f"run {index}: {error}") from None
    return runs


def _evaluation_cell(value: Any, what: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):  # end_of_epoch
        return float(value)
    return finite_number(value, what)


def _evaluation_table_v1(rows: Any) -> np.ndarray:
    """A version 1 file's evaluations (JSON mappings) as the ``History`` table."""
    if not isinstance(rows, list):
        raise ValueError(f"history evaluations must be a list, not {shown(rows)}")
    table = np.full((len(rows), _N_EVALUATION_COLUMNS), np.nan)
    for i, row in enumerate(rows):
        row = _mapping(row, f"evaluation {i}")
        for j, column in enumerate(EVALUATION_COLUMNS):
            table[i, j] = _evaluation_cell(row.get(column), f"evaluation {i} {column}")
    _check_evaluations(table, "history")
    return table


@dataclass(frozen=True)
class _HistoryV1:
    """A version 1 file's one history, from its metadata, checked."""

    config: RunConfig
    evaluations: np.ndarray  # the History table
    end: dict[str, Any] | None

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> "_HistoryV1 | None":
        data = metadata.get("history")
        if data is None or data == {}:
            return None
        data = _mapping(data, "history")
        stored = metadata.get("config")
        config = RunConfig() if stored is None else _run_config(stored, "configuration")
        _check_run_end(data.get("end"), "history")
        return cls(config, _evaluation_table_v1(data.get("evaluations") or []), data.get("end"))


def _runs_v1(reader: NpzReader, history: _HistoryV1 | None) -> list[tuple[RunConfig, History]]:
    """A version 1 file's one history, split into its runs at the evaluations of update 0."""
    if history is None:
        return []
    losses = np.empty(0, np.float32)
    if _V1_LOSSES in reader:
        rule = _RUN_RULES["update_losses"]
        _check_history_bytes(reader.header(_V1_LOSSES, rule).nbytes)
        losses = reader.read(_V1_LOSSES, rule)
    table = history.evaluations
    starts = [i for i in range(len(table)) if table[i, 1] == 0] or [0]
    bounds = [*starts[1:], len(table)]
    runs, first = [], 0
    for number, (start, stop) in enumerate(zip(starts, bounds, strict=True), 1):
        evaluations = table[start:stop]
        last = number == len(starts)
        count = len(losses) - first if last else int(np.nanmax(evaluations[:, 1], initial=0))
        facts = {"end": history.end} if last else {}
        parts = {"update_losses": losses[first : first + count], "evaluations": evaluations}
        try:
            runs.append((history.config, History.from_parts(facts, parts)))
        except (ValueError, TypeError) as error:
            raise ValueError(f"history: {error}") from None
        first += count
    return runs


def _load(reader: NpzReader) -> ModelFile:
    """Metadata first, every field checked; then the arrays, each checked by its header before
    it is read; the model last."""
    metadata = _read_metadata(reader)
    architecture = _Architecture.from_metadata(metadata.get("architecture"))
    stored_config = metadata.get("config")
    config = None if stored_config is None else _run_config(stored_config, "configuration")
    if metadata["version"] == 1:  # runs, checked before any array is read
        history_v1, entries = _HistoryV1.from_metadata(metadata), []
    else:
        history_v1, entries = None, _run_entries(metadata)
    params = _read_params(reader, architecture)
    scaler = _read_scaler(reader, architecture.input_size)
    version_1 = metadata["version"] == 1
    runs = _runs_v1(reader, history_v1) if version_1 else _runs_v2(reader, entries)
    return ModelFile(model=architecture.build(params), config=config, scaler=scaler, runs=runs)


def load_model_file(path: str | os.PathLike) -> ModelFile:
    """Read everything a model file holds; raise ``ModelFileError`` for any bad file."""
    path = Path(path)
    try:
        with NpzReader(path, max_members=MAX_MEMBERS, max_total_bytes=MAX_ARCHIVE_BYTES) as reader:
            return _load(reader)
    except ValueError as error:  # NpzError too: every check here says what is wrong
        raise ModelFileError(f"{path}: {error}") from None


def load_model(path: str | os.PathLike) -> MLP:
    """The model saved in ``path``; predicts exactly like the saved one."""
    return load_model_file(path).model
