"""Change points of one benchmark series: robust window scan, then segment-against-segment tests.

The detector works on the logarithm of the per-commit values, so a step is a ratio and the noise
is relative. It runs in three stages (docs/history.md compares it with asv's ``step_detect`` and
E-divisive on injected steps in real and CI-runner noise):

1. **Scan.** For every commit ``t`` the level of the ``WINDOW_AFTER`` commits from ``t`` on is
   compared with the level of the ``WINDOW_BEFORE`` commits before it, in units of its standard
   error. A window's level is Tukey's biweight with the series' noise as scale (the robust
   spread of commit-to-commit differences, floored by the commits' own confidence intervals
   where asv stored them): nearly as efficient as a mean, and a disturbed run gets no weight.
   At the tip of the history the after-window is shorter (down to ``MIN_SIZE`` commits), so a
   fresh step is seen as soon as ``MIN_SIZE`` commits sit at the new level.
2. **Locate.** Each local maximum of the scan above the threshold is moved to the split that best
   fits two constant levels (Huber loss) near it: the first commit at the new level.
3. **Confirm.** Every candidate is tested segment against segment (up to ``SEGMENT`` commits each
   side, bounded by its neighbours): first the robust z-score again (vectorised), then a
   Mann-Whitney U test on the raw samples where they are stored, on the per-commit values where
   not. The weakest candidate that fails is dropped and its neighbours re-tested, until all
   pass. The ratio's confidence interval is the Hodges-Lehmann interval of the same data.

Everything needed per series is a few vectorised passes over arrays of a few thousand values.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from statistics import NormalDist

WINDOW_BEFORE = 30
WINDOW_AFTER = 10
MIN_SIZE = 3
SEGMENT = 50
SAMPLE_COMMITS = 10
THRESHOLD = 3.25
NOISE_FLOOR = 0.002
BIWEIGHT_C = 4.685  # Tukey's biweight: 95 % efficient on Gaussian noise
LEVEL_STEPS = 5
HUBER_K = 1.5  # the two-level fit's loss
Z99 = NormalDist().inv_cdf(0.995)


@dataclasses.dataclass(frozen=True)
class Change:
    """A step between ``index - 1`` (last commit at the old level) and ``index`` (first at the new)."""

    index: int
    before: float
    after: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    z: float


@dataclasses.dataclass(frozen=True)
class _Noise:
    """The series' noise: ``scale`` of one commit (Huber's scale), ``se`` of one commit's level."""

    scale: float
    se: float


def detect_changes(
    values: Sequence[float],
    *,
    samples: Sequence[Sequence[float] | None] | None = None,
    ci_low: Sequence[float] | None = None,
    ci_high: Sequence[float] | None = None,
    alpha: float = 0.05,
    threshold: float = THRESHOLD,
    min_change: float = 0.0,
) -> list[Change]:
    """Every significant step of a series of per-commit values (in commit order).

    Missing values (NaN, non-positive) are ignored; returned indices refer to ``values``.
    ``samples`` are the raw samples per commit (or None), ``ci_low``/``ci_high`` asv's per-commit
    confidence interval. A change is kept when its robust z-score reaches ``threshold``, its
    segment test's p-value is below ``alpha`` and its relative size is at least ``min_change``.
    """
    values = np.asarray(values, dtype=float)
    keep = np.flatnonzero(np.isfinite(values) & (values > 0))
    y = np.log(values[keep])
    n = y.size
    if n < 2 * MIN_SIZE:
        return []
    sigma = _noise(y, _subset(ci_low, keep), _subset(ci_high, keep))
    noise = _Noise(scale=sigma, se=sigma * _level_se(y, sigma))
    if samples is None or keep.size == len(samples):
        raw = samples  # logged where tested
    else:
        raw = [samples[i] for i in keep]

    candidates = _scan(y, noise, threshold)
    candidates = _locate(y, noise.scale, candidates)
    changes = _confirm(y, noise, raw, candidates, alpha, threshold, min_change)
    return [dataclasses.replace(change, index=int(keep[change.index])) for change in changes]


def _subset(array, keep):
    return None if array is None else np.asarray(array, dtype=float)[keep]


def _log_samples(values) -> np.ndarray | None:
    if values is None:
        return None
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return np.log(values) if values.size else None


