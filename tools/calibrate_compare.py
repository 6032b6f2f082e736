"""Calibrate ``ttsbench compare`` on this machine: false alarms on A/A pairs, power on shifts.

Source of the samples: real asv runs. By default the script builds the tiny torch-free project
of ``tests/asvproject.py`` in a temporary git repo with ``--runs`` commits of identical code and
runs ``asv run --record-samples`` on all of them, so every benchmark has one sample vector per
independent run (own process, own moment of machine load). ``--results DIR`` uses an existing
asv results dir instead (every benchmark with samples in at least two result files).

Trials: a pair of two *different* runs of the same benchmark, each resampled with replacement to
its original size (keeps the run-to-run drift of a shared machine, which resampling one pool would
hide). A/A: the pair as is. Power: HEAD's samples multiplied by 1 + shift (2, 5, 10 %).
A trial is an alarm when the rule calls a change (either direction) for A/A, and a detection when
it calls a regression for a shifted pair. Rules: ttsbench's (``[tool.ttsbench]`` settings, BH over
the benchmarks of one trial round), the same after ``--remove-outliers iqr``, and asv's (``asv compare``: p < 0.002 from its U test
(``asv._stats.is_different``) and ratio beyond the factor 1.1).

    .venv/bin/python tools/calibrate_compare.py [--runs 6] [--trials 150] [--results DIR | --keep DIR] [--alpha A] [--noise-floor F]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from asv import _stats as asv_stats
from asv_runner.statistics import compute_stats

from ttsbench.track.compare import CompareRow, decide
from ttsbench.track.config import load_config
from ttsbench.track.loader import load_results
from ttsbench.track.stats import adjust_pvalues, compare_samples, remove_outliers

ROOT = Path(__file__).resolve().parents[1]
SHIFTS = (0.0, 0.02, 0.05, 0.10)
ASV_FACTOR = 1.1


def record_runs(workdir: Path, runs: int) -> Path:
    """Run asv on ``runs`` identical commits of the tiny project; return its results dir."""
    sys.path.insert(0, str(ROOT / "tests"))
    from asvproject import make_asv_project, run_benchmarks

    project = make_asv_project(workdir, factors=[1.0] * runs)
    run_benchmarks(project)
    return project.results_dir


def sample_sets(results_dir: Path) -> dict[str, list[np.ndarray]]:
    """{benchmark(params): [samples of run 1, samples of run 2, ...]} for benchmarks with samples."""
    frame = load_results(results_dir)
    frame = frame[frame["samples"].notna()]
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


def ttsbench_flags(pairs, config, outlier_rule=None) -> list[tuple[bool, bool]]:
    """(changed, regressed) per pair by ttsbench's rule, BH across the pairs of one round."""
    rows = []
    for base, head in pairs:
        if outlier_rule:
            base, head = remove_outliers(base, outlier_rule), remove_outliers(head, outlier_rule)
        result = compare_samples(base, head, confidence=1 - config.alpha)
        row = CompareRow("b", {}, "", "m", "e", "seconds", False, "unchanged", comparison=result)
        for name in ("ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "method"):
            setattr(row, name, getattr(result, name))
        row.effect_size = result.cliffs_delta
        rows.append(row)
    for row, adjusted in zip(rows, adjust_pvalues([r.p_value for r in rows])):
        row.p_adjusted = adjusted
        decide(row, config, config.alpha)
    return [(r.kind != "unchanged", r.kind == "regression") for r in rows]


def calibrate(sets: dict[str, list[np.ndarray]], trials: int, seed: int, config) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = sorted(sets)
    records = []
    for shift in SHIFTS:
        for _ in range(trials):
            pairs = []
            for name in names:
                i, j = rng.choice(len(sets[name]), size=2, replace=False)
                base = rng.choice(sets[name][i], size=len(sets[name][i]))
                head = rng.choice(sets[name][j], size=len(sets[name][j])) * (1 + shift)
                pairs.append((base, head))
            ours = ttsbench_flags(pairs, config)
            trimmed = ttsbench_flags(pairs, config, outlier_rule="iqr")
            for name, (base, head), mine, cut in zip(names, pairs, ours, trimmed):
                theirs = asv_flags(base, head)
                pick = 1 if shift else 0  # regressions for shifted pairs, any change for A/A
                records.append({"shift": shift, "benchmark": name, "n": len(base),
                                "ttsbench": mine[pick], "ttsbench_iqr": cut[pick], "asv": theirs[pick]})
    return pd.DataFrame(records)


def table(records: pd.DataFrame) -> str:
    rates = records.groupby("shift")[["ttsbench", "ttsbench_iqr", "asv"]].mean()
    header = ("| injected change | measure | ttsbench compare | ttsbench --remove-outliers iqr "
              "| asv rule (1.1 + U test) | trials |")
    lines = [header, "|---|---|---|---|---|---|"]
    for shift, row in rates.iterrows():
        measure = "false alarms (A/A)" if shift == 0 else "power (regression found)"
        count = int((records["shift"] == shift).sum())
        lines.append(f"| {'none' if shift == 0 else f'+{shift:.0%}'} | {measure} | "
                     f"{row['ttsbench']:.1%} | {row['ttsbench_iqr']:.1%} | {row['asv']:.1%} | {count} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="identical commits to run asv on")
    parser.add_argument("--trials", type=int, default=150, help="rounds per injected shift")
    parser.add_argument("--results", type=Path, help="use this asv results dir instead of recording")
    parser.add_argument("--keep", type=Path, help="copy the recorded results dir here for re-analysis")
    parser.add_argument("--alpha", type=float, help="override [tool.ttsbench] alpha")
    parser.add_argument("--noise-floor", type=float, help="override [tool.ttsbench] noise_floor")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = load_config(ROOT / "pyproject.toml")
    overrides = {k: v for k, v in (("alpha", args.alpha), ("noise_floor", args.noise_floor)) if v is not None}
    config = dataclasses.replace(config, **overrides)
    with tempfile.TemporaryDirectory(prefix="ttsbench-calibrate-") as workdir:
        results_dir = args.results or record_runs(Path(workdir), args.runs)
        sets = sample_sets(results_dir)
        if args.keep and not args.results:
            shutil.copytree(results_dir, args.keep, dirs_exist_ok=True)
    if not sets:
        print(f"no benchmark with samples in two or more runs under {results_dir}", file=sys.stderr)
        return 2
    for name, runs in sets.items():
        medians = [np.median(r) for r in runs]
        print(f"{name}: {len(runs)} runs x {len(runs[0])} samples, run medians spread "
              f"{(max(medians) / min(medians) - 1):.1%}")
    records = calibrate(sets, args.trials, args.seed, config)
    print(f"\nrule: alpha={config.alpha} (BH), min |Cliff's delta|={config.min_effect}, "
          f"noise floor={config.noise_floor:.0%}; CI of the ratio must exclude 1\n")
    print(table(records))
    print("\nper benchmark (false alarms / power at +5%):")
    per = records.pivot_table(index="benchmark", columns="shift", values=["ttsbench", "ttsbench_iqr", "asv"])
    for name in per.index:
        print(f"  {name}: " + "; ".join(
            f"{rule} {per.loc[name, (rule, 0.0)]:.1%} / {per.loc[name, (rule, 0.05)]:.1%}"
            for rule in ("ttsbench", "ttsbench_iqr", "asv")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
