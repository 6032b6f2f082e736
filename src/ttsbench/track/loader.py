"""Read an asv results directory into one tidy pandas DataFrame.

One row per (machine, env, commit, benchmark, parameter combination); see :data:`COLUMNS`.
Result files are parsed by asv itself (:class:`asv.results.Results`), so any history written by
asv's results format version 2 reads, ours or another project's. The directory is only read.

Unreadable files: a result file that is truncated, not JSON or not asv's format is skipped and
named in one line in ``frame.attrs["warnings"]`` (the CLI prints them). When nothing readable is
left, :class:`~ttsbench.errors.TtsbenchError` is raised: no results means nothing was measured.

Commit order: with ``repo`` (a path or a :class:`git.Repo`), the position of each commit in
``git rev-list --topo-order`` over all refs; commits git does not know, and every commit when no
repository is given, are ordered by the date asv stored in the result file.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
from pathlib import Path

import pandas as pd
from asv import util as asv_util
from asv.benchmarks import Benchmarks
from asv.machine import Machine
from asv.results import Results

from ttsbench.errors import TtsbenchError
from ttsbench.track.config import load_config
from ttsbench.track.severity import is_higher_better

COLUMNS = [
    "machine", "env", "commit", "date", "order", "benchmark", "params", "param_key",
    "value", "ci_low", "ci_high", "q25", "q75", "number", "repeat", "samples", "unit",
    "version", "status", "higher_is_better",
]
NOT_RESULT_FILES = {"machine.json", "benchmarks.json"}
UNIT_BY_PREFIX = {"time_": "seconds", "timeraw_": "seconds", "mem_": "bytes", "peakmem_": "bytes"}


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


def load_benchmarks(results_dir: Path) -> dict:
    """``benchmarks.json`` of a results dir as {name: description}; empty when absent."""
    path = results_dir / "benchmarks.json"
    if not path.is_file():
        return {}
    try:
        return asv_util.load_json(str(path), api_version=Benchmarks.api_version)
    except (asv_util.UserError, OSError) as exc:
        raise TtsbenchError(f"cannot read {path}: {exc}; re-run asv to rewrite it") from None


def _machine_name(folder: Path, warnings: list[str]) -> str:
    path = folder / "machine.json"
    try:
        name = asv_util.load_json(str(path), api_version=Machine.api_version).get("machine")
        if isinstance(name, str) and name:
            return name
        warnings.append(f"{path}: no machine name; using the folder name {folder.name!r}")
    except (asv_util.UserError, OSError) as exc:
        warnings.append(f"{path}: unreadable ({exc}); using the folder name {folder.name!r}")
    return folder.name


def _status(value) -> str:
    if value is None:
        return "failed"
    if isinstance(value, float) and math.isnan(value):
        return "skipped"
    return "ok"


def _unit(name: str, description: dict | None) -> str:
    if description and description.get("unit"):
        return description["unit"]
    short = name.rsplit(".", 1)[-1]
    return next((unit for prefix, unit in UNIT_BY_PREFIX.items() if short.startswith(prefix)), "")


NUMERIC_COLUMNS = ["value", "ci_low", "ci_high", "q25", "q75", "number", "repeat"]
STAT_COLUMNS = {
    "ci_low": "ci_99_a", "ci_high": "ci_99_b", "q25": "q_25", "q75": "q_75",
    "number": "number", "repeat": "repeat",
}


def _append_rows(columns: dict[str, list], result: Results, machine: str, benchmarks: dict,
                 patterns) -> None:
    """Append one row per benchmark and parameter combination of ``result`` to ``columns``."""
    date = pd.Timestamp(result.date, unit="ms", tz="UTC") if result.date else pd.NaT
    for name in result.get_all_result_keys():
        param_lists = result.get_result_params(name) or []
        names = tuple((benchmarks.get(name) or {}).get("param_names") or [
            f"param{i + 1}" for i in range(len(param_lists))
        ])
        combos = _combinations(names, tuple(tuple(values) for values in param_lists))
        values = result.get_result_value(name, param_lists)
        n = len(values)
        stats = [stat or {} for stat in result.get_result_stats(name, param_lists) or [None] * n]
        samples = result.get_result_samples(name, param_lists) or [None] * n
        unit = _unit(name, benchmarks.get(name))
        statuses = [_status(value) for value in values]
        repeated = {
            "machine": machine, "env": result.env_name, "commit": result.commit_hash,
            "date": date, "benchmark": name, "unit": unit,
            "version": result.benchmark_version.get(name),
            "higher_is_better": is_higher_better(name, unit, patterns),
        }
        for column, value in repeated.items():
            columns[column].extend([value] * n)
        columns["params"].extend(dict(zip(names, combo)) for combo, _ in combos)
        columns["param_key"].extend(key for _, key in combos)
        columns["value"].extend(values)
        for column, key in STAT_COLUMNS.items():
            columns[column].extend([stat.get(key) for stat in stats])
        columns["samples"].extend([float(x) for x in sample] if sample else None for sample in samples)
        columns["status"].extend(statuses)


def _result_files(results_dir: Path, machine: str | None):
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        if machine is not None and folder.name != machine:
            continue
        files = sorted(
            f for f in folder.iterdir() if f.suffix == ".json" and f.name not in NOT_RESULT_FILES
        )
        if files:
            yield folder, files


def _topo_positions(repo) -> dict[str, int]:
    import git

    try:
        repository = repo if isinstance(repo, git.Repo) else git.Repo(repo, search_parent_directories=True)
        hashes = repository.git.rev_list("--topo-order", "--reverse", "--all").split()
    except (git.GitError, OSError, ValueError):
        return {}
    return {commit: position for position, commit in enumerate(hashes)}


def _add_order(frame: pd.DataFrame, repo) -> pd.DataFrame:
    positions = _topo_positions(repo) if repo is not None else {}
    commits = frame.groupby("commit")["date"].min().reset_index()
    commits["git_position"] = commits["commit"].map(positions)
    commits["unknown_to_git"] = commits["git_position"].isna()
    commits = commits.sort_values(["unknown_to_git", "git_position", "date", "commit"])
    order = {commit: i for i, commit in enumerate(commits["commit"])}
    frame["order"] = frame["commit"].map(order).astype(int)
    return frame


def load_results(results_dir, *, machine=None, env=None, repo=None, higher_is_better=None) -> pd.DataFrame:
    """All results under ``results_dir`` (optionally one machine / env) as a tidy DataFrame.

    ``higher_is_better``: name regexes of higher-is-better benchmarks (default: the nearest
    pyproject.toml's ``[tool.ttsbench] higher_is_better``).
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise TtsbenchError(
            f"no results directory at {results_dir}; run asv first or pass --results DIR"
        )
    benchmarks = load_benchmarks(results_dir)
    patterns = load_config().higher_is_better if higher_is_better is None else tuple(higher_is_better)
    warnings: list[str] = []
    columns: dict[str, list] = {column: [] for column in COLUMNS if column != "order"}
    for folder, files in _result_files(results_dir, machine):
        machine_name = _machine_name(folder, warnings)
        for path in files:
            try:
                result = Results.load(str(path))
            except (asv_util.UserError, OSError, KeyError, TypeError, ValueError) as exc:
                warnings.append(f"skipped {path}: {str(exc).splitlines()[0]}")
                continue
            if env is not None and result.env_name != env:
                continue
            _append_rows(columns, result, result.params.get("machine", machine_name), benchmarks,
                         patterns)
    if not columns["commit"]:
        what = " and ".join(
            f"{k} {v!r}" for k, v in (("machine", machine), ("env", env)) if v is not None
        )
        hint = "; ".join(warnings[:3])
        raise TtsbenchError(
            f"no readable results in {results_dir}{' for ' + what if what else ''}"
            f"{' (' + hint + ')' if hint else ''}; run asv or check --machine/--env"
        )
    frame = pd.DataFrame(columns)
    for column in NUMERIC_COLUMNS:  # None (failed) and anything not a number become NaN
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame = _add_order(frame, repo)[COLUMNS]
    frame.attrs["warnings"] = warnings
    return frame


def find_repository(path="."):
    """The git repository around ``path`` (a :class:`git.Repo`), or None outside one."""
    import git

    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.GitError, OSError):
        return None


def resolve_commit(rev: str, commits, repo=None) -> str:
    """The full hash of ``rev`` among ``commits`` (any git revision with ``repo``, else a prefix)."""
    commits = sorted(set(commits))
    if repo is not None:
        import git

        try:
            repository = repo if isinstance(repo, git.Repo) else git.Repo(repo, search_parent_directories=True)
            full = repository.commit(rev).hexsha
        except (git.GitError, git.BadName, git.BadObject, ValueError, OSError, IndexError):
            full = None
        if full is not None:
            if full in commits:
                return full
            raise TtsbenchError(
                f"no results for {rev} ({full[:12]}); run asv on that commit or pick another"
            )
    matches = [c for c in commits if c.startswith(rev.lower())] if rev else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise TtsbenchError(
            f"commit prefix {rev!r} is ambiguous ({', '.join(m[:12] for m in matches[:4])}); "
            "give more characters"
        )
    raise TtsbenchError(
        f"unknown commit {rev!r}: not a git revision here and no result has that hash prefix; "
        f"{len(commits)} commits have results"
    )


__all__ = ["COLUMNS", "decode_param", "load_benchmarks", "load_results", "resolve_commit"]
