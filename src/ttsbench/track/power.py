"""Power of the rounds test: minimum detectable effect (MDE) and the rounds a target needs.

The gate's test (:func:`ttsbench.track.clustered.compare_rounds`) is Yuen's trimmed Welch t on
the logs of per-round values (each round's fastest sample): 20 % of the rounds are trimmed from each end of each side
(:data:`TRIM`), so a round that a burst of load slowed 5x weighs no more than an ordinary slow
one. Its power follows from the sd of one round's log value (the winsorized sd, scaled as Yuen's
standard error scales it; :func:`ttsbench.track.clustered.round_noise`) and the rounds per side: MDE = (t(1 - alpha/2, df) + t(power, df)) x se, on the log scale, with Welch's
df over the untrimmed counts. One run of a stored asv history counts as one round.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

POWER = 0.8
TRIM = 0.2
MAX_ROUNDS = 200


def kept(n: int) -> int:
    """Rounds left after trimming :data:`TRIM` of ``n`` from each end."""
    return n - 2 * int(TRIM * n)


def yuen(logs) -> tuple[float, float, int]:
    """(trimmed mean, squared standard error, rounds kept) of one side's log round values."""
    x = np.sort(np.asarray(logs, dtype=float))
    n, g = len(x), int(TRIM * len(x))
    h = n - 2 * g
    winsorized = np.clip(x, x[g], x[n - g - 1])
    variance = float(np.var(winsorized, ddof=1)) if n > 1 else math.nan
    return float(np.mean(x[g:n - g])), (n - 1) * variance / (h * (h - 1)) if h > 1 else math.nan, h


def welch_df(d_base: float, h_base: int, d_head: float, h_head: int) -> float:
    """Welch–Satterthwaite degrees of freedom of two squared standard errors."""
    terms = (d_base ** 2 / (h_base - 1) if d_base else 0.0) + (d_head ** 2 / (h_head - 1) if d_head else 0.0)
    return (d_base + d_head) ** 2 / terms if terms else float(h_base + h_head - 2)


def mde(sd_base: float, n_base: int, sd_head: float | None = None, n_head: int | None = None, *,
        alpha: float = 0.05, power: float = POWER) -> float:
    """Smallest relative change (a fraction) found with probability ``power``; NaN if unknown.

    ``sd``: the sd of one round's log value as ``clustered.round_noise`` gives it (sqrt(n) x
    Yuen's standard error), so that sd^2 / n is the side's squared standard error.
    """
    sd_head = sd_base if sd_head is None else sd_head
    n_head = n_base if n_head is None else n_head
    if min(kept(n_base), kept(n_head)) < 2 or not (math.isfinite(sd_base) and math.isfinite(sd_head)):
        return math.nan
    d_base, d_head = sd_base ** 2 / n_base, sd_head ** 2 / n_head
    if d_base + d_head == 0:
        return 0.0
    df = welch_df(d_base, kept(n_base), d_head, kept(n_head))
    log_mde = (stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * math.sqrt(d_base + d_head)
    return math.expm1(log_mde)


def rounds_needed(sd: float, target: float, *, alpha: float = 0.05, power: float = POWER) -> int | None:
    """Fewest rounds per side whose MDE is at most ``target``; None beyond :data:`MAX_ROUNDS`."""
    if not math.isfinite(sd):
        return None
    for n in range(2, MAX_ROUNDS + 1):
        if mde(sd, n, alpha=alpha, power=power) <= target:
            return n
    return None


def can_see(sd: float, n: int, target: float, *, alpha: float = 0.05) -> str:
    """'' when ``n`` rounds see ``target``, else e.g. 'cannot see 5% with 4 rounds; 9 rounds would'."""
    if not math.isfinite(sd) or mde(sd, n, alpha=alpha) <= target:
        return ""
    need = rounds_needed(sd, target, alpha=alpha)
    would = f"{need} rounds would" if need else f"more than {MAX_ROUNDS} rounds would be needed"
    return f"cannot see {target:.0%} with {n} rounds; {would}"
