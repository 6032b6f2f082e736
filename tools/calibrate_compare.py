"""Calibrate ``ttsbench compare`` on this machine: false alarms on A/A pairs, power on shifts.

Source of the samples: real asv runs. By default the script builds the tiny torch-free project
of ``tests/asvproject.py`` in a temporary git repo with ``--runs`` commits of identical code and
runs ``asv run --record-samples`` on all of them, so every benchmark has one sample vector per
independent run (own process, own moment of machine load). ``--results DIR`` uses an existing
asv results dir instead (every benchmark with samples in at least two result files).

Trials: a pair of two *different* runs of the same benchmark, each resampled with replacement to
its original size (keeps the run-to-run drift of a shared machine, which resampling one pool would
hide). A/A: the pair as is. Power: HEAD's samples multiplied by 1 + shift (2, 5, 10 %). The other
runs of the benchmark are the pair's history: their medians, in run order, give the run-to-run
spread that ``ttsbench compare`` takes from the other commits of a results dir. A trial is an
alarm when a rule calls a change (either direction) for A/A, and a detection when it calls a
regression for a shifted pair. Rules: ttsbench's within-run tests alone (the rule before the
run-to-run floor; BH over the benchmarks of one trial round), ttsbench's full rule (the same plus
|log ratio| > ``run_noise_k`` x spread), and asv's (``asv compare``: p < 0.002 from its U test
(``asv._stats.is_different``) and ratio beyond the factor 1.1). A sweep over k shows the trade-off
that sets ``run_noise_k``. The 1-minute load average is sampled while asv records.

    .venv/bin/python tools/calibrate_compare.py [--runs 8] [--trials 150] [--results DIR | --keep DIR]
        [--alpha A] [--noise-floor F] [--run-noise-k K]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from asv import _stats as asv_stats
from asv_runner.statistics import compute_stats

from ttsbench.track.compare import CompareRow, decide
from ttsbench.track.config import load_config
from ttsbench.track.loader import load_results
from ttsbench.track.stats import adjust_pvalues, compare_samples, run_to_run_spread

ROOT = Path(__file__).resolve().parents[1]
SHIFTS = (0.0, 0.02, 0.05, 0.10)
K_SWEEP = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
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

    def summary(self) -> str:
        if not self.samples:
            return "not sampled"
        low, mid, high = np.percentile(self.samples, [0, 50, 100])
        return f"min {low:.1f}, median {mid:.1f}, max {high:.1f} ({len(self.samples)} samples, {os.cpu_count()} cores)"


def record_runs(workdir: Path, runs: int) -> Path:
    """Run asv on ``runs`` identical commits of the tiny project; return its results dir."""
    sys.path.insert(0, str(ROOT / "tests"))
    from asvproject import make_asv_project, run_benchmarks

    project = make_asv_project(workdir, factors=[1.0] * runs)
    run_benchmarks(project)
    return project.results_dir


def sample_sets(results_dir: Path) -> dict[str, list[np.ndarray]]:
    """{benchmark(params): [samples of run 1, run 2, ... in commit order]} for benchmarks with samples."""
    frame = load_results(results_dir)
    frame = frame[frame["samples"].notna()].sort_values("order")
    sets = {}
    for (name, key), group in frame.groupby(["benchmark", "param_key"]):
        runs = [np.asarray(s) for s in group["samples"] if len(s) > 1]
        if len(runs) > 1:
            sets[f"{name}({key})" if key else name] = runs
    return sets


def asv_flags(base: np.ndarray, head: np.ndarray) -> tuple[bool, bool]:
    """(changed, regressed) by asv compare's rule."""
    ratio = np.median(head) / np.median(base)
    _, base_stats = compute_stats(list(base), 1)
    _, head_stats = compute_stats(list(head), 1)
    different = asv_stats.is_different(list(base), list(head), base_stats, head_stats)
    return different and (ratio > ASV_FACTOR or ratio < 1 / ASV_FACTOR), different and ratio > ASV_FACTOR


def history_spread(runs: list[np.ndarray], pair: tuple[int, int], config) -> float:
    """Run-to-run spread from the runs outside the pair, as compare takes it from other commits."""
    history = [np.median(run) for index, run in enumerate(runs) if index not in pair]
    return run_to_run_spread(history) if len(history) >= config.run_noise_history else np.nan


