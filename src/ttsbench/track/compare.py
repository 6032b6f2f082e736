"""Compare two commits' results benchmark by benchmark: significance, size, severity, kind.

Decision rule for a benchmark measured on both sides (see docs/statistics.md for calibration):

* with at least two rounds on both sides (``method="rounds"``, the gate's frames; see
  :mod:`ttsbench.track.clustered`): changed when the Benjamini–Hochberg adjusted p-value of
  Yuen's trimmed Welch t on the log round values is below ``alpha``, the t CI of the ratio
  excludes 1 and the ratio moved by at least ``noise_floor``; the rounds measure this pair's
  between-run noise themselves, so the history's spread (below) is reported, not required;
* with samples on both sides (``method="mann-whitney"``): changed when the Benjamini–Hochberg
  adjusted Mann–Whitney p-value is below ``alpha``, |Cliff's delta| is at least ``min_effect``,
  the bootstrap CI of the ratio of medians excludes 1 and the ratio moved by at least
  ``noise_floor``;
* without samples, with stored 99 % CIs (``method="ci-overlap"``): changed when the CIs do not
  overlap (asv's fallback) and the ratio moved by at least ``noise_floor``;
* with neither (``method="no-stats"``, e.g. a ``track_`` value): changed when the ratio passes
  asv's factor (``no_stats_factor``, 1.1);
* in every case but ``rounds``, when the loaded results hold a history of the series (at least
  ``run_noise_history`` other commits of the same machine, env, benchmark, parameters and
  benchmark version), |log ratio| must also exceed ``run_noise_k`` times the series' run-to-run
  spread (:func:`~ttsbench.track.stats.run_to_run_spread` of those commits' medians): samples of
  one run share that run's luck, so the tests above cannot tell drift between runs from a change.
  With a shorter history the row's note says the between-run noise is unknown.

A change is a regression when it goes the bad way for the benchmark (slower, bigger, or a lower
rate for higher-is-better benchmarks) and its severity is :func:`~ttsbench.track.severity.classify`
of |ratio - 1|. Rows that cannot be compared are marked: ``failed`` (HEAD failed), ``new`` (no
comparable BASE: absent, failed or skipped there, or the benchmark's version changed),
``missing`` (absent at HEAD), ``skipped`` (skipped at HEAD), ``invalid`` (a value or row the
loader rejected on either side; the note says why).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy import stats

from ttsbench.errors import TtsbenchError
from ttsbench.track.clustered import collapse_rounds, compare_rounds
from ttsbench.track.config import TrackerConfig
from ttsbench.track.power import POWER, can_see
from ttsbench.track.severity import at_least, classify
from ttsbench.track.stats import (
    Comparison,
    adjust_pvalues,
    compare_samples,
    compare_stored,
    remove_outliers,
    run_to_run_spread,
)

KINDS = ("regression", "improvement", "unchanged", "failed", "new", "missing", "skipped", "invalid")
MEASURED_KINDS = ("regression", "improvement", "unchanged")
KEY = ["machine", "env", "benchmark", "param_key"]


@dataclasses.dataclass
class CompareRow:
    """One benchmark (and parameter combination) of a comparison; NaN where unknown."""

    benchmark: str
    params: dict
    param_key: str
    machine: str
    env: str
    unit: str
    higher_is_better: bool
    kind: str
    base: float = math.nan
    head: float = math.nan
    ratio: float = math.nan
    ratio_ci_low: float = math.nan
    ratio_ci_high: float = math.nan
    p_value: float = math.nan
    p_adjusted: float = math.nan
    effect_size: float = math.nan  # Cliff's delta, head against base
    cohens_d: float = math.nan
    shift: float = math.nan  # Hodges-Lehmann (samples) or difference of medians, in ``unit``
    shift_ci_low: float = math.nan
    shift_ci_high: float = math.nan
    severity: str | None = None
    method: str | None = None
    run_spread: float = math.nan  # run-to-run SD of log(ratio) from the series' history
    mde: float = math.nan  # relative change this row finds with 80 % power (see ttsbench.track.power)
    sd_round: float = math.nan  # rounds: SD of one round's log median
    history_n: int = 0  # other commits the spread was estimated from
    n_base: int = 0
    n_head: int = 0
    outliers_base: dict = dataclasses.field(default_factory=dict)
    outliers_head: dict = dataclasses.field(default_factory=dict)
    note: str = ""
    comparison: Comparison | None = dataclasses.field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        """JSON-ready: NaN becomes None; the bootstrap distributions are left out."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "comparison"}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()}


