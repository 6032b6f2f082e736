"""Two-sample rank statistics of the change-point detector's segment test (numpy only).

:func:`mann_whitney_p` is scipy's asymptotic Mann-Whitney U test without importing scipy,
which costs about a second on every ``ttsbench history`` run; :func:`hodges_lehmann_interval`
is the distribution-free confidence interval of the shift it tests.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


def mann_whitney_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value: normal approximation with tie and continuity
    corrections (``scipy.stats.mannwhitneyu(method="asymptotic")``, without importing scipy,
    which costs a second on every ``ttsbench history`` run)."""
    n1, n2 = x.size, y.size
    n = n1 + n2
    _, inverse, counts = np.unique(np.concatenate([x, y]), return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    u1 = average_rank[inverse.ravel()[:n1]].sum() - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    ties = float((counts ** 3 - counts).sum())
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if spread == 0:
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / spread
    return min(1.0, math.erfc(z / math.sqrt(2)))


def hodges_lehmann_interval(old: np.ndarray, new: np.ndarray, alpha: float) -> tuple[float, float]:
    """Distribution-free confidence interval of the shift ``new - old`` (Mann-Whitney inversion)."""
    differences = np.sort((new[:, None] - old[None, :]).ravel())
    m, k = new.size, old.size
    spread = math.sqrt(m * k * (m + k + 1) / 12)
    rank = int(math.floor(m * k / 2 - NormalDist().inv_cdf(1 - alpha / 2) * spread))
    rank = min(max(rank, 0), differences.size - 1)
    return float(differences[rank]), float(differences[differences.size - 1 - rank])


__all__ = ["hodges_lehmann_interval", "mann_whitney_p"]
