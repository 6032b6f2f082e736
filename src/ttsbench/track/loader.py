"""Read an asv results directory into one tidy pandas DataFrame.

One row per (machine, env, commit, benchmark, parameter combination); see :data:`COLUMNS`.
Files are parsed as asv's reader parses them (its format versions: results 2, benchmarks 2,
machine 1), so any history written by asv reads, ours or another project's: orjson first (fast),
asv's own reader for anything orjson or the format check refuses, so odd files get asv's verdict
and message. The directory is only read.

Validation (:mod:`ttsbench.track.validation`): a result file that is truncated, not JSON, not
asv's format, not a regular file (a FIFO named ``*.json``) or in an unreadable folder is skipped
and named in one line in ``frame.attrs["warnings"]``, each also issued as a
:class:`~ttsbench.errors.TrackerWarning` (which the CLI prints once). A row whose fields or values
make no sense gets status ``invalid`` and its reason in ``reason``. When nothing readable is
left, :class:`~ttsbench.errors.TtsbenchError` is raised: no results means nothing was measured.

Commit order: with ``repo`` (a :class:`git.Repo`, see :mod:`ttsbench.track.gitrepo`), the
position of each commit in ``git rev-list --topo-order`` over all refs; commits git does not
know, and every commit when no repository is given, are ordered by the date asv stored.
"""

from __future__ import annotations

import os
import warnings as python_warnings
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from ttsbench.errors import TrackerWarning, TtsbenchError
from ttsbench.progress import bar
from ttsbench.track import gitrepo, validation
from ttsbench.track.config import load_config
from ttsbench.track.rows import COLUMNS, FileRows, decode_param

if TYPE_CHECKING:  # pandas is imported where a frame is built, not on the cached path
    import pandas as pd

NOT_RESULT_FILES = {"machine.json", "benchmarks.json"}
NUMERIC_COLUMNS = ["value", "ci_low", "ci_high", "q25", "q75", "number", "repeat"]
# asv's ``api_version`` of asv.results.Results, asv.benchmarks.Benchmarks and asv.machine.Machine
# (a test checks them against asv): importing asv costs a tenth of a second that
# `ttsbench history` on a cached history does not otherwise spend.
RESULTS_FORMAT, BENCHMARKS_FORMAT, MACHINE_FORMAT = 2, 2, 1


def _read_json(path: Path, api_version: int):
    """The file as asv's reader returns it (without ``version``); any failure is one
    :class:`validation.InvalidFile` line, in asv's words."""
    try:
        data = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        data = None
    if type(data) is dict and data.get("version") == api_version:
        del data["version"]
        return data
    from asv import util as asv_util

    try:
        return asv_util.load_json(str(path), api_version=api_version)
    except TypeError:  # asv looks for "version" in whatever the JSON was
        raise validation.InvalidFile("the JSON is not an object, as asv writes") from None
    except (asv_util.UserError, OSError, ValueError, KeyError, RecursionError) as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise validation.InvalidFile(line.replace(f" in file '{os.path.abspath(path)}'", "")) from None


def load_benchmarks(results_dir: Path, warnings: list[str] | None = None) -> dict:
    """``benchmarks.json`` of a results dir as {name: description}: empty when absent, the
    usable entries when some are malformed (what was dropped goes to ``warnings``)."""
    path = Path(results_dir) / "benchmarks.json"
    notes = [] if warnings is None else warnings
    if not path.is_file():
        return {}
    try:
        data = _read_json(path, BENCHMARKS_FORMAT)
    except validation.InvalidFile as exc:
        notes.append(f"ignored {path}: {exc}; units and parameter names come from the result files")
        return {}
    kept, dropped = validation.clean_benchmarks(data, str(path))
    notes.extend(dropped)
    return kept


def _machine_name(folder: Path, warnings: list[str]) -> str:
    path = folder / "machine.json"
    try:
        data = _read_json(path, MACHINE_FORMAT)
    except validation.InvalidFile as exc:
        warnings.append(f"{path}: unreadable ({exc}); using the folder name {folder.name!r}")
        return folder.name
    name = data.get("machine") if isinstance(data, dict) else None
    if isinstance(name, str) and name:
        return name
    warnings.append(f"{path}: no machine name; using the folder name {folder.name!r}")
    return folder.name