def _n(row: pd.Series) -> int:
    if row["samples"]:
        return len(row["samples"])
    return int(row["repeat"]) if math.isfinite(row["repeat"]) else 0


def _rounds(row: pd.Series) -> list | None:
    values = row.get("round_values")
    return values if isinstance(values, list) and len(values) >= 2 and min(values) > 0 else None


def _measure(base: pd.Series, head: pd.Series, outlier_rule: str | None, confidence: float) -> Comparison:
    if _rounds(base) and _rounds(head):
        return compare_rounds(base["round_values"], head["round_values"], base["round_samples"],
                              head["round_samples"], confidence=confidence)
    if base["samples"] and head["samples"] and len(base["samples"]) > 1 and len(head["samples"]) > 1:
        x, y = np.asarray(base["samples"]), np.asarray(head["samples"])
        if outlier_rule:
            x, y = remove_outliers(x, outlier_rule), remove_outliers(y, outlier_rule)
        if len(x) > 1 and len(y) > 1:
            return compare_samples(x, y, confidence=confidence)
    return compare_stored(
        base["value"], head["value"], (base["ci_low"], base["ci_high"]),
        (head["ci_low"], head["ci_high"]), n_base=_n(base), n_head=_n(head),
    )


def _unmeasured(base: pd.Series | None, head: pd.Series | None) -> tuple[str, str] | None:
    """(kind, note) when the pair cannot be compared, else None."""
    if head is None:
        return "missing", "no result at HEAD"
    for side, row in (("HEAD", head), ("BASE", base)):
        if row is not None and row["status"] == "invalid":
            return "invalid", f"invalid at {side}: {row['reason']}"
    if base is None:
        return "new", "no result at BASE"
    if head["status"] == "failed":
        return "failed", "failed at HEAD" + (" and at BASE" if base["status"] == "failed" else "")
    if head["status"] == "skipped":
        return "skipped", "skipped at HEAD"
    if base["status"] != "ok":
        return "new", f"{base['status']} at BASE"
    if base["version"] != head["version"]:
        return "new", "benchmark version changed between BASE and HEAD: not comparable"
    return None


def _row(base, head, kind, note) -> CompareRow:
    ref = head if head is not None else base
    return CompareRow(
        benchmark=ref["benchmark"], params=ref["params"], param_key=ref["param_key"],
        machine=ref["machine"], env=ref["env"], unit=ref["unit"],
        higher_is_better=bool(ref["higher_is_better"]), kind=kind, note=note,
        base=base["value"] if base is not None else math.nan,
        head=head["value"] if head is not None else math.nan,
    )


def decide(row: CompareRow, config: TrackerConfig, alpha: float) -> None:
    """Set kind, severity and note of a measured row from its statistics (the rule above)."""
    if not (math.isfinite(row.ratio) and row.ratio > 0):
        row.kind, row.note = "unchanged", "ratio undefined (zero or infinite base)"
        return
    moved = abs(row.ratio - 1.0) >= config.noise_floor
    excludes_one = row.ratio_ci_low > 1.0 or row.ratio_ci_high < 1.0
    if row.method == "rounds":
        within_run = row.p_adjusted < alpha and excludes_one and moved
    elif row.method == "mann-whitney":
        within_run = (row.p_adjusted < alpha and abs(row.effect_size) >= config.min_effect
                      and excludes_one and moved)
    elif row.method == "ci-overlap":
        within_run = row.comparison.intervals_overlap is False and moved
    else:
        within_run = row.ratio >= config.no_stats_factor or row.ratio <= 1.0 / config.no_stats_factor
    # rounds measure the between-run noise of this very pair; history's spread adds other days' drift
    drift_limit = config.run_noise_k * row.run_spread if row.method != "rounds" else math.nan
    beyond_drift = not math.isfinite(drift_limit) or abs(math.log(row.ratio)) > drift_limit
    notes = [row.note] if row.note else []
    if not math.isfinite(row.run_spread) and row.method != "rounds":
        notes.append(f"run-to-run noise unknown (history of {row.history_n} other commits, "
                     f"needs {config.run_noise_history}): within-run rule only")
    if within_run and not beyond_drift:
        notes.append(f"within run-to-run noise: |log ratio| {abs(math.log(row.ratio)):.1%} <= "
                     f"{config.run_noise_k:g} x spread {row.run_spread:.1%}")
    elif row.method == "mann-whitney" and not within_run and row.p_adjusted < alpha and moved:
        notes.append("inconclusive: U test significant but the ratio's CI or effect size is not")
    blind = can_see(row.sd_round, min(row.n_base, row.n_head), config.severity["medium"], alpha=alpha) \
        if row.method == "rounds" else ""
    notes += [blind] if blind else []
    row.note = "; ".join(notes)
    if not (within_run and beyond_drift):
        row.kind = "unchanged"
        return
    worse = row.ratio < 1.0 if row.higher_is_better else row.ratio > 1.0
    row.kind = "regression" if worse else "improvement"
    row.severity = classify(row.ratio - 1.0, config.severity)


