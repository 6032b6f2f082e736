"""The cache files of :mod:`ttsbench.track.results_table`: one binary file per column and
``meta.json`` (files, string tables), under ``<cache_dir>/results-table/``.

Columns are mapped read-only from the files (mmap: no copy, the page cache serves them), a new
commit's rows are appended to them, and anything that does not add up (an interrupted write)
reads as an empty cache, which the next run rebuilds.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
from pathlib import Path

import numpy as np
import orjson

from ttsbench.files import write_atomic

CACHE_FOLDER = "results-table"
CACHE_FORMAT = 1
ROW_ARRAYS = ("combo", "version", "value", "ci_low", "ci_high", "n_samples")
DTYPES = {"combo": np.int32, "version": np.int32, "n_samples": np.int32, "value": np.float64,
          "ci_low": np.float64, "ci_high": np.float64, "samples": np.float64}


@dataclasses.dataclass
class Table:
    """Rows of every result file; ``combos`` holds (benchmark, param_key, repr of params)."""

    files: list  # [relative path, size, mtime_ns, machine, env, commit, date_ms, first row]
    combos: list
    versions: list
    rows: dict  # ROW_ARRAYS -> arrays, plus "samples" (flat)
    warnings: list


def arrays(out) -> dict:
    arrays = {name: np.array(out[name], dtype=float) for name in ("value", "ci_low", "ci_high", "samples")}
    arrays.update({name: np.array(out[name], dtype=np.int32) for name in ("combo", "version", "n_samples")})
    return arrays


def run_starts(counts) -> np.ndarray:
    """Where each of consecutive runs of ``counts`` items starts (0, counts[0], ...)."""
    return np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)


def concatenate(parts) -> dict:
    if not parts:
        empty = arrays({name: [] for name in (*ROW_ARRAYS, "samples")})
        return {**empty, "sample_start": np.zeros(0, np.int64)}
    if len(parts) == 1:
        rows = dict(parts[0])
    else:
        rows = {name: np.concatenate([p[name] for p in parts]) for name in (*ROW_ARRAYS, "samples")}
    rows["sample_start"] = run_starts(rows["n_samples"])
    return rows


def read_cache(cache_dir) -> Table:
    """The cached table (its columns mapped read-only from the files, not copied), or an empty
    one when there is none or it does not add up."""
    empty = Table([], [], [], concatenate([]), [])
    folder = None if cache_dir is None else Path(cache_dir) / CACHE_FOLDER
    try:
        meta = orjson.loads((folder / "meta.json").read_bytes())
        if meta.get("format") != CACHE_FORMAT:
            return empty
        rows = {name: _mapped(folder / f"{name}.bin", DTYPES[name]) for name in (*ROW_ARRAYS, "samples")}
    except (TypeError, OSError, ValueError, orjson.JSONDecodeError):
        return empty
    if any(rows[name].size != meta["rows"] for name in ROW_ARRAYS) or \
            rows["samples"].size != meta["samples"]:
        return empty  # an interrupted write: start again
    rows["sample_start"] = run_starts(rows["n_samples"])
    return Table(meta["files"], [tuple(c) for c in meta["combos"]], meta["versions"], rows, [])


def _mapped(path: Path, dtype) -> np.ndarray:
    """A column file as a read-only array backed by the page cache (mmap)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return np.zeros(0, dtype)
        return np.frombuffer(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), dtype=dtype)


def _meta(rows: int, samples: int, files, combos, versions) -> bytes:
    return orjson.dumps({"format": CACHE_FORMAT, "rows": rows, "samples": samples, "files": files,
                         "combos": combos, "versions": versions})


def write_cache(table: Table, cache_dir: Path) -> None:
    """Write the whole table (each file atomically; the meta file last)."""
    folder = cache_dir / CACHE_FOLDER
    try:
        for name in (*ROW_ARRAYS, "samples"):
            write_atomic(folder / f"{name}.bin", table.rows[name].astype(DTYPES[name]).tobytes())
        write_atomic(folder / "meta.json", _meta(int(table.rows["value"].size),
                                                 int(table.rows["samples"].size), table.files,
                                                 table.combos, table.versions))
    except OSError as exc:
        table.warnings.append(_unwritable(cache_dir, exc))


def append_cache(cache_dir: Path, old: Table, parts: list, files, combos, versions) -> Table | None:
    """Append new files' rows to the cached columns, then read the cache again; None when it
    cannot be written (the caller then builds the table in memory). An append cut short leaves
    sizes that do not match the meta file, and the next run rebuilds."""
    folder = cache_dir / CACHE_FOLDER
    rows = old.rows["value"].size + sum(p["value"].size for p in parts)
    samples = old.rows["samples"].size + sum(p["samples"].size for p in parts)
    try:
        for name in (*ROW_ARRAYS, "samples"):
            with open(folder / f"{name}.bin", "ab") as out:
                for part in parts:
                    out.write(part[name].astype(DTYPES[name]).tobytes())
        write_atomic(folder / "meta.json", _meta(int(rows), int(samples), files, combos, versions))
    except OSError:
        return None
    table = read_cache(cache_dir)
    return table if len(table.files) == len(files) else None


def _unwritable(cache_dir: Path, exc: OSError) -> str:
    return (f"cache {cache_dir} not written ({exc.strerror or exc}); "
            "pass --cache DIR to a writable folder")
