"""asv result files into row arrays (the columns of :mod:`ttsbench.track.results_cache`), on as
many processes as the machine has cores when there are many.

A file is parsed with orjson (asv's own reader where orjson cannot). Its rows take a fast path
when they are plainly valid: the numbers' types and sizes are checked in bulk, each distinct
parameter grid once. Anything else is read row by row by the loader's
:class:`~ttsbench.track.rows.FileRows`, so odd rows get the loader's verdict and warnings; rows
that are not ``ok`` keep NaN values.
"""

from __future__ import annotations

import math

import numpy as np
import orjson

from ttsbench.track import forked, loader, validation
from ttsbench.track import rows as rows_module
from ttsbench.track.results_cache import ROW_ARRAYS, arrays
from ttsbench.track.rows import FileRows

NUMBERS = {float, int}
PLAIN_DATES_BEFORE = 4_102_444_800_000  # 2100-01-01 in ms
SAMPLE_TYPES = {list, type(None)}
STAT_COLUMNS = tuple(f"stats_{key}" for key in validation.STAT_KEYS)
FILES_PER_PROCESS = 250  # fewer new files than this per extra process: parse them here


class Codes:
    """A string table: each distinct item gets the next integer code."""

    def __init__(self, items):
        self.items = [tuple(i) if isinstance(i, list) else i for i in items]
        self.index = {item: k for k, item in enumerate(self.items)}

    def code(self, item) -> int:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)
        return self.index[item]


def parse_files(files, benchmarks, combos: Codes, versions: Codes, warnings: list, progress=None):
    """``(index, header, row arrays)`` of each ``(folder, path)`` in ``files`` that is read (the
    others are skipped with a warning), in order; codes go into ``combos`` and ``versions``.

    With many files, shares of them are parsed by forked processes while this one parses the
    first; their codes are mapped into the tables here, so the result is the serial one.
    """
    shares = forked.shares(len(files), FILES_PER_PROCESS)
    if shares == 1:
        return _parse_share(files, 0, benchmarks, combos, versions, warnings, progress)
    machine_names = {folder: loader._machine_name(folder, warnings)
                     for folder in dict.fromkeys(folder for folder, _ in files)}
    bounds = np.linspace(0, len(files), shares + 1).astype(int)
    with forked.pool(shares - 1) as pool:
        others = [pool.submit(_parse_apart, files[lo:hi], int(lo), benchmarks, machine_names)
                  for lo, hi in zip(bounds[1:-1], bounds[2:])]
        found = _parse_share(files[:bounds[1]], 0, benchmarks, combos, versions, warnings, progress,
                             machine_names)
        for other in others:
            parsed, their_combos, their_versions, their_warnings = other.result()
            combo_map = np.array([combos.code(c) for c in their_combos] or [0], np.int32)
            version_map = np.array([versions.code(v) for v in their_versions] or [0], np.int32)
            for _, _, rows in parsed:
                rows["combo"], rows["version"] = combo_map[rows["combo"]], version_map[rows["version"]]
            found += parsed
            warnings += their_warnings
    return found


def _parse_apart(files, first: int, benchmarks, machine_names):
    """A share parsed in another process, with its own string tables."""
    combos, versions, warnings = Codes([]), Codes([]), []
    parsed = _parse_share(files, first, benchmarks, combos, versions, warnings, None, machine_names)
    return parsed, combos.items, versions.items, warnings


def _parse_share(files, first, benchmarks, combos, versions, warnings, progress, machine_names=None):
    machine_names = {} if machine_names is None else machine_names
    grids: dict = {}  # (benchmark, params as JSON) -> _plain_grid's verdict
    found = []
    for i, (folder, path) in enumerate(progress(files) if progress else files):
        parsed = _parse(path, folder, benchmarks, combos, versions, warnings, machine_names, grids)
        if parsed is not None:
            found.append((first + i, *parsed))
    return found


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
