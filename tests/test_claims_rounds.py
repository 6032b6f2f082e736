"""Claims judged on the gate's rounds (one value per independent process), not only on samples."""

import numpy as np

from ttsbench.track.claims import Claim, check_claims, verdicts
from ttsbench.track.clustered import compare_rounds
from ttsbench.track.compare import CompareRow


def rounds_row(base_level, head_level, seed, rounds=6, spread=0.01):
    rng = np.random.default_rng(seed)
    sides = [base_level * np.exp(rng.normal(0, spread, rounds)), head_level * np.exp(rng.normal(0, spread, rounds))]
    samples = [[list(v * np.exp(rng.normal(0, spread, 10))) for v in side] for side in sides]
    result = compare_rounds(*sides, *samples, confidence=0.95)
    row = CompareRow("b.time_frame", {}, "", "box", "env", "seconds", False, "regression",
                     method="rounds")
    row.comparison = result
    return row


def claim(low, high):
    return Claim(name="frame", benchmark="time_frame", params=None, low=low, high=high)


def judge(row, low, high):
    checks = check_claims([claim(low, high)], [row], alpha=0.05, min_effect=0.2)
    return checks[0], verdicts(checks)["frame"]


def test_a_rounds_comparison_inside_the_range_is_validated():
    check, verdict = judge(rounds_row(0.100, 0.080, seed=1), "-25%", "-15%")
    assert verdict == "VALIDATED", check.reasons
    assert -0.25 < check.ci_low < check.estimate < check.ci_high < -0.15
    assert check.confidence > 0.95


def test_an_absolute_range_is_read_against_the_base_level():
    check, verdict = judge(rounds_row(0.100, 0.080, seed=2), "-25ms", "-15ms")
    assert verdict == "VALIDATED", check.reasons
    assert abs(check.estimate + 0.020) < 0.003


def test_a_rounds_comparison_outside_the_range_is_not_validated():
    check, verdict = judge(rounds_row(0.100, 0.095, seed=3), "-25%", "-15%")
    assert verdict == "NOT VALIDATED"
    assert "CI of the estimate not inside the expected range" in check.reasons
    assert check.confidence < 0.05
