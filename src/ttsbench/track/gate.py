"""The PR gate as a Python API: measure two commits with the rounds protocol, decide with compare.

:func:`measure_and_compare` is what ``ttsbench gate BASE HEAD`` runs and what ``ttsbench confirm``
re-runs on a commit and its parent: :func:`ttsbench.track.rounds.measure_pair` records
``protocol.rounds`` independent asv rounds per side, interleaved, into a work dir; the rounds
become one frame whose commits are labelled ``BASE`` and ``HEAD`` (so BASE may equal HEAD: an
A/A check), joined with the stored history of the same machine (the run-to-run spread of
condition 5, when ``results_dir`` holds one); and :func:`ttsbench.track.compare.compare_commits`,
the one decision of compare, rounds-aware, turns it into rows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from ttsbench.errors import TtsbenchError
from ttsbench.track.compare import MEASURED_KINDS, CompareRow, compare_commits
from ttsbench.track.config import TrackerConfig
from ttsbench.track.loader import load_results
from ttsbench.track.protocol import Protocol
from ttsbench.track.rounds import measure_pair

LABELS = {"base": "BASE", "head": "HEAD"}


@dataclasses.dataclass
class GateResult:
    """What one gate run measured and decided."""

    base: str
    head: str
    rows: list[CompareRow]
    frame: pd.DataFrame  # the measured rounds, one row per side, round and case
    workdir: Path
    wall_s: float


def gate_frame(measured: pd.DataFrame, history: pd.DataFrame | None = None,
               exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """``measured`` with commits relabelled BASE/HEAD, plus ``history``'s other commits."""
    frame = measured.assign(commit=measured["side"].map(LABELS))
    if history is None or history.empty:
        return frame
    others = history[~history["commit"].isin(exclude)].assign(round=float("nan"))
    return pd.concat([frame, others], ignore_index=True)


def load_history(results_dir: Path | str | None, machine: str) -> pd.DataFrame | None:
    """The stored results of ``machine`` (main's history), or None when there are none."""
    if results_dir is None or not (Path(results_dir) / machine).is_dir():
        return None
    try:
        return load_results(results_dir, machine=machine)
    except TtsbenchError:
        return None


class BuildFailed(TtsbenchError):
    """A side measured nothing (its commit failed to build or to import the suite): no comparison.

    ``side`` ("base" or "head"), ``commit`` (its full hash), ``reason`` (what the rounds showed)
    and ``log`` (asv's output) say which and where to look.
    """

    def __init__(self, message: str, *, side: str, commit: str, reason: str, log: Path):
        super().__init__(message)
        self.side, self.commit, self.reason, self.log = side, commit, reason, log


def _require_builds(measured: pd.DataFrame, base: str, head: str, workdir: Path) -> None:
    for side, commit in (("base", base), ("head", head)):
        statuses = measured.loc[measured["side"] == side, "status"]
        if statuses.empty or (statuses == "failed").all():
            reason = "asv recorded no results" if statuses.empty else "every benchmark failed"
            log = workdir / "asv.log"
            raise BuildFailed(
                f"measured nothing comparable between {base[:12]} and {head[:12]}: {side.upper()} "
                f"{commit[:12]} failed to build or to import the suite ({reason}); see {log}",
                side=side, commit=commit, reason=reason, log=log,
            )


def _require_measurement(rows: list[CompareRow], base: str, head: str, workdir: Path) -> None:
    if any(r.kind in MEASURED_KINDS for r in rows):
        return
    counts = pd.Series([r.kind for r in rows]).value_counts().to_dict() if rows else {}
    raise TtsbenchError(
        f"measured nothing comparable between {base[:12]} and {head[:12]} "
        f"({', '.join(f'{n} {k}' for k, n in counts.items()) or 'no benchmarks'}); "
        f"check --bench and see {workdir / 'asv.log'}"
    )


def measure_and_compare(base: str, head: str, *, asv_config: Path | str, workdir: Path | str,
                        config: TrackerConfig, protocol: Protocol = Protocol(),
                        results_dir: Path | str | None = None, env: Mapping[str, str] | None = None,
                        progress: Callable[[str], None] | None = None) -> GateResult:
    """Measure full hashes ``base`` and ``head`` with ``protocol`` and compare them.

    Raises :class:`BuildFailed` when a side measured nothing (a commit failed to build or to
    import the suite), :class:`~ttsbench.errors.TtsbenchError` ("measured nothing comparable
    ...") when no case was measured on both sides otherwise. The rows' verdict is
    :func:`ttsbench.track.compare.exceeds` against a severity, as for ``ttsbench compare``.
    """
    began = time.monotonic()
    workdir = Path(workdir)
    measured = measure_pair(base, head, asv_config=asv_config, workdir=workdir, protocol=protocol,
                            env=env, progress=progress)
    _require_builds(measured, base, head, workdir)
    frame = gate_frame(measured, load_history(results_dir, protocol.machine), exclude=(base, head))
    rows = compare_commits(frame, "BASE", "HEAD", config=config)
    _require_measurement(rows, base, head, workdir)
    return GateResult(base, head, rows, measured, workdir, time.monotonic() - began)