def _noise(y: np.ndarray, ci_low, ci_high) -> float:
    """Relative noise of one commit: MAD of differences, floored by the stored 99 % CIs."""
    diffs = np.diff(y)
    sigma = 1.4826 * np.median(np.abs(diffs - np.median(diffs))) / math.sqrt(2)
    if ci_low is not None and ci_high is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            width = np.log(ci_high) - np.log(ci_low)
        width = width[np.isfinite(width) & (width > 0)]
        if width.size:
            sigma = max(sigma, float(np.median(width)) / (2 * Z99))
    return max(float(sigma), NOISE_FLOOR)


def _level_se(y: np.ndarray, sigma: float) -> float:
    """Standard error of a one-commit level in units of ``sigma`` (sandwich estimate).

    About 1.03 on Gaussian noise; larger on heavy-tailed noise, where the weighted residuals
    still carry more spread than ``sigma`` says. Commit-to-commit differences stand in for
    residuals.
    """
    diffs = np.diff(y)
    u = (diffs - np.median(diffs)) / (sigma * math.sqrt(2) * BIWEIGHT_C)
    near = np.abs(u) < 1
    psi = np.where(near, u * (1 - u * u) ** 2, 0.0)
    slope = np.mean(np.where(near, (1 - u * u) * (1 - 5 * u * u), 0.0))
    if u.size == 0 or slope <= 0:
        return 1.0
    return max(1.0, float(BIWEIGHT_C * np.sqrt(np.mean(psi * psi)) / slope))


