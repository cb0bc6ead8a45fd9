"""Saving and loading a trained model as one ``.npz`` file, never unpickled.

The archive holds the parameters (``param/W1``, ``param/b1``, ...), the data scaler
(``scaler/mean``, ``scaler/scale``), the per-update losses of the history
(``history/update_losses``) and a JSON ``metadata`` string: a format tag and version, the
architecture, the run's configuration and its history. Loading reads with ``allow_pickle=False``
and checks everything before building a model, so a bad file raises ``ModelFileError`` with a
message saying what is wrong, and nothing else is touched. Saving writes a temporary file next to
the target and renames it over, so an interrupted save never leaves a half-written model.
"""

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import write_atomic
from engine.training.config import RunConfig
from engine.training.history import History

FORMAT_TAG = "backprop-lab-model"
FORMAT_VERSION = 1
UPDATE_LOSSES = "history/update_losses"


class ModelFileError(Exception):
    """A model file that cannot be used; the message says why."""


@dataclass
class ModelFile:
    """What a model file holds."""

    model: MLP
    config: RunConfig | None = None
    scaler: Standardizer | None = None
    history: History | None = None


def _history_without_losses(history: History | None) -> dict[str, Any] | None:
    if history is None:
        return None
    data = history.to_dict()
    data["update_losses"] = []
    return data


def save_model(
    path: str | os.PathLike,
    model: MLP,
    *,
    config: RunConfig | None = None,
    scaler: Standardizer | None = None,
    history: History | None = None,
) -> Path:
    """Write ``model`` (and optionally its configuration, scaler and history) atomically."""
    path = Path(path)
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
        "history": _history_without_losses(history),
    }
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    if history is not None:
        # Per-update losses can number hundreds of thousands: a binary array, not JSON text.
        arrays[UPDATE_LOSSES] = np.asarray(history.update_losses, dtype=np.float64)
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
    except json.JSONDecodeError:
        raise ModelFileError(f"{path}: the metadata is not valid JSON") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_TAG:
        raise ModelFileError(f"{path}: not a Backprop Lab model (foreign metadata)")
    if metadata.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {metadata.get('version')!r}; "
            f"this version of Backprop Lab reads version {FORMAT_VERSION}"
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
        history = History.from_dict(metadata["history"]) if metadata.get("history") else None
        losses = arrays.get(UPDATE_LOSSES)
        if history is not None and losses is not None:
            if losses.ndim != 1 or losses.dtype.kind != "f":
                raise ValueError(f"update losses of shape {losses.shape} ({losses.dtype})")
            history.update_losses = losses.tolist()
    except (TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"{path}: invalid configuration or history ({error})") from None
    return ModelFile(model=model, config=config, scaler=scaler, history=history)


def load_model(path: str | os.PathLike) -> MLP:
    """The model saved in ``path``; predicts exactly like the saved one."""
    return load_model_file(path).model
