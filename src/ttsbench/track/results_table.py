"""asv result files read into columns (numpy arrays), cached per file by size and mtime.

``ttsbench history`` reads the same thousands of result files on every run; parsing them was
most of its time. :func:`load_table` keeps every file's rows
(:mod:`ttsbench.track.results_cache`: one binary file per column, rows per file, benchmark and
parameter combination: value, CI, raw samples, codes into string tables, and ``meta.json``)
and re-reads only files whose size or mtime changed (:mod:`ttsbench.track.results_parse`, in
parallel when there are many); new files' rows are appended. The results directory is only
read; an unwritable cache is one warning.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from ttsbench.errors import TtsbenchError
from ttsbench.track import loader
from ttsbench.track.results_cache import (
    ROW_ARRAYS, Table, append_cache, concatenate, read_cache, write_cache,
)
from ttsbench.track.results_parse import Codes, parse_files


def load_table(results_dir: Path, cache_dir: Path | None, progress=None) -> Table:
    """Every result file under ``results_dir`` as a :class:`Table` (see the module docstring)."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise TtsbenchError(
            f"no results directory at {results_dir}; run asv first or pass --results DIR"
        )
    old = read_cache(cache_dir)
    combos, versions = Codes(old.combos), Codes(old.versions)
    known = {tuple(f[:3]): k for k, f in enumerate(old.files)}
    kept = np.zeros(len(old.files), bool)
    warnings: list[str] = []
    benchmarks = loader.load_benchmarks(results_dir, warnings)
    new, keys = [], []
    for folder, paths in loader._result_files(results_dir, None, warnings):
        inside = folder.name + os.sep  # (each file's path relative to the results dir)
        for path in paths:
            stat = os.stat(path)
            key = (inside + path.name, stat.st_size, stat.st_mtime_ns)
            k = known.get(key)
            if k is None:
                new.append((folder, path))
                keys.append(key)
            else:
                kept[k] = True
    parsed = parse_files(new, benchmarks, combos, versions, warnings, progress)
    new_files = [[*keys[i], *header] for i, header, _ in parsed]
    new_parts = [rows for _, _, rows in parsed]
    # Cached files keep their rows (and order); new ones are appended after them.
    starts = [f[7] for f in old.files] + [old.rows["value"].size]
    files = [f[:7] for f, keep in zip(old.files, kept) if keep] + new_files
    first = np.r_[0, np.cumsum([starts[k + 1] - starts[k] for k in np.flatnonzero(kept)]
                               + [p["value"].size for p in new_parts])]
    files = [[*f, int(at)] for f, at in zip(files, first)]
    if cache_dir is not None and new_parts and kept.all() and old.files:
        # Only new files: append their rows to the cache and map it again (no copy of the rest).
        appended = append_cache(Path(cache_dir), old, new_parts, files, combos.items, versions.items)
        if appended is not None:
            return dataclasses.replace(appended, warnings=warnings)
    runs = np.split(np.flatnonzero(kept), np.flatnonzero(np.diff(np.flatnonzero(kept)) != 1) + 1)
    parts = [_old_rows(old, starts[r[0]], starts[r[-1] + 1]) for r in runs if r.size] + new_parts
    table = Table(files, combos.items, versions.items, concatenate(parts), warnings)
    if cache_dir is not None and (new_parts or not kept.all()):
        write_cache(table, Path(cache_dir))
    return table


def _old_rows(old: Table, start: int, stop: int) -> dict:
    """Rows ``start:stop`` of the cached table (views, no copy)."""
    part = {name: old.rows[name][start:stop] for name in ROW_ARRAYS}
    total = old.rows["samples"].size
    first = int(old.rows["sample_start"][start]) if start < old.rows["value"].size else total
    last = int(old.rows["sample_start"][stop]) if stop < old.rows["value"].size else total
    part["samples"] = old.rows["samples"][first:last]
    return part
