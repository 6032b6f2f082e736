"""One asv result file (format v2, already parsed) as the loader's rows, validated on the way.

A row's columns are zipped with the file's ``result_columns`` as asv's ``Results.load`` does;
:mod:`ttsbench.track.validation` decides which rows are ``invalid`` and why.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math

from ttsbench.track import validation
from ttsbench.track.severity import is_higher_better

COLUMNS = [
    "machine", "env", "commit", "date", "order", "benchmark", "params", "param_key",
    "value", "ci_low", "ci_high", "q25", "q75", "number", "repeat", "samples", "unit",
    "version", "status", "higher_is_better", "reason",
]
UNIT_BY_PREFIX = {"time_": "seconds", "timeraw_": "seconds", "mem_": "bytes", "peakmem_": "bytes"}
STAT_COLUMNS = {
    "ci_low": "stats_ci_99_a", "ci_high": "stats_ci_99_b", "q25": "stats_q_25", "q75": "stats_q_75",
    "number": "stats_number", "repeat": "stats_repeat",
}
# A grid larger than this is a corrupt file, not a benchmark (and would take forever to expand).
MAX_COMBINATIONS = 100_000


def decode_param(text: str):
    """A parameter value from asv's repr string (``"'d'"`` -> ``'d'``); the text when not a literal."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


@functools.lru_cache(maxsize=4096)
def _combinations(names: tuple[str, ...], param_lists: tuple[tuple[str, ...], ...]):
    """Each parameter combination of a grid as (decoded values, param_key), in asv's order.

    Cached: every result file of a history repeats the same grids, and decoding asv's repr
    strings was most of the load time of a long history.
    """
    decoded = [[decode_param(v) for v in values] for values in param_lists]
    return [
        (values, ", ".join(f"{n}={v}" for n, v in zip(names, texts)))
        for values, texts in zip(itertools.product(*decoded), itertools.product(*param_lists))
    ]


def _unit(name: str, description: dict | None) -> str:
    if description and description.get("unit"):
        return description["unit"]
    short = name.rsplit(".", 1)[-1]
    return next((unit for prefix, unit in UNIT_BY_PREFIX.items() if short.startswith(prefix)), "")


def _status(value, positive: bool, samples) -> tuple[str, str]:
    """(status, reason) of one combination's value and samples."""
    if value is None:
        return "failed", ""
    if isinstance(value, float) and math.isnan(value):
        return "skipped", ""
    problem = validation.value_problem(value, positive)
    if problem is None and samples is not None:
        problem = validation.samples_problem(samples, positive)
    return ("invalid", problem) if problem else ("ok", "")


def _grid(name: str, fields: dict, description: dict | None):
    """(parameter names, combinations, reason): the row's grid, or one combination and why not."""
    grid = validation.param_lists(fields)
    if grid is None:
        return (), [((), "")], "params is not a list of value lists (a deleted or shifted column?)"
    size = math.prod(len(values) for values in grid)
    if size > MAX_COMBINATIONS:
        return (), [((), "")], f"a parameter grid of {size} combinations"
    generic = tuple(f"param{i + 1}" for i in range(len(grid)))
    stored = (description or {}).get("param_names")
    names = generic if stored is None else tuple(stored)
    reason = None
    if len(names) != len(grid):
        reason = (f"{len(grid)} stored parameters but benchmarks.json names {len(names)} "
                  "(param_names); re-run asv to rewrite benchmarks.json")
        names = generic  # keys stay distinct: no two combinations collide
    combos = _combinations(names, tuple(tuple(values) for values in grid))
    return names, combos, reason or validation.row_problem(fields, len(combos))


class FileRows:
    """Columns (lists, one entry per row) gathered from result files."""

    def __init__(self, benchmarks: dict, patterns):
        self.benchmarks, self.patterns = benchmarks, patterns
        self.columns: dict[str, list] = {column: [] for column in COLUMNS if column != "order"}

    def __len__(self) -> int:
        return len(self.columns["commit"])

    def add(self, data, machine: str) -> None:
        """Append the rows of one parsed result file; :class:`validation.InvalidFile` leaves
        the columns unchanged."""
        validation.check_file(data)
        date = validation.timestamp(data.get("date"))
        stored_machine = data["params"].get("machine")
        if isinstance(stored_machine, str) and stored_machine:
            machine = stored_machine
        file_columns = {column: [] for column in self.columns}
        for name, row in data["results"].items():
            self._add_benchmark(file_columns, data, name, row)
        n = len(file_columns["benchmark"])
        for column, value in (("machine", machine), ("env", data["env_name"]),
                              ("commit", data["commit_hash"]), ("date", date)):
            file_columns[column] = [value] * n
        for column, values in file_columns.items():
            self.columns[column].extend(values)

    def _add_benchmark(self, columns: dict, data: dict, name: str, row) -> None:
        description = self.benchmarks.get(name)
        fields = dict(zip(data["result_columns"], row)) if isinstance(row, list) else {}
        if not isinstance(row, list):
            names, combos, reason = (), [((), "")], "the row is not a list of columns"
        elif len(row) > len(data["result_columns"]):
            names, combos, reason = (), [((), "")], "the row has more fields than result_columns"
        else:
            names, combos, reason = _grid(name, fields, description)
        n = len(combos)
        unit = _unit(name, description)
        positive = validation.must_be_positive(name, description)
        values = fields.get("result") if not reason else None
        values = values if values is not None else [None] * n
        samples = (fields.get("samples") if not reason else None) or [None] * n
        statuses = [("invalid", reason) if reason else _status(v, positive, s)
                    for v, s in zip(values, samples)]
        usable = [status not in ("invalid",) for status, _ in statuses]
        version = fields.get("version") if isinstance(fields.get("version"), str) else None
        columns["benchmark"].extend([name] * n)
        columns["unit"].extend([unit] * n)
        columns["version"].extend([version] * n)
        columns["higher_is_better"].extend([is_higher_better(name, unit, self.patterns)] * n)
        columns["params"].extend(dict(zip(names, combo)) for combo, _ in combos)
        columns["param_key"].extend(key for _, key in combos)
        columns["value"].extend(v if ok else None for v, ok in zip(values, usable))
        for column, key in STAT_COLUMNS.items():
            stats = (fields.get(key) if not reason else None) or [None] * n
            columns[column].extend(s if ok else None for s, ok in zip(stats, usable))
        columns["samples"].extend(
            [float(x) for x in s] if s and ok else None for s, ok in zip(samples, usable)
        )
        columns["status"].extend(status for status, _ in statuses)
        columns["reason"].extend(why for _, why in statuses)


__all__ = ["COLUMNS", "FileRows", "decode_param"]
