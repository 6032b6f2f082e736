"""Power of the rounds test: minimum detectable effect (MDE) and the rounds a target needs.

The gate's test (:func:`ttsbench.track.clustered.compare_rounds`) is Welch's t on the logs of
per-round medians, so its power follows from the standard deviation ``sd`` of one round's log
median (within-round noise of a median plus between-round noise) and the rounds per side:
MDE = (t(1 - alpha/2, df) + t(power, df)) x sd x sqrt(1/n_base + 1/n_head), on the log scale,
with Welch's df. One run of a stored asv history counts as one round.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

POWER = 0.8
MAX_ROUNDS = 200
MEDIAN_EFFICIENCY = math.pi / 2  # variance of a normal sample's median over its mean's


def mde(sd_base: float, n_base: int, sd_head: float | None = None, n_head: int | None = None, *,
        alpha: float = 0.05, power: float = POWER) -> float:
    """Smallest relative change (a fraction) found with probability ``power``; NaN if unknown."""
    sd_head = sd_base if sd_head is None else sd_head
    n_head = n_base if n_head is None else n_head
    if min(n_base, n_head) < 2 or not (math.isfinite(sd_base) and math.isfinite(sd_head)):
        return math.nan
    vb, vh = sd_base ** 2 / n_base, sd_head ** 2 / n_head
    se = math.sqrt(vb + vh)
    if se == 0:
        return 0.0
    df = (vb + vh) ** 2 / (vb ** 2 / (n_base - 1) + vh ** 2 / (n_head - 1)) if vb and vh else n_base + n_head - 2
    log_mde = (stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se
    return math.expm1(log_mde)


def rounds_needed(sd: float, target: float, *, alpha: float = 0.05, power: float = POWER) -> int | None:
    """Fewest rounds per side whose MDE is at most ``target``; None beyond :data:`MAX_ROUNDS`."""
    if not math.isfinite(sd):
        return None
    for n in range(2, MAX_ROUNDS + 1):
        if mde(sd, n, alpha=alpha, power=power) <= target:
            return n
    return None


def round_noise(round_medians, round_samples=None) -> tuple[float, float, float]:
    """(sd of one round's log median, within-round part, between-round part), as fractions.

    The within-round part is the sd of a median of the round's samples (robust sd of the log
    samples x sqrt(pi/2 / m)), averaged over rounds; the between-round part is what is left.
    """
    logs = np.log(np.asarray(round_medians, dtype=float))
    total = float(np.std(logs, ddof=1)) if len(logs) > 1 else math.nan
    within = math.nan
    if round_samples:
        parts = [stats.median_abs_deviation(np.log(s), scale="normal") ** 2 * MEDIAN_EFFICIENCY / len(s)
                 for s in round_samples if s is not None and len(s) > 1 and min(s) > 0]
        within = math.sqrt(float(np.mean(parts))) if parts else math.nan
    between = math.sqrt(max(total ** 2 - within ** 2, 0.0)) if math.isfinite(within) else math.nan
    return total, within, between


def can_see(sd: float, n: int, target: float, *, alpha: float = 0.05) -> str:
    """'' when ``n`` rounds see ``target``, else e.g. 'cannot see 5% with 4 rounds; 9 rounds would'."""
    if not math.isfinite(sd) or mde(sd, n, alpha=alpha) <= target:
        return ""
    need = rounds_needed(sd, target, alpha=alpha)
    would = f"{need} rounds would" if need else f"more than {MAX_ROUNDS} rounds would be needed"
    return f"cannot see {target:.0%} with {n} rounds; {would}"
