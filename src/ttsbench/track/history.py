"""Every change in every stored series (machine x env x benchmark x params), with a cache.

:func:`build_series` turns the loader's tidy frame into one :class:`Series` per machine, env,
benchmark and parameter combination (results of the benchmark's latest version only, in commit
order). :func:`analyse` runs :func:`ttsbench.track.changepoints.detect_changes` on each, then
labels every change (regression or improvement, severity) and links a regression to the later
change that brought the level back (``fixed_by``).

Cache: ``<cache_dir>/history.json`` maps each series to a digest of its content and the changes
found. An unchanged series is not analysed again; a series that only gained commits at its end is
re-analysed over its last ``REANALYSE`` commits only (the detector looks at most
``WINDOW_BEFORE + SEGMENT`` commits away from a change), keeping the changes found before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ttsbench.track import changepoints
from ttsbench.track.changepoints import Change, detect_changes
from ttsbench.track.config import TrackerConfig
from ttsbench.track.severity import classify

CACHE_FILE = "history.json"
CACHE_FORMAT = 1
CONTEXT = changepoints.WINDOW_BEFORE + changepoints.SEGMENT
REANALYSE = 2 * CONTEXT
SERIES_KEY = ["machine", "env", "benchmark", "param_key"]


@dataclasses.dataclass(frozen=True)
class Series:
    """One benchmark's results over history on one machine and env, oldest commit first."""

    machine: str
    env: str
    benchmark: str
    param_key: str
    params: dict
    unit: str
    higher_is_better: bool
    commits: tuple[str, ...]
    dates: np.ndarray  # datetime64[ns], UTC
    values: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    samples: tuple | None

    @property
    def name(self) -> str:
        """``benchmark(params)`` as asv prints it, without the machine and env."""
        return f"{self.benchmark}({self.param_key})" if self.param_key else self.benchmark

    @property
    def ident(self) -> str:
        return f"{self.machine}/{self.env}/{self.name}"

    def digest(self, length: int | None = None) -> str:
        """Digest of the first ``length`` commits' data (all by default)."""
        end = len(self.commits) if length is None else length
        h = hashlib.sha1()
        h.update("\0".join(self.commits[:end]).encode())
        for array in (self.values, self.ci_low, self.ci_high):
            h.update(np.ascontiguousarray(array[:end]).tobytes())
        if self.samples is not None:
            for commit_samples in self.samples[:end]:
                h.update(np.asarray(commit_samples if commit_samples is not None else [], float).tobytes())
                h.update(b"|")
        return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class HistoryChange:
    """One change of one series, as ``ttsbench history`` reports it."""

    benchmark: str
    params: dict
    param_key: str
    machine: str
    env: str
    unit: str
    commit: str
    prev_commit: str
    date: str
    before: float
    after: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    severity: str
    kind: str
    fixed_by: str | None
    index: int
    author: str | None = None
    subject: str | None = None

    @property
    def series_ident(self) -> str:
        name = f"{self.benchmark}({self.param_key})" if self.param_key else self.benchmark
        return f"{self.machine}/{self.env}/{name}"

    def row(self) -> dict:
        """The JSON/CSV row (the series position ``index`` is internal)."""
        data = dataclasses.asdict(self)
        del data["index"]
        return data


@dataclasses.dataclass(frozen=True)
class History:
    series: list[Series]
    changes: list[HistoryChange]


