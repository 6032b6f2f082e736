"""Change points of one benchmark series: robust window scan, then segment-against-segment tests.

The detector works on the logarithm of the per-commit values, so a step is a ratio and the noise
is relative. It runs in three stages (docs/history.md compares it with asv's ``step_detect`` and
E-divisive on injected steps in real and CI-runner noise):

1. **Scan** (:mod:`ttsbench.track.scan`, many series in one pass). For every commit ``t`` the
   level of the ``WINDOW_AFTER`` commits from ``t`` on is compared with the level of the
   ``WINDOW_BEFORE`` commits before it, in units of its standard error. A window's level is
   Tukey's biweight with the series' noise as scale (the robust spread of commit-to-commit
   differences, floored by the commits' own confidence intervals where asv stored them): nearly
   as efficient as a mean, and a disturbed run gets no weight.
   At the tip of the history the after-window is shorter (down to ``MIN_SIZE`` commits), so a
   fresh step is seen as soon as ``MIN_SIZE`` commits sit at the new level.
2. **Locate.** Each local maximum of the scan above the threshold is moved to the split that best
   fits two constant levels (Huber loss) near it: the first commit at the new level.
3. **Confirm.** After each candidate the end of its level is looked for from the other side
   (the scan's before-window never sees a level of under about 15 commits end: a regression
   fixed soon after). Every candidate is tested segment against segment (up to ``SEGMENT``
   commits each side, bounded by its neighbours): first the robust z-score again
   (vectorised), then a Mann-Whitney U test on the raw samples where they are stored, on the
   per-commit values where not. The weakest candidate that fails is dropped and its
   neighbours re-tested, until all pass. The ratio's confidence interval is the Hodges-Lehmann interval of the same data.

Everything needed per series is a few vectorised passes over arrays of a few thousand values.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple, Sequence

import numpy as np

from ttsbench.track.levels import level_ses, noise_scales
from ttsbench.track.locate import best_split, bonferroni_z
from ttsbench.track.rank_tests import hodges_lehmann_interval, mann_whitney_p
from ttsbench.track.scan import MIN_SIZE, WINDOW_AFTER, WINDOW_BEFORE, Noise, scan, z_scores

SEGMENT = 50
SAMPLE_COMMITS = 10
THRESHOLD = 3.25


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
    [changes] = detect_changes_many([Measured(values, samples, ci_low, ci_high)], alpha=alpha,
                                    threshold=threshold, min_change=min_change)
    return changes


class Measured(NamedTuple):
    """One series' per-commit values, raw samples and asv's CIs, as :func:`detect_changes` takes
    them; ``noise``: the series' :func:`series_noises` when these commits are the tail of a longer
    series (an incremental re-analysis then sees the noise a cold one sees)."""

    values: Sequence[float]
    samples: Sequence[Sequence[float] | None] | None = None
    ci_low: Sequence[float] | None = None
    ci_high: Sequence[float] | None = None
    noise: Noise | None = None


def series_noises(series: Sequence[Measured]) -> list[Noise]:
    """The noise of each series (robust, floored by asv's stored CIs; ``noise`` where given),
    computed together for the series with as many valid commits."""
    return _noises([_kept(one) for one in series], series)


def detect_changes_many(series: Sequence[Measured], *, alpha: float = 0.05,
                        threshold: float = THRESHOLD, min_change: float = 0.0) -> list[list[Change]]:
    """:func:`detect_changes` of each series, their scans done together (one pass for many)."""
    kept = [_kept(one) for one in series]
    prepared = [(keep, y, noise, _raw(one.samples, keep))
                for (keep, y), noise, one in zip(kept, _noises(kept, series), series)]
    candidates = scan([(y, noise) for _, y, noise, _ in prepared], threshold)
    found = []
    for (keep, y, noise, raw), splits in zip(prepared, candidates):
        changes = _confirm(y, noise, raw, _locate(y, noise.scale, splits), alpha, threshold,
                           min_change) if splits else []
        found.append([dataclasses.replace(c, index=int(keep[c.index])) for c in changes])
    return found


def _kept(series: Measured) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the valid commits, their log values) of one series."""
    values = np.asarray(series.values, dtype=float)
    keep = np.flatnonzero(np.isfinite(values) & (values > 0))
    return keep, np.log(values[keep])


def _noises(kept: list, series: Sequence[Measured]) -> list[Noise]:
    """Each series' given noise, else its own, computed in one pass per length and CI presence
    (unit noise under ``2 * MIN_SIZE`` valid commits: too few to estimate it)."""
    noises: list = [one.noise if y.size >= 2 * MIN_SIZE else Noise(scale=1.0, se=1.0)
                    for (_, y), one in zip(kept, series)]
    alike: dict[tuple[int, bool], list[int]] = {}
    for i, ((_, y), one) in enumerate(zip(kept, series)):
        if noises[i] is None:
            alike.setdefault((y.size, one.ci_low is not None and one.ci_high is not None), []).append(i)
    for (_, with_ci), members in alike.items():
        y = np.stack([kept[i][1] for i in members])
        bounds = [np.stack([_subset(getattr(series[i], name), kept[i][0]) for i in members])
                  for name in ("ci_low", "ci_high")] if with_ci else [None, None]
        sigma = noise_scales(y, *bounds)
        se = sigma * level_ses(y, sigma)
        for i, one_sigma, one_se in zip(members, sigma.tolist(), se.tolist()):
            noises[i] = Noise(scale=one_sigma, se=one_se)
    return noises


def _raw(samples, keep: np.ndarray):
    """The raw samples of the kept commits (None where none are stored)."""
    return samples if samples is None or keep.size == len(samples) else [samples[i] for i in keep]


def _subset(array, keep):
    return None if array is None else np.asarray(array, dtype=float)[keep]


def _log_samples(values) -> np.ndarray | None:
    if values is None:
        return None
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return np.log(values) if values.size else None


def _locate(y: np.ndarray, sigma: float, candidates: list[int]) -> list[int]:
    """Move each candidate to the best two-level split near it (first commit at the new level).

    The scan's peak can sit up to half a before-window after the true step (the before-window's
    level moves slowly as new-level commits enter it), so the fit looks that far back.
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
        best = best_split(y, sigma, left, right, tries)
        if all(abs(best - other) >= MIN_SIZE for other in located):
            located.add(best)
    return sorted(located)


def _confirm(y, noise, raw, splits, alpha, threshold, min_change) -> list[Change]:
    """Drop the weakest failing candidate (the ends of short levels added) until every split
    passes its segment test."""
    splits = _with_returns(y, noise, list(splits), threshold)
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


def _with_returns(y, noise, splits, threshold) -> list[int]:
    """The splits and, after each, the end of its level when the scan could not see it.

    The scan's before-window is 30 commits: a level that lasts fewer than about 15 commits (a
    regression fixed soon after) never outweighs the old level in it, so its end shows no step.
    Looking back instead (the ``WINDOW_AFTER`` commits before ``t``, from the split on, against
    the ``WINDOW_BEFORE`` from ``t``) sees it. The strongest such ``t`` within a segment after
    each split, if above the threshold Bonferroni-corrected for the commits searched, is located
    and added when the level lasted at least ``WINDOW_AFTER`` commits (shorter levels, blips of
    a few commits, stay noise: without these two rules false alarms on bootstrapped real noise
    rose from 0.06 to 0.66 per 1000 commits). :func:`_confirm` tests it as any candidate.
    """
    n = y.size
    found = []
    for i, split in enumerate(splits):
        stop = min(splits[i + 1] if i + 1 < len(splits) else n, split + SEGMENT)
        t = np.arange(split + WINDOW_AFTER, stop - MIN_SIZE + 1)
        if t.size == 0:
            continue
        z = np.abs(z_scores(y, noise, t, np.maximum(t - WINDOW_AFTER, split),
                             np.minimum(t + WINDOW_BEFORE, stop))[0])
        peak = int(t[int(np.argmax(z))])
        if z.max() < bonferroni_z(threshold, t.size):
            continue
        tries = np.arange(max(split + MIN_SIZE, peak - WINDOW_AFTER // 2),
                          min(stop - MIN_SIZE, peak + WINDOW_BEFORE // 2) + 1)
        end = best_split(y, noise.scale, split, stop, tries)
        if end >= split + WINDOW_AFTER:
            found.append(end)
    return sorted(set(splits) | set(found))


def _strong_enough(y, noise, splits, threshold) -> list[int]:
    """The z-score part of the confirmation, vectorised: cheap, so it runs first."""
    splits = list(splits)
    while splits:
        split, starts, stops = _segments(splits, y.size)
        strength = np.abs(z_scores(y, noise, split, starts, stops)[0])
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
    z = z_scores(y, noise, split, starts, stops)[0]
    split, start, stop = int(split[0]), int(starts[0]), int(stops[0])
    # Reported levels are the segments' medians: they do not depend on the estimated noise.
    before, after = np.median(y[start:split]), np.median(y[split:stop])
    old, new = _segment_data(y, raw, start, split, stop)
    p_value = mann_whitney_p(new, old)
    shift_low, shift_high = hodges_lehmann_interval(old, new, alpha)
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


__all__ = ["Change", "detect_changes"]
