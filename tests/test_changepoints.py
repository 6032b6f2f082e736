"""The change-point detector on plain arrays: steps found where planted, noise left alone."""

import math

import numpy as np
import pytest

from ttsbench.track.changepoints import MIN_SIZE, detect_changes


def noisy(n, sigma=0.01, seed=0, df=None):
    rng = np.random.default_rng(seed)
    noise = rng.standard_t(df, n) if df else rng.normal(size=n)
    return np.exp(sigma * noise)


def test_a_planted_step_is_found_at_its_first_commit_with_its_size():
    values = noisy(200)
    values[120:] *= 1.10
    [change] = detect_changes(values)
    assert change.index == 120
    assert change.ci_low <= 1.10 <= change.ci_high
    assert change.ratio == pytest.approx(1.10, rel=0.01)
    assert change.p_value < 1e-6


def test_regression_then_fix_are_two_changes_of_opposite_sign():
    values = noisy(300, seed=1)
    values[100:200] *= 1.2
    changes = detect_changes(values)
    assert [c.index for c in changes] == [100, 200]
    assert changes[0].ratio > 1 > changes[1].ratio


@pytest.mark.parametrize("seed", range(5))
def test_heavy_tailed_noise_without_step_raises_no_alarm(seed):
    assert detect_changes(noisy(1000, sigma=0.01, seed=seed, df=2)) == []


def test_a_single_wild_commit_is_not_a_change():
    values = noisy(100, seed=2)
    values[60] *= 1.5
    assert detect_changes(values) == []


def test_a_fresh_step_is_seen_with_min_size_commits_at_the_new_level():
    values = noisy(80 + MIN_SIZE, seed=3)
    values[80:] *= 1.10
    assert detect_changes(values[: 80 + MIN_SIZE - 1]) == []
    [change] = detect_changes(values)
    assert change.index == 80


def test_missing_values_are_skipped_and_indices_refer_to_the_input():
    values = noisy(120, seed=4)
    values[70:] *= 0.8
    values[[10, 50, 90]] = np.nan
    [change] = detect_changes(values)
    assert change.index == 70
    assert change.ratio == pytest.approx(0.8, rel=0.02)


def test_a_constant_series_with_one_jump_is_a_change():
    values = np.r_[np.full(40, 1000.0), np.full(40, 1200.0)]
    [change] = detect_changes(values)
    assert change.index == 40 and change.ratio == pytest.approx(1.2)


def test_raw_samples_drive_the_segment_test_when_stored():
    rng = np.random.default_rng(5)
    values = noisy(60, seed=5)
    values[30:] *= 1.15
    samples = [list(v * np.exp(rng.normal(0, 0.005, 20))) for v in values]
    with_samples = detect_changes(values, samples=samples)
    without = detect_changes(values)
    assert [c.index for c in with_samples] == [c.index for c in without] == [30]
    # 20 samples a commit on each side: a far smaller p-value than 10 vs 30 commit values.
    assert with_samples[0].p_value < without[0].p_value


def test_min_change_drops_significant_but_small_steps():
    values = noisy(200, sigma=0.002, seed=6)
    values[100:] *= 1.015
    assert len(detect_changes(values)) == 1
    assert detect_changes(values, min_change=0.02) == []


def test_wide_stored_confidence_intervals_make_a_step_less_significant():
    values = noisy(100, sigma=0.005, seed=7)
    values[50:] *= 1.06
    assert len(detect_changes(values)) == 1
    assert detect_changes(values, ci_low=values * 0.8, ci_high=values * 1.25) == []


def test_too_short_series_have_no_change():
    assert detect_changes([1.0, 2.0, 2.0, 2.0]) == []
    assert detect_changes([]) == []


def test_ratio_is_after_over_before():
    values = noisy(100, seed=8)
    values[40:] *= 1.3
    [change] = detect_changes(values)
    assert math.isclose(change.ratio, change.after / change.before, rel_tol=1e-12)


def ci_runner(seed, n, steps=(), **kwargs):
    from history_fixtures import ci_runner_series

    return ci_runner_series(np.random.default_rng(seed), n, steps, **kwargs)


def detect(series, **kwargs):
    return detect_changes(series.values, samples=series.samples, ci_low=series.ci_low,
                          ci_high=series.ci_high, min_change=0.03, **kwargs)


def test_a_10_percent_step_in_ci_runner_noise_is_found_three_commits_after_it():
    found = 0
    for seed in range(20):
        series = ci_runner(seed, 103, [(100, 1.10)])
        found += any(abs(c.index - 100) <= 3 and c.ratio > 1 for c in detect(series))
    assert found >= 18  # the evaluation's CI runner row: 96 % over 100 trials


def test_a_disturbed_run_at_the_tip_is_not_a_change():
    alarms = 0
    for seed in range(100):
        series = ci_runner(seed, 100, disturbed=0.0)
        series.values[-1] *= 1.2
        series.samples[-1] *= 1.2
        alarms += bool(detect(series))
    # The run gets no weight; what is left is the other commits' noise (a Huber level, which
    # clips the run instead of dropping it, raised alarms on 7.7 % of 300 such series).
    assert alarms <= 4


