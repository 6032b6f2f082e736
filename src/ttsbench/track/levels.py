"""Robust levels of windows of commits and the noise they are measured in (log values).

:func:`noise_scales` is one commit's noise and :func:`level_ses` the standard error of a
one-commit level, each for many series of one length at once; :func:`window_levels` the Tukey
biweight level of many windows at once. Used by :mod:`ttsbench.track.changepoints`.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

NOISE_FLOOR = 0.002
BIWEIGHT_C = 4.685  # Tukey's biweight: 95 % efficient on Gaussian noise
LEVEL_STEPS = 5
OUTSIDE = 1e100  # stands for a commit outside a window
Z99 = NormalDist().inv_cdf(0.995)


def noise_scales(y: np.ndarray, ci_low=None, ci_high=None) -> np.ndarray:
    """Relative noise of one commit, for each row of ``y`` (series of one length): MAD of
    differences, floored by the stored 99 % CIs (rows of ``ci_low``/``ci_high``, or None)."""
    diffs = np.diff(y, axis=1)
    spread = np.abs(diffs - np.median(diffs, axis=1, keepdims=True))
    sigma = 1.4826 * np.median(spread, axis=1) / math.sqrt(2)
    if ci_low is not None and ci_high is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            width = np.log(ci_high) - np.log(ci_low)
        valid = np.isfinite(width) & (width > 0)
        if valid.all():
            floor = np.median(width, axis=1)
        else:
            floor = np.array([np.median(w[ok]) if ok.any() else 0.0 for w, ok in zip(width, valid)])
        sigma = np.maximum(sigma, floor / (2 * Z99))
    return np.maximum(sigma, NOISE_FLOOR)


def level_ses(y: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Standard error of a one-commit level in units of ``sigma``, for each row of ``y`` (series
    of one length) and its noise (sandwich estimate).

    About 1.03 on Gaussian noise; larger on heavy-tailed noise, where the weighted residuals
    still carry more spread than ``sigma`` says. Commit-to-commit differences stand in for
    residuals.
    """
    diffs = np.diff(y, axis=1)
    if diffs.shape[1] == 0:
        return np.ones(len(y))
    u = (diffs - np.median(diffs, axis=1, keepdims=True)) / (sigma[:, None] * math.sqrt(2) * BIWEIGHT_C)
    near = np.abs(u) < 1
    psi = np.where(near, u * (1 - u * u) ** 2, 0.0)
    slope = np.mean(np.where(near, (1 - u * u) * (1 - 5 * u * u), 0.0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = BIWEIGHT_C * np.sqrt(np.mean(psi * psi, axis=1)) / slope
    return np.where(slope > 0, np.maximum(1.0, se), 1.0)


def window_levels(y: np.ndarray, starts: np.ndarray, stops: np.ndarray, sigma) -> np.ndarray:
    """Robust level of ``y[start:stop]`` for each pair, vectorised (empty windows give NaN);
    ``sigma``: the noise, one value or one per pair.

    Tukey's biweight with the series' noise as its scale, iterated from the median: about as
    efficient as a mean on Gaussian noise (3 commits at a new level carry nearly the weight of
    3 means), and a run disturbed by more than ``BIWEIGHT_C`` sigma gets no weight at all, so
    one disturbed run at the tip does not drag a fresh window's level (a median of 3 would sit
    on the higher of the other two).
    """
    lengths = stops - starts
    width = max(int(lengths.max(initial=0)), 1)
    index = starts[:, None] + np.arange(width)[None, :]
    inside = index < stops[:, None]
    windows = np.where(inside, y[np.minimum(index, y.size - 1)], np.inf)
    windows.sort(axis=1)
    rows = np.arange(len(starts))
    low = np.clip((lengths - 1) // 2, 0, width - 1)
    high = np.clip(lengths // 2, 0, width - 1)
    level = (windows[rows, low] + windows[rows, high]) / 2
    # In units of the biweight's scale; commits outside a window sit far enough away that their
    # weight is 0 (and finite, so 0 * value stays 0).
    scale = np.broadcast_to(BIWEIGHT_C * np.asarray(sigma, dtype=float), level.shape)
    scaled = np.where(np.isfinite(windows), windows, OUTSIDE) / scale[:, None]
    level = level / scale
    for _ in range(LEVEL_STEPS):
        weight = scaled - level[:, None]  # then (1 - min(u², 1))²: 0 from |u| = 1 on
        weight *= weight
        np.minimum(weight, 1, out=weight)
        np.subtract(1, weight, out=weight)
        weight *= weight
        total = weight.sum(axis=1)
        moved = np.einsum("ij,ij->i", weight, scaled)
        level = np.where(total > 0, moved / np.where(total > 0, total, 1), level)
    level = level * scale
    return np.where(lengths > 0, level, np.nan)


__all__ = ["BIWEIGHT_C", "level_ses", "noise_scales", "window_levels"]