def _history_spread(history: dict, key: tuple, version: str, min_commits: int) -> tuple[float, int]:
    """(run-to-run spread, commits used) of one series from its other commits, in commit order."""
    group = history.get(key)
    if group is None:
        return math.nan, 0
    medians = group.loc[group["version"] == version].sort_values("order")["value"]
    medians = medians[np.isfinite(medians) & (medians > 0)]
    if len(medians) < min_commits:
        return math.nan, len(medians)
    return run_to_run_spread(medians), len(medians)


def compare_commits(frame: pd.DataFrame, base_commit: str, head_commit: str, *,
                    config: TrackerConfig, alpha: float | None = None,
                    outlier_rule: str | None = None) -> list[CompareRow]:
    """Rows comparing ``head_commit`` with ``base_commit`` for every (machine, env) of both."""
    alpha = config.alpha if alpha is None else alpha
    frame = collapse_rounds(frame, ["commit", *KEY])
    base_rows = {tuple(r[k] for k in KEY): r for _, r in frame[frame["commit"] == base_commit].iterrows()}
    head_rows = {tuple(r[k] for k in KEY): r for _, r in frame[frame["commit"] == head_commit].iterrows()}
    others = frame[(frame["status"] == "ok") & ~frame["commit"].isin([base_commit, head_commit])]
    history = {key: group for key, group in others.groupby(KEY, sort=False)}
    shared_series = {k[:2] for k in base_rows} & {k[:2] for k in head_rows}
    if not shared_series:
        raise TtsbenchError(
            f"{base_commit[:12]} and {head_commit[:12]} have no machine/env in common; "
            "pick commits measured on the same machine (--machine) and env (--env)"
        )
    rows: list[CompareRow] = []
    for key in sorted((set(base_rows) | set(head_rows)), key=lambda k: tuple(map(str, k))):
        if key[:2] not in shared_series:
            continue
        base, head = base_rows.get(key), head_rows.get(key)
        unmeasured = _unmeasured(base, head)
        if unmeasured:
            rows.append(_row(base, head, *unmeasured))
            continue
        row = _row(base, head, "unchanged", "")
        result = _measure(base, head, outlier_rule, confidence=1.0 - alpha)
        for name in ("ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "shift", "shift_ci_low",
                     "shift_ci_high", "method", "n_base", "n_head", "outliers_base", "outliers_head"):
            setattr(row, name, getattr(result, name))
        row.base, row.head = result.base, result.head
        row.effect_size, row.cohens_d, row.comparison = result.cliffs_delta, result.cohens_d, result
        row.note = {"ci-overlap": "no samples: stored 99% CIs compared",
                    "no-stats": "no samples and no CI: asv's factor rule"}.get(result.method, "")
        row.run_spread, row.history_n = _history_spread(history, key, head["version"], config.run_noise_history)
        row.mde, row.sd_round = getattr(result, "mde", math.nan), getattr(result, "sd_round", math.nan)
        if row.method != "rounds" and math.isfinite(row.run_spread):
            row.mde = math.expm1((config.run_noise_k + stats.norm.ppf(POWER)) * row.run_spread)
        rows.append(row)
    measured = [r for r in rows if r.method is not None]
    for row, adjusted in zip(measured, adjust_pvalues([r.p_value for r in measured])):
        row.p_adjusted = float(adjusted)
        decide(row, config, alpha)
    return rows


def require_measurement(rows: list[CompareRow], base_commit: str, head_commit: str) -> None:
    """Raise when no benchmark was measured on both sides: that is neither fine nor regressed."""
    if not any(r.kind in MEASURED_KINDS for r in rows):
        counts = pd.Series([r.kind for r in rows]).value_counts().to_dict() if rows else {}
        raise TtsbenchError(
            f"measured nothing comparable between {base_commit[:12]} and {head_commit[:12]} "
            f"({', '.join(f'{n} {k}' for k, n in counts.items()) or 'no benchmarks'}); "
            "re-run the benchmarks on both commits"
        )


def exceeds(rows: list[CompareRow], fail_on: str) -> list[CompareRow]:
    """Regressions whose severity is at or above ``fail_on``."""
    return [r for r in rows if r.kind == "regression" and at_least(r.severity, fail_on)]
