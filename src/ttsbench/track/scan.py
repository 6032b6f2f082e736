"""The change-point detector's first stage, the windowed scan, for many series at once.

For every commit ``t`` of a series the robust level (:func:`~ttsbench.track.levels.window_levels`)
of the ``WINDOW_AFTER`` commits from ``t`` on is compared with that of the ``WINDOW_BEFORE``
commits before it, in units of its standard error; local maxima above the threshold are the
candidates (:mod:`ttsbench.track.changepoints` locates and confirms them). The series of a
history are scanned together, their windows stacked into one set of array operations: after one
new commit every series is re-scanned over its last few hundred commits, and one pass over all
of them costs what a handful of per-series passes would.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ttsbench.track.levels import window_levels

WINDOW_BEFORE = 30
WINDOW_AFTER = 10
MIN_SIZE = 3
MAX_SPLITS = 50_000  # splits scanned in one pass (about 12 MB per temporary array)


@dataclasses.dataclass(frozen=True)
class Noise:
    """A series' noise: ``scale`` of one commit (robust), ``se`` of one commit's level."""

    scale: float | np.ndarray
    se: float | np.ndarray


def z_scores(y, noise: Noise, split, starts, stops):
    """Robust z-score of the step at each ``split`` between ``y[starts:split]`` and
    ``y[split:stops]``, with both levels (``noise`` may hold one value per split)."""
    before = window_levels(y, starts, split, noise.scale)
    after = window_levels(y, split, stops, noise.scale)
    n_before, n_after = split - starts, stops - split
    se = noise.se * np.sqrt(1 / np.maximum(n_before, 1) + 1 / np.maximum(n_after, 1))
    return (after - before) / se, before, after


def scan(series: list[tuple[np.ndarray, Noise]], threshold: float) -> list[list[int]]:
    """Per series (log values ``y`` and their noise), the splits whose windowed z-score peaks
    above ``threshold``, strongest first; series shorter than ``2 * MIN_SIZE`` have none."""
    found: list[list[int]] = [[] for _ in series]
    batch: list[int] = []
    splits = 0

    def flush():
        for j, peaks in zip(batch, _scan_batch([series[j] for j in batch], threshold)):
            found[j] = peaks

    for i, (y, _) in enumerate(series):
        size = y.size - 2 * MIN_SIZE + 1
        if size <= 0:
            continue
        if batch and splits + size > MAX_SPLITS:
            flush()
            batch, splits = [], 0
        batch.append(i)
        splits += size
    if batch:
        flush()
    return found


def _scan_batch(series, threshold) -> list[list[int]]:
    sizes = np.array([y.size for y, _ in series], np.int64)
    counts = sizes - 2 * MIN_SIZE + 1
    owner = np.repeat(np.arange(len(series)), counts)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    split = MIN_SIZE + np.arange(owner.size) - first[owner]
    offset = np.r_[0, np.cumsum(sizes)[:-1]][owner]
    noise = Noise(scale=np.array([n.scale for _, n in series])[owner],
                  se=np.array([n.se for _, n in series])[owner])
    z, _, _ = z_scores(np.concatenate([y for y, _ in series]), noise, offset + split,
                       offset + np.maximum(split - WINDOW_BEFORE, 0),
                       offset + np.minimum(split + WINDOW_AFTER, sizes[owner]))
    strength = np.abs(z)
    above = strength >= threshold
    if not above.any():
        return [[] for _ in series]
    # A peak is the strongest split within half an after-window on each side (of its series:
    # each series sits between -inf paddings).
    half = WINDOW_AFTER // 2
    place = np.arange(owner.size) + half * (2 * owner + 1)
    padded = np.full(owner.size + 2 * half * len(series), -np.inf)
    padded[place] = strength
    local_max = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)[place - half]
    peaks = np.flatnonzero(above & (strength >= local_max))
    found: list[list[int]] = [[] for _ in series]
    for j in np.unique(owner[peaks]).tolist():
        mine = peaks[owner[peaks] == j]
        mine = mine[np.argsort(-strength[mine], kind="stable")]
        found[j] = split[mine].tolist()
    return found


__all__ = ["MIN_SIZE", "Noise", "WINDOW_AFTER", "WINDOW_BEFORE", "scan", "z_scores"]
