"""The changes found per series, cached in ``<cache_dir>/history.json``.

Each series is keyed by a digest of its content. An unchanged series is not analysed again; a
series that only gained commits at its end is re-analysed over its last ``REANALYSE`` commits
only (the detector looks at most ``WINDOW_BEFORE + SEGMENT`` commits away from a change),
with the noise of the whole series, keeping the changes found before. A cache that cannot be
written is one warning.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ttsbench.files import write_atomic
from ttsbench.track import changepoints, forked
from ttsbench.track.changepoints import Change, Measured, detect_changes_many, series_noises
from ttsbench.track.config import TrackerConfig

CACHE_FILE = "history.json"
CACHE_FORMAT = 2
CONTEXT = changepoints.WINDOW_BEFORE + changepoints.SEGMENT
REANALYSE = 2 * CONTEXT
BATCH = 100  # series per detector call
POINTS_PER_PROCESS = 20_000  # commits to scan, at least, for each extra process


def detect_many(items: list[tuple], config: TrackerConfig, progress=None) -> list[list[Change]]:
    """The detector on each (series, start): from commit ``start`` on, as ``ttsbench history``
    runs it, the series scanned together in batches; with much to scan, shares of the series
    go to other processes (:mod:`ttsbench.track.forked`). ``progress`` wraps the batches."""
    grown = [s for s, start in items if start]
    noises = iter(series_noises([Measured(s.values, None, s.ci_low, s.ci_high) for s in grown]))
    measured = [Measured(s.values[start:], None if s.samples is None else s.samples[start:].compact(),
                         s.ci_low[start:], s.ci_high[start:], next(noises) if start else None)
                for s, start in items]
    settings = {"alpha": config.alpha, "min_change": config.noise_floor}
    shares = forked.run_shares(
        len(measured), forked.shares(sum(len(m.values) for m in measured), POINTS_PER_PROCESS),
        lambda lo, hi: _detect(measured[lo:hi], settings, progress),
        lambda lo, hi: (_detect, measured[lo:hi], settings))
    found = [changes for share in shares for changes in share]
    return [[dataclasses.replace(c, index=c.index + start) for c in changes]
            for (_, start), changes in zip(items, found)]


def _detect(measured: list[Measured], settings: dict, progress=None) -> list[list[Change]]:
    batches = [measured[k:k + BATCH] for k in range(0, len(measured), BATCH)]
    found: list = []
    for batch in progress(batches) if progress else batches:
        found += detect_changes_many(batch, **settings)
    return found


class AnalysisCache:
    """Changes per series, keyed by the series' content digest (see the module docstring)."""

    def __init__(self, folder: Path | None, config: TrackerConfig):
        self.path = None if folder is None else Path(folder) / CACHE_FILE
        self.config = config
        self.settings = [CACHE_FORMAT, changepoints.THRESHOLD, config.alpha, config.noise_floor]
        self.entries: dict = {}
        self.dirty = False
        self.warnings: list[str] = []
        if self.path is not None and self.path.is_file():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}
            if stored.get("settings") == self.settings:
                self.entries = stored.get("series", {})

    def changes(self, series: list, progress=None) -> list[list[Change]]:
        """The changes of each series: unchanged ones from the cache, grown ones re-analysed
        over their end, the rest in full; what needs the detector runs in batches.
        ``progress`` wraps the batches of series that need it."""
        found: list = [None] * len(series)
        todo = []
        for i, one in enumerate(series):
            entry = self.entries.get(one.ident)
            n = len(one.commits)
            old_n = entry["length"] if entry is not None else 0
            prefix, full = one.digests(old_n, n) if 0 < old_n < n else (None, one.digest())
            if entry is not None and entry["digest"] == full:
                found[i] = [Change(**c) for c in entry["changes"]]
            elif prefix is not None and prefix == entry["digest"]:
                kept = [Change(**c) for c in entry["changes"] if c["index"] < old_n - CONTEXT]
                todo.append((i, max(0, old_n - REANALYSE), old_n - CONTEXT, kept, full))
            else:
                todo.append((i, 0, 0, [], full))
        detected = detect_many([(series[i], start) for i, start, *_ in todo], self.config, progress)
        for (i, _, keep_below, kept, full), fresh in zip(todo, detected):
            found[i] = kept + [c for c in fresh if c.index >= keep_below]
            self.entries[series[i].ident] = {
                "digest": full, "length": len(series[i].commits),
                "changes": [dataclasses.asdict(c) for c in found[i]],
            }
        self.dirty = self.dirty or bool(todo)
        return found

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        payload = json.dumps({"settings": self.settings, "series": self.entries})
        try:
            write_atomic(self.path, payload)
        except OSError as exc:
            self.warnings.append(f"cache {self.path.parent} not written ({exc.strerror or exc}); "
                                 "pass --cache DIR to a writable folder")
