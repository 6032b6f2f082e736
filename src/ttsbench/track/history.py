"""Every change in every stored series (machine x env x benchmark x params), labelled.

:func:`build_series` turns the loader's tidy frame into :class:`~ttsbench.track.series.Series`
(:mod:`ttsbench.track.history_load` builds them from the cached results table instead).
:func:`analyse` runs :func:`ttsbench.track.changepoints.detect_changes` on each (through the
cache of :mod:`ttsbench.track.analysis_cache`), then labels every change: regression or
improvement, severity, the later change that brought the level back (``fixed_by``), how many
commits sit at its new level, and ``status``: ``tentative`` while fewer than
``CONFIRMING_COMMITS`` commits do (the next commits or ``ttsbench confirm`` decide), else
``confirmed``; a stored re-measurement (:mod:`ttsbench.track.confirmations`) overrides it.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Iterable

import numpy as np

from ttsbench.track import changepoints, confirmations
from ttsbench.track.analysis_cache import AnalysisCache
from ttsbench.track.changepoints import Change
from ttsbench.track.config import TrackerConfig
from ttsbench.track.gitrepo import commit_metadata, remote_url
from ttsbench.track.history_series import RaggedSamples, Series
from ttsbench.track.series import series_ident
from ttsbench.track.severity import classify

CONFIRMING_COMMITS = changepoints.WINDOW_AFTER
SERIES_KEY = ["machine", "env", "benchmark", "param_key"]


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
    status: str = "confirmed"  # "tentative" / "confirmed" / "refuted": see the module docstring
    commits_at_level: int = 0  # commits from this one to the next change or the tip
    to_confirm: str | None = None  # for a tentative change: what would confirm it
    author: str | None = None
    subject: str | None = None

    @property
    def series_ident(self) -> str:
        return series_ident(self.machine, self.env, self.benchmark, self.param_key)

    def row(self) -> dict:
        """The JSON/CSV row (the series position ``index`` is internal)."""
        data = dataclasses.asdict(self)
        del data["index"]
        return data


@dataclasses.dataclass(frozen=True)
class History:
    series: list[Series]
    changes: list[HistoryChange]
    warnings: list[str] = dataclasses.field(default_factory=list)


def build_series(frame) -> list[Series]:
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
        first = rows[0]
        series.append(Series(
            machine=machine, env=env, benchmark=benchmark, param_key=param_key,
            params=dict(column["params"][first]), unit=str(column["unit"][first]),
            higher_is_better=bool(column["higher_is_better"][first]),
            commits=tuple(column["commit"][rows]), dates=column["date"][rows],
            values=column["value"][rows].astype(float),
            ci_low=column["ci_low"][rows].astype(float), ci_high=column["ci_high"][rows].astype(float),
            samples=RaggedSamples.from_lists(column["samples"][rows]),
        ))
    return series


def analyse(series: Iterable[Series], config: TrackerConfig, cache_dir: Path | None = None,
            verdicts: dict[str, dict] | None = None, progress=None) -> History:
    """Changes of every series (cached in ``cache_dir`` when given), labelled and linked.

    ``verdicts``: stored re-measurements (:func:`ttsbench.track.confirmations.read`);
    ``progress``: wraps the loop over series (a progress bar).
    """
    series = list(series)
    cache = AnalysisCache(cache_dir, config)
    changes = []
    for one, found in zip(series, cache.changes(series, progress)):
        changes.extend(_label(one, found, config, verdicts or {}))
    cache.save()
    return History(series=series, changes=changes, warnings=cache.warnings)


def _label(series: Series, changes: list[Change], config: TrackerConfig,
           verdicts: dict[str, dict]) -> list[HistoryChange]:
    labelled = []
    n = len(series.commits)
    for i, change in enumerate(changes):
        worse = change.ratio < 1 if series.higher_is_better else change.ratio > 1
        commit = series.commits[change.index]
        status, to_confirm = _status(n - change.index, verdicts.get(
            confirmations.key(series.benchmark, series.param_key, commit)), commit)
        labelled.append(HistoryChange(
            benchmark=series.benchmark, params=series.params, param_key=series.param_key,
            machine=series.machine, env=series.env, unit=series.unit,
            commit=commit, prev_commit=series.commits[change.index - 1],
            date=_iso_utc(series.dates[change.index]),
            before=change.before, after=change.after, ratio=change.ratio,
            ci_low=change.ci_low, ci_high=change.ci_high, p_value=change.p_value,
            severity=classify(change.ratio - 1, config.severity),
            kind="regression" if worse else "improvement",
            fixed_by=_fixed_by(series, changes, i) if worse else None,
            commits_at_level=(changes[i + 1].index if i + 1 < len(changes) else n) - change.index,
            status=status, to_confirm=to_confirm, index=change.index,
        ))
    return labelled


def _iso_utc(date: np.datetime64) -> str:
    """ISO 8601 with a UTC offset, as ``pandas.Timestamp(date, tz="UTC").isoformat()`` gives."""
    if np.isnat(date):
        return "NaT"
    text = np.datetime_as_string(date, unit="us").removesuffix(".000000")
    return f"{text}+00:00"


def _status(commits_since: int, verdict: dict | None, commit: str) -> tuple[str, str | None]:
    """(status, what would confirm it) of a change ``commits_since`` commits from the tip."""
    if verdict is not None:
        return verdict["status"], None
    if commits_since >= CONFIRMING_COMMITS:
        return "confirmed", None
    more = CONFIRMING_COMMITS - commits_since
    return "tentative", (f"{more} more commit{'s' if more > 1 else ''} at this level, "
                         f"or `ttsbench confirm {commit[:12]}`")


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
