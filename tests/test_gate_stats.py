"""The rounds test on simulated gate runs with planted between-round noise (no asv, no clock)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ttsbench.track.clustered import collapse_rounds, compare_rounds, round_noise
from ttsbench.track.compare import compare_commits, exceeds
from ttsbench.track.config import TrackerConfig
from ttsbench.track.gate import gate_frame
from ttsbench.track.power import can_see, mde, rounds_needed, yuen

SAMPLES = 50
WITHIN = 0.03  # sd of log samples inside one round
BETWEEN = 0.04  # sd of a round's log level: its process's luck, shared by all its samples


def simulate_rounds(rng, rounds, shift=0.0, between=BETWEEN, within=WITHIN):
    """Per-round samples of one case: a lognormal round level, then lognormal samples around it."""
    levels = rng.normal(0.0, between, rounds)
    return [list(np.exp(np.log(1e-3 * (1 + shift)) + level + rng.normal(0.0, within, SAMPLES)))
            for level in levels]


def fastest(rounds):
    return [float(np.min(r)) for r in rounds]


def test_aa_false_alarms_stay_at_alpha_where_pooled_samples_do_not():
    rng = np.random.default_rng(11)
    clustered, pooled = [], []
    for _ in range(400):
        base, head = simulate_rounds(rng, 10), simulate_rounds(rng, 10)
        clustered.append(compare_rounds(fastest(base), fastest(head), base, head).p_value < 0.05)
        pooled.append(stats.mannwhitneyu(np.concatenate(base), np.concatenate(head)).pvalue < 0.05)
    # binomial(400, 0.05): 0.05 + 2.5 sd is 0.077; the pooled U test counts 500 samples a side
    # where there are 10 independent rounds, and alarms on most A/A pairs
    assert np.mean(clustered) <= 0.077
    assert np.mean(pooled) > 0.5


def test_power_at_the_mde_is_about_80_percent_and_a_10_percent_shift_is_found():
    rng = np.random.default_rng(12)
    # the sd mde() expects: sqrt(n) x Yuen's standard error, averaged over many simulated sides
    sd = math.sqrt(np.mean([10 * yuen(np.log(fastest(simulate_rounds(rng, 10))))[1] for _ in range(400)]))
    at_mde = mde(sd, 10)
    found_mde, found_10 = [], []
    for _ in range(300):
        base = simulate_rounds(rng, 10)
        for shift, found in ((at_mde, found_mde), (0.10, found_10)):
            head = simulate_rounds(rng, 10, shift)
            result = compare_rounds(fastest(base), fastest(head), base, head)
            found.append(result.p_value < 0.05 and result.ratio > 1)
    assert 0.70 <= np.mean(found_mde) <= 0.90
    assert np.mean(found_10) >= 0.95


def test_round_noise_separates_within_from_between():
    rng = np.random.default_rng(13)
    rounds = simulate_rounds(rng, 40)
    total, within, between = round_noise(fastest(rounds), rounds)
    assert 0 < within < BETWEEN / 2  # the fastest of 50 samples varies far less than a round's level
    assert between == pytest.approx(BETWEEN, rel=0.35)
    assert total == pytest.approx(math.hypot(within, between), rel=1e-9)
    # a round slowed 5x by a burst of load barely moves the trimmed estimate
    assert round_noise(fastest(rounds)[:-1] + [5 * fastest(rounds)[-1]])[0] < 1.3 * total


def test_rounds_needed_and_the_blind_line():
    assert mde(0.04, 10) > mde(0.04, 20) > mde(0.02, 20)
    need = rounds_needed(0.04, 0.05)
    assert mde(0.04, need) <= 0.05 < mde(0.04, need - 1)
    assert can_see(0.04, 4, 0.05) == f"cannot see 5% with 4 rounds; {need} rounds would"
    assert can_see(0.04, need, 0.05) == ""
    assert math.isnan(mde(0.04, 1)) and rounds_needed(math.nan, 0.05) is None


CASES = [f"t.time_case{i}" for i in range(6)]


def gate_run(rng, rounds=8, shifts=None, statuses=None):
    """A measured frame as measure_pair returns it: one row per side, round and case."""
    rows = []
    for side in ("base", "head"):
        for case in CASES:
            shift = (shifts or {}).get(case, 0.0) if side == "head" else 0.0
            for number, samples in enumerate(simulate_rounds(rng, rounds, shift), start=1):
                status = (statuses or {}).get((side, case), "ok")
                rows.append({
                    "machine": "box", "env": "venv", "commit": "c0ffee", "date": pd.NaT, "order": 0,
                    "benchmark": case, "params": {}, "param_key": "", "unit": "seconds",
                    "value": float(np.median(samples)) if status == "ok" else (None if status == "failed" else math.nan),
                    "ci_low": math.nan, "ci_high": math.nan, "q25": math.nan, "q75": math.nan,
                    "number": 1.0, "repeat": float(SAMPLES), "samples": samples if status == "ok" else None,
                    "version": "v1", "status": status, "higher_is_better": False,
                    "side": side, "round": number,
                })
    return pd.DataFrame(rows)


def test_compare_decides_rounds_as_clusters():
    rng = np.random.default_rng(14)
    config = TrackerConfig()
    alarms, found = 0, 0
    for _ in range(40):
        rows = compare_commits(gate_frame(gate_run(rng)), "BASE", "HEAD", config=config)
        alarms += sum(r.kind != "unchanged" for r in rows)
        assert {r.method for r in rows} == {"rounds"} and all(r.n_base == 8 for r in rows)
        shifted = compare_commits(gate_frame(gate_run(rng, shifts={CASES[0]: 0.20})), "BASE", "HEAD", config=config)
        found += [r.benchmark for r in exceeds(shifted, "high")] == [CASES[0]]
    assert alarms <= 2  # of 240 A/A rows
    assert found >= 36


def test_a_case_measured_in_one_round_is_not_compared():
    rng = np.random.default_rng(15)
    measured = gate_run(rng, rounds=3, statuses={("head", CASES[1]): "failed"})
    collapsed = collapse_rounds(gate_frame(measured), ["commit", "machine", "env", "benchmark", "param_key"])
    assert len(collapsed) == 2 * len(CASES)
    rows = {r.benchmark: r for r in compare_commits(gate_frame(measured), "BASE", "HEAD", config=TrackerConfig())}
    assert rows[CASES[1]].kind == "failed" and rows[CASES[0]].method == "rounds"
