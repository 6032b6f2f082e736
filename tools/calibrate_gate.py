"""Calibrate the gate on the real suite: false alarms on identical code, power on planted shifts.

Record (``--record K``): K separate real gate runs (``ttsbench.track.rounds.measure_pair``) of
one commit against itself (identical code; default HEAD, tier 1, the gate's rounds), each kept
under ``--dir``/run-NN with its wall time and the 1-minute load averages sampled while it ran.

Replay (always, over every run under ``--dir``): each recorded run is one A/A gate run. Planted
shifts multiply every HEAD round's samples and stored value by 1.02, 1.05, 1.10 or 1.20. Every
pair goes through compare's own decision, :func:`ttsbench.track.compare.compare_commits` (the
function ``ttsbench compare`` and ``ttsbench gate`` call; no copy of it here), and, beside it,
asv's rule on the same data (``asv compare``: all rounds' samples pooled per side, p < 0.002
from ``asv._stats.is_different`` and a ratio beyond 1.1). Prints false alarms per row and per
gate run, and power per shift and per benchmark.

    .venv/bin/python tools/calibrate_gate.py --dir DIR [--record K] [--rounds N] [--bench REGEX]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from asv import _stats as asv_stats
from asv_runner.statistics import compute_stats

from ttsbench.track.compare import compare_commits, exceeds
from ttsbench.track.config import load_config
from ttsbench.track import gitrepo
from ttsbench.track.gate import gate_frame
from ttsbench.track.protocol import Protocol
from ttsbench.track.rounds import load_rounds, measure_pair

ROOT = Path(__file__).resolve().parents[1]
SHIFTS = (0.02, 0.05, 0.10, 0.20)
ASV_FACTOR = 1.1
LOAD_EVERY_S = 5.0


class LoadSampler(threading.Thread):
    """Samples the 1-minute load average every few seconds until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0 if not self.samples else LOAD_EVERY_S):
            self.samples.append(os.getloadavg()[0])


