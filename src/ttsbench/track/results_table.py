"""asv result files read into columns (numpy arrays), cached per file by size and mtime.

``ttsbench history`` reads the same thousands of result files on every run; parsing them was
most of its time. :func:`load_table` keeps every file's rows
(:mod:`ttsbench.track.results_cache`: one binary file per column, rows per file, benchmark and
parameter combination: value, CI, raw samples, codes into string tables, and ``meta.json``)
and re-reads only files whose size or mtime changed; new files' rows are appended. A file is parsed with
orjson (asv's own reader where orjson cannot) and turned into rows by the loader's
:class:`~ttsbench.track.rows.FileRows`, so validation and warnings are the loader's; rows that
are not ``ok`` keep NaN values. The results directory is only read; an unwritable cache is one
warning.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import orjson

from ttsbench.errors import TtsbenchError
from ttsbench.track import loader, validation
from ttsbench.track import rows as rows_module
from ttsbench.track.results_cache import (
    ROW_ARRAYS, Table, append_cache, arrays, concatenate, read_cache, write_cache,
)
from ttsbench.track.rows import FileRows

NUMBERS = {float, int}
PLAIN_DATES_BEFORE = 4_102_444_800_000  # 2100-01-01 in ms
SAMPLE_TYPES = {list, type(None)}
STAT_COLUMNS = tuple(f"stats_{key}" for key in validation.STAT_KEYS)


class _Codes:
    def __init__(self, items):
        self.items = [tuple(i) if isinstance(i, list) else i for i in items]
        self.index = {item: k for k, item in enumerate(self.items)}

    def code(self, item) -> int:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)
        return self.index[item]


def load_table(results_dir: Path, cache_dir: Path | None, progress=None) -> Table:
    """Every result file under ``results_dir`` as a :class:`Table` (see the module docstring)."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise TtsbenchError(
            f"no results directory at {results_dir}; run asv first or pass --results DIR"
        )
    old = read_cache(cache_dir)
    combos, versions = _Codes(old.combos), _Codes(old.versions)
    known = {tuple(f[:3]): k for k, f in enumerate(old.files)}
    kept = np.zeros(len(old.files), bool)
    warnings: list[str] = []
    benchmarks = loader.load_benchmarks(results_dir, warnings)
    machine_names: dict = {}
    grids: dict = {}  # (benchmark, params as JSON) -> _plain_grid's verdict
    new_files, new_parts = [], []
    listing = [(folder, path) for folder, paths in loader._result_files(results_dir, None, warnings)
               for path in paths]
    for folder, path in (progress(listing) if progress else listing):
        stat = path.stat()
        key = (str(path.relative_to(results_dir)), stat.st_size, stat.st_mtime_ns)
        k = known.get(key)
        if k is not None:
            kept[k] = True
            continue
        parsed = _parse(path, folder, benchmarks, combos, versions, warnings, machine_names, grids)
        if parsed is not None:
            new_files.append([*key, *parsed[0]])
            new_parts.append(parsed[1])
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


def _parse(path, folder, benchmarks, combos, versions, warnings, machine_names, grids):
    """(file header, row arrays) of one result file; None when it is skipped (with a warning)."""
    try:
        data = loader._read_json(path, loader.RESULTS_FORMAT)
        validation.check_file(data)
        if folder not in machine_names:
            machine_names[folder] = loader._machine_name(folder, warnings)
        stored = data["params"].get("machine")
        header = [stored if isinstance(stored, str) and stored else machine_names[folder],
                  data["env_name"], data["commit_hash"], _date_ms(data.get("date"))]
        out = {name: [] for name in (*ROW_ARRAYS, "samples", "finite", "positive")}
        columns = data["result_columns"]
        plain = all(_append_plain(out, columns, name, row, benchmarks, combos, grids)
                    for name, row in data["results"].items())
        if not (plain and _plain_numbers(out)):
            return header, _checked_rows(data, header[0], benchmarks, combos, versions)
        out["version"] = [versions.code(v) for v in out["version"]]
    except validation.InvalidFile as exc:
        warnings.append(f"skipped {path}: {exc}")
        return None
    return header, arrays(out)


def _date_ms(value) -> int:
    """asv's date in milliseconds; an odd one goes through the loader's check (pandas)."""
    if type(value) is int and 0 < value < PLAIN_DATES_BEFORE:
        return value
    return validation.timestamp(value).value // 10**6


