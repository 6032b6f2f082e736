"""Claims inside one commit: A/B comparisons of a benchmark parameter, and absolute bounds.

An A/B claim (``ab = "arch"``, ``base = "separate"``, ``head = "unified"``) compares, at one
commit, each series whose parameter ``ab`` is ``base`` with the series that differs from it only
in ``ab = head``. The pairs are relabelled as two pseudo-commits and go through
:func:`ttsbench.track.compare.compare_commits` unchanged, so an A/B claim is judged by exactly
the statistics of a commit claim (the pairs share a run, so there is no between-run history:
the within-run rule applies). A bound claim (``below = "100ms"``) holds when the one-sided
bootstrap CI of the series' median lies below the bound; its p-value is the one-sided Wilcoxon
signed-rank test of the samples against the bound.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ttsbench.errors import TtsbenchError

A_LABEL, B_LABEL = "A/B:base", "A/B:head"


def _key_without(param_key: str, name: str) -> str:
    return ", ".join(part for part in param_key.split(", ") if not part.startswith(f"{name}="))


def ab_frame(frame: pd.DataFrame, commit: str, benchmark: str, param: str, base, head,
             claim: str) -> pd.DataFrame:
    """Rows of ``commit`` whose benchmark matches ``benchmark``, with ``param == base`` relabelled
    as commit ``A_LABEL`` and ``param == head`` as ``B_LABEL`` (``param`` dropped from the key).

    TtsbenchError naming the choices when no selected benchmark has ``param`` or a value is absent.
    """
    rows = frame[(frame["commit"] == commit)
                 & frame["benchmark"].str.contains(benchmark, regex=True)]
    if rows.empty:
        raise TtsbenchError(f"claim {claim!r}: no benchmark matches {benchmark!r} at "
                            f"{commit[:12]}; run it there (asv run --bench ...)")
    with_param = rows[rows["params"].map(lambda p: isinstance(p, dict) and param in p)]
    if with_param.empty:
        names = sorted({n for p in rows["params"] if isinstance(p, dict) for n in p})
        raise TtsbenchError(
            f"claim {claim!r}: no benchmark matching {benchmark!r} has a parameter {param!r}; "
            f"its parameters are {', '.join(names) or 'none'}")
    values = [v for v in dict.fromkeys(with_param["params"].map(lambda p: p[param]))]
    for side, value in (("base", base), ("head", head)):
        if value not in values:
            raise TtsbenchError(
                f"claim {claim!r}: {side} = {value!r} is not a value of {param!r} in these "
                f"results; choose from {', '.join(repr(v) for v in values)}")
    parts = []
    for label, value in ((A_LABEL, base), (B_LABEL, head)):
        side = with_param[with_param["params"].map(lambda p: p[param] == value)].copy()
        side["commit"] = label
        side["param_key"] = side["param_key"].map(lambda key: _key_without(key, param))
        side["params"] = side["params"].map(
            lambda p: {k: v for k, v in p.items() if k != param})
        parts.append(side)
    return pd.concat(parts, ignore_index=True)


def median_bound(samples, bound: float, confidence: float, seed: int = 0):
    """(median, CI low, CI high, one-sided p that the median is below ``bound``, share of
    bootstrap medians below ``bound``) of ``samples``."""
    x = np.asarray([v for v in samples if math.isfinite(v)], dtype=float)
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(x, size=(2000, len(x)), replace=True), axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(medians, [tail, 1 - tail])
    differences = x - bound
    if np.all(differences == 0):
        p_value = 1.0
    else:
        p_value = float(stats.wilcoxon(differences, alternative="less").pvalue)
    return float(np.median(x)), float(low), float(high), p_value, float(np.mean(medians < bound))


def bound_checks(claim, frame: pd.DataFrame, commit: str, confidence: float) -> list:
    """The ``ClaimCheck`` of each series a bound claim selects at ``commit`` (p-values set;
    ``check_claims`` adjusts them and gives the verdicts)."""
    from ttsbench.track.claims import ClaimCheck, _bound

    rows = frame[(frame["commit"] == commit)
                 & frame["benchmark"].str.contains(claim.benchmark, regex=True)]
    if claim.params is not None:
        rows = rows[rows["param_key"].str.contains(claim.params, regex=True)]
    if rows.empty:
        raise TtsbenchError(f"claim {claim.name!r}: no benchmark matches {claim.benchmark!r} at "
                            f"{commit[:12]}")
    checks = []
    for _, row in rows.iterrows():
        check = ClaimCheck(claim.name, row["benchmark"], row["param_key"],
                           f"below {claim.below}", "NO DATA", unit=row["unit"])
        samples = row["samples"] if isinstance(row["samples"], list) else []
        if row["status"] != "ok" or len(samples) < 2:
            check.reasons.append(f"no samples at {commit[:12]} ({row['status']})")
            checks.append(check)
            continue
        kind, bound = _bound(claim.below, row["unit"])
        if kind != "absolute":
            raise TtsbenchError(f"claim {claim.name!r}: below = {claim.below!r} must be absolute")
        (check.estimate, check.ci_low, check.ci_high, check.p_value,
         check.confidence) = median_bound(samples, bound, confidence)
        check.range_low, check.range_high = -math.inf, bound
        check.alternatives = _below(frame, commit, row, bound)
        checks.append(check)
    return checks


def _below(frame: pd.DataFrame, commit: str, row: pd.Series, bound: float) -> list[str]:
    """``param_key: median`` of the other series of ``row``'s benchmark (same machine and env)
    at ``commit`` whose median lies below ``bound``."""
    from ttsbench.track.recommend import _value

    siblings = frame[(frame["commit"] == commit) & (frame["benchmark"] == row["benchmark"])
                     & (frame["machine"] == row["machine"]) & (frame["env"] == row["env"])
                     & (frame["param_key"] != row["param_key"]) & (frame["status"] == "ok")]
    return [f"{other['param_key']}: median {_value(other['value'], other['unit']).lstrip('+')}"
            for _, other in siblings.iterrows() if other["value"] < bound]
