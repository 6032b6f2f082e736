"""Power per benchmark case over stored results: the MDE and the rounds a target needs.

Two sources of the noise of one round's (or run's) log value (its fastest sample, as the gate
compares; :func:`ttsbench.track.clustered.round_value`):

* a gate work dir (:func:`ttsbench.track.rounds.load_rounds`): the rounds of each side are
  independent runs of the same code, so their spread is measured directly (pooled over sides);
* an asv results dir: each commit is one run; the run-to-run spread of the series
  (:func:`~ttsbench.track.stats.run_to_run_spread`, the sd of the difference of two runs) over
  sqrt(2) is the sd of one run, when the series has at least ``run_noise_history`` commits.

The within-round part comes from the samples (the latest run's, for a history).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ttsbench.track.clustered import round_noise, round_value
from ttsbench.track.power import mde, rounds_needed
from ttsbench.track.stats import run_to_run_spread

CASE = ["machine", "env", "benchmark", "param_key"]


@dataclasses.dataclass(frozen=True)
class PowerRow:
    """One benchmark case: noise of a round's log value, MDE with ``rounds``, rounds for target."""

    benchmark: str
    param_key: str
    runs: int  # rounds (gate dir) or commits (history) the noise was estimated from
    sd_round: float
    sd_within: float
    sd_between: float
    mde: float
    rounds: int
    needed: int | None


def _row(key, runs, sd, within, between, rounds, target, alpha) -> PowerRow:
    return PowerRow(key[2], key[3], runs, sd, within, between, mde(sd, rounds, alpha=alpha), rounds,
                    rounds_needed(sd, target, alpha=alpha))


def _positive(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v) and v > 0]


def from_rounds(measured: pd.DataFrame, *, target: float, alpha: float) -> list[PowerRow]:
    """Power rows from a gate's rounds (the rounds it ran, both sides pooled)."""
    rows = []
    ok = measured[measured["status"] == "ok"]
    for key, case in ok.groupby(CASE, sort=True):
        sides = [case[case["side"] == side] for side in ("base", "head")]
        sides = [s for s in sides if len(_positive(s["value"])) >= 2]
        if not sides:
            continue
        noise = [round_noise(_positive(map(round_value, s["samples"], s["value"])), [x for x in s["samples"] if x])
                 for s in sides]
        runs = [len(_positive(s["value"])) for s in sides]
        pooled = math.sqrt(sum((n - 1) * t[0] ** 2 for n, t in zip(runs, noise)) / sum(n - 1 for n in runs))
        within = float(np.nanmean([t[1] for t in noise]))
        between = math.sqrt(max(pooled ** 2 - within ** 2, 0.0)) if math.isfinite(within) else math.nan
        rows.append(_row(key, sum(runs), pooled, within, between, min(runs), target, alpha))
    return rows


def from_history(frame: pd.DataFrame, *, rounds: int, min_commits: int, target: float,
                 alpha: float) -> list[PowerRow]:
    """Power rows from each series' history of stored runs (one run a commit)."""
    rows = []
    ok = frame[frame["status"] == "ok"].sort_values("order")
    for key, series in ok.groupby(CASE, sort=True):
        values = _positive(map(round_value, series["samples"], series["value"]))
        if len(values) < min_commits:
            continue
        sd = run_to_run_spread(values) / math.sqrt(2)
        latest = series["samples"].iloc[-1]
        within = round_noise([1.0, 1.0], [latest])[1] if latest else math.nan
        between = math.sqrt(max(sd ** 2 - within ** 2, 0.0)) if math.isfinite(within) else math.nan
        rows.append(_row(key, len(values), sd, within, between, rounds, target, alpha))
    return rows
