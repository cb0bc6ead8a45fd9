"""Reading an ``.npz`` archive that may be hostile: every size is checked before it is allocated.

``np.load`` trusts a file: it parses the whole zip directory, decompresses any member asked for
and allocates whatever an ``.npy`` header declares. ``NpzReader`` is for files from elsewhere:

- the zip directory is read only if it is small (``MAX_DIRECTORY_BYTES``), then the number of
  members and the total size they declare are capped;
- only the members the caller names are ever opened; the others are not decompressed at all;
- a member's ``.npy`` header is parsed from the first bytes of its stream and checked against the
  caller's ``ArrayRule`` (dtype kind, shape, byte size, memory order) before any data is read;
- then exactly the declared number of bytes is read, in chunks, into an array of that size; a
  member that decompresses to more or less than its header declares is refused.

Nothing is ever unpickled: object dtypes are refused from the header. Every problem raises
``NpzError`` (a ``ValueError``) with a message naming the member; the zip, zlib and NumPy errors a
damaged file causes (``BadZipFile``, ``EOFError``, ``zlib.error``, ``MemoryError``...) never escape
as such.
"""

import io
import math
import os
import struct
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

MAX_DIRECTORY_BYTES = 2 << 20  # the zip's central directory: about 40,000 minimal entries
MAX_HEADER_BYTES = 10_000  # an .npy header; NumPy's own limit, real ones take about 120
CHUNK_BYTES = 1 << 20  # member data is read this much at a time
DEFAULT_MAX_MEMBERS = 4096
DEFAULT_MAX_TOTAL_BYTES = 1 << 30
ALLOWED_KINDS = frozenset("fiubU")  # floats, integers, booleans, unicode text
_NUMERIC_ITEMSIZE = 8  # no long double or 128-bit types: "plain" numbers only
_MAX_AXIS = 1 << 62  # any larger axis length is a crafted header (and slow to format)
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_KIND_NAMES = {
    "f": "floats",
    "i": "integers",
    "u": "unsigned integers",
    "b": "booleans",
    "U": "text",
}


class NpzError(ValueError):
    """An archive, or a member of it, that cannot be read safely; the message says why."""


@dataclass(frozen=True)
class ArrayRule:
    """What one member may hold.

    Parameters
    ----------
    kinds : dtype kinds allowed, from ``"fiubU"`` (``"f"`` floats, ``"U"`` text...).
    shape : the exact shape, with None for an axis of any length (``(None, 10)`` is any number of
        rows of 10); None allows any shape.
    max_bytes : the most data bytes the member may declare.
    allow_fortran_order : whether column-major data is accepted (``np.save`` writes it for a
        transposed array; it is only a memory layout).
    """

    kinds: str
    shape: tuple[int | None, ...] | None = None
    max_bytes: int = 64 << 20
    allow_fortran_order: bool = True

    def __post_init__(self) -> None:
        if not self.kinds or set(self.kinds) - ALLOWED_KINDS:
            raise ValueError(f"dtype kinds must come from {''.join(sorted(ALLOWED_KINDS))!r}")


