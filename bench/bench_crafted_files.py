"""Crafted model files against the loader: each refused with ``ModelFileError``, in little memory.

    python bench/bench_crafted_files.py [--repeats 3]

Builds, in a temporary folder deleted at the end, a normal model file (the peer: a 64-32-10
network, its scaler and a 15-epoch run's history) and files crafted from it to make a trusting
loader allocate gigabytes or crash: metadata declaring 100 layers of 4096 units, an ``.npy``
header declaring 10^12 elements, a member that deflates to 1 GiB, 60,000 zip members, JSON nested
100,000 deep, wrong metadata types... Loads each in a fresh subprocess, ``repeats`` times, and
prints the result (refused and the message), the file's size and the median peak RSS of the
subprocess against the peer's, loaded the same way. PASS: every crafted file refused with
``ModelFileError``, each within ``MAX_EXTRA_MB`` of the peer's peak.

The builders (``CRAFTED``) are also what ``tests/engine/files/test_model_file.py`` refuses.
"""

import argparse
import io
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import History, RunConfig, Standardizer, save_model  # noqa: E402
from engine.training.history import EVALUATION_COLUMNS  # noqa: E402

MAX_EXTRA_MB = 200
BOMB_BYTES = 1 << 30
_CHUNK = 1 << 20

# --- writing zip archives byte by byte -----------------------------------------------------------


@dataclass(frozen=True)
class RawMember:
    """A zip member as stored: ``payload`` (compressed with ``method``) and what the directory
    declares about it, true or not."""

    name: str
    payload: bytes
    method: int
    crc: int
    size: int

    @classmethod
    def stored(cls, name: str, data: bytes) -> "RawMember":
        return cls(name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data))


def write_zip(path: Path, members: list[RawMember]) -> Path:
    """A plain zip archive (no zip64: every size below 4 GiB, fewer than 65,536 members) with
    exactly these members; zipfile cannot write a member it did not compress itself."""
    with open(path, "wb") as handle:
        directory = []
        for m in members:
            name, offset = m.name.encode(), handle.tell()
            fields = (m.method, 0, 0x21, m.crc, len(m.payload), m.size, len(name), 0)
            handle.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *fields) + name)
            handle.write(m.payload)
            entry = struct.pack("<IHHH", 0x02014B50, 20, 20, 0) + struct.pack(
                "<HHHIIIHHHHHII", *fields[:-1], 0, 0, 0, 0, 0, offset
            )
            directory.append(entry + name)
        start, table = handle.tell(), b"".join(directory)
        handle.write(table)
        count = len(members)
        handle.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(table), start, 0))
    return path


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str) -> bytes:
    """An ``.npy`` header alone, declaring whatever shape and dtype it is given."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    npy_format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def zeros_bomb(name: str, size: int = BOMB_BYTES, head: bytes = b"") -> RawMember:
    """A deflated member of ``head`` then ``size`` zero bytes (whole MiB), about 1/1000 of that
    on disk, built in a fraction of a second: a deflated MiB of zeros ending on a full flush is
    the same bytes every time, so it is repeated rather than compressed again."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(_CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    chunks = size // _CHUNK
    crc, zeros = zlib.crc32(head), bytes(_CHUNK)
    for _ in range(chunks):
        crc = zlib.crc32(zeros, crc)
    payload = start + block * chunks + compressor.flush()
    return RawMember(name, payload, zipfile.ZIP_DEFLATED, crc, len(head) + chunks * _CHUNK)


# --- the normal model and the crafted files ------------------------------------------------------


def build_normal_model(path: Path) -> Path:
    """A model as the app saves it: 64-32-10, its scaler and one 15-epoch run at batch 1."""
    config = RunConfig(hidden_sizes=(32,), epochs=15)
    model = config.build_model()
    rng = np.random.default_rng(0)
    scaler = Standardizer(mean=rng.uniform(0, 16, 64), scale=rng.uniform(0.5, 6, 64))
    updates, epochs = 1527 * 15, 15
    evaluations = np.zeros((epochs + 1, len(EVALUATION_COLUMNS)))
    evaluations[:, 0] = np.arange(epochs + 1)
    evaluations[:, 1] = np.arange(epochs + 1) * 1527
    facts = {"trained_by": "fused", "updates_per_epoch": 1527, "batch_size": 1}
    parts = {"update_losses": rng.random(updates, dtype=np.float32), "evaluations": evaluations}
    history = History.from_parts(facts, parts)
    return save_model(path, model, config=config, scaler=scaler, history=history)


