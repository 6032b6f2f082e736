"""Confirm a detected change by re-measuring: the commit against the one before it.

:func:`measure` is the PR gate's protocol and decision
(:func:`ttsbench.track.gate.measure_and_compare`: independent asv rounds per side, compared as
clusters); :func:`verdicts` turns its rows into one verdict per change: ``confirmed`` when the
gate sees a change of the same kind (regression or improvement) in the same benchmark and
parameters, ``refuted`` when it sees none or the opposite, nothing when the case was not
measured. A build failure is not a verdict: :class:`BuildFailed`.
"""

from __future__ import annotations

from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.track.compare import MEASURED_KINDS
from ttsbench.track.protocol import Protocol


class BuildFailed(TtsbenchError):
    """A side of the re-measurement did not build: nothing is confirmed or refuted."""


def measure(parent: str, commit: str, *, asv_config: Path, workdir: Path, config,
            protocol: Protocol, results_dir: Path | None, progress=None) -> list:
    """The gate's comparison rows of ``commit`` against ``parent`` (the one switch point)."""
    from ttsbench.track.gate import measure_and_compare

    try:
        return measure_and_compare(parent, commit, asv_config=asv_config, workdir=workdir,
                                   config=config, protocol=protocol, results_dir=results_dir,
                                   progress=progress).rows
    except TtsbenchError as exc:
        if "failed to build" in str(exc):
            raise BuildFailed(f"could not confirm: failed to build ({exc})") from None
        raise


def bench_regex(changes) -> str:
    """asv's ``--bench`` regex for exactly the benchmarks of ``changes``."""
    import re

    names = sorted({c.benchmark for c in changes})
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def verdicts(changes, rows, *, parent: str, machine: str, rounds: int) -> list[dict]:
    """One stored verdict per change whose case the gate measured (see the module docstring)."""
    by_case = {(r.benchmark, r.param_key): r for r in rows if r.kind in MEASURED_KINDS}
    found = []
    for change in changes:
        row = by_case.get((change.benchmark, change.param_key))
        if row is None:
            continue
        found.append({
            "benchmark": change.benchmark, "param_key": change.param_key, "commit": change.commit,
            "parent": parent, "kind": change.kind,
            "status": "confirmed" if row.kind == change.kind else "refuted",
            "measured_kind": row.kind, "ratio": _number(row.ratio),
            "ci_low": _number(row.ratio_ci_low), "ci_high": _number(row.ratio_ci_high),
            "p_value": _number(row.p_value), "machine": machine, "rounds": rounds,
        })
    return found


def _number(value: float) -> float | None:
    return None if value != value else float(value)  # NaN -> None (JSON)


__all__ = ["BuildFailed", "bench_regex", "measure", "verdicts"]
