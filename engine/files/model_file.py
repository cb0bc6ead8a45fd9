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

Loading checks everything before building a model, so a bad file raises ``ModelFileError`` with
a message saying what is wrong, and nothing else is touched. Saving writes a temporary file next
to the target and renames it over, so an interrupted save never leaves a half-written model.
"""

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import write_atomic
from engine.training.config import RunConfig
from engine.training.history import EVALUATION_COLUMNS, History

FORMAT_TAG = "backprop-lab-model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


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
    ``history`` may be given instead, as the run of ``config``.
    """
    path = Path(path)
    if runs is None:
        runs = [(config or RunConfig(), history)] if history is not None else []
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    stored_runs = []
    for index, (run_config, run_history) in enumerate(runs):
        facts, parts = run_history.to_parts()
        stored_runs.append({"config": run_config.to_dict(), "history": facts})
        for name, array in parts.items():
            arrays[f"runs/{index}/{name}"] = array
    metadata = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "architecture": {
            "input_size": model.input_size,
            "hidden_sizes": list(model.hidden_sizes),
            "output_size": model.output_size,
            "activation": model.activation.name,
            "init": model.init,
            "init_scale": model.init_scale,
            "seed": model.seed,
        },
        "param_keys": list(model.params),
        "config": config.to_dict() if config else None,
        "runs": stored_runs,
    }
    if scaler is not None:
        arrays["scaler/mean"], arrays["scaler/scale"] = scaler.mean, scaler.scale
    arrays["metadata"] = np.array(json.dumps(metadata))
    return write_atomic(path, lambda handle: np.savez(handle, **arrays))


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ModelFileError(f"{path}: the file is empty")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a model file (not an .npz archive, or truncated)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ModelFileError(f"{path}: holds pickled objects, which are never loaded") from None
        raise ModelFileError(f"{path}: unreadable archive ({error})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ModelFileError(f"{path}: damaged or truncated archive ({error})") from None


def _read_metadata(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    raw = arrays.get("metadata")
    if raw is None or raw.dtype.kind != "U" or raw.shape != ():
        raise ModelFileError(f"{path}: not a Backprop Lab model (no metadata)")
    try:
        metadata = json.loads(str(raw))
    except (json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{path}: the metadata is not valid JSON") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_TAG:
        raise ModelFileError(f"{path}: not a Backprop Lab model (foreign metadata)")
    if metadata.get("version") not in READABLE_VERSIONS:
        raise ModelFileError(
            f"{path}: format version {metadata.get('version')!r}; "
            f"this version of Backprop Lab reads versions {READABLE_VERSIONS}"
        )
    return metadata


def _build_model(path: Path, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> MLP:
    try:
        arch = metadata["architecture"]
        model = MLP(
            int(arch["input_size"]),
            tuple(int(h) for h in arch["hidden_sizes"]),
            int(arch["output_size"]),
            activation=str(arch["activation"]),
            init=str(arch.get("init", "uniform")),
            init_scale=arch.get("init_scale"),
            seed=int(arch.get("seed", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: invalid architecture ({error})") from None
    for key, live in model.params.items():
        stored = arrays.get(f"param/{key}")
        if stored is None:
            raise ModelFileError(f"{path}: parameter {key} is missing")
        if stored.shape != live.shape or stored.dtype.kind != "f":
            raise ModelFileError(
                f"{path}: parameter {key} has shape {stored.shape} ({stored.dtype}), "
                f"the architecture needs {live.shape} floats"
            )
        if not np.isfinite(stored).all():
            raise ModelFileError(f"{path}: parameter {key} holds inf or NaN")
        live[...] = stored
    return model


def _runs_v2(metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> list:
    stored = metadata.get("runs") or []
    if not isinstance(stored, list):
        raise ValueError("runs must be a list")
    runs = []
    for index, entry in enumerate(stored):
        if not isinstance(entry, dict):
            raise ValueError(f"run {index} must be a mapping")
        parts = {
            name: arrays[f"runs/{index}/{name}"]
            for name in ("update_losses", "evaluations", "layers")
            if f"runs/{index}/{name}" in arrays
        }
        history = History.from_parts(entry.get("history") or {}, parts)
        runs.append((RunConfig.from_dict(entry.get("config") or {}), history))
    return runs


def _runs_v1(metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> list:
    """A version 1 file's one history, split into its runs at the evaluations of update 0."""
    data = metadata.get("history")
    if not data:
        return []
    config = RunConfig.from_dict(metadata["config"]) if metadata.get("config") else RunConfig()
    rows = data.get("evaluations") or []
    if not isinstance(rows, list):
        raise ValueError("history evaluations must be a list")
    table = np.array(
        [[float(row.get(c) if row.get(c) is not None else np.nan) for c in EVALUATION_COLUMNS]
         for row in rows],
        dtype=np.float64,
    ).reshape(-1, len(EVALUATION_COLUMNS))  # fmt: skip
    losses = arrays.get("history/update_losses", np.empty(0, np.float32))
    starts = [i for i in range(len(table)) if table[i, 1] == 0] or [0]
    bounds = [*starts[1:], len(table)]
    runs, first = [], 0
    for number, (start, stop) in enumerate(zip(starts, bounds, strict=True), 1):
        evaluations = table[start:stop]
        last = number == len(starts)
        count = len(losses) - first if last else int(np.nanmax(evaluations[:, 1], initial=0))
        facts = {"end": data.get("end")} if last else {}
        parts = {"update_losses": losses[first : first + count], "evaluations": evaluations}
        runs.append((config, History.from_parts(facts, parts)))
        first += count
    return runs


def load_model_file(path: str | os.PathLike) -> ModelFile:
    """Read everything a model file holds; raise ``ModelFileError`` for any bad file."""
    path = Path(path)
    arrays = _read_arrays(path)
    metadata = _read_metadata(path, arrays)
    model = _build_model(path, metadata, arrays)
    scaler = None
    if "scaler/mean" in arrays:
        mean, scale = arrays["scaler/mean"], arrays.get("scaler/scale")
        if scale is None or mean.shape != (model.input_size,) or scale.shape != mean.shape:
            raise ModelFileError(f"{path}: the scaler does not match {model.input_size} features")
        scaler = Standardizer(mean=mean.astype(np.float64), scale=scale.astype(np.float64))
    try:
        config = RunConfig.from_dict(metadata["config"]) if metadata.get("config") else None
        if metadata["version"] == 1:
            runs = _runs_v1(metadata, arrays)
        else:
            runs = _runs_v2(metadata, arrays)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise ModelFileError(f"{path}: invalid configuration or history ({error})") from None
    return ModelFile(model=model, config=config, scaler=scaler, runs=runs)


def load_model(path: str | os.PathLike) -> MLP:
    """The model saved in ``path``; predicts exactly like the saved one."""
    return load_model_file(path).model
