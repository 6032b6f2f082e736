"""What a bisection measures and how many runs it may spend (see :mod:`ttsbench.track.bisect`).

A :class:`Measurements` source runs the benchmarks at one commit and returns the samples of
each series; :class:`Runs` runs *blocks* (each commit of a comparison once, back to back)
through it and stops the bisection at ``--max-runs``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Protocol

from ttsbench.errors import TtsbenchError
from ttsbench.track.series import series_name


@dataclasses.dataclass(frozen=True)
class SeriesKey:
    """One benchmark result series: benchmark name, parameter combination, asv environment."""

    benchmark: str
    param_key: str
    env: str

    @property
    def label(self) -> str:
        return f"{series_name(self.benchmark, self.param_key)} [{self.env}]"


@dataclasses.dataclass(frozen=True)
class Observed:
    """The samples of one run in one series, and which direction of them is better."""

    samples: tuple[float, ...]
    higher_is_better: bool
    unit: str = ""


class Measurements(Protocol):
    """Where samples come from."""

    def measure(self, commit: str) -> dict[SeriesKey, Observed]:
        """Run the benchmarks once at ``commit``; the samples this run added, by series (none
        when the commit failed to build or run)."""
        ...


Block = dict[str, dict[SeriesKey, Observed]]


class RunBudgetExhausted(TtsbenchError):
    """The bisection needed more benchmark runs than ``--max-runs`` allows."""


class Runs:
    """Runs blocks through the source, counts runs and enforces the budget."""

    def __init__(self, source: Measurements, max_runs: int, log: Callable[[str], None]):
        self.source, self.max_runs, self.log = source, max_runs, log
        self.total = 0
        self.where = ""

    def block(self, labels: dict[str, str], why: str, required=(), series=None) -> Block | None:
        """One run of each commit (``labels``' keys, in order). A commit fails when its run has
        no samples (of ``series``, when given): an error for a ``required`` one, else None."""
        block: Block = {}
        for commit, label in labels.items():
            if self.total >= self.max_runs:
                raise RunBudgetExhausted(
                    f"stopped after {self.total} benchmark runs (--max-runs){self.where}; "
                    "raise --max-runs or narrow GOOD..BAD"
                )
            self.total += 1
            block[commit] = self.source.measure(commit)
            self.log(f"run {self.total:>2}: {commit[:10]} {label:<6}{why}")
            if not block[commit] or (series is not None and series not in block[commit]):
                if commit in required:
                    raise TtsbenchError(
                        f"commit {commit[:10]} failed to build or run the benchmarks it is "
                        "compared on (an endpoint of the search); see asv's output above"
                    )
                return None
        return block



__all__ = ["Block", "Measurements", "Observed", "RunBudgetExhausted", "Runs", "SeriesKey"]