def _append_plain(out, columns, name, row, benchmarks, combos, grids) -> bool:
    """Append one benchmark's rows when its structure is plainly valid (the usual case); False
    when anything needs the loader's row-by-row checks. The numbers' types and sizes are checked
    once per file (:func:`_plain_numbers`)."""
    if type(row) is not list or len(row) > len(columns):
        return False
    fields = dict(zip(columns, row))
    try:  # the grid's verdict and combination codes, worked out once per distinct grid
        key = (name, orjson.dumps(fields.get("params")))
    except TypeError:
        return False
    grid = grids.get(key)
    if grid is None:
        grid = grids[key] = _plain_grid(name, fields.get("params"), benchmarks.get(name), combos)
    values, samples, version = fields.get("result"), fields.get("samples"), fields.get("version")
    if not grid or type(values) is not list or len(values) != grid[0] \
            or not (version is None or type(version) is str):
        return False
    n, codes, positive = grid
    for stat in STAT_COLUMNS:
        stats = fields.get(stat)
        if stats is None:
            continue
        if type(stats) is not list or len(stats) != n:
            return False
        out["finite"].extend(stats if None not in stats else [x for x in stats if x is not None])
    if samples is None:
        samples = [None] * n
    elif type(samples) is not list or len(samples) != n or not set(map(type, samples)) <= SAMPLE_TYPES:
        return False
    flat = [x for s in samples if s for x in s]
    sized = out["positive" if positive else "finite"]
    sized += values
    sized += flat
    out["combo"] += codes
    out["version"] += [version] * n
    out["value"] += values
    out["ci_low"] += fields.get("stats_ci_99_a") or [None] * n
    out["ci_high"] += fields.get("stats_ci_99_b") or [None] * n
    out["n_samples"] += [len(s) if s else 0 for s in samples]
    out["samples"] += flat
    return True


def _plain_numbers(out) -> bool:
    """Whether every number gathered from a file's plain rows is an int or float, finite, of a
    plausible size and, for times and sizes, positive."""
    finite, positive = out.pop("finite"), out.pop("positive")
    if not (set(map(type, finite)) <= NUMBERS and set(map(type, positive)) <= NUMBERS):
        return False
    finite, positive = np.array(finite, dtype=float), np.array(positive, dtype=float)
    return bool((np.abs(finite) <= validation.MAX_MAGNITUDE).all()
                and (positive <= validation.MAX_MAGNITUDE).all() and (positive > 0).all())


def _plain_grid(name, params, description, combos):
    """(number of combinations, their codes, whether values must be positive) of a benchmark's
    plainly valid parameter grid, else False.

    Stricter than the loader's :func:`ttsbench.track.rows._grid` checks, never looser: a row
    refused here is read by the loader's code, so odd rows get the loader's verdict.
    """
    grid = validation.param_lists({"params": params})
    stored = (description or {}).get("param_names")
    if grid is None or (stored is not None and len(stored) != len(grid)):
        return False
    names = tuple(stored) if stored is not None else tuple(f"param{i + 1}" for i in range(len(grid)))
    if math.prod(len(v) for v in grid) > rows_module.MAX_COMBINATIONS:
        return False
    pairs = rows_module._combinations(names, tuple(tuple(v) for v in grid))
    codes = [combos.code((name, key, repr(dict(zip(names, combo))))) for combo, key in pairs]
    return len(pairs), codes, validation.must_be_positive(name, description)


def _checked_rows(data, machine, benchmarks, combos, versions) -> dict:
    """The file's rows as the loader's FileRows reads them (values of rows not ``ok``: NaN)."""
    rows = FileRows(benchmarks, ())  # higher-is-better is the series' business
    rows.add(data, machine)
    columns = rows.columns
    ok = [status == "ok" for status in columns["status"]]
    return arrays({
        "combo": [combos.code((name, key, repr(params))) for name, key, params in
                  zip(columns["benchmark"], columns["param_key"], columns["params"])],
        "version": [versions.code(v) for v in columns["version"]],
        "value": [v if good else None for v, good in zip(columns["value"], ok)],
        "ci_low": columns["ci_low"], "ci_high": columns["ci_high"],
        "n_samples": [len(s) if s and good else 0 for s, good in zip(columns["samples"], ok)],
        "samples": [x for s, good in zip(columns["samples"], ok) if s and good for x in s],
    })


def _old_rows(old: Table, start: int, stop: int) -> dict:
    """Rows ``start:stop`` of the cached table (views, no copy)."""
    part = {name: old.rows[name][start:stop] for name in ROW_ARRAYS}
    total = old.rows["samples"].size
    first = int(old.rows["sample_start"][start]) if start < old.rows["value"].size else total
    last = int(old.rows["sample_start"][stop]) if stop < old.rows["value"].size else total
    part["samples"] = old.rows["samples"][first:last]
    return part
