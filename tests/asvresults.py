"""Write asv results dirs with known truth, in the JSON format asv 0.6 writes (results v2).

``bench(values, samples=..., params=...)`` describes one benchmark of one result file; stats
(99 % CI, quartiles) are computed from the samples by asv_runner's own ``compute_stats``, as
asv does. ``write_result(results_dir, machine, commit, {name: bench(...)}, date=...)`` writes
``<machine>/<hash8>-<env>.json`` (and machine.json); ``write_benchmarks`` writes benchmarks.json.
"""

from __future__ import annotations

import math
from pathlib import Path

from asv import util
from asv_runner.statistics import compute_stats

ENV = "virtualenv-py3.11"
RESULT_COLUMNS = [
    "result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
    "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile",
]


def bench(values, *, samples=None, params=(), version="v1", keep_samples=True, stats=True):
    """One benchmark entry: ``values`` per parameter combination (None failed, NaN skipped)."""
    return {"values": values, "samples": samples, "params": [list(p) for p in params],
            "version": version, "keep_samples": keep_samples, "stats": stats}


def _columns(entry) -> list:
    values, samples = entry["values"], entry["samples"]
    if values is None:
        return [None, entry["params"], entry["version"], 0, 0.1]
    stats = []
    for i, value in enumerate(values):
        run = samples[i] if samples else None
        if run and entry["stats"]:
            _, computed = compute_stats(run, 1)
            stats.append(computed)
        else:
            stats.append(None)
    row = [values, entry["params"], entry["version"], 1_700_000_000_000, 1.0]
    for key in ("ci_99_a", "ci_99_b", "q_25", "q_75", "number", "repeat"):
        column = [s[key] if s else None for s in stats]
        row.append(column if any(c is not None for c in column) else None)
    if samples and entry["keep_samples"]:
        row.append(samples)
    return row


def write_machine(results_dir, machine: str) -> None:
    folder = Path(results_dir) / machine
    folder.mkdir(parents=True, exist_ok=True)
    util.write_json(str(folder / "machine.json"), {"machine": machine, "arch": "x86_64"}, 1)


def write_result(results_dir, machine: str, commit: str, entries: dict, *, date: int,
                 env: str = ENV) -> Path:
    """Write one result file; ``date`` is asv's JS timestamp (ms)."""
    write_machine(results_dir, machine)
    data = {
        "commit_hash": commit, "env_name": env, "date": date,
        "params": {"machine": machine, "python": "3.11"}, "python": "3.11",
        "requirements": {}, "env_vars": {}, "result_columns": RESULT_COLUMNS,
        "results": {name: _columns(entry) for name, entry in entries.items()}, "durations": {},
    }
    path = Path(results_dir) / machine / f"{commit[:8]}-{env}.json"
    util.write_json(str(path), data, 2)
    return path


def write_benchmarks(results_dir, specs: dict) -> None:
    """benchmarks.json from {name: dict(unit=..., version=..., param_names=..., params=...)}."""
    data = {}
    for name, spec in specs.items():
        kind = name.rsplit(".", 1)[-1].split("_", 1)[0]
        data[name] = {"name": name, "type": kind, "unit": spec.get("unit", "seconds"),
                      "version": spec.get("version", "v1"), "param_names": spec.get("param_names", []),
                      "params": spec.get("params", []), "number": 0, "repeat": 0}
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    util.write_json(str(Path(results_dir) / "benchmarks.json"), data, 2)


NAN = math.nan
