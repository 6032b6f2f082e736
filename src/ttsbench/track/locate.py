"""Where a change sits: the split that best fits two constant levels (log values).

Used by :mod:`ttsbench.track.changepoints` to locate the scan's candidates and the ends of
short-lived levels. The fit minimises Huber's loss (scale: the series' noise) of two constant
levels, each Tukey's biweight of its side.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ttsbench.track.levels import window_levels

HUBER_K = 1.5


def huber_loss(r: np.ndarray) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= HUBER_K, 0.5 * r * r, HUBER_K * (a - 0.5 * HUBER_K))


def best_split(y: np.ndarray, sigma: float, left: int, right: int, tries: np.ndarray) -> int:
    """The split of ``y[left:right]`` among ``tries`` (non-empty) that best fits two levels."""
    lefts, rights = np.full(tries.size, left), np.full(tries.size, right)
    old = window_levels(y, lefts, tries, sigma)
    new = window_levels(y, tries, rights, sigma)
    level = np.where(np.arange(left, right)[None, :] < tries[:, None], old[:, None], new[:, None])
    costs = huber_loss((y[None, left:right] - level) / sigma).sum(axis=1)
    return int(tries[int(np.argmin(costs))])


def bonferroni_z(threshold: float, tests: int) -> float:
    """The |z| the largest of ``tests`` null z-scores exceeds at most as often as one exceeds
    ``threshold`` (Bonferroni)."""
    normal = NormalDist()
    return normal.inv_cdf(1 - (1 - normal.cdf(threshold)) / tests)


__all__ = ["best_split", "bonferroni_z", "huber_loss"]
