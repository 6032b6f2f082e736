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

from ttsbench.errors import TtsbenchError
from ttsbench.track import loader, validation
from ttsbench.track import rows as rows_module
from ttsbench.track.results_cache import (
    ROW_ARRAYS, Table, append_cache, arrays, concatenate, read_cache, write_cache,
)
from ttsbench.track.rows import FileRows

NUMBERS = {float, int}
PLAIN_DATES_BEFORE = 4_102_444_800_000  # 2100-01-01 in ms
OPTIONAL = {float, int, type(None)}


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
        parsed = _parse(path, folder, benchmarks, combos, versions, warnings, machine_names)
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


def _parse(path, folder, benchmarks, combos, versions, warnings, machine_names):
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
        plain = all(_append_plain(out, data, name, row, benchmarks, combos, versions)
                    for name, row in data["results"].items())
        if not (plain and _plain_sizes(out)):
            return header, _checked_rows(data, header[0], benchmarks, combos, versions)
    except validation.InvalidFile as exc:
        warnings.append(f"skipped {path}: {exc}")
        return None
    return header, arrays(out)


def _date_ms(value) -> int:
    """asv's date in milliseconds; an odd one goes through the loader's check (pandas)."""
    if type(value) is int and 0 < value < PLAIN_DATES_BEFORE:
        return value
    return validation.timestamp(value).value // 10**6


def _append_plain(out, data, name, row, benchmarks, combos, versions) -> bool:
    """Append one benchmark's rows when every value is a plain finite number (the usual case);
    False, appending nothing, when anything needs the loader's row-by-row checks."""
    description = benchmarks.get(name)
    if not isinstance(row, list) or len(row) > len(data["result_columns"]):
        return False
    fields = dict(zip(data["result_columns"], row))
    grid = _plain_grid(name, fields, description, out["finite"])
    if grid is None:
        return False
    names, grid = grid
    values = fields["result"]
    samples = fields.get("samples") or [None] * len(grid)
    flat = [x for s in samples if s for x in s]
    if not set(map(type, flat)) <= NUMBERS:
        return False
    # Sizes are checked once per file (_plain_sizes): NaN (skipped), huge or non-positive values.
    out["positive" if validation.must_be_positive(name, description) else "finite"].extend(values + flat)
    version = fields.get("version") if isinstance(fields.get("version"), str) else None
    out["combo"].extend(combos.code((name, key, repr(dict(zip(names, combo))))) for combo, key in grid)
    out["version"].extend([versions.code(version)] * len(grid))
    out["value"].extend(values)
    for key, target in (("stats_ci_99_a", "ci_low"), ("stats_ci_99_b", "ci_high")):
        out[target].extend(fields.get(key) or [None] * len(grid))
    out["n_samples"].extend(len(s) if s else 0 for s in samples)
    out["samples"].extend(flat)
    return True


def _plain_sizes(out) -> bool:
    """Whether every number gathered from a file's plain rows is finite, of a plausible size and,
    for times and sizes, positive."""
    finite = np.abs(np.array(out.pop("finite"), dtype=float)) <= validation.MAX_MAGNITUDE
    positive = np.array(out.pop("positive"), dtype=float)
    return bool(finite.all() and (positive <= validation.MAX_MAGNITUDE).all() and (positive > 0).all())


def _plain_grid(name, fields, description, checks):
    """(param names, combinations) of a row that is plainly valid, else None.

    Stricter than the loader's :func:`ttsbench.track.rows._grid` checks, never looser: a row
    refused here is read by the loader's code, so odd rows get the loader's verdict.
    """
    grid = validation.param_lists(fields)
    stored = (description or {}).get("param_names")
    values = fields.get("result")
    if grid is None or (stored is not None and len(stored) != len(grid)) or values is None:
        return None
    names = tuple(stored) if stored is not None else tuple(f"param{i + 1}" for i in range(len(grid)))
    n = math.prod(len(v) for v in grid)
    if n > rows_module.MAX_COMBINATIONS or not isinstance(values, list) or len(values) != n \
            or not set(map(type, values)) <= NUMBERS:
        return None
    for key in validation.STAT_KEYS:
        stats = fields.get(f"stats_{key}")
        if stats is None:
            continue
        if not isinstance(stats, list) or len(stats) != n or not set(map(type, stats)) <= OPTIONAL:
            return None
        checks.extend(stats if None not in stats else [x for x in stats if x is not None])
    samples = fields.get("samples")
    if samples is not None and (not isinstance(samples, list) or len(samples) != n
                                or not set(map(type, samples)) <= {list, type(None)}):
        return None
    version = fields.get("version")
    if version is not None and not isinstance(version, str):
        return None
    return names, rows_module._combinations(names, tuple(tuple(v) for v in grid))


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
