"""Rounds as clusters: the test of the gate, where independence holds.

Samples of one asv round come from one process and share its luck (code and heap layout, cache
placement, clock, neighbours), so they are not independent observations of the code; rounds
are. :func:`collapse_rounds` turns a frame with a ``round`` column (the gate's, see
:mod:`ttsbench.track.rounds`) into one row per commit and benchmark case holding each round's
value, its fastest sample (:func:`round_value`: other jobs on a shared box only ever add time,
and the least disturbed of a round's ~50 calls varies least between rounds; docs/statistics.md);
:func:`compare_rounds` tests them: Yuen's trimmed Welch t on the logs of the round values (20 %
trimmed from each end of each side, so that a round hit by a burst of load does not decide),
the ratio of the trimmed means, its t confidence interval, and the MDE of
:mod:`ttsbench.track.power`. See docs/statistics.md for why this test and not a bootstrap.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy import stats

from ttsbench.track.power import kept, mde, welch_df, yuen
from ttsbench.track.stats import Comparison, cliffs_delta

STATUS_RANK = {"invalid": -1, "failed": 0, "skipped": 1, "ok": 2}
WITHIN_RESAMPLES = 200


def round_value(samples, value: float) -> float:
    """One round's value: its fastest sample, or asv's stored value when it kept no samples."""
    return float(min(samples)) if samples else float(value)


def round_noise(round_values, round_samples=None) -> tuple[float, float, float]:
    """(sd of one round's log value, within-round part, between-round part), as fractions.

    The sd is sqrt(n) x Yuen's standard error of the log values (robust to outlier rounds).
    The within-round part is the bootstrap sd of :func:`round_value` over each round's own
    samples (approximate: the minimum bootstraps coarsely), averaged over rounds; the
    between-round part is what is left.
    """
    logs = np.log(np.asarray(round_values, dtype=float))
    total = math.sqrt(len(logs) * yuen(logs)[1]) if kept(len(logs)) > 1 else math.nan
    rng = np.random.default_rng(0)
    parts = []
    for samples in round_samples or []:
        if samples is not None and len(samples) > 1 and min(samples) > 0:
            x = np.log(np.asarray(samples, dtype=float))
            parts.append(np.var(x[rng.integers(0, len(x), (WITHIN_RESAMPLES, len(x)))].min(axis=1)))
    within = math.sqrt(float(np.mean(parts))) if parts else math.nan
    between = math.sqrt(max(total ** 2 - within ** 2, 0.0)) if math.isfinite(within) else math.nan
    return total, within, between


@dataclasses.dataclass(frozen=True)
class RoundsComparison(Comparison):
    """A :class:`Comparison` of rounds; ``n_base``/``n_head`` count rounds."""

    mde: float = math.nan  # relative change found with 80 % power at alpha
    sd_round: float = math.nan  # sd of one round's log value (both sides pooled)
    sd_within: float = math.nan
    sd_between: float = math.nan


def collapse_rounds(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per ``keys`` (commit and case): ``round_values``, ``round_samples`` and status.

    Rows without a round (``round`` NaN, e.g. a stored history) pass through unchanged. A case
    is ``ok`` when at least two rounds measured it, else the status of its worst round.
    """
    if "round" not in frame.columns or frame["round"].isna().all():
        return frame
    plain = frame[frame["round"].isna()]
    rounds = frame[frame["round"].notna()]
    rows = []
    for _, group in rounds.groupby(keys, sort=False):
        ok = group[(group["status"] == "ok") & np.isfinite(group["value"].astype(float))]
        row = group.iloc[0].copy()
        row["round_values"] = [round_value(s, v) for s, v in zip(ok["samples"], ok["value"])]
        if len(ok) >= 2:
            row["status"] = "ok"
            row["value"] = float(np.median(row["round_values"]))
        else:
            row["status"] = min(group["status"], key=STATUS_RANK.get)
        row["round_samples"] = [s for s in ok["samples"]]
        row["samples"] = [x for s in ok["samples"] if s for x in s] or None
        rows.append(row)
    return pd.concat([plain, pd.DataFrame(rows)], ignore_index=True)


def compare_rounds(base_values, head_values, base_samples=None, head_samples=None, *,
                   confidence: float = 0.95) -> RoundsComparison:
    """Yuen's trimmed Welch t on log round values (at least 2 positive rounds a side)."""
    xb, xh = np.log(np.asarray(base_values, dtype=float)), np.log(np.asarray(head_values, dtype=float))
    nb, nh = len(xb), len(xh)
    (mean_b, d_b, h_b), (mean_h, d_h, h_h) = yuen(xb), yuen(xh)
    diff = mean_h - mean_b
    se = math.sqrt(d_b + d_h)
    if se == 0:
        p_value, low, high = (1.0 if diff == 0 else 0.0), diff, diff
    else:
        df = welch_df(d_b, h_b, d_h, h_h)
        p_value = float(2 * stats.t.sf(abs(diff) / se, df))
        half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
        low, high = diff - half, diff + half
    sd_b, within_b, between_b = round_noise(np.exp(xb), base_samples)
    sd_h, within_h, between_h = round_noise(np.exp(xh), head_samples)
    pooled = math.sqrt(((nb - 1) * sd_b ** 2 + (nh - 1) * sd_h ** 2) / (nb + nh - 2))
    pooled_samples = [np.concatenate([s for s in side if s]) for side in (base_samples, head_samples)
                      if side and any(side)]
    delta = cliffs_delta(*pooled_samples) if len(pooled_samples) == 2 else math.nan
    return RoundsComparison(
        method="rounds",
        base=math.exp(mean_b),
        head=math.exp(mean_h),
        ratio=math.exp(diff),
        ratio_ci_low=math.exp(low),
        ratio_ci_high=math.exp(high),
        p_value=p_value,
        welch_p_value=p_value,
        cliffs_delta=delta,
        n_base=nb,
        n_head=nh,
        mde=mde(sd_b, nb, sd_h, nh, alpha=1 - confidence),
        sd_round=pooled,
        sd_within=float(np.nanmean([within_b, within_h])) if np.isfinite([within_b, within_h]).any() else math.nan,
        sd_between=float(np.nanmean([between_b, between_h])) if np.isfinite([between_b, between_h]).any() else math.nan,
    )