def _regular_json_files(folder: Path, warnings: list[str]) -> list[Path]:
    """The result files of a machine folder: regular ``*.json`` files only (a FIFO is never opened)."""
    try:
        with os.scandir(folder) as entries:  # sorted by name (as strings: Paths sort slowly)
            return [Path(path) for _, path in sorted(
                (entry.name, entry.path) for entry in entries
                if entry.name.endswith(".json") and entry.name not in NOT_RESULT_FILES
                and entry.is_file()
            )]
    except OSError as exc:
        warnings.append(f"skipped {folder}: cannot list it ({exc.strerror or exc}); check its permissions")
        return []


def _result_files(results_dir: Path, machine: str | None, warnings: list[str]):
    try:
        folders = sorted(p for p in results_dir.iterdir() if p.is_dir())
    except OSError as exc:
        raise TtsbenchError(
            f"cannot list {results_dir}: {exc.strerror or exc}; check its permissions or pass --results"
        ) from None
    for folder in folders:
        if machine is not None and folder.name != machine:
            continue
        files = _regular_json_files(folder, warnings)
        if files:
            yield folder, files


def _add_order(frame: pd.DataFrame, repo) -> pd.DataFrame:
    positions = gitrepo.topo_positions(repo)
    commits = frame.groupby("commit")["date"].min().reset_index()
    commits["git_position"] = commits["commit"].map(positions)
    commits["unknown_to_git"] = commits["git_position"].isna()
    commits = commits.sort_values(["unknown_to_git", "git_position", "date", "commit"])
    order = {commit: i for i, commit in enumerate(commits["commit"])}
    frame["order"] = frame["commit"].map(order).astype(int)
    return frame


def load_results(results_dir, *, machine=None, env=None, repo=None, higher_is_better=None) -> pd.DataFrame:
    """All results under ``results_dir`` (optionally one machine / env) as a tidy DataFrame.

    ``repo``: a :class:`git.Repo` for commit order (a path is opened). ``higher_is_better``:
    name regexes of higher-is-better benchmarks (default: the nearest pyproject.toml's
    ``[tool.ttsbench] higher_is_better``).
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise TtsbenchError(
            f"no results directory at {results_dir}; run asv first or pass --results DIR"
        )
    warnings: list[str] = []
    benchmarks = load_benchmarks(results_dir, warnings)
    patterns = load_config().higher_is_better if higher_is_better is None else tuple(higher_is_better)
    rows = FileRows(benchmarks, patterns)
    folders = list(_result_files(results_dir, machine, warnings))
    files = [(folder, path) for folder, paths in folders for path in paths]
    names = {folder: _machine_name(folder, warnings) for folder, _ in folders}
    for folder, path in bar(files, "reading results", "file"):
        try:
            data = _read_json(path, RESULTS_FORMAT)
            if env is not None and isinstance(data, dict) and data.get("env_name") != env:
                continue
            rows.add(data, names[folder])
        except validation.InvalidFile as exc:
            warnings.append(f"skipped {path}: {exc}")
    if not len(rows):
        what = " and ".join(
            f"{k} {v!r}" for k, v in (("machine", machine), ("env", env)) if v is not None
        )
        hint = "; ".join(warnings[:3])
        raise TtsbenchError(
            f"no readable results in {results_dir}{' for ' + what if what else ''}"
            f"{' (' + hint + ')' if hint else ''}; run asv or check --machine/--env"
        )
    import pandas as pd  # here, not above: `ttsbench history` from its cache needs no pandas

    frame = pd.DataFrame(rows.columns)
    for column in NUMERIC_COLUMNS:  # None (failed, invalid) becomes NaN
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame = _add_order(frame, repo)[COLUMNS]
    frame.attrs["warnings"] = warnings
    for line in warnings:
        python_warnings.warn(line, TrackerWarning, stacklevel=2)
    return frame

find_repository = gitrepo.open_repo  # kept for callers not yet on ttsbench.track.gitrepo


def resolve_commit(rev: str, commits, repo=None) -> str:
    """The full hash of ``rev`` among ``commits`` (any git revision with ``repo``, else a prefix)."""
    commits = sorted(set(commits))
    full = gitrepo.full_hash(repo, rev)
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


__all__ = [
    "COLUMNS", "decode_param", "find_repository", "load_benchmarks", "load_results", "resolve_commit",
]
