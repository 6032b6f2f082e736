"""Confirm a detected change by re-measuring: the commit against the one before it.

:func:`measure` is the PR gate's protocol and decision
(:func:`ttsbench.track.gate.measure_and_compare`: independent asv rounds per side, compared as
clusters); :func:`verdicts` turns its rows into one verdict per change: ``confirmed`` when the
gate sees a change of the same kind (regression or improvement) in the same benchmark and
parameters, ``refuted`` when it sees the opposite, or none although its rounds could see a
change of the detected size (the row's MDE, 80 % power, is at most that size),
``inconclusive`` (not stored) when it sees none and could not have, nothing when the case was
not measured. A build failure is not a verdict: :class:`ttsbench.track.gate.BuildFailed`.
"""

from __future__ import annotations

import math
from pathlib import Path

from ttsbench.track.compare import MEASURED_KINDS
from ttsbench.track.protocol import Protocol


def measure(parent: str, commit: str, *, asv_config: Path, workdir: Path, config,
            protocol: Protocol, results_dir: Path | None, progress=None) -> list:
    """The gate's comparison rows of ``commit`` against ``parent`` (the one switch point);
    :class:`ttsbench.track.gate.BuildFailed` when either failed to build."""
    from ttsbench.track.gate import measure_and_compare

    return measure_and_compare(parent, commit, asv_config=asv_config, workdir=workdir,
                               config=config, protocol=protocol, results_dir=results_dir,
                               progress=progress).rows


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
            "status": _status(change, row),
            "measured_kind": row.kind, "ratio": _number(row.ratio),
            "ci_low": _number(row.ratio_ci_low), "ci_high": _number(row.ratio_ci_high),
            "p_value": _number(row.p_value), "mde": _number(row.mde), "machine": machine, "rounds": rounds,
        })
    return found


def _status(change, row) -> str:
    if row.kind == change.kind:
        return "confirmed"
    seen = math.isfinite(row.mde) and math.log1p(row.mde) <= abs(math.log(change.ratio))
    return "refuted" if row.kind != "unchanged" or seen else "inconclusive"


def _number(value: float) -> float | None:
    return None if value != value else float(value)  # NaN -> None (JSON)


__all__ = ["bench_regex", "measure", "verdicts"]
