"""Fuzzing the model file loader: whatever the file holds, loading it gives a usable model or a
``ModelFileError``, never another exception.

Random bytes, random zip archives, real model files with bytes flipped, cut or inserted, their
metadata replaced by random JSON (any type, any nesting) and their ``.npy`` headers replaced by
random ones. Hypothesis keeps no example database here (``database=None``) and its other caches
in a temporary folder: the tests leave no ``.hypothesis`` folder behind.
"""

import atexit
import io
import json
import shutil
import tempfile
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bench.bench_crafted_files import RawMember, npy_bytes, read_members, write_zip
from engine import (
    MLP,
    History,
    ModelFile,
    ModelFileError,
    RunConfig,
    Standardizer,
    load_model_file,
    save_model,
)
from engine.training.history import EVALUATION_COLUMNS, LAYER_COLUMNS

# Hypothesis caches constants and Unicode tables in ./.hypothesis even without a database, from
# the moment the strategies below are built: a temporary folder of ours takes them instead.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="backprop-lab-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
set_hypothesis_home_dir(_HYPOTHESIS_HOME)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["sigmoid", "tanh", "uniform", "sgd", "completed", "backprop-lab-model"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _history() -> History:
    evaluations = np.zeros((3, len(EVALUATION_COLUMNS)))
    evaluations[:, 1] = [0, 20, 40]
    layers = np.full((3, 2 * len(LAYER_COLUMNS)), 0.5)
    end = {
        "status": "completed",
        "reason": "",
        "epochs_completed": 2,
        "updates": 40,
        "elapsed": 0.5,
    }
    facts = {"trained_by": "fused", "updates_per_epoch": 20, "batch_size": 8, "end": end}
    parts = {
        "update_losses": np.linspace(2, 0.1, 40, dtype=np.float32),
        "evaluations": evaluations,
        "layers": layers,
    }
    return History.from_parts(facts, parts)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def real_files(folder) -> dict[str, bytes]:
    """A small real model file, as saved (stored members) and with its members deflated."""
    config = RunConfig(hidden_sizes=(5,), activation="relu", init="he")
    model = config.build_model()
    rng = np.random.default_rng(1)
    scaler = Standardizer(mean=rng.uniform(0, 16, 64), scale=rng.uniform(1, 5, 64))
    path = save_model(
        folder / "real.npz", model, config=config, scaler=scaler, runs=[(config, _history())]
    )
    stored = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in read_members(path).items():
            archive.writestr(name, data)
    return {"stored": stored, "deflated": buffer.getvalue()}


def load_outcome(path) -> ModelFile | ModelFileError:
    """What loading ``path`` gives: a model file, checked usable, or the refusal. Any other
    exception fails the test."""
    try:
        opened = load_model_file(path)
    except ModelFileError as error:
        assert str(error).startswith(str(path))
        return error
    assert isinstance(opened.model, MLP)
    opened.model.predict(np.zeros((2, opened.model.input_size)))
    for _, history in opened.runs:  # everything a loaded history offers can be read
        assert len(history.evaluations) == history.n_evaluations
        assert history.layer_column("grad_norm").shape[0] == history.n_evaluations
        assert history.epochs_completed >= 0
    return opened


def write(folder, data: bytes):
    path = folder / "fuzzed.npz"
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.binary(max_size=3000) | st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b))
def test_any_bytes_are_refused_cleanly(folder, data):
    assert isinstance(load_outcome(write(folder, data)), ModelFileError)


MEMBER_NAMES = st.sampled_from(
    ["metadata.npy", "param/W1.npy", "param/b1.npy", "scaler/mean.npy", "runs/0/layers.npy"]
) | st.text(max_size=12)


def _raw_member(name: str, data: bytes, deflated: bool) -> RawMember:
    stored = RawMember.stored(name or "x", data)
    if not deflated:
        return stored
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = compressor.compress(data) + compressor.flush()
    return RawMember(stored.name, payload, zipfile.ZIP_DEFLATED, stored.crc, stored.size)


@FUZZ
@given(
    members=st.lists(st.tuples(MEMBER_NAMES, st.binary(max_size=300), st.booleans()), max_size=6)
)
def test_random_zip_archives_are_refused_cleanly(folder, members):
    # written byte by byte: zipfile would refuse duplicate names, a reader must not assume none
    path = write_zip(folder / "fuzzed.npz", [_raw_member(*member) for member in members])
    assert isinstance(load_outcome(path), ModelFileError)


MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 20), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=16)),
)


def mutate(original: bytes, mutations) -> bytes:
    data = bytearray(original)
    for kind, position, argument in mutations:
        if not data:
            break
        at = position % len(data)
        if kind == "flip":
            data[at] ^= argument
        elif kind == "cut":
            del data[at : at + argument]
        else:
            data[at:at] = argument
    return bytes(data)