def _window_levels(y: np.ndarray, starts: np.ndarray, stops: np.ndarray, sigma: float) -> np.ndarray:
    """Robust level of ``y[start:stop]`` for each pair, vectorised (empty windows give NaN).

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
    inside = np.isfinite(windows)
    windows = np.where(inside, windows, 0.0)
    for _ in range(LEVEL_STEPS):
        u = (windows - level[:, None]) / (BIWEIGHT_C * sigma)
        weight = np.where(inside & (np.abs(u) < 1), (1 - u * u) ** 2, 0.0)
        total = weight.sum(axis=1)
        level = np.where(total > 0, (weight * windows).sum(axis=1) / np.where(total > 0, total, 1),
                         level)
    return np.where(lengths > 0, level, np.nan)


def _z_scores(y, noise, split, starts, stops):
    before = _window_levels(y, starts, split, noise.scale)
    after = _window_levels(y, split, stops, noise.scale)
    n_before, n_after = split - starts, stops - split
    se = noise.se * np.sqrt(1 / np.maximum(n_before, 1) + 1 / np.maximum(n_after, 1))
    return (after - before) / se, before, after


def _scan(y: np.ndarray, noise: _Noise, threshold: float) -> list[int]:
    """Splits whose windowed z-score peaks above the threshold, strongest first."""
    n = y.size
    split = np.arange(MIN_SIZE, n - MIN_SIZE + 1)
    z, _, _ = _z_scores(
        y, noise, split, np.maximum(split - WINDOW_BEFORE, 0), np.minimum(split + WINDOW_AFTER, n)
    )
    strength = np.abs(z)
    above = strength >= threshold
    if not above.any():
        return []
    # A peak is the strongest split within half an after-window on each side.
    half = WINDOW_AFTER // 2
    padded = np.pad(strength, half, constant_values=-np.inf)
    local_max = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)
    peaks = np.flatnonzero(above & (strength >= local_max))
    peaks = peaks[np.argsort(-strength[peaks], kind="stable")]
    return [int(split[p]) for p in peaks]


def _locate(y: np.ndarray, sigma: float, candidates: list[int]) -> list[int]:
    """Move each candidate to the best two-level split near it (first commit at the new level).

    The fit minimises Huber's loss (scale: the series' noise) of two constant levels. The scan's
    peak can sit up to half a before-window after the true step (the before-window's level
    moves slowly as new-level commits enter it), so the fit looks that far back.
    """
    located: set[int] = set()
    n = y.size
    for split in candidates:
        neighbours = sorted(located)
        left = max([c for c in neighbours if c <= split - MIN_SIZE] + [max(split - WINDOW_BEFORE, 0)])
        right = min([c for c in neighbours if c >= split + MIN_SIZE] + [min(split + WINDOW_AFTER, n)])
        tries = np.arange(max(left + MIN_SIZE, split - WINDOW_BEFORE // 2),
                          min(right - MIN_SIZE, split + WINDOW_AFTER // 2) + 1)
        if tries.size == 0:
            continue
        lefts, rights = np.full(tries.size, left), np.full(tries.size, right)
        old = _window_levels(y, lefts, tries, sigma)
        new = _window_levels(y, tries, rights, sigma)
        segment = y[left:right]
        level = np.where(np.arange(left, right)[None, :] < tries[:, None], old[:, None], new[:, None])
        costs = _huber_loss((segment[None, :] - level) / sigma).sum(axis=1)
        best = int(tries[int(np.argmin(costs))])
        if all(abs(best - other) >= MIN_SIZE for other in located):
            located.add(best)
    return sorted(located)


def _huber_loss(r: np.ndarray) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= HUBER_K, 0.5 * r * r, HUBER_K * (a - 0.5 * HUBER_K))


def _confirm(y, noise, raw, splits, alpha, threshold, min_change) -> list[Change]:
    """Drop the weakest failing candidate until every split passes its segment test."""
    splits = list(splits)
    while splits:
        splits = _strong_enough(y, noise, splits, threshold)
        tests = [_segment_test(y, noise, raw, splits, i, alpha) for i in range(len(splits))]
        failing = [
            (abs(t.z), i) for i, t in enumerate(tests)
            if t.p_value >= alpha or abs(math.log(t.ratio)) < math.log1p(min_change)
        ]
        if not failing:
            return tests
        splits.pop(min(failing)[1])
    return []


def _strong_enough(y, noise, splits, threshold) -> list[int]:
    """The z-score part of the confirmation, vectorised: cheap, so it runs first."""
    splits = list(splits)
    while splits:
        split, starts, stops = _segments(splits, y.size)
        strength = np.abs(_z_scores(y, noise, split, starts, stops)[0])
        if (strength >= threshold).all():
            break
        splits.pop(int(np.argmin(strength)))
    return splits


def _segments(splits, n):
    """Each split with its segments: up to ``SEGMENT`` commits each side, bounded by neighbours."""
    split = np.asarray(splits)
    previous = np.r_[0, split[:-1]]
    following = np.r_[split[1:], n]
    return split, np.maximum(previous, split - SEGMENT), np.minimum(following, split + SEGMENT)


def _segment_test(y, noise, raw, splits, i, alpha) -> Change:
    split, starts, stops = (a[i:i + 1] for a in _segments(splits, y.size))
    z = _z_scores(y, noise, split, starts, stops)[0]
    split, start, stop = int(split[0]), int(starts[0]), int(stops[0])
    # Reported levels are the segments' medians: they do not depend on the estimated noise.
    before, after = np.median(y[start:split]), np.median(y[split:stop])
    old, new = _segment_data(y, raw, start, split, stop)
    p_value = _mann_whitney_p(new, old)
    shift_low, shift_high = _hodges_lehmann_interval(old, new, alpha)
    return Change(
        index=split,
        before=float(np.exp(before)),
        after=float(np.exp(after)),
        ratio=float(np.exp(after - before)),
        ci_low=float(np.exp(shift_low)),
        ci_high=float(np.exp(shift_high)),
        p_value=p_value,
        z=float(z[0]),
    )


def _segment_data(y, raw, start, split, stop) -> tuple[np.ndarray, np.ndarray]:
    """Raw samples of the commits nearest the split when stored on both sides, else the values."""
    if raw is not None:
        old = [s for s in map(_log_samples, raw[max(start, split - SAMPLE_COMMITS):split]) if s is not None]
        new = [s for s in map(_log_samples, raw[split:min(stop, split + SAMPLE_COMMITS)]) if s is not None]
        if len(old) >= MIN_SIZE and len(new) >= MIN_SIZE:
            return np.concatenate(old), np.concatenate(new)
    return y[start:split], y[split:stop]


def _mann_whitney_p(x: np.ndarray, y: np.ndarray) -> float:
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


def _hodges_lehmann_interval(old: np.ndarray, new: np.ndarray, alpha: float) -> tuple[float, float]:
    """Distribution-free confidence interval of the shift ``new - old`` (Mann-Whitney inversion)."""
    differences = np.sort((new[:, None] - old[None, :]).ravel())
    m, k = new.size, old.size
    spread = math.sqrt(m * k * (m + k + 1) / 12)
    rank = int(math.floor(m * k / 2 - NormalDist().inv_cdf(1 - alpha / 2) * spread))
    rank = min(max(rank, 0), differences.size - 1)
    return float(differences[rank]), float(differences[differences.size - 1 - rank])


__all__ = ["Change", "detect_changes"]
