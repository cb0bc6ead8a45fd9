"""Export to NumPy: one standalone script, the file the user picked, that predicts with NumPy alone.

The script embeds its weights: an ``.npz`` archive, built in memory, of the weights
``W1, b1, ..., WL, bL`` (``W`` of shape ``(n_in, n_out)``), the activation's name and the scaler's
``mean`` and ``scale``, as a base64 string that the script loads with
``np.load(io.BytesIO(...), allow_pickle=False)``. Nothing but the script is written, so exporting
``lab_model.py`` next to a saved ``lab_model.npz`` leaves the model alone. The script is the lab's
forward pass (the activation, the softmax) plus the standardisation, so a student can take the
model anywhere NumPy runs. It computes exactly what the app computes (the same formulas, the same
``einsum`` as ``engine.core.mlp.dense``, the same float32 standardised features), so its
predictions are identical to ``MLP.predict``'s.
"""

import base64
import io
import os
from pathlib import Path

import numpy as np

from engine.core.activations import LEAKY_SLOPE
from engine.core.mlp import MLP
from engine.data.digits import Standardizer
from engine.files.atomic import write_atomic

SCRIPT_TEMPLATE = '''\
"""Predict handwritten digits with a network trained in Backprop Lab, using NumPy alone.

Input: RAW 8x8 images of pixel counts 0..16, as sklearn.datasets.load_digits().images:
(8, 8) or (64,) for one image, (n, 8, 8) or (n, 64) for several, pixels in row-major order.
predict() standardises them with the training set's mean and scale, then runs the lab's
forward pass ({architecture}):

{layers}

The weights, the activation's name and the scaler are embedded at the end of this file (an .npz
archive in base64); the script reads no other file.

Usage: python {py_name!r} samples.npy [--proba]
    prints the predicted digit of every image in the .npy file, one per line
    (with --proba, the 10 class probabilities of every image instead).
"""

import base64
import io
import sys

import numpy as np

LEAKY_SLOPE = {leaky_slope!r}


def sigmoid(Z):
    # exp(-|Z|) never overflows; the two branches agree mathematically.
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATIONS = {{
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda Z: np.maximum(Z, 0.0),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, LEAKY_SLOPE * Z),
    "identity": lambda Z: Z,
}}


def softmax(Z):
    """Softmax of each row of ``Z`` (n, n_classes); the row maximum is subtracted first."""
    exp = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def load(encoded):
    """The weights [(W1, b1), ..., (WL, bL)], the activation, the scaler's mean and scale, from
    the base64 text of an .npz archive."""
    with np.load(io.BytesIO(base64.b64decode(encoded)), allow_pickle=False) as archive:
        n_layers = int(archive["n_layers"])
        weights = [(archive[f"W{{i}}"], archive[f"b{{i}}"]) for i in range(1, n_layers + 1)]
        activation = ACTIVATIONS[str(archive["activation"])]
        return weights, activation, archive["mean"], archive["scale"]


def standardize(images):
    """Raw pixel counts (n, 8, 8) or (n, 64) -> standardised float32 features (n, 64)."""
    X = np.asarray(images, dtype=np.float64)
    X = X.reshape(-1, MEAN.shape[0])
    return ((X - MEAN) / SCALE).astype(np.float32)


def dense(A, W, b):
    """A @ W + b, computed by einsum as Backprop Lab computes it, so results agree to the bit."""
    return np.einsum("...i,ij->...j", A, W) + b


def logits(X):
    """Output pre-activations: hidden layers apply the activation to X @ W + b."""
    A = X
    *hidden, (W_out, b_out) = WEIGHTS
    for W, b in hidden:
        A = ACTIVATION(dense(A, W, b))
    return dense(A, W_out, b_out)


def forward(X):
    """Class probabilities (n, 10) of standardised features X (n, 64)."""
    return softmax(logits(X))


def predict_proba(images):
    """Class probabilities (n, 10) of raw images."""
    return forward(standardize(images))


def predict(images):
    """Predicted digits (n,) of raw images."""
    return np.argmax(logits(standardize(images)), axis=1)


def main(argv):
    args = [a for a in argv if a != "--proba"]
    if len(args) != 1:
        print(__doc__)
        return 2
    images = np.load(args[0], allow_pickle=False)
    if "--proba" in argv:
        np.savetxt(sys.stdout, predict_proba(images), fmt="%.17g")
    else:
        print("\\n".join(str(int(digit)) for digit in predict(images)))
    return 0


# The network: an .npz archive of W1, b1, ..., WL, bL, n_layers, activation, mean and scale.
WEIGHTS_NPZ_BASE64 = """
{weights}
"""
WEIGHTS, ACTIVATION, MEAN, SCALE = load(WEIGHTS_NPZ_BASE64)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


def weights_archive(model: MLP, scaler: Standardizer) -> bytes:
    """The ``.npz`` bytes the script embeds: weights, ``n_layers``, activation, mean, scale."""
    arrays = {key: np.asarray(value, dtype=np.float64) for key, value in model.params.items()}
    arrays.update(
        n_layers=np.array(model.n_layers),
        activation=np.array(model.activation.name),
        mean=np.asarray(scaler.mean, dtype=np.float64),
        scale=np.asarray(scaler.scale, dtype=np.float64),
    )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def export_script(model: MLP, scaler: Standardizer, py_name: str) -> str:
    """The standalone script's text for ``model``, its weights and ``scaler`` embedded."""
    L, f = model.n_layers, model.activation.name
    inputs = ["X"] + [f"A{i}" for i in range(1, L)]
    layers = "\n".join(
        [f"    A{i} = {f}({inputs[i - 1]} @ W{i} + b{i})" for i in range(1, L)]
        + [f"    Y = softmax({inputs[L - 1]} @ W{L} + b{L})"]
    )
    architecture = " -> ".join(map(str, model.layer_sizes)) + (
        f" units, {model.activation.name} hidden layers" if model.hidden_sizes else " units"
    )
    encoded = base64.b64encode(weights_archive(model, scaler)).decode("ascii")
    return SCRIPT_TEMPLATE.format(
        py_name=py_name,
        layers=layers,
        architecture=architecture,
        leaky_slope=LEAKY_SLOPE,
        weights="\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)),
    )


def export_numpy(model: MLP, scaler: Standardizer, folder: str | os.PathLike, name: str) -> Path:
    """Write the standalone script ``folder/name.py``, weights included; nothing else.

    ``name`` may end in ``.py`` (dropped, then added back). The script is written atomically.
    Returns its path.
    """
    name = name.strip().removesuffix(".py")
    if not name or name.startswith(".") or any(c in name for c in '/\\:*?"<>|'):
        raise ValueError(f"{name!r} cannot be a file name; use letters, digits, - and _")
    if scaler.mean.shape != (model.input_size,):
        raise ValueError(
            f"the scaler has {scaler.mean.size} features, the model {model.input_size}"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    py_path = folder / f"{name}.py"
    script = export_script(model, scaler, py_path.name)
    return write_atomic(py_path, lambda handle: handle.write(script.encode("utf-8")))
