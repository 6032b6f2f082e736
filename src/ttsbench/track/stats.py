"""Two-sample statistics of benchmark results, computed with scipy.stats.

With raw samples on both sides (:func:`compare_samples`): Mann–Whitney U (the decision test;
robust to the heavy right tail of timings), Welch's t (reported), the Hodges–Lehmann shift and
the ratio of medians with bootstrap percentile CIs, Cliff's delta and Cohen's d, and outlier
counts by IQR, z-score and modified z-score. Without samples (:func:`compare_stored`) only the
99 % CIs asv stored are available: the change is significant when they do not overlap (asv's own
fallback) and the ratio's CI is bounded by the two intervals. :func:`adjust_pvalues` applies
Benjamini–Hochberg across the benchmarks of one comparison. :func:`run_to_run_spread` estimates,
from a benchmark's history, how far two runs of unchanged code drift apart (what no two-sample
test on one run per commit can see).
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
from scipy import stats

Z_LIMIT = 3.0
MODIFIED_Z_LIMIT = 3.5  # Iglewicz & Hoaglin
BOOTSTRAP_RESAMPLES = 2000


@dataclasses.dataclass(frozen=True)
class Comparison:
    """How HEAD's result differs from BASE's; NaN where the method cannot say."""

    method: str  # "mann-whitney" (samples), "ci-overlap" (stored CIs) or "no-stats"
    base: float
    head: float
    ratio: float
    ratio_ci_low: float = math.nan
    ratio_ci_high: float = math.nan
    p_value: float = math.nan
    welch_p_value: float = math.nan
    shift: float = math.nan
    shift_ci_low: float = math.nan
    shift_ci_high: float = math.nan
    cliffs_delta: float = math.nan
    cohens_d: float = math.nan
    n_base: int = 0
    n_head: int = 0
    intervals_overlap: bool | None = None
    outliers_base: dict = dataclasses.field(default_factory=dict)
    outliers_head: dict = dataclasses.field(default_factory=dict)
    bootstrap_ratios: np.ndarray | None = dataclasses.field(default=None, repr=False)
    bootstrap_shifts: np.ndarray | None = dataclasses.field(default=None, repr=False)


def outlier_masks(values) -> dict[str, np.ndarray]:
    """Boolean masks of outliers by the IQR fence, |z| > 3 and |modified z| > 3.5."""
    x = np.asarray(values, dtype=float)
    q1, q3 = np.percentile(x, [25, 75])
    spread = stats.iqr(x)
    masks = {"iqr": (x < q1 - 1.5 * spread) | (x > q3 + 1.5 * spread)}
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # identical samples: no spread to scale by
        z = stats.zscore(x)
        mad = stats.median_abs_deviation(x)
        modified = 0.6745 * (x - np.median(x)) / mad
    masks["z"] = np.nan_to_num(np.abs(z)) > Z_LIMIT
    masks["modified_z"] = np.nan_to_num(np.abs(modified)) > MODIFIED_Z_LIMIT
    return masks


def remove_outliers(values, rule: str) -> np.ndarray:
    """``values`` without the outliers of one rule (only when the user asks for it)."""
    x = np.asarray(values, dtype=float)
    return x[~outlier_masks(x)[rule]]


def hodges_lehmann(base, head, axis: int = -1):
    """Median of all pairwise differences head - base (the shift estimate of the U test)."""
    base = np.moveaxis(np.asarray(base, dtype=float), axis, -1)
    head = np.moveaxis(np.asarray(head, dtype=float), axis, -1)
    differences = head[..., :, None] - base[..., None, :]
    return np.median(differences.reshape(*differences.shape[:-2], -1), axis=-1)


def ratio_of_medians(base, head, axis: int = -1):
    return np.median(head, axis=axis) / np.median(base, axis=axis)


def cliffs_delta(base, head) -> float:
    """P(head > base) - P(head < base), from the U statistic of head against base."""
    u_head = stats.mannwhitneyu(head, base, alternative="two-sided").statistic
    return float(2.0 * u_head / (len(base) * len(head)) - 1.0)


def cohens_d(base, head) -> float:
    """Difference of means over the pooled standard deviation."""
    n1, n2 = len(base), len(head)
    pooled = math.sqrt(
        ((n1 - 1) * np.var(base, ddof=1) + (n2 - 1) * np.var(head, ddof=1)) / (n1 + n2 - 2)
    )
    difference = float(np.mean(head) - np.mean(base))
    if pooled == 0:
        return 0.0 if difference == 0 else math.copysign(math.inf, difference)
    return difference / pooled


def _bootstrap(base, head, statistic, confidence, rng):
    result = stats.bootstrap(
        (base, head), statistic, vectorized=True, paired=False, method="percentile",
        confidence_level=confidence, n_resamples=BOOTSTRAP_RESAMPLES, batch=250, random_state=rng,
    )
    return result.confidence_interval, result.bootstrap_distribution


def compare_samples(base, head, *, confidence: float = 0.95, seed: int = 0) -> Comparison:
    """Compare two sets of raw samples (at least 2 each)."""
    x = np.asarray([v for v in base if math.isfinite(v)], dtype=float)
    y = np.asarray([v for v in head if math.isfinite(v)], dtype=float)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("compare_samples needs at least two finite samples on each side")
    rng = np.random.default_rng(seed)
    p_value = stats.mannwhitneyu(x, y, alternative="two-sided").pvalue
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # identical samples: no spread to scale by
        welch = stats.ttest_ind(x, y, equal_var=False).pvalue
    ratio_ci, ratios = _bootstrap(x, y, ratio_of_medians, confidence, rng)
    shift_ci, shifts = _bootstrap(x, y, hodges_lehmann, confidence, rng)
    return Comparison(
        method="mann-whitney",
        base=float(np.median(x)),
        head=float(np.median(y)),
        ratio=float(ratio_of_medians(x, y)),
        ratio_ci_low=float(ratio_ci.low),
        ratio_ci_high=float(ratio_ci.high),
        p_value=float(p_value) if math.isfinite(p_value) else 1.0,
        welch_p_value=float(welch) if math.isfinite(welch) else 1.0,
        shift=float(hodges_lehmann(x, y)),
        shift_ci_low=float(shift_ci.low),
        shift_ci_high=float(shift_ci.high),
        cliffs_delta=cliffs_delta(x, y),
        cohens_d=cohens_d(x, y),
        n_base=len(x),
        n_head=len(y),
        outliers_base={rule: int(m.sum()) for rule, m in outlier_masks(x).items()},
        outliers_head={rule: int(m.sum()) for rule, m in outlier_masks(y).items()},
        bootstrap_ratios=ratios,
        bootstrap_shifts=shifts,
    )


def compare_stored(base: float, head: float, base_ci=(math.nan, math.nan),
                   head_ci=(math.nan, math.nan), n_base: int = 0, n_head: int = 0) -> Comparison:
    """Compare two stored medians through their stored 99 % CIs (no samples)."""
    ratio = head / base if base else math.nan
    finite = all(math.isfinite(v) for v in (*base_ci, *head_ci))
    if not finite:
        return Comparison("no-stats", base, head, ratio, n_base=n_base, n_head=n_head)
    overlap = base_ci[1] >= head_ci[0] and base_ci[0] <= head_ci[1]
    with np.errstate(divide="ignore"):
        low = head_ci[0] / base_ci[1] if base_ci[1] > 0 else math.nan
        high = head_ci[1] / base_ci[0] if base_ci[0] > 0 else math.inf
    return Comparison(
        "ci-overlap", base, head, ratio, ratio_ci_low=low, ratio_ci_high=high,
        shift=head - base, shift_ci_low=head_ci[0] - base_ci[1],
        shift_ci_high=head_ci[1] - base_ci[0], n_base=n_base, n_head=n_head,
        intervals_overlap=overlap,
    )


def adjust_pvalues(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN (untested) entries stay NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    tested = np.isfinite(p)
    if tested.any():
        adjusted[tested] = stats.false_discovery_control(p[tested], method="bh")
    return adjusted


def run_to_run_spread(medians) -> float:
    """Robust standard deviation of log(median of run B / median of run A) for unchanged code.

    ``medians`` are one series' stored medians, one per commit in commit order. The spread is
    the normal-consistent median absolute consecutive difference of their logs: each real step
    change in the history moves one difference only, so it barely counts, while run-to-run
    drift moves all of them. NaN for fewer than two positive medians.
    """
    logs = np.log([m for m in medians if math.isfinite(m) and m > 0])
    if len(logs) < 2:
        return math.nan
    differences = np.diff(logs)  # centred on 0, not on their median: a trend is noise too
    return float(stats.median_abs_deviation(differences, center=lambda x, axis=None: 0.0, scale="normal"))
