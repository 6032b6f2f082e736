"""Compare change-point detectors on steps injected into real benchmark noise (docs/history.md).

Methods: ttsbench's detector (``ttsbench.track.changepoints``), asv's own ``step_detect`` (the L1
piecewise-constant fit ``asv publish`` uses), MongoDB's E-divisive (``signal-processing-algorithms``,
what Apache Otava builds on; skipped when not importable) and ruptures' PELT (L2 cost, BIC penalty).

Noise comes from the shared BLAS-Benchmarks history (no samples; commits ordered by stored date):

* ``blas``: the real series themselves, with a step multiplied in at a random commit;
* ``real``: series of 200 commits block-bootstrapped from one real series' residuals (log value
  minus a centred running median), step at commit 100;
* ``real x3%``: the same residuals rescaled to a 3 % robust spread (asv's slow case).

Per method and scenario: recall (a change of the right sign within 3 commits of the step, found
with at most ``max_delay`` commits after it: 3 for 10 % steps, 10 for 5 % steps), mean detection
delay, the first bad commit exact (full series, among steps found), false alarms per 1000 commits
per series on step-free bootstrapped series of 500 commits, and seconds for one 2000-commit series.

    .venv/bin/python tools/eval_changepoints.py [--trials 100] [--json out.json]

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

from ttsbench.track.changepoints import detect_changes
from ttsbench.track.config import load_config
from ttsbench.track.loader import load_results
from shared_data import blas_results, missing_reason  # tools/shared_data.py, beside this script

BLAS_RESULTS = blas_results()
TOLERANCE = 3
BLOCK = 5
RESIDUAL_WINDOW = 9
CONFIG = load_config()


def ours(values):
    """The detector as ``ttsbench history`` runs it: alpha and noise floor from [tool.ttsbench]."""
    changes = detect_changes(values, alpha=CONFIG.alpha, min_change=CONFIG.noise_floor)
    return [(c.index, np.sign(math.log(c.ratio))) for c in changes]


def asv_step_detect(values):
    from asv.step_detect import detect_steps

    steps = detect_steps(list(values))
    return [(right[0], np.sign(right[2] - left[2])) for left, right in zip(steps, steps[1:])]


def e_divisive(values):
    from signal_processing_algorithms.energy_statistics.energy_statistics import e_divisive as ed

    points = sorted(ed(np.asarray(values, float), pvalue=0.05, permutations=100))
    return _with_signs(values, points)


def ruptures_pelt(values):
    import ruptures

    y = np.log(values)
    sigma = _robust_sigma(y)
    ends = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(y).predict(
        pen=2 * sigma**2 * math.log(len(y))
    )
    return _with_signs(values, ends[:-1])


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


def delay_trial(method, values, position, sign, max_delay):
    """Commits after the step the method needs to report it (None when not within max_delay)."""
    for delay in range(1, max_delay + 1):
        found = method(values[: position + delay])
        if any(abs(i - position) <= TOLERANCE and s == sign for i, s in found):
            return delay
    return None


def exact_trial(method, values, position, sign):
    found = [(i, s) for i, s in method(values) if abs(i - position) <= TOLERANCE and s == sign]
    return None if not found else any(i == position for i, _ in found)


def scenario_series(name, real, pools, rng):
    """(values without step, step position) for one trial of a scenario."""
    if name == "blas":
        values = real[rng.integers(len(real))]
        return values.copy(), int(rng.integers(15, values.size - 10))
    pool = pools[rng.integers(len(pools))]
    return bootstrap(pool, 200, rng, 0.03 if name == "real x3%" else None), 100


def evaluate(trials: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    if not BLAS_RESULTS.is_dir():
        sys.exit(f"eval_changepoints: {missing_reason(BLAS_RESULTS)}")
    real = real_series(BLAS_RESULTS)
    pools = [residuals(v) for v in real]
    table = {}
    for method_name, method in methods().items():
        started = time.perf_counter()
        row = {}
        for scenario in ("blas", "real", "real x3%"):
            for step, max_delay in ((0.10, 3), (0.05, 10)):
                trial_rng = np.random.default_rng([seed, int(step * 100), len(scenario)])
                delays, exact = [], []
                for _ in range(trials):
                    values, position = scenario_series(scenario, real, pools, trial_rng)
                    sign = trial_rng.choice([-1.0, 1.0])
                    values[position:] *= (1 + step) if sign > 0 else 1 / (1 + step)
                    delays.append(delay_trial(method, values, position, sign, max_delay))
                    full = values[: position + 30]
                    exact.append(exact_trial(method, full, position, sign))
                hits = [d for d in delays if d is not None]
                located = [e for e in exact if e is not None]
                row[f"{scenario} {int(step * 100)}%"] = {
                    "recall": len(hits) / trials,
                    "mean_delay": float(np.mean(hits)) if hits else None,
                    "exact": float(np.mean(located)) if located else None,
                }
        row["false_alarms_per_1000"] = {
            scenario: false_alarms(method, pools, rng, scale)
            for scenario, scale in (("real", None), ("real x3%", 0.03))
        }
        long_series = bootstrap(pools[0], 2000, rng, None)
        tick = time.perf_counter()
        method(long_series)
        row["seconds_2000_commits"] = time.perf_counter() - tick
        row["evaluation_seconds"] = time.perf_counter() - started
        table[method_name] = row
        print(f"{method_name}: done in {row['evaluation_seconds']:.0f} s", file=sys.stderr)
    return table


def false_alarms(method, pools, rng, scale, series=40, length=500) -> float:
    alarms = 0
    for k in range(series):
        alarms += len(method(bootstrap(pools[k % len(pools)], length, rng, scale)))
    return 1000 * alarms / (series * length)


def print_table(table: dict) -> None:
    scenarios = [k for k in next(iter(table.values())) if "%" in k and k != "false_alarms_per_1000"]
    print("| method | scenario | recall | mean delay | first bad commit exact |")
    print("|---|---|---|---|---|")
    for name, row in table.items():
        for scenario in scenarios:
            cell = row[scenario]
            delay = "-" if cell["mean_delay"] is None else f"{cell['mean_delay']:.1f}"
            exact = "-" if cell["exact"] is None else f"{cell['exact']:.0%}"
            print(f"| {name} | {scenario} | {cell['recall']:.0%} | {delay} | {exact} |")
    print()
    print("| method | false alarms / 1000 commits (real noise) | (3% noise) | s per 2000-commit series |")
    print("|---|---|---|---|")
    for name, row in table.items():
        fa = row["false_alarms_per_1000"]
        print(f"| {name} | {fa['real']:.2f} | {fa['real x3%']:.2f} | {row['seconds_2000_commits']:.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100, help="trials per scenario and step size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args()
    table = evaluate(args.trials, args.seed)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
