"""Severity of a change by its relative size, and which direction of a benchmark is better."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from ttsbench.track.config import DEFAULT_SEVERITY, SEVERITY_NAMES

# A rate: "tokens/s", "frames/sec", "x realtime", "items per second", "Hz".
RATE_UNIT = re.compile(r"(/\s*s(ec(ond)?s?)?\b|per\s+s(ec(ond)?)?\b|realtime|real-time|\bhz\b)", re.IGNORECASE)


def classify(ratio_change: float, thresholds: Mapping[str, float] = DEFAULT_SEVERITY) -> str:
    """Severity class of a relative change (0.2 = 20 %, sign ignored), by its lower bounds."""
    if ratio_change is None or math.isnan(ratio_change):
        raise ValueError("severity of an unknown change is undefined")
    size = abs(ratio_change)
    found = SEVERITY_NAMES[0]
    for name in SEVERITY_NAMES:
        if size >= thresholds.get(name, DEFAULT_SEVERITY[name]):
            found = name
    return found


def at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` ranks at or above ``threshold``."""
    return SEVERITY_NAMES.index(severity) >= SEVERITY_NAMES.index(threshold)


def is_higher_better(benchmark: str, unit: str | None, patterns: Iterable[str] = ()) -> bool:
    """Larger is better for rates (unit per second, x realtime) and names matching ``patterns``."""
    if unit and RATE_UNIT.search(unit):
        return True
    return any(re.search(pattern, benchmark) for pattern in patterns)
