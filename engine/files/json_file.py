"""Reading a small JSON file defensively: bounded size, any nesting, any bytes give a clean
``ValueError`` (never a crash, a ``RecursionError`` or a huge allocation)."""

import json
import math
import os
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 1 << 20  # a run description is about 2 KB


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str | bytes, what: str = "the file") -> Any:
    """``json.loads`` that refuses NaN and Infinity and turns every failure into ``ValueError``."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{what} is not valid JSON ({error.msg}, line {error.lineno})") from None


def read_json(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON value in ``path``; ``ValueError`` for a file too large or not JSON, ``OSError``
    when it cannot be read."""
    path = Path(path)
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{path.name} is larger than {max_bytes // 1024} KiB")
    return parse_json(data, path.name)


def shown(value: Any) -> str:
    """A JSON value for a message: short, whatever its size or nesting."""
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} of {len(value)}"
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 40 else text[:37] + "..."


def whole_number(value: Any, what: str, low: int, high: int) -> int:
    """``value`` if it is a JSON whole number from ``low`` to ``high``, else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{what} must be a whole number from {low:,} to {high:,}, not {shown(value)}"
        )
    return value


def finite_number(value: Any, what: str, minimum: float = -math.inf) -> float:
    """``value`` as a float if it is a finite JSON number of at least ``minimum``, else
    ``ValueError`` (also for a whole number too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, not {shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} is too large") from None
    if not math.isfinite(number) or number < minimum:
        bound = "" if minimum == -math.inf else f" of at least {minimum:g}"
        raise ValueError(f"{what} must be a finite number{bound}, not {shown(value)}")
    return number