def test_a_disturbed_run_gets_no_weight_in_a_fresh_window():
    from ttsbench.track.levels import window_levels

    y = np.log(np.r_[noisy(3, sigma=0.02, seed=11), 1.2])
    whole, clean = window_levels(y, np.array([0, 0]), np.array([4, 3]), 0.02)
    assert whole == pytest.approx(clean, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_long_ci_runner_series_without_step_raise_no_alarm(seed):
    assert detect(ci_runner(seed, 2000)) == []


def test_the_rank_test_is_scipys_asymptotic_mann_whitney():
    from scipy import stats

    from ttsbench.track.rank_tests import mann_whitney_p

    rng = np.random.default_rng(9)
    for n1, n2, shift in ((3, 50, 0.5), (30, 100, 0.1), (100, 100, 0.0)):
        x, y = np.round(rng.normal(shift, 1, n1), 1), np.round(rng.normal(0, 1, n2), 1)
        expected = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue
        assert mann_whitney_p(x, y) == pytest.approx(expected, rel=1e-9)


def test_a_regression_fixed_twelve_commits_later_is_found_with_its_fix():
    from ttsbench.track.history import fixed_by_index

    # The scan's 30-commit before-window never sees a 12-commit level end; looking back from
    # the regression does (before, 12 of these 20 were linked).
    linked = 0
    for seed in range(20):
        changes = detect(ci_runner(seed, 142, [(100, 1.10), (112, 1 / 1.10)]))
        regressions = [k for k, c in enumerate(changes) if abs(c.index - 100) <= 3 and c.ratio > 1]
        linked += any(abs((fixed_by_index(changes, k) or -99) - 112) <= 3 for k in regressions)
    assert linked >= 18


def test_a_level_shorter_than_the_after_window_is_not_split_off_after_a_step():
    values = noisy(200, sigma=0.02, seed=5)
    values[100:] *= 1.10
    values[140:145] *= 1.08  # five commits: not a level of its own
    assert [c.index for c in detect_changes(values, min_change=0.03)] == [100]


def test_many_series_scanned_together_give_what_each_gives_alone(monkeypatch):
    """The batched scan (one pass over many series, split into passes of at most MAX_SPLITS
    windows) finds exactly the changes of one detect_changes call per series."""
    from ttsbench.track import scan
    from ttsbench.track.changepoints import Measured, detect_changes_many

    rng = np.random.default_rng(3)
    series = []
    for k in range(40):
        values = noisy(int(rng.integers(2, 300)), sigma=0.02, seed=k)
        values[len(values) // 2:] *= [1.0, 1.15, 0.85][k % 3]
        values[rng.integers(0, len(values))] = np.nan
        samples = [v * np.exp(rng.normal(0, 0.01, 5)) for v in values] if k % 2 else None
        series.append(Measured(values, samples, values * 0.99, values * 1.01) if k % 5 == 0
                      else Measured(values, samples))
    for k in range(6):  # a fresh step at one series' tip, a bigger one at the next one's start
        tip, start = noisy(100, seed=100 + k), noisy(100, seed=200 + k)
        tip[96:] *= 1.15
        start[4:] *= 1.6
        series += [Measured(tip), Measured(start)]
    alone = [detect_changes(one.values, samples=one.samples, ci_low=one.ci_low, ci_high=one.ci_high)
             for one in series]
    monkeypatch.setattr(scan, "MAX_SPLITS", 700)  # several passes, a series never split
    together = detect_changes_many(series)
    assert together == alone and sum(map(len, alone)) >= 20


def _one_noise(values, ci_low=None, ci_high=None) -> tuple[float, float]:
    """One series' noise spelt out: 1.4826 MAD of differences / sqrt 2, floored by the stored
    99 % CIs and NOISE_FLOOR; its level's standard error by the biweight sandwich."""
    from statistics import NormalDist

    from ttsbench.track.levels import BIWEIGHT_C, NOISE_FLOOR

    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values) & (values > 0)
    diffs = np.diff(np.log(values[keep]))
    sigma = 1.4826 * np.median(np.abs(diffs - np.median(diffs))) / math.sqrt(2)
    if ci_low is not None:
        width = np.log(np.asarray(ci_high)[keep]) - np.log(np.asarray(ci_low)[keep])
        width = width[np.isfinite(width) & (width > 0)]
        if width.size:
            sigma = max(sigma, float(np.median(width)) / (2 * NormalDist().inv_cdf(0.995)))
    sigma = max(float(sigma), NOISE_FLOOR)
    u = (diffs - np.median(diffs)) / (sigma * math.sqrt(2) * BIWEIGHT_C)
    near = np.abs(u) < 1
    psi = np.where(near, u * (1 - u * u) ** 2, 0.0)
    slope = np.mean(np.where(near, (1 - u * u) * (1 - 5 * u * u), 0.0))
    se = 1.0 if slope <= 0 else max(1.0, float(BIWEIGHT_C * np.sqrt(np.mean(psi * psi)) / slope))
    return sigma, sigma * se


def test_noises_computed_together_are_each_series_own_to_the_bit():
    """Series of one length share one pass; lengths, missing values and CIs (some unusable)
    that differ must not mix them."""
    from ttsbench.track.changepoints import Measured, series_noises

    rng = np.random.default_rng(12)
    batch = []
    for i in range(24):
        n = (200, 200, 57, 8)[i % 4]
        values = np.exp(rng.standard_t(3, n) * (0.002 + 0.03 * (i % 5)))
        if i % 6 == 1:
            values[rng.random(n) < 0.2] = np.nan
        low, high = values * np.exp(-rng.uniform(0, 0.08, n)), values * np.exp(rng.uniform(0, 0.08, n))
        if i % 4 == 2:
            low[: n // 2] = np.nan
        batch.append(Measured(values, None, *((low, high) if i % 3 else (None, None))))
    noises = series_noises(batch)
    for one, noise in zip(batch, noises):
        assert (noise.scale, noise.se) == _one_noise(one.values, one.ci_low, one.ci_high)
    given = series_noises([batch[0]._replace(noise=noises[5])])
    assert given == [noises[5]]  # a tail's given noise is kept