def record(directory: Path, runs: int, commit: str, protocol: Protocol) -> None:
    """K gate runs of ``commit`` against itself, each under ``directory``/run-NN."""
    start = 1 + len(list(directory.glob("run-*")))
    for index in range(start, start + runs):
        workdir = directory / f"run-{index:02d}"
        sampler = LoadSampler()
        sampler.start()
        began = time.monotonic()
        measure_pair(commit, commit, asv_config=ROOT / "asv.conf.json", workdir=workdir, protocol=protocol)
        wall = time.monotonic() - began
        sampler.stopped.set()
        meta = {"commit": commit, "rounds": protocol.rounds, "bench": protocol.bench,
                "wall_s": round(wall, 1), "load": sampler.samples}
        (workdir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        print(f"run-{index:02d}: {wall:.0f} s, load average median {np.median(sampler.samples):.1f} "
              f"(max {max(sampler.samples):.1f})", flush=True)


def asv_rule(measured: pd.DataFrame) -> dict[tuple[str, str], str]:
    """asv compare's call per case on the same rounds pooled per side, as asv would store them."""
    calls = {}
    ok = measured[measured["status"] == "ok"]
    for key, case in ok.groupby(["benchmark", "param_key"]):
        pooled = [[x for s in case.loc[case["side"] == side, "samples"] if s for x in s] for side in ("base", "head")]
        if min(map(len, pooled)) < 2:
            continue
        base, head = pooled
        ratio = np.median(head) / np.median(base)
        stats = [compute_stats(list(side), 1)[1] for side in pooled]
        different = asv_stats.is_different(base, head, *stats)
        calls[key] = ("regression" if ratio > ASV_FACTOR else "improvement" if ratio < 1 / ASV_FACTOR
                      else "unchanged") if different else "unchanged"
    return calls


def shifted(measured: pd.DataFrame, factor: float) -> pd.DataFrame:
    """HEAD's rounds with every sample and stored value multiplied by ``factor``."""
    out = measured.copy()
    head = out["side"] == "head"
    out.loc[head, "value"] = out.loc[head, "value"] * factor
    out.loc[head, "samples"] = out.loc[head, "samples"].map(lambda s: [x * factor for x in s] if s else s)
    return out


def crossed(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """BASE's rounds of one recorded run against HEAD's rounds of another (not interleaved)."""
    return pd.concat([first[first["side"] == "base"], second[second["side"] == "head"]], ignore_index=True)


def cross_run_alarms(runs: list[pd.DataFrame], config, fail_on: str) -> tuple[int, int, int]:
    """(rows changed, rows, gates failed) over the pairs of consecutive recorded runs."""
    changed = total = failed = 0
    for first, second in zip(runs, runs[1:]):
        rows = compare_commits(gate_frame(crossed(first, second)), "BASE", "HEAD", config=config)
        measured = [r for r in rows if r.method is not None]
        changed += sum(r.kind != "unchanged" for r in measured)
        total += len(measured)
        failed += bool(exceeds(rows, fail_on))
    return changed, total, failed


def replay(directory: Path, fail_on: str) -> None:
    """Print the A/A and planted-shift tables over every recorded run under ``directory``."""
    config = load_config(ROOT)
    runs = sorted(p for p in directory.glob("run-*") if (p / "meta.json").is_file())
    if not runs:
        raise SystemExit(f"no finished recorded runs under {directory}; record some with --record K")
    records, recorded = [], []
    for run in runs:
        measured = load_rounds(run)
        recorded.append(measured)
        meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
        for shift in (0.0, *SHIFTS):
            data = shifted(measured, 1 + shift) if shift else measured
            rows = compare_commits(gate_frame(data), "BASE", "HEAD", config=config)
            failing = {(r.benchmark, r.param_key) for r in exceeds(rows, fail_on)}
            asv = asv_rule(data)
            for r in rows:
                if r.method is None:
                    continue
                key = (r.benchmark, r.param_key)
                records.append({"run": run.name, "shift": shift, "case": f"{r.benchmark}({r.param_key})",
                                "kind": r.kind, "gate_fails": bool(failing), "mde": r.mde,
                                "asv": asv.get(key, "unchanged"), "wall_s": meta["wall_s"],
                                "load": float(np.median(meta["load"]))})
    table = pd.DataFrame(records)
    aa = table[table["shift"] == 0]
    print(f"{len(runs)} recorded gate runs of identical code ({meta['rounds']} rounds a side, {meta['bench']}); "
          f"fail_on {fail_on}, alpha {config.alpha:g}, noise floor {config.noise_floor:g}")
    print("\nA/A gate runs (verdict, rows called changed, wall time, median 1-min load average):")
    for run, group in aa.groupby("run"):
        changed = group[group["kind"] != "unchanged"]
        print(f"  {run}: {'FAIL' if group['gate_fails'].any() else 'pass'}, {len(changed)} of {len(group)} rows changed "
              f"{sorted(changed['case'])[:3]}, {group['wall_s'].iloc[0]:.0f} s, load {group['load'].iloc[0]:.1f}; "
              f"asv's rule: {(group['asv'] != 'unchanged').sum()} rows")
    print(f"\nA/A: {np.mean(aa['kind'] != 'unchanged'):.2%} of {len(aa)} rows called changed "
          f"(asv's rule {np.mean(aa['asv'] != 'unchanged'):.2%}); "
          f"{aa.groupby('run')['gate_fails'].any().sum()} of {len(runs)} gate runs failed")
    changed, total, failed = cross_run_alarms(recorded, config, fail_on)
    print(f"Cross-run A/A (BASE rounds of run i against HEAD rounds of run i+1, minutes apart, not "
          f"interleaved): {changed} of {total} rows changed, {failed} of {len(recorded) - 1} gates failed")
    print("\n| planted shift | ttsbench gate: rows found (regression) | gate runs failed | asv's rule: rows found |")
    print("|---|---|---|---|")
    for shift, group in table.groupby("shift"):
        found = group["kind"] == ("regression" if shift else "unchanged")
        print(f"| {shift:+.0%} | {np.mean(group['kind'] == 'regression'):.1%} | "
              f"{group.groupby('run')['gate_fails'].any().mean():.0%} | {np.mean(group['asv'] == 'regression'):.1%} |"
              if shift else f"| none (A/A) | {np.mean(~found):.2%} changed | {group.groupby('run')['gate_fails'].any().mean():.0%} | "
              f"{np.mean(group['asv'] != 'unchanged'):.2%} changed |")
    per_case = table.pivot_table(index="case", columns="shift", values="kind",
                                 aggfunc=lambda k: np.mean(k == "regression"))
    per_case["aa_changed"] = aa.groupby("case")["kind"].agg(lambda k: np.mean(k != "unchanged"))
    per_case["mde"] = aa.groupby("case")["mde"].median()
    print("\nPer benchmark case: A/A rows changed, power (share of runs found) per shift, median MDE")
    print(per_case.sort_values("mde").to_string(float_format=lambda v: f"{v:.2f}"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="where the recorded gate runs live")
    parser.add_argument("--record", type=int, default=0, metavar="K", help="record K more gate runs first")
    parser.add_argument("--commit", default="HEAD", help="the commit measured against itself")
    parser.add_argument("--rounds", type=int, default=Protocol.rounds)
    parser.add_argument("--bench", default=Protocol.bench)
    parser.add_argument("--fail-on", default="medium", help="severity a gate run fails on (default: %(default)s)")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.record:
        commit = gitrepo.full_hash(gitrepo.require_repo(ROOT), args.commit)
        if commit is None:
            parser.error(f"--commit {args.commit!r} is not a revision of {ROOT}")
        record(args.dir, args.record, commit, Protocol(rounds=args.rounds, bench=args.bench))
    replay(args.dir, args.fail_on)
    return 0


if __name__ == "__main__":
    sys.exit(main())