def ttsbench_rows(pairs, spreads, config) -> tuple[list[CompareRow], list[CompareRow]]:
    """Rows decided by the within-run rule alone and by the full rule, BH across one round."""
    within, full = [], []
    for (base, head), spread in zip(pairs, spreads):
        result = compare_samples(base, head, confidence=1 - config.alpha)
        row = CompareRow("b", {}, "", "m", "e", "seconds", False, "unchanged", comparison=result)
        for name in ("ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "method"):
            setattr(row, name, getattr(result, name))
        row.effect_size = result.cliffs_delta
        within.append(row)
        full.append(dataclasses.replace(row, run_spread=spread))
    for rows in (within, full):
        for row, adjusted in zip(rows, adjust_pvalues([r.p_value for r in rows])):
            row.p_adjusted = adjusted
            decide(row, config, config.alpha)
    return within, full


def calibrate(sets: dict[str, list[np.ndarray]], trials: int, seed: int, config) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = sorted(sets)
    records = []
    for shift in SHIFTS:
        pick = 1 if shift else 0  # regressions for shifted pairs, any change for A/A
        for _ in range(trials):
            pairs, spreads = [], []
            for name in names:
                i, j = rng.choice(len(sets[name]), size=2, replace=False)
                base = rng.choice(sets[name][i], size=len(sets[name][i]))
                head = rng.choice(sets[name][j], size=len(sets[name][j])) * (1 + shift)
                pairs.append((base, head))
                spreads.append(history_spread(sets[name], (i, j), config))
            within, full = ttsbench_rows(pairs, spreads, config)
            for name, (base, head), old, new, spread in zip(names, pairs, within, full, spreads):
                flags = {rule: (row.kind != "unchanged", row.kind == "regression")
                         for rule, row in (("within", old), ("full", new))}
                records.append({
                    "shift": shift, "benchmark": name, "n": len(base),
                    "within": flags["within"][pick], "full": flags["full"][pick],
                    "asv": asv_flags(base, head)[pick],
                    "log_ratio": abs(np.log(old.ratio)), "spread": spread,
                })
    return pd.DataFrame(records)


def table(records: pd.DataFrame, k: float) -> str:
    rates = records.groupby("shift")[["within", "full", "asv"]].mean()
    header = (f"| injected change | measure | ttsbench, within-run tests only (earlier rule) "
              f"| ttsbench + run-to-run floor (k = {k:g}) | asv rule (1.1 + U test) | trials |")
    lines = [header, "|---|---|---|---|---|---|"]
    for shift, row in rates.iterrows():
        measure = "false alarms (A/A)" if shift == 0 else "power (regression found)"
        count = int((records["shift"] == shift).sum())
        lines.append(f"| {'none' if shift == 0 else f'+{shift:.0%}'} | {measure} | "
                     f"{row['within']:.1%} | {row['full']:.1%} | {row['asv']:.1%} | {count} |")
    return "\n".join(lines)


def k_sweep(records: pd.DataFrame) -> str:
    """Rates of the full rule for other k: within-run call and |log ratio| > k x spread."""
    lines = ["| k | " + " | ".join("false alarms" if s == 0 else f"power +{s:.0%}" for s in SHIFTS) + " |",
             "|---|" + "---|" * len(SHIFTS)]
    known = np.isfinite(records["spread"])
    for k in K_SWEEP:
        beyond = ~known | (records["log_ratio"] > k * records["spread"])
        rates = (records["within"] & beyond).groupby(records["shift"]).mean()
        lines.append(f"| {k:g} | " + " | ".join(f"{rates[s]:.1%}" for s in SHIFTS) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="identical commits to run asv on")
    parser.add_argument("--trials", type=int, default=150, help="rounds per injected shift")
    parser.add_argument("--results", type=Path, help="use this asv results dir instead of recording")
    parser.add_argument("--keep", type=Path, help="copy the recorded results dir here for re-analysis")
    parser.add_argument("--alpha", type=float, help="override [tool.ttsbench] alpha")
    parser.add_argument("--noise-floor", type=float, help="override [tool.ttsbench] noise_floor")
    parser.add_argument("--run-noise-k", type=float, help="override [tool.ttsbench] run_noise_k")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = load_config(ROOT / "pyproject.toml")
    overrides = {k: v for k, v in (("alpha", args.alpha), ("noise_floor", args.noise_floor),
                                   ("run_noise_k", args.run_noise_k)) if v is not None}
    config = dataclasses.replace(config, **overrides)
    load = LoadSampler()
    with tempfile.TemporaryDirectory(prefix="ttsbench-calibrate-") as workdir:
        if args.results:
            results_dir = args.results
        else:
            load.start()
            results_dir = record_runs(Path(workdir), args.runs)
            load.stopped.set()
        sets = sample_sets(results_dir)
        if args.keep and not args.results:
            shutil.copytree(results_dir, args.keep, dirs_exist_ok=True)
    if not sets:
        print(f"no benchmark with samples in two or more runs under {results_dir}", file=sys.stderr)
        return 2
    print(f"load average (1 min) while asv recorded: {load.summary()}")
    for name, runs in sets.items():
        medians = [np.median(r) for r in runs]
        print(f"{name}: {len(runs)} runs x {len(runs[0])} samples, run medians spread "
              f"{(max(medians) / min(medians) - 1):.1%} (max/min - 1), run-to-run spread of "
              f"log medians {run_to_run_spread(medians):.1%}")
    if min(len(runs) for runs in sets.values()) - 2 < config.run_noise_history:
        print(f"warning: fewer than run_noise_history={config.run_noise_history} runs besides each "
              "pair: the full rule falls back to the within-run tests", file=sys.stderr)
    records = calibrate(sets, args.trials, args.seed, config)
    print(f"\nrule: alpha={config.alpha} (BH), min |Cliff's delta|={config.min_effect}, "
          f"noise floor={config.noise_floor:.0%}, CI of the ratio excludes 1; full rule also "
          f"|log ratio| > {config.run_noise_k:g} x run-to-run spread of the other runs\n")
    print(table(records, config.run_noise_k))
    print("\nfull rule for other k (run_noise_k):\n")
    print(k_sweep(records))
    print("\nper benchmark (false alarms / power at +5%):")
    per = records.pivot_table(index="benchmark", columns="shift", values=["within", "full", "asv"])
    for name in per.index:
        print(f"  {name}: " + "; ".join(
            f"{rule} {per.loc[name, (rule, 0.0)]:.1%} / {per.loc[name, (rule, 0.05)]:.1%}"
            for rule in ("within", "full", "asv")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
