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
from itertools import chain

import numpy as np
import orjson

from ttsbench.track import forked, loader, validation
from ttsbench.track import rows as rows_module
from ttsbench.track.results_cache import arrays
from ttsbench.track.rows import FileRows

NUMBERS = {float, int}
PLAIN_DATES_BEFORE = 4_102_444_800_000  # 2100-01-01 in ms
SAMPLE_TYPES = {list, type(None)}
VERSION_TYPES = {str, type(None)}
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
    found, *others = forked.run_shares(
        len(files), shares,
        lambda lo, hi: _parse_share(files[lo:hi], lo, benchmarks, combos, versions, warnings, progress,
                                    machine_names),
        lambda lo, hi: (_parse_apart, files[lo:hi], lo, benchmarks, machine_names))
    for parsed, their_combos, their_versions, their_warnings in others:
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
    """:func:`parse_files` of ``files`` in this process (``first``: the index of the first)."""
    machine_names = {} if machine_names is None else machine_names
    grids: dict = {}  # _file_grid's verdicts: per file shape and per (benchmark, params as JSON)
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
        out = _plain_rows(data, benchmarks, combos, grids)
        if out is not None:
            out["version"] = np.repeat([versions.code(v) for v in out.pop("row_versions")], out.pop("sizes"))
            rows = _plain_sizes(out)
        if out is None or rows is None:
            return header, _checked_rows(data, header[0], benchmarks, combos, versions)
    except validation.InvalidFile as exc:
        warnings.append(f"skipped {path}: {exc}")
        return None
    return header, rows


def _date_ms(value) -> int:
    """asv's date in milliseconds; an odd one goes through the loader's check (pandas)."""
    if type(value) is int and 0 < value < PLAIN_DATES_BEFORE:
        return value
    return validation.timestamp(value).value // 10**6


def _plain_rows(data, benchmarks, combos, grids) -> dict | None:
    """The file's rows as columns (codes, values, CIs, samples) when every row is plainly valid,
    the usual case; None when anything needs the loader's row-by-row checks.

    Column by column rather than row by row: each check is one pass over a column of the file
    (the types of all its numbers at once), and each distinct parameter grid is worked out once.
    """
    names, rows = list(data["results"]), list(data["results"].values())
    columns = data["result_columns"]
    width = len(columns)
    if not set(map(type, rows)) <= {list}:
        return None
    lengths = set(map(len, rows))  # asv leaves out trailing columns it has nothing for
    if max(lengths, default=0) > width:
        return None
    if len(lengths) > 1:
        rows = [row + [None] * (width - len(row)) for row in rows]
    column = dict(zip(columns, zip(*rows))) if rows else {}
    nothing = (None,) * len(rows)
    grid = _file_grid(names, column.get("params", nothing), benchmarks, combos, grids)
    if grid is None:
        return None
    sizes, codes, positive = grid
    values, versions = column.get("result", nothing), column.get("version", nothing)
    if not set(map(type, values)) <= {list} or list(map(len, values)) != sizes \
            or not set(map(type, versions)) <= VERSION_TYPES:
        return None
    stats = {name: _row_lists(column.get(name, nothing), sizes) for name in STAT_COLUMNS}
    samples = _row_lists(column.get("samples", nothing), sizes)
    if samples is None or None in stats.values():
        return None
    per_combo = list(chain.from_iterable(samples))
    if not set(map(type, per_combo)) <= SAMPLE_TYPES:
        return None
    return {
        "combo": codes, "positive": positive, "sizes": sizes, "row_versions": versions,
        "value": list(chain.from_iterable(values)),
        "ci_low": list(chain.from_iterable(stats["stats_ci_99_a"])),
        "ci_high": list(chain.from_iterable(stats["stats_ci_99_b"])),
        "n_samples": list(map(len, per_combo)) if None not in per_combo else
        [len(s) if s else 0 for s in per_combo],
        "samples": list(chain.from_iterable(filter(None, per_combo))),
        "stats": list(chain.from_iterable(chain.from_iterable(stats.values()))),
    }


def _row_lists(given, sizes) -> list | None:
    """A column holding a list per row, one entry per combination; a row asv stored nothing
    for (None) reads as that many Nones. None when a row holds anything else."""
    if None in given:
        given = [s if s is not None else [None] * n for s, n in zip(given, sizes)]
    return given if set(map(type, given)) <= {list} and list(map(len, given)) == sizes else None


def _file_grid(names, params, benchmarks, combos, grids) -> tuple | None:
    """(combinations per row, their codes, whether each must be positive) of a file whose every
    parameter grid is plainly valid (:func:`_plain_grid`), else None. Cached for the file's
    names and parameters as a whole (the files of a history mostly share them) and per row."""
    try:
        whole = (tuple(names), orjson.dumps(params))
        if whole in grids:
            return grids[whole]
        keys = [(name, orjson.dumps(p)) for name, p in zip(names, params)]
    except TypeError:
        return None
    for key, name, p in zip(keys, names, params):
        if key not in grids:
            grids[key] = _plain_grid(name, p, benchmarks.get(name), combos)
    found = [grids[key] for key in keys]
    sizes = [grid[0] for grid in found] if all(found) else None
    grids[whole] = None if sizes is None else (
        sizes, np.array([c for grid in found for c in grid[1]], np.int32),
        np.repeat(np.array([grid[2] for grid in found], bool), sizes))
    return grids[whole]


def _plain_sizes(out: dict) -> dict | None:
    """The row arrays of :func:`_plain_rows`' columns when every number is an int or float,
    finite, of a plausible size and, for times and sizes, positive; else None."""
    stats = out.pop("stats")
    if None in stats:
        stats = [x for x in stats if x is not None]
    positive = out.pop("positive")
    if not (set(map(type, out["value"])) <= NUMBERS and set(map(type, out["samples"])) <= NUMBERS
            and set(map(type, stats)) <= NUMBERS):
        return None
    rows = arrays(out)
    value, samples = rows["value"], rows["samples"]
    sample_positive = np.repeat(positive, rows["n_samples"])
    fine = (np.abs(np.array(stats, dtype=float)) <= validation.MAX_MAGNITUDE).all() \
        and (np.abs(value) <= validation.MAX_MAGNITUDE).all() and (value[positive] > 0).all() \
        and (np.abs(samples) <= validation.MAX_MAGNITUDE).all() and (samples[sample_positive] > 0).all()
    return rows if fine else None


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