def build_series(frame: pd.DataFrame) -> list[Series]:
    """One :class:`Series` per (machine, env, benchmark, params), from the loader's frame."""
    frame = frame[frame["status"] == "ok"]
    if frame.empty:
        return []
    frame = frame.sort_values(["order", "commit"], kind="stable")
    latest_version = frame.groupby("benchmark")["version"].last()
    frame = frame[frame["version"].fillna("") == frame["benchmark"].map(latest_version).fillna("")]
    # asv keeps one result file per (machine, commit, env): a series has each commit once.
    column = {name: frame[name].to_numpy() for name in (
        "params", "unit", "higher_is_better", "commit", "value", "ci_low", "ci_high", "samples"
    )}
    column["date"] = frame["date"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    series = []
    for (machine, env, benchmark, param_key), rows in sorted(
        frame.groupby(SERIES_KEY, sort=False).indices.items()
    ):
        samples = tuple(column["samples"][rows])
        first = rows[0]
        series.append(Series(
            machine=machine, env=env, benchmark=benchmark, param_key=param_key,
            params=dict(column["params"][first]), unit=str(column["unit"][first]),
            higher_is_better=bool(column["higher_is_better"][first]),
            commits=tuple(column["commit"][rows]), dates=column["date"][rows],
            values=column["value"][rows].astype(float),
            ci_low=column["ci_low"][rows].astype(float), ci_high=column["ci_high"][rows].astype(float),
            samples=samples if any(s is not None for s in samples) else None,
        ))
    return series


def analyse(series: Iterable[Series], config: TrackerConfig, cache_dir: Path | None = None) -> History:
    """Changes of every series (cached in ``cache_dir`` when given), labelled and linked."""
    series = list(series)
    cache = _Cache(cache_dir, config)
    changes = []
    for one in series:
        found = cache.changes(one)
        changes.extend(_label(one, found, config))
    cache.save()
    return History(series=series, changes=changes)


def _detect(series: Series, config: TrackerConfig, start: int = 0) -> list[Change]:
    found = detect_changes(
        series.values[start:],
        samples=None if series.samples is None else series.samples[start:],
        ci_low=series.ci_low[start:], ci_high=series.ci_high[start:],
        alpha=config.alpha, min_change=config.noise_floor,
    )
    return [dataclasses.replace(c, index=c.index + start) for c in found]


def _label(series: Series, changes: list[Change], config: TrackerConfig) -> list[HistoryChange]:
    labelled = []
    for i, change in enumerate(changes):
        worse = change.ratio < 1 if series.higher_is_better else change.ratio > 1
        labelled.append(HistoryChange(
            benchmark=series.benchmark, params=series.params, param_key=series.param_key,
            machine=series.machine, env=series.env, unit=series.unit,
            commit=series.commits[change.index], prev_commit=series.commits[change.index - 1],
            date=pd.Timestamp(series.dates[change.index], tz="UTC").isoformat(),
            before=change.before, after=change.after, ratio=change.ratio,
            ci_low=change.ci_low, ci_high=change.ci_high, p_value=change.p_value,
            severity=classify(change.ratio - 1, config.severity),
            kind="regression" if worse else "improvement",
            fixed_by=_fixed_by(series, changes, i) if worse else None,
            index=change.index,
        ))
    return labelled


def _fixed_by(series: Series, changes: list[Change], i: int) -> str | None:
    index = fixed_by_index(changes, i)
    return None if index is None else series.commits[index]


def fixed_by_index(changes: list[Change], i: int) -> int | None:
    """The first later change in the opposite direction whose level is back near the old one."""
    step = math.log(changes[i].ratio)
    for later in changes[i + 1:]:
        back = abs(math.log(later.after / changes[i].before)) <= abs(step) / 2
        if math.copysign(1, math.log(later.ratio)) != math.copysign(1, step) and back:
            return later.index
    return None


class _Cache:
    """Changes per series, keyed by the series' content digest (see the module docstring)."""

    def __init__(self, folder: Path | None, config: TrackerConfig):
        self.path = None if folder is None else Path(folder) / CACHE_FILE
        self.config = config
        self.settings = [CACHE_FORMAT, changepoints.THRESHOLD, config.alpha, config.noise_floor]
        self.entries: dict = {}
        self.dirty = False
        if self.path is not None and self.path.is_file():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}
            if stored.get("settings") == self.settings:
                self.entries = stored.get("series", {})

    def changes(self, series: Series) -> list[Change]:
        entry = self.entries.get(series.ident)
        n = len(series.commits)
        full = series.digest()
        if entry is not None and entry["digest"] == full:
            return [Change(**c) for c in entry["changes"]]
        old_n = entry["length"] if entry is not None else 0
        if entry is not None and old_n < n and series.digest(old_n) == entry["digest"]:
            keep_below = old_n - CONTEXT
            start = max(0, old_n - REANALYSE)
            kept = [Change(**c) for c in entry["changes"] if c["index"] < keep_below]
            fresh = [c for c in _detect(series, self.config, start) if c.index >= keep_below]
            found = kept + fresh
        else:
            found = _detect(series, self.config)
        self.entries[series.ident] = {
            "digest": full, "length": n, "changes": [dataclasses.asdict(c) for c in found],
        }
        self.dirty = True
        return found

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"settings": self.settings, "series": self.entries})
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".history-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
        os.replace(temporary, self.path)


def commit_metadata(repo_path: Path | str | None, commits: Iterable[str]) -> dict[str, dict]:
    """Author, date and subject of each commit git knows (empty without a repository)."""
    if repo_path is None:
        return {}
    import git

    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.GitError, OSError):
        return {}
    found = {}
    for commit in set(commits):
        try:
            c = repo.commit(commit)
        except (git.GitError, ValueError):
            continue
        found[commit] = {
            "author": c.author.name,
            "date": c.committed_datetime.isoformat(),
            "subject": c.summary if isinstance(c.summary, str) else c.summary.decode(errors="replace"),
        }
    return found


def remote_url(repo_path: Path | str | None) -> str | None:
    """The web URL of the ``origin`` remote (GitHub/GitLab style), when there is one."""
    if repo_path is None:
        return None
    import git

    try:
        url = git.Repo(repo_path, search_parent_directories=True).remotes.origin.url
    except (git.GitError, OSError, AttributeError, ValueError):
        return None
    if url.startswith("git@"):
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    if not url.startswith(("https://", "http://")):
        return None
    return url.removesuffix(".git")


def with_metadata(changes: list[HistoryChange], metadata: dict[str, dict]) -> list[HistoryChange]:
    return [
        dataclasses.replace(
            c, author=metadata.get(c.commit, {}).get("author"),
            subject=metadata.get(c.commit, {}).get("subject"),
        )
        for c in changes
    ]


__all__ = [
    "History", "HistoryChange", "Series", "analyse", "build_series", "commit_metadata",
    "remote_url", "with_metadata",
]