def read_members(path: Path) -> dict[str, bytes]:
    """Every member of a trusted archive (our own normal model), by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _metadata(members: dict[str, bytes]) -> dict:
    return json.loads(str(np.load(io.BytesIO(members["metadata.npy"]))))


def _with(members: dict[str, bytes], **changes: bytes | None) -> list[RawMember]:
    """The members with some replaced (by ``.npy`` name, ``/`` written ``__``) or removed."""
    changed = dict(members)
    for key, data in changes.items():
        name = key.replace("__", "/") + ".npy"
        if data is None:
            changed.pop(name, None)
        else:
            changed[name] = data
    return [RawMember.stored(name, data) for name, data in changed.items()]


def _with_metadata(members: dict[str, bytes], edit: Callable[[dict], object]) -> list[RawMember]:
    metadata = _metadata(members)
    edit(metadata)
    return _with(members, metadata=npy_bytes(np.array(json.dumps(metadata))))


def _huge_layers(members, path):
    def edit(m):
        m["architecture"]["hidden_sizes"] = [4096] * 100

    write_zip(path, _with_metadata(members, edit))


def _layers_over_the_parameter_cap(members, path):
    def edit(m):
        m["architecture"]["hidden_sizes"] = [4096] * 10

    write_zip(path, _with_metadata(members, edit))


def _layers_the_file_does_not_hold(members, path):
    def edit(m):
        m["architecture"]["hidden_sizes"] = [4096]  # 307,210 parameters: allowed

    write_zip(path, _with_metadata(members, edit))


def _npy_header_of_1e12_weights(members, path):
    header = npy_header((10**6, 10**6), "<f8")
    write_zip(path, _with(members, param__W1=header + bytes(64)))


def _npy_header_of_1e12_losses(members, path):
    header = npy_header((10**12,), "<f4")
    write_zip(path, _with(members, runs__0__update_losses=header + bytes(64)))


def _deflate_bomb_beside_the_model(members, path):
    write_zip(path, [*_with(members), zeros_bomb("padding.npy")])


def _deflate_bomb_as_the_losses(members, path):
    # 280 MiB: under the archive's cap, over the history's
    size = 280 << 20
    name = "runs/0/update_losses.npy"
    bomb = zeros_bomb(name, size, head=npy_header((size // 4,), "<f4"))
    write_zip(path, [*(m for m in _with(members) if m.name != name), bomb])


def _huge_metadata(members, path):
    metadata = json.dumps(_metadata(members)) + " " * (13 << 20)  # valid JSON, 52 MiB as stored
    array = npy_bytes(np.array(metadata))
    compressed = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = compressed.compress(array) + compressed.flush()
    bomb = RawMember("metadata.npy", payload, zipfile.ZIP_DEFLATED, zlib.crc32(array), len(array))
    write_zip(path, [*(m for m in _with(members) if m.name != "metadata.npy"), bomb])


def _sixty_thousand_members(members, path):
    extra = [RawMember.stored(f"x{i}.npy", b"") for i in range(60_000)]
    write_zip(path, [*_with(members), *extra])


def _five_thousand_members(members, path):
    extra = [RawMember.stored(f"x{i}.npy", b"") for i in range(5_000)]
    write_zip(path, [*_with(members), *extra])


def _metadata_nested_100000_deep(members, path):
    text = json.dumps(_metadata(members))
    nested = text[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    write_zip(path, _with(members, metadata=npy_bytes(np.array(nested))))


def _learning_rate_fast(members, path):
    def edit(m):
        m["config"]["learning_rate"] = "fast"

    write_zip(path, _with_metadata(members, edit))


def _sizes_as_strings(members, path):
    def edit(m):
        m["architecture"].update(input_size="64", hidden_sizes=["32"])

    write_zip(path, _with_metadata(members, edit))


def _architecture_a_list(members, path):
    def edit(m):
        m["architecture"] = [m["architecture"]]

    write_zip(path, _with_metadata(members, edit))


def _nan_weights(members, path):
    weights = np.load(io.BytesIO(members["param/W2.npy"]))
    weights[3, 4] = np.nan
    write_zip(path, _with(members, param__W2=npy_bytes(weights)))


def _inf_scaler(members, path):
    scale = np.load(io.BytesIO(members["scaler/scale.npy"]))
    scale[0] = np.inf
    write_zip(path, _with(members, scaler__scale=npy_bytes(scale)))


def _weights_transposed(members, path):
    weights = np.load(io.BytesIO(members["param/W1.npy"]))
    write_zip(path, _with(members, param__W1=npy_bytes(np.ascontiguousarray(weights.T))))


def _pickled_weights(members, path):
    write_zip(path, _with(members, param__W1=npy_bytes(np.array([{}], dtype=object))))


def _member_longer_than_its_header(members, path):
    write_zip(path, _with(members, param__b1=members["param/b1.npy"] + bytes(1 << 20)))


def _member_shorter_than_its_header(members, path):
    write_zip(path, _with(members, param__b1=members["param/b1.npy"][:-80]))


CRAFTED: dict[str, Callable[[dict[str, bytes], Path], None]] = {
    "huge_layers": _huge_layers,
    "layers_over_parameter_cap": _layers_over_the_parameter_cap,
    "layers_not_in_file": _layers_the_file_does_not_hold,
    "npy_1e12_weights": _npy_header_of_1e12_weights,
    "npy_1e12_losses": _npy_header_of_1e12_losses,
    "deflate_bomb_extra": _deflate_bomb_beside_the_model,
    "deflate_bomb_losses": _deflate_bomb_as_the_losses,
    "metadata_52MiB": _huge_metadata,
    "members_60000": _sixty_thousand_members,
    "members_5000": _five_thousand_members,
    "json_100000_deep": _metadata_nested_100000_deep,
    "learning_rate_fast": _learning_rate_fast,
    "sizes_as_strings": _sizes_as_strings,
    "architecture_list": _architecture_a_list,
    "nan_weights": _nan_weights,
    "inf_scaler": _inf_scaler,
    "weights_transposed": _weights_transposed,
    "pickled_weights": _pickled_weights,
    "member_too_long": _member_longer_than_its_header,
    "member_too_short": _member_shorter_than_its_header,
}


def build_crafted(name: str, normal: Path, folder: Path) -> Path:
    """Crafted file ``name`` (a key of ``CRAFTED``), built from the normal model ``normal``."""
    path = folder / f"{name}.npz"
    CRAFTED[name](read_members(normal), path)
    return path


# --- loading in a fresh process ------------------------------------------------------------------

# The peak is the process's own memory's high-water mark (VmHWM), not ru_maxrss: Linux carries
# ru_maxrss over from the parent that forked the process, so it would show the bench's own peak.
LOADER = """
import json, resource, sys
from engine.files.model_file import ModelFileError, load_model_file

def peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024

try:
    load_model_file(sys.argv[1])
    result, message = "loaded", ""
except ModelFileError as error:
    result, message = "refused", str(error).split(": ", 1)[-1]
except BaseException as error:  # anything else is the loader's failure
    result, message = type(error).__name__, str(error)[:200]
print(json.dumps({"result": result, "message": message, "peak_mb": peak_mb()}))
"""


def load_in_subprocess(path: Path) -> dict:
    """Result, message and peak RSS (MB) of ``load_model_file(path)`` in a fresh interpreter."""
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-c", LOADER, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=300,
    )
    if completed.returncode != 0:
        failure = f"exit {completed.returncode}"
        return {"result": failure, "message": completed.stderr[-200:], "peak_mb": math.nan}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(path: Path, repeats: int) -> dict:
    results = [load_in_subprocess(path) for _ in range(repeats)]
    return {**results[-1], "peak_mb": statistics.median(r["peak_mb"] for r in results)}


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.1f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="loads per file (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="backprop-lab-crafted-") as folder:
        folder = Path(folder)
        normal = build_normal_model(folder / "normal.npz")
        peer = measure(normal, args.repeats)
        ok = peer["result"] == "loaded"
        print(
            f"peer: normal.npz, {_size(normal)}, {peer['result']}, "
            f"peak RSS {peer['peak_mb']:.1f} MB (median of {args.repeats})\n"
        )
        header = f"{'file':<26} {'size':>9} {'peak MB':>8} {'vs peer':>8}  result"
        print(header + "\n" + "-" * len(header))
        for name in CRAFTED:
            path = build_crafted(name, normal, folder)
            outcome = measure(path, args.repeats)
            extra = outcome["peak_mb"] - peer["peak_mb"]
            passed = outcome["result"] == "refused" and extra < MAX_EXTRA_MB
            ok &= passed
            message = outcome["message"]
            message = message if len(message) <= 90 else message[:87] + "..."
            figures = f"{name:<26} {_size(path):>9} {outcome['peak_mb']:>8.1f} {extra:>+8.1f}"
            verdict = "" if passed else "   <-- FAIL"
            print(f"{figures}  {outcome['result']}: {message}{verdict}")
            path.unlink()
    print(
        f"\n{'PASS' if ok else 'FAIL'}: every crafted file refused with ModelFileError, each "
        f"within {MAX_EXTRA_MB} MB of the peer's peak RSS"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
