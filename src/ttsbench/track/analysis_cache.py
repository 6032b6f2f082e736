"""The changes found per series, cached in ``<cache_dir>/history.json``.

Each series is keyed by a digest of its content. An unchanged series is not analysed again; a
series that only gained commits at its end is re-analysed over its last ``REANALYSE`` commits
only (the detector looks at most ``WINDOW_BEFORE + SEGMENT`` commits away from a change),
keeping the changes found before. A cache that cannot be written is one warning.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ttsbench.files import write_atomic
from ttsbench.track import changepoints
from ttsbench.track.changepoints import Change, detect_changes
from ttsbench.track.config import TrackerConfig

CACHE_FILE = "history.json"
CACHE_FORMAT = 2
CONTEXT = changepoints.WINDOW_BEFORE + changepoints.SEGMENT
REANALYSE = 2 * CONTEXT


def detect(series, config: TrackerConfig, start: int = 0) -> list[Change]:
    """The detector on ``series`` from commit ``start`` on, as ``ttsbench history`` runs it."""
    found = detect_changes(
        series.values[start:],
        samples=None if series.samples is None else series.samples[start:],
        ci_low=series.ci_low[start:], ci_high=series.ci_high[start:],
        alpha=config.alpha, min_change=config.noise_floor,
    )
    return [dataclasses.replace(c, index=c.index + start) for c in found]


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

    def changes(self, series) -> list[Change]:
        entry = self.entries.get(series.ident)
        n = len(series.commits)
        full = series.digest()
        if entry is not None and entry["digest"] == full:
            return [Change(**c) for c in entry["changes"]]
        old_n = entry["length"] if entry is not None else 0
        if entry is not None and old_n < n and series.digest(old_n) == entry["digest"]:
            keep_below = old_n - CONTEXT
            start = max(0, old_n - REANALYSE)
            kept = [Change(**c) for c in entry["changes"] if c["index"] < keep_below]
            fresh = [c for c in detect(series, self.config, start) if c.index >= keep_below]
            found = kept + fresh
        else:
            found = detect(series, self.config)
        self.entries[series.ident] = {
            "digest": full, "length": n, "changes": [dataclasses.asdict(c) for c in found],
        }
        self.dirty = True
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