@dataclass(frozen=True)
class ArrayHeader:
    """An ``.npy`` member's header, checked: its data is ``nbytes`` bytes from ``data_offset``."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    data_offset: int

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


Wanted = Mapping[str, ArrayRule] | Callable[[str], ArrayRule | None]


class _CappedReads:
    """A binary file whose single reads are refused above ``limit`` bytes.

    ``zipfile`` reads the central directory, whatever size the archive's end record declares, in
    one ``read`` and builds an object per entry; capping the read caps that before it happens.
    Member data is read in ``CHUNK_BYTES`` pieces, well below the limit.
    """

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self._handle = handle
        self._limit = limit
        self._length = os.fstat(handle.fileno()).st_size

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._length - self._handle.tell()
        if size > self._limit:
            raise NpzError(
                f"the archive's directory takes {size:,} bytes; at most {self._limit:,} are read"
            )
        return self._handle.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()


def _open_file(path: Path) -> BinaryIO:
    try:
        handle = open(path, "rb")  # noqa: SIM115 -- the reader owns it until close()
    except FileNotFoundError:
        raise NpzError("no such file") from None
    except OSError as error:
        raise NpzError(f"cannot be opened ({error.strerror or error})") from None
    if os.fstat(handle.fileno()).st_size == 0:
        handle.close()
        raise NpzError("the file is empty")
    return handle


def _open_zip(handle: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(_CappedReads(handle, MAX_DIRECTORY_BYTES))
    except NpzError:
        raise
    # zipfile raises BadZipFile, OSError, EOFError, struct.error, ValueError... for damaged
    # bytes, and MemoryError for absurd ones; whichever, the file is not a readable archive.
    except Exception as error:
        raise NpzError(f"not an .npz archive, or truncated ({_short(error)})") from None


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _check_directory(
    infos: list[zipfile.ZipInfo], max_members: int, max_total_bytes: int
) -> dict[str, zipfile.ZipInfo]:
    """The ``.npy`` members by array name, once the directory as a whole is acceptable."""
    if len(infos) > max_members:
        raise NpzError(f"the archive has {len(infos):,} members; at most {max_members:,}")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise NpzError("the archive has two members of the same name")
    declared = sum(info.file_size for info in infos)
    if declared > max_total_bytes:
        raise NpzError(
            f"the archive's members declare {_size_text(declared)} of data; "
            f"at most {_size_text(max_total_bytes)}"
        )
    return {info.filename.removesuffix(".npy"): info for info in infos if _is_npy(info.filename)}


def _is_npy(filename: str) -> bool:
    return filename.endswith(".npy") and len(filename) > len(".npy")


def _size_text(n: int) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise NpzError("has a truncated .npy header")
    return data


def _parse_header(stream: BinaryIO) -> tuple[tuple, bool, np.dtype, int]:
    """Shape, Fortran order, dtype and data offset from the start of a member's stream.

    The header's length field is read and capped here: NumPy's own readers would read as many
    bytes as a version 2 header declares (up to 4 GiB) before looking at them.
    """
    magic = _read_exactly(stream, npy_format.MAGIC_LEN)
    try:
        major, minor = npy_format.read_magic(io.BytesIO(magic))
    except ValueError:
        raise NpzError("is not an .npy array") from None
    if (major, minor) not in ((1, 0), (2, 0)):
        raise NpzError(f"is in .npy format version {major}.{minor}; 1.0 and 2.0 are read")
    length_format = "<H" if major == 1 else "<I"
    length_field = _read_exactly(stream, struct.calcsize(length_format))
    (length,) = struct.unpack(length_format, length_field)
    if length > MAX_HEADER_BYTES:
        raise NpzError(f"has an .npy header of {length:,} bytes; at most {MAX_HEADER_BYTES:,}")
    header = io.BytesIO(length_field + _read_exactly(stream, length))
    read_header = (
        npy_format.read_array_header_1_0 if major == 1 else npy_format.read_array_header_2_0
    )
    # NumPy's parser (ast.literal_eval of the header text, then the dtype's description) raises
    # ValueError, TypeError, SyntaxError or worse for a crafted header: all mean unreadable.
    try:
        shape, fortran_order, dtype = read_header(header, max_header_size=MAX_HEADER_BYTES)
    except Exception as error:
        raise NpzError(f"has an unreadable .npy header ({_short(error)})") from None
    return shape, fortran_order, dtype, len(magic) + len(length_field) + length


def _check_dtype(dtype: np.dtype, rule: ArrayRule) -> None:
    if dtype.hasobject:
        raise NpzError("holds pickled Python objects, which are never loaded")
    if dtype.names is not None or dtype.subdtype is not None:
        raise NpzError(f"has a structured dtype {dtype}; plain numbers or text are read")
    if dtype.kind not in rule.kinds:
        allowed = " or ".join(_KIND_NAMES[kind] for kind in rule.kinds)
        raise NpzError(f"holds {dtype} values; {allowed} expected")
    if dtype.itemsize == 0 or (dtype.kind != "U" and dtype.itemsize > _NUMERIC_ITEMSIZE):
        raise NpzError(f"holds {dtype} values of {dtype.itemsize} bytes each")


def _check_shape(shape: tuple, rule: ArrayRule) -> None:
    if not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n < _MAX_AXIS for n in shape
    ):
        raise NpzError("declares an impossible shape")
    expected = rule.shape
    if expected is not None and (
        len(shape) != len(expected)
        or any(want is not None and n != want for n, want in zip(shape, expected, strict=False))
    ):
        wanted = "(" + ", ".join("any" if n is None else str(n) for n in expected) + ")"
        raise NpzError(f"has shape {_shape_text(shape)}; {wanted} expected")


def _shape_text(shape: tuple) -> str:
    text = str(tuple(shape))
    return text if len(text) <= 80 else text[:77] + "..."


def _array_text(header: ArrayHeader) -> str:
    """``(1000000, 1000000) float64``, or ``a <U1000000 scalar``."""
    if not header.shape:
        return f"a {header.dtype.str} scalar"
    return f"{_shape_text(header.shape)} {header.dtype}"


def _checked_header(info: zipfile.ZipInfo, stream: BinaryIO, rule: ArrayRule) -> ArrayHeader:
    shape, fortran_order, dtype, data_offset = _parse_header(stream)
    _check_dtype(dtype, rule)
    _check_shape(shape, rule)
    name = info.filename.removesuffix(".npy")
    header = ArrayHeader(name, tuple(shape), dtype, bool(fortran_order), data_offset)
    if header.nbytes > rule.max_bytes:
        raise NpzError(
            f"declares {_array_text(header)}, {_size_text(header.nbytes)}; "
            f"at most {_size_text(rule.max_bytes)}"
        )
    if fortran_order and not rule.allow_fortran_order:
        raise NpzError("is stored in Fortran (column-major) order, which is not accepted here")
    if info.file_size != data_offset + header.nbytes:
        raise NpzError(
            f"holds {info.file_size:,} bytes but its header declares "
            f"{data_offset + header.nbytes:,}"
        )
    return header


def _read_data(stream: BinaryIO, header: ArrayHeader) -> np.ndarray:
    """Exactly ``header.nbytes`` bytes into an array of the declared shape; a stream longer or
    shorter than that is refused."""
    flat = np.empty(header.size, dtype=header.dtype)
    raw = flat.view(np.uint8)
    filled = 0
    while filled < header.nbytes:
        chunk = stream.read(min(CHUNK_BYTES, header.nbytes - filled))
        if not chunk:
            raise NpzError(f"ends after {filled:,} of the {header.nbytes:,} data bytes declared")
        raw[filled : filled + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        filled += len(chunk)
    if stream.read(1):
        raise NpzError("holds more data than its header declares")
    if header.fortran_order:
        array = flat.reshape(header.shape[::-1]).transpose()
    else:
        array = flat.reshape(header.shape)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.kind == "U" and array.size:
        _check_code_points(array)
    return array


def _check_code_points(text: np.ndarray) -> None:
    # NumPy turns a code point beyond Unicode's into a corrupt str or a SystemError when read
    if int(np.ascontiguousarray(text).reshape(-1).view(np.uint32).max()) > sys.maxunicode:
        raise NpzError("holds characters that are not Unicode")


class NpzReader:
    """An ``.npz`` archive opened for checked reading; use as a context manager.

    Parameters
    ----------
    path : the archive.
    max_members : the most members (of any name) the archive may have.
    max_total_bytes : the most uncompressed bytes its members may declare, all together (members
        never read count too: a huge one makes the archive suspect).

    Raises
    ------
    NpzError : the file cannot be opened, is not a zip archive, or breaks a limit.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        max_members: int = DEFAULT_MAX_MEMBERS,
        max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    ) -> None:
        self.path = Path(path)
        handle = _open_file(self.path)
        try:
            self._zip = _open_zip(handle)
            self._members = _check_directory(self._zip.infolist(), max_members, max_total_bytes)
        except BaseException:
            handle.close()
            raise
        self._handle = handle

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    @property
    def names(self) -> tuple[str, ...]:
        """The arrays in the archive (its ``.npy`` members without the suffix), in file order."""
        return tuple(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def header(self, name: str, rule: ArrayRule) -> ArrayHeader:
        """The checked header of array ``name``; reads only the first bytes of the member."""
        info = self._info(name)
        with _errors_named(name), self._open(info) as stream:
            return _checked_header(info, stream, rule)

    def read(self, name: str, rule: ArrayRule) -> np.ndarray:
        """Array ``name``, once its header satisfies ``rule``; shape ``header(name).shape``."""
        info = self._info(name)
        with _errors_named(name), self._open(info) as stream:
            return _read_data(stream, _checked_header(info, stream, rule))

    def read_all(self, wanted: Wanted) -> dict[str, np.ndarray]:
        """Every array that ``wanted`` asks for, by name: a mapping from name to rule, or a
        function giving a name's rule or None to leave it. Others are never opened."""
        rule_of = wanted.get if isinstance(wanted, Mapping) else wanted
        arrays = {}
        for name in self._members:
            rule = rule_of(name)
            if rule is not None:
                arrays[name] = self.read(name, rule)
        return arrays

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._members[name]
        except KeyError:
            raise NpzError(f"the archive has no array {name!r}") from None

    def _open(self, info: zipfile.ZipInfo) -> BinaryIO:
        if info.flag_bits & 0x1:
            raise NpzError("is encrypted")
        if info.compress_type not in _METHODS:
            raise NpzError(
                f"is compressed with method {info.compress_type}; only stored and deflated "
                "members are read"
            )
        return self._zip.open(info)


@contextmanager
def _errors_named(name: str) -> Iterator[None]:
    """Any error reading member ``name`` as an ``NpzError`` that names it."""
    try:
        yield
    except NpzError as error:
        raise NpzError(f"member {name!r} {error}") from None
    # A damaged member makes zipfile or zlib raise any of a dozen types (BadZipFile for a bad
    # CRC, zlib.error, EOFError, OSError...): all mean the member is unreadable.
    except Exception as error:
        raise NpzError(f"member {name!r} is damaged ({_short(error)})") from None


def read_npz(
    path: str | os.PathLike,
    wanted: Wanted,
    *,
    max_members: int = DEFAULT_MAX_MEMBERS,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> dict[str, np.ndarray]:
    """The arrays of ``path`` that ``wanted`` asks for (see ``NpzReader.read_all``)."""
    with NpzReader(path, max_members=max_members, max_total_bytes=max_total_bytes) as reader:
        return reader.read_all(wanted)
