"""What a result may contain before the tracker measures it: the one validation layer.

Everything the loader reads passes here. A file of the wrong shape (not asv's result format,
a bad date or commit, a non-object machine.json) raises :class:`InvalidFile` and the loader
skips it with one warning line. A benchmark row of the wrong shape (a deleted column that shifts
the fields after it, values that do not match the parameter grid, ``param_names`` that do not
match the stored parameters) and a value that is not a finite number (positive for timings and
memory) make rows ``invalid`` with the reason: shown and counted, never measured, never
"unchanged".
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is built, not on the cached path
    import pandas as pd


# Values whose squares overflow a float break the statistics (variances, t statistics).
MAX_MAGNITUDE = 1e150
PLAIN_NUMBERS = (int, float)
PLAIN_SET = frozenset(PLAIN_NUMBERS)
NUMBERS_OR_NONE = frozenset({int, float, type(None)})
POSITIVE_PREFIXES = ("time_", "timeraw_", "mem_", "peakmem_")
POSITIVE_TYPES = ("time", "memory", "peakmemory")
STAT_KEYS = ("ci_99_a", "ci_99_b", "q_25", "q_75", "number", "repeat")
KNOWN_COLUMNS = {"result", "params", "version", "started_at", "duration", "samples", "profile",
                 *(f"stats_{key}" for key in STAT_KEYS)}
REQUIRED_KEYS = {"commit_hash": str, "env_name": str, "params": dict, "results": dict,
                 "result_columns": list}


class InvalidFile(ValueError):
    """A file that does not have the shape asv writes; the message says what is wrong."""


def is_number(value) -> bool:
    if type(value) in PLAIN_NUMBERS:  # the fast path: JSON gives int and float
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def plausible(value) -> bool:
    """A finite number no larger than :data:`MAX_MAGNITUDE` (NaN fails the comparison)."""
    return is_number(value) and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE


def all_plausible(values: list, *, none: bool = False) -> bool:
    """Whether every entry is :func:`plausible` (or None, with ``none``); fast on long lists."""
    if not set(map(type, values)) <= (NUMBERS_OR_NONE if none else PLAIN_SET):
        return all((v is None and none) or plausible(v) for v in values)
    try:  # NaN or inf make the sum fail the bound
        return math.fsum(map(abs, (v for v in values if v is not None) if none else values)) <= MAX_MAGNITUDE
    except OverflowError:
        return False


def check_file(data) -> None:
    """Raise :class:`InvalidFile` unless ``data`` has the top-level shape of an asv result."""
    if not isinstance(data, dict):
        raise InvalidFile(f"a result file is a JSON object, not {type(data).__name__}")
    for key, kind in REQUIRED_KEYS.items():
        if not isinstance(data.get(key), kind):
            raise InvalidFile(f"{key!r} is missing or not a {kind.__name__}")
    if not data["commit_hash"].strip() or not data["env_name"].strip():
        raise InvalidFile("empty commit_hash or env_name")
    columns = data["result_columns"]
    unknown = [c for c in columns if not isinstance(c, str) or c not in KNOWN_COLUMNS]
    if unknown or len(set(columns)) != len(columns) or "result" not in columns:
        raise InvalidFile(f"result_columns {columns!r} are not asv's")


def timestamp(value) -> pd.Timestamp:
    """asv's date (JavaScript milliseconds, written on every result) as a UTC timestamp."""
    if value is None:
        raise InvalidFile("no date; asv writes one in every result file")
    if not is_number(value) or not math.isfinite(value):
        raise InvalidFile(f"date {value!r} is not a time in milliseconds")
    import pandas as pd  # here, not above: `ttsbench history` from its cache needs no pandas

    try:
        return pd.Timestamp(value, unit="ms", tz="UTC")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise InvalidFile(f"date {value!r} is out of range") from None


def must_be_positive(name: str, description: dict | None) -> bool:
    """Whether a benchmark's values are durations or sizes (asv's time/memory kinds)."""
    if description and description.get("type") in POSITIVE_TYPES:
        return True
    return name.rsplit(".", 1)[-1].startswith(POSITIVE_PREFIXES)


def value_problem(value, positive: bool) -> str | None:
    """Why a measured value (not None, not NaN) cannot be measured; None when it can."""
    if not is_number(value):
        return f"{value!r} is not a number"
    if not plausible(value):
        return f"{value!r} is not a finite value of a plausible size"
    if positive and value <= 0:
        return f"{value!r} is not positive (a time or a size)"
    return None


def row_problem(fields: dict, n: int) -> str | None:
    """Why a benchmark row's columns do not fit a grid of ``n`` combinations; None when they do."""
    result = fields.get("result")
    if result is not None and not isinstance(result, list):
        return "result is not a list of values (a deleted or shifted column?)"
    if result is not None and len(result) != n:
        return f"{len(result)} values for {n} parameter combinations"
    for key in STAT_KEYS:
        stats = fields.get(f"stats_{key}")
        if stats is None:
            continue
        if not isinstance(stats, list) or len(stats) != n or not all_plausible(stats, none=True):
            return f"stats_{key} does not hold {n} numbers (a deleted or shifted column?)"
    samples = fields.get("samples")
    if samples is not None and (not isinstance(samples, list) or len(samples) != n or not all(
        s is None or isinstance(s, list) for s in samples
    )):
        return f"samples do not hold {n} lists (a deleted or shifted column?)"
    version = fields.get("version")
    if version is not None and not isinstance(version, str):
        return f"version {version!r} is not text (a deleted or shifted column?)"
    return None


def param_lists(fields: dict) -> list[list[str]] | None:
    """The stored parameter grid (a list of lists of asv's repr strings), or None when malformed."""
    params = fields.get("params")  # asv writes it on every row, [] for no parameters
    if not isinstance(params, list) or not all(
        isinstance(values, list) and all(isinstance(v, str) for v in values) for values in params
    ):
        return None
    return params


def samples_problem(samples, positive: bool) -> str | None:
    """Why a combination's raw samples cannot be used; None when they can."""
    if all_plausible(samples) and (not positive or not samples or min(samples) > 0):
        return None
    for sample in samples:
        problem = value_problem(sample, positive)
        if problem:
            return f"sample {problem}"
    return None


def clean_benchmarks(data, where: str = "benchmarks.json") -> tuple[dict, list[str]]:
    """benchmarks.json's entries that the loader can use, and one line on what was dropped."""
    if not isinstance(data, dict):
        return {}, [f"{where} is not a JSON object ({type(data).__name__}); ignored"]
    kept, dropped = {}, []
    for name, entry in data.items():
        if name == "version":
            continue
        problem = _benchmark_problem(entry)
        if problem:
            dropped.append(f"{name}: {problem}")
        else:
            kept[name] = entry
    if not dropped:
        return kept, []
    more = f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
    return kept, [f"{where}: ignored {len(dropped)} entries ({'; '.join(dropped[:3])}{more}); "
                  "re-run asv to rewrite it"]


def _benchmark_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return f"{type(entry).__name__} instead of an object"
    if "unit" in entry and not isinstance(entry["unit"], str):
        return f"unit {entry['unit']!r} is not text"
    names = entry.get("param_names")
    if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        return f"param_names {names!r} is not a list of names"
    version = entry.get("version")
    if version is not None and not isinstance(version, str):
        return f"version {version!r} is not text"
    return None


__all__ = [
    "InvalidFile", "check_file", "clean_benchmarks", "is_number", "must_be_positive",
    "param_lists", "plausible", "row_problem", "samples_problem", "timestamp", "value_problem",
]
