"""The tracker's settings: the ``[tool.ttsbench]`` table of the nearest ``pyproject.toml``.

Keys (all optional; defaults below when the table or the file is absent):

* ``severity``: lower bounds of each severity class, as fractions of the base value
  (``{low = 0.0, medium = 0.05, high = 0.15, critical = 0.30}``).
* ``alpha``: false-discovery rate for Benjamini–Hochberg across one comparison's benchmarks.
* ``noise_floor``: relative change below which a statistically significant difference is
  still reported as unchanged (run-to-run drift of a shared machine; see docs/statistics.md).
* ``min_effect``: smallest |Cliff's delta| that counts as a change.
* ``run_noise_k``: a change must also exceed this many times the series' run-to-run spread
  (estimated from the other commits of the same machine, env, benchmark and parameters).
* ``run_noise_history``: fewest other commits needed to estimate that spread; with fewer the
  rule falls back to the within-run tests and says so in the row.
* ``no_stats_factor``: ratio asv's rule uses when a result has neither samples nor a CI.
* ``fail_on``: default severity at or above which ``ttsbench compare`` exits 1.
* ``higher_is_better``: regexes of benchmark names whose larger values are better (besides
  every benchmark whose unit is a rate).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import tomllib

from ttsbench.errors import TtsbenchError

SEVERITY_NAMES = ("low", "medium", "high", "critical")
# Choices and limits the CLI shows before it imports scipy (one home; the library imports them).
OUTLIER_RULES = ("iqr", "z", "modified_z")  # ttsbench.track.stats.remove_outliers' rules
DEFAULT_MAX_RUNS = 40  # most benchmark runs of one ``ttsbench bisect``
DEFAULT_SEVERITY = MappingProxyType({"low": 0.0, "medium": 0.05, "high": 0.15, "critical": 0.30})


@dataclasses.dataclass(frozen=True)
class TrackerConfig:
    """Settings of the statistics layer (see the module docstring for each key)."""

    severity: Mapping[str, float] = dataclasses.field(default_factory=lambda: DEFAULT_SEVERITY)
    alpha: float = 0.05
    noise_floor: float = 0.03
    min_effect: float = 0.2
    run_noise_k: float = 3.0
    run_noise_history: int = 6
    no_stats_factor: float = 1.1
    fail_on: str = "medium"
    higher_is_better: tuple[str, ...] = ()
    source: Path | None = None


def find_pyproject(start: Path | str | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str | None = None) -> TrackerConfig:
    """Read ``[tool.ttsbench]`` from ``path`` (a pyproject.toml or a folder) or the nearest one."""
    if path is not None and Path(path).is_dir():
        path = find_pyproject(path)
    elif path is None:
        path = find_pyproject()
    if path is None:
        return TrackerConfig()
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("ttsbench", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TtsbenchError(f"cannot read {path}: {exc}; fix the file or pass another one") from None
    return _from_table(table, path)


def _from_table(table: dict, path: Path) -> TrackerConfig:
    defaults = TrackerConfig()
    severity = dict(DEFAULT_SEVERITY)
    severity.update(table.get("severity", {}))
    unknown = set(severity) - set(SEVERITY_NAMES)
    bounds = [severity[name] for name in SEVERITY_NAMES if name in severity]
    if unknown or bounds != sorted(bounds) or not all(isinstance(b, (int, float)) for b in bounds):
        raise TtsbenchError(
            f"[tool.ttsbench] severity in {path} must map {', '.join(SEVERITY_NAMES)} to "
            f"increasing fractions; got {table.get('severity')}"
        )
    fail_on = table.get("fail_on", defaults.fail_on)
    if fail_on not in SEVERITY_NAMES:
        raise TtsbenchError(
            f"[tool.ttsbench] fail_on in {path} is {fail_on!r}; use one of {', '.join(SEVERITY_NAMES)}"
        )
    numbers = {}
    for key in ("alpha", "noise_floor", "min_effect", "run_noise_k", "no_stats_factor"):
        value = table.get(key, getattr(defaults, key))
        if not isinstance(value, (int, float)) or value < 0:
            raise TtsbenchError(f"[tool.ttsbench] {key} in {path} must be a non-negative number")
        numbers[key] = float(value)
    history = table.get("run_noise_history", defaults.run_noise_history)
    if not isinstance(history, int) or isinstance(history, bool) or history < 3:
        raise TtsbenchError(f"[tool.ttsbench] run_noise_history in {path} must be an integer of at least 3")
    patterns = table.get("higher_is_better", [])
    if isinstance(patterns, str):
        patterns = [patterns]
    return TrackerConfig(
        severity=MappingProxyType({k: float(v) for k, v in severity.items()}),
        fail_on=fail_on,
        higher_is_better=tuple(patterns),
        source=path,
        run_noise_history=history,
        **numbers,
    )
