"""Compare change-point detectors on steps injected into real and CI-runner noise (docs/history.md).

Methods: ttsbench's detector (``ttsbench.track.changepoints``), asv's own ``step_detect`` (the L1
piecewise-constant fit ``asv publish`` uses, weighted by the stored CIs as asv publish does),
MongoDB's E-divisive (``signal-processing-algorithms``, what Apache Otava builds on; skipped when
not importable) and ruptures' PELT (L2 cost, BIC penalty).

Scenarios:

* ``blas``: the shared BLAS-Benchmarks series themselves (no samples; commits ordered by stored
  date), with a step multiplied in at a random commit;
* ``real``: series of 200 commits block-bootstrapped from one real series' residuals (log value
  minus a centred running median), step at commit 100;
* ``real x3%``: the same residuals rescaled to a 3 % robust spread (asv's slow case);
* ``CI runner``: 200 commits of hosted-runner noise (``history_fixtures.ci_runner_series``): 10
  raw samples per commit, run-to-run drift 2-3 %, 2 % of runs disturbed by +20 %, asv's CIs.

Per method and scenario: recall (a change of the right sign within 3 commits of the step, found
with at most ``max_delay`` commits after it: 3 for 10 % steps, 10 for 5 % steps), mean detection
delay, the first bad commit exact (full series, among steps found), false alarms per 1000 commits
per series on step-free series of 500 commits, and seconds for one 2000-commit series. For the
CI runner also: fixed regressions reported (a 10 % regression undone 10-40 commits later; for
ttsbench its ``fixed_by`` names the fix, for the others both steps are found).

    .venv/bin/python tools/eval_changepoints.py [--trials 100] [--scenario "CI runner"] [--json out.json]

Install the E-divisive package beside the project (its numpy<2 pin is stale; it runs on numpy 2):
``.venv/bin/pip install --no-deps --target /tmp/spa signal-processing-algorithms structlog
more-itertools`` then run with ``PYTHONPATH=/tmp/spa``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from history_fixtures import RunnerSeries, ci_runner_series  # noqa: E402
from shared_data import blas_results, missing_reason  # noqa: E402 (tools/, beside this script)
from ttsbench.track.changepoints import detect_changes  # noqa: E402
from ttsbench.track.config import load_config  # noqa: E402
from ttsbench.track.history import fixed_by_index  # noqa: E402
from ttsbench.track.loader import load_results  # noqa: E402

BLAS_RESULTS = blas_results()
SCENARIOS = ("blas", "real", "real x3%", "CI runner")
TOLERANCE = 3
BLOCK = 5
RESIDUAL_WINDOW = 9
CONFIG = load_config()


def ours_changes(data: RunnerSeries):
    """The detector as ``ttsbench history`` runs it: alpha and noise floor from [tool.ttsbench]."""
    return detect_changes(data.values, samples=data.samples, ci_low=data.ci_low,
                          ci_high=data.ci_high, alpha=CONFIG.alpha, min_change=CONFIG.noise_floor)


def ours(data):
    return [(c.index, np.sign(math.log(c.ratio))) for c in ours_changes(data)]


def asv_step_detect(data):
    from asv.step_detect import detect_steps

    weights = None if data.ci_low is None else list(2 / np.abs(data.ci_high - data.ci_low))
    steps = detect_steps(list(data.values), weights)
    return [(right[0], np.sign(right[2] - left[2])) for left, right in zip(steps, steps[1:])]


def e_divisive(data):
    from signal_processing_algorithms.energy_statistics.energy_statistics import e_divisive as ed

    points = sorted(ed(np.asarray(data.values, float), pvalue=0.05, permutations=100))
    return _with_signs(data.values, points)


def ruptures_pelt(data):
    import ruptures

    y = np.log(data.values)
    sigma = _robust_sigma(y)
    ends = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(y).predict(
        pen=2 * sigma**2 * math.log(len(y))
    )
    return _with_signs(data.values, ends[:-1])


def _with_signs(values, points):
    y = np.log(values)
    bounds = [0, *points, len(y)]
    return [
        (p, np.sign(np.median(y[p:bounds[i + 2]]) - np.median(y[bounds[i]:p])))
        for i, p in enumerate(points)
    ]


def methods() -> dict:
    found = {"ttsbench": ours, "asv step_detect": asv_step_detect}
    try:
        import signal_processing_algorithms  # noqa: F401

        found["E-divisive (MongoDB)"] = e_divisive
    except ImportError:
        print("signal-processing-algorithms not importable: E-divisive skipped", file=sys.stderr)
    found["ruptures PELT L2+BIC"] = ruptures_pelt
    return found


def _robust_sigma(y):
    d = np.diff(y)
    return max(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2), 1e-6)


def real_series(results_dir: Path) -> list[np.ndarray]:
    """Every BLAS series (machine x benchmark x params) with 30+ commits, in stored-date order."""
    frame = load_results(results_dir)
    frame = frame[frame["status"] == "ok"].sort_values("order")
    series = []
    for _, group in frame.groupby(["machine", "env", "benchmark", "param_key"]):
        values = group["value"].to_numpy(float)
        values = values[np.isfinite(values) & (values > 0)]
        if values.size >= 30:
            series.append(values)
    return series


def residuals(values: np.ndarray) -> np.ndarray:
    y = np.log(values)
    padded = np.pad(y, RESIDUAL_WINDOW // 2, mode="edge")
    trend = np.median(np.lib.stride_tricks.sliding_window_view(padded, RESIDUAL_WINDOW), axis=1)
    return y - trend


def bootstrap(pool: np.ndarray, length: int, rng, scale_to: float | None) -> np.ndarray:
    starts = rng.integers(0, pool.size - BLOCK, size=length // BLOCK + 1)
    noise = np.concatenate([pool[s:s + BLOCK] for s in starts])[:length]
    if scale_to is not None:
        noise = noise * scale_to / _robust_sigma(noise)
    return np.exp(noise)


def delay_trial(method, data, position, sign, max_delay):
    """Commits after the step the method needs to report it (None when not within max_delay)."""
    for delay in range(1, max_delay + 1):
        found = method(data.head(position + delay))
        if any(abs(i - position) <= TOLERANCE and s == sign for i, s in found):
            return delay
    return None


def exact_trial(method, data, position, sign):
    found = [(i, s) for i, s in method(data) if abs(i - position) <= TOLERANCE and s == sign]
    return None if not found else any(i == position for i, _ in found)


def scenario_series(name, real, pools, rng, factor, length=200, position=100):
    """(series with the step ``factor`` from ``position`` on, position) for one trial."""
    if name == "CI runner":
        return ci_runner_series(rng, length, [(position, factor)]), position
    if name == "blas":
        values = real[rng.integers(len(real))].copy()
        position = int(rng.integers(15, values.size - 10))
    else:
        values = bootstrap(pools[rng.integers(len(pools))], length, rng,
                           0.03 if name == "real x3%" else None)
    values[position:] *= factor
    return RunnerSeries(values), position


def evaluate(trials: int, seed: int, scenarios, only=None) -> dict:
    rng = np.random.default_rng(seed)
    needs_blas = bool(set(scenarios) - {"CI runner"})
    if needs_blas and not BLAS_RESULTS.is_dir():
        sys.exit(f"eval_changepoints: {missing_reason(BLAS_RESULTS)}")
    real = real_series(BLAS_RESULTS) if needs_blas else []
    pools = [residuals(v) for v in real]
    table = {}
    for method_name, method in methods().items():
        if only and method_name not in only:
            continue
        started = time.perf_counter()
        row = {}
        for scenario in scenarios:
            for step, max_delay in ((0.10, 3), (0.05, 10)):
                trial_rng = np.random.default_rng([seed, int(step * 100), len(scenario)])
                delays, exact = [], []
                for _ in range(trials):
                    sign = trial_rng.choice([-1.0, 1.0])
                    factor = (1 + step) if sign > 0 else 1 / (1 + step)
                    data, position = scenario_series(scenario, real, pools, trial_rng, factor)
                    delays.append(delay_trial(method, data, position, sign, max_delay))
                    exact.append(exact_trial(method, data.head(position + 30), position, sign))
                hits = [d for d in delays if d is not None]
                located = [e for e in exact if e is not None]
                row[f"{scenario} {int(step * 100)}%"] = {
                    "recall": len(hits) / trials,
                    "mean_delay": float(np.mean(hits)) if hits else None,
                    "exact": float(np.mean(located)) if located else None,
                }
        row["false_alarms_per_1000"] = {
            scenario: false_alarms(method, scenario, pools, rng) for scenario in scenarios
            if scenario != "blas"
        }
        if "CI runner" in scenarios:
            row["fixed_reported"] = fixed_trials(method, trials, np.random.default_rng([seed, 7]))
        long_series = ci_runner_series(rng, 2000)
        tick = time.perf_counter()
        method(long_series)
        row["seconds_2000_commits"] = time.perf_counter() - tick
        row["evaluation_seconds"] = time.perf_counter() - started
        table[method_name] = row
        print(f"{method_name}: done in {row['evaluation_seconds']:.0f} s", file=sys.stderr)
    return table


def fixed_trials(method, trials, rng) -> float:
    """Share of CI-runner regressions (+10 %, undone 10-40 commits later) reported as fixed."""
    fixed = 0
    for _ in range(trials):
        start, fix = 100, 100 + int(rng.integers(10, 41))
        data = ci_runner_series(rng, fix + 30, [(start, 1.1), (fix, 1 / 1.1)])
        if method is ours:
            changes = ours_changes(data)
            fixes = [fixed_by_index(changes, k) for k, c in enumerate(changes)
                     if abs(c.index - start) <= TOLERANCE and c.ratio > 1]
            fixed += any(f is not None and abs(f - fix) <= TOLERANCE for f in fixes)
        else:
            found = method(data)
            fixed += all(any(abs(i - p) <= TOLERANCE and s == sign for i, s in found)
                         for p, sign in ((start, 1), (fix, -1)))
    return fixed / trials


def false_alarms(method, scenario, pools, rng, series=40, length=500) -> float:
    alarms = 0
    for k in range(series):
        if scenario == "CI runner":
            data = ci_runner_series(rng, length)
        else:
            data = RunnerSeries(bootstrap(pools[k % len(pools)], length, rng,
                                          0.03 if scenario == "real x3%" else None))
        alarms += len(method(data))
    return 1000 * alarms / (series * length)


def print_table(table: dict) -> None:
    first = next(iter(table.values()))
    cells = [k for k in first if k.endswith("%") and isinstance(first[k], dict)]
    print("| method | scenario | recall | mean delay | first bad commit exact |")
    print("|---|---|---|---|---|")
    for name, row in table.items():
        for scenario in cells:
            cell = row[scenario]
            delay = "-" if cell["mean_delay"] is None else f"{cell['mean_delay']:.1f}"
            exact = "-" if cell["exact"] is None else f"{cell['exact']:.0%}"
            print(f"| {name} | {scenario} | {cell['recall']:.0%} | {delay} | {exact} |")
    print()
    noises = list(first["false_alarms_per_1000"])
    fixed = "fixed_reported" in first
    print("| method | " + " | ".join(f"false alarms / 1000 commits ({n})" for n in noises)
          + (" | fixed regressions reported (CI runner)" if fixed else "")
          + " | s per 2000-commit series |")
    print("|---|" + "---|" * (len(noises) + fixed + 1))
    for name, row in table.items():
        fa = row["false_alarms_per_1000"]
        print(f"| {name} | " + " | ".join(f"{fa[n]:.2f}" for n in noises)
              + (f" | {row['fixed_reported']:.0%}" if fixed else "")
              + f" | {row['seconds_2000_commits']:.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100, help="trials per scenario and step size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="only this scenario (repeatable; default: all)")
    parser.add_argument("--method", action="append", help="only this method (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args()
    table = evaluate(args.trials, args.seed, args.scenario or SCENARIOS, args.method)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
