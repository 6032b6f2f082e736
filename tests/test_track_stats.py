"""Statistics helpers against values worked out by hand, and the severity/direction/config rules."""

import numpy as np
import pytest

from ttsbench.errors import TtsbenchError
from ttsbench.track.config import TrackerConfig, load_config
from ttsbench.track.severity import at_least, classify, is_higher_better
from ttsbench.track.stats import (
    adjust_pvalues,
    cliffs_delta,
    cohens_d,
    compare_samples,
    compare_stored,
    hodges_lehmann,
    outlier_masks,
    remove_outliers,
    run_to_run_spread,
)


def test_hodges_lehmann_is_the_median_pairwise_difference():
    assert hodges_lehmann([1, 2, 3], [2, 4, 10]) == pytest.approx(2.0)  # diffs 1,0,-1,3,2,1,9,8,7


def test_cliffs_delta_and_cohens_d():
    assert cliffs_delta([1, 2, 3], [4, 5, 6]) == 1.0
    assert cliffs_delta([4, 5, 6], [1, 2, 3]) == -1.0
    assert cliffs_delta([1, 3], [2, 2]) == 0.0
    assert cohens_d([1, 2, 3], [2, 3, 4]) == pytest.approx(1.0)


def test_outliers_are_flagged_by_each_rule_and_removed_only_on_request():
    values = np.r_[np.linspace(1.0, 1.1, 30), 5.0]
    masks = outlier_masks(values)
    assert all(masks[rule][-1] and masks[rule][:-1].sum() == 0 for rule in ("iqr", "z", "modified_z"))
    assert len(remove_outliers(values, "iqr")) == 30
    assert not any(m.any() for m in outlier_masks([2.0] * 5).values())


def test_benjamini_hochberg_keeps_untested_entries():
    adjusted = adjust_pvalues([0.01, np.nan, 0.04, 0.03])
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2, 3]] == pytest.approx([0.03, 0.04, 0.04])


def test_compare_samples_finds_a_planted_shift_and_covers_it():
    rng = np.random.default_rng(3)
    base = rng.lognormal(0, 0.02, 30)
    head = rng.lognormal(0, 0.02, 30) * 1.10
    result = compare_samples(base, head)
    assert result.method == "mann-whitney" and result.p_value < 1e-6
    assert result.ratio_ci_low < 1.10 < result.ratio_ci_high
    assert result.shift_ci_low < result.shift < result.shift_ci_high
    assert result.cliffs_delta > 0.9 and result.cohens_d > 2
    assert (result.n_base, result.n_head) == (30, 30)


def test_compare_samples_on_identical_data_says_nothing_changed():
    result = compare_samples([1.0] * 5, [1.0] * 5)
    assert result.p_value == 1.0 and result.ratio == 1.0 and result.cliffs_delta == 0.0


def test_compare_stored_uses_the_ci_bounds():
    apart = compare_stored(1.0, 1.2, (0.95, 1.05), (1.1, 1.3))
    assert apart.method == "ci-overlap" and apart.intervals_overlap is False
    assert apart.ratio_ci_low == pytest.approx(1.1 / 1.05) and apart.ratio_ci_high == pytest.approx(1.3 / 0.95)
    assert compare_stored(1.0, 1.02, (0.9, 1.1), (0.95, 1.1)).intervals_overlap is True
    assert compare_stored(1.0, 2.0).method == "no-stats"


@pytest.mark.parametrize("change, expected", [
    (0.0, "low"), (0.049, "low"), (0.05, "medium"), (-0.10, "medium"), (0.15, "high"),
    (0.2999, "high"), (0.30, "critical"), (-0.8, "critical"),
])
def test_severity_classes(change, expected):
    assert classify(change, TrackerConfig().severity) == expected


def test_severity_order_and_direction():
    assert at_least("critical", "high") and not at_least("low", "medium")
    assert all(is_higher_better("b.track_x", unit) for unit in ("tokens/s", "frames/s", "x realtime", "items per second"))
    assert not any(is_higher_better("b.time_x", unit) for unit in ("seconds", "bytes", "unit"))
    assert is_higher_better("b.track_rtf", "unit", [r"track_rtf$"])


def test_config_reads_the_table_and_rejects_bad_values(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ttsbench]\nalpha = 0.01\nseverity = {medium = 0.1}\nhigher_is_better = ['rtf']\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.alpha == 0.01 and config.severity["medium"] == 0.1 and config.severity["high"] == 0.15
    assert config.higher_is_better == ("rtf",)
    (tmp_path / "pyproject.toml").write_text("[tool.ttsbench]\nseverity = {medium = 0.5}\n", encoding="utf-8")
    with pytest.raises(TtsbenchError, match="increasing"):
        load_config(tmp_path / "pyproject.toml")
    (tmp_path / "pyproject.toml").write_text("[tool.ttsbench\n", encoding="utf-8")
    with pytest.raises(TtsbenchError, match="cannot read"):
        load_config(tmp_path)


def test_config_defaults_without_a_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.alpha == 0.05 and dict(config.severity) == {"low": 0.0, "medium": 0.05, "high": 0.15, "critical": 0.30}


def test_run_to_run_spread_ignores_one_step_and_scales_like_a_standard_deviation():
    rng = np.random.default_rng(0)
    drift = np.exp(rng.normal(0.0, 0.03, 400))  # run medians with 3 % log-normal drift
    # the log ratio of two runs has standard deviation 3 % x sqrt(2)
    assert run_to_run_spread(drift) == pytest.approx(0.03 * np.sqrt(2), rel=0.15)
    flat = [1.0, 1.01, 1.0, 1.01, 1.0, 1.01]
    stepped = flat[:3] + [2 * v for v in flat[3:]]
    assert run_to_run_spread(stepped) == pytest.approx(run_to_run_spread(flat))
    assert np.isnan(run_to_run_spread([1.0])) and np.isnan(run_to_run_spread([1.0, np.nan, 0.0]))


def test_run_noise_settings_are_read_and_checked(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.ttsbench]\nrun_noise_k = 2.5\nrun_noise_history = 4\n", encoding="utf-8")
    config = load_config(path)
    assert (config.run_noise_k, config.run_noise_history) == (2.5, 4)
    path.write_text("[tool.ttsbench]\nrun_noise_history = 2\n", encoding="utf-8")
    with pytest.raises(TtsbenchError, match="run_noise_history"):
        load_config(path)