@FUZZ
@given(
    which=st.sampled_from(["stored", "deflated"]),
    mutations=st.lists(MUTATIONS, min_size=1, max_size=4),
)
def test_mutated_model_files_load_or_are_refused_cleanly(folder, real_files, which, mutations):
    load_outcome(write(folder, mutate(real_files[which], mutations)))


@FUZZ
@given(which=st.sampled_from(["stored", "deflated"]), end=st.integers(0, 1 << 20))
def test_truncated_model_files_are_refused_cleanly(folder, real_files, which, end):
    original = real_files[which]
    data = original[: end % len(original)]
    assert isinstance(load_outcome(write(folder, data)), ModelFileError)


@pytest.fixture(scope="module")
def real_members(folder, real_files) -> dict[str, bytes]:
    return read_members(write(folder, real_files["stored"]))


@pytest.fixture(scope="module")
def real_metadata(real_members) -> dict:
    return json.loads(str(np.load(io.BytesIO(real_members["metadata.npy"]))))


def with_member(folder, real_members: dict[str, bytes], name: str, data: bytes):
    """The real model file with member ``name`` replaced by ``data``."""
    members = {**real_members, name: data}
    return write_zip(folder / "fuzzed.npz", [RawMember.stored(n, d) for n, d in members.items()])


def with_metadata(folder, real_members: dict[str, bytes], text: str):
    return with_member(folder, real_members, "metadata.npy", npy_bytes(np.array(text)))


@FUZZ
@given(value=JSON_VALUES)
def test_metadata_replaced_by_any_json_is_refused_cleanly(folder, real_members, value):
    load_outcome(with_metadata(folder, real_members, json.dumps(value)))


def _paths(value, prefix=()):
    """Every path (keys and indices) into a JSON value, the value's own included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _replaced(value, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


@FUZZ
@given(data=st.data(), replacement=JSON_VALUES)
def test_any_metadata_field_of_any_type_loads_or_is_refused_cleanly(
    folder, real_members, real_metadata, data, replacement
):
    path = data.draw(st.sampled_from(sorted(_paths(real_metadata), key=str)))
    metadata = _replaced(real_metadata, path, replacement)
    load_outcome(with_metadata(folder, real_members, json.dumps(metadata)))


@FUZZ
@given(
    data=st.data(),
    field=st.sampled_from(
        ["input_size", "hidden_sizes", "output_size", "activation", "init", "init_scale", "seed"]
    ),
    replacement=JSON_SCALARS | st.lists(JSON_SCALARS, max_size=12),
)
def test_any_architecture_field_loads_or_is_refused_cleanly(
    folder, real_members, real_metadata, data, field, replacement
):
    metadata = _replaced(real_metadata, ("architecture", field), replacement)
    load_outcome(with_metadata(folder, real_members, json.dumps(metadata)))


@FUZZ
@given(depth=st.integers(0, 120_000), opening=st.sampled_from(["[", '{"a":']))
def test_metadata_nested_to_any_depth_loads_or_is_refused_cleanly(
    folder, real_members, real_metadata, depth, opening
):
    closing = "]" if opening == "[" else "}"
    text = json.dumps(real_metadata)[:-1] + ', "deep": ' + opening * depth + "0" + closing * depth
    outcome = load_outcome(with_metadata(folder, real_members, text + "}"))
    assert isinstance(outcome, ModelFile) == (depth < 32)


DESCRS = st.sampled_from(
    ["<f8", ">f8", "<f4", "<f2", "<i8", "|b1", "<U7", "|O", "<c16", "|V8", "<f16", "|S3", "<M8[s]"]
) | st.text(max_size=6)
SHAPES = st.lists(st.integers(-(10**20), 10**20) | st.integers(0, 70), max_size=4).map(tuple)


@FUZZ
@given(
    member=st.sampled_from(
        [
            "param/W1",
            "param/b2",
            "scaler/scale",
            "metadata",
            "runs/0/update_losses",
            "runs/0/evaluations",
            "runs/0/layers",
        ]
    ),
    descr=DESCRS,
    fortran_order=st.booleans() | JSON_SCALARS,
    shape=SHAPES | JSON_SCALARS,
    body=st.binary(max_size=600),
)
def test_any_npy_header_loads_or_is_refused_cleanly(
    folder, real_members, member, descr, fortran_order, shape, body
):
    header = f"{{'descr': {descr!r}, 'fortran_order': {fortran_order!r}, 'shape': {shape!r}, }}"
    header = header.encode("latin1", "replace")
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + body
    load_outcome(with_member(folder, real_members, f"{member}.npy", npy))
