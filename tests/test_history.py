"""`ttsbench history`: series building, labels, fixed_by, the cache and the command line."""

import dataclasses
import json

import numpy as np
import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.track import analysis_cache, history as history_module
from ttsbench.track.forked import pool as real_pool
from ttsbench.track.config import TrackerConfig
from ttsbench.track.history import analyse, build_series
from ttsbench.track.loader import load_results

SLOW = "bench_planted.TimeKernel.time_kernel_0"
OTHER = "bench_planted.TimeKernel.time_kernel_1"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """60 commits; kernel_0(size=10) regresses 25 % at commit 20 and is fixed at commit 40."""
    return write_history(
        tmp_path_factory.mktemp("planted"), n_commits=60,
        steps={(SLOW, 10): [(20, 1.25), (40, 0.8)], (OTHER, 20): [(30, 0.85)]},
    )


def run_json(capsys, *args):
    capsys.readouterr()
    assert main(["history", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_series_is_built_in_commit_order(planted):
    series = build_series(load_results(planted.results, repo=planted.repo))
    assert len(series) == 4
    assert all(list(s.commits) == planted.commits for s in series)


def test_a_fixed_regression_links_to_the_commit_that_fixed_it(planted):
    found = analyse(build_series(load_results(planted.results, repo=planted.repo)), TrackerConfig())
    by_commit = {(c.benchmark, c.param_key, c.commit): c for c in found.changes}
    regression = by_commit[(SLOW, "size=10", planted.commits[20])]
    fix = by_commit[(SLOW, "size=10", planted.commits[40])]
    improvement = by_commit[(OTHER, "size=20", planted.commits[30])]
    assert regression.kind == "regression" and regression.severity == "high"
    assert regression.fixed_by == planted.commits[40]
    assert regression.prev_commit == planted.commits[19]
    assert fix.kind == "improvement" and fix.fixed_by is None
    assert improvement.kind == "improvement" and improvement.severity == "high"
    assert len(found.changes) == 3


def test_higher_is_better_series_regress_when_they_drop(planted):
    series = build_series(load_results(planted.results, repo=planted.repo))
    rate = [dataclasses.replace(s, higher_is_better=True) for s in series if s.param_key == "size=20"]
    [change] = analyse(rate, TrackerConfig()).changes
    assert change.kind == "regression" and change.ratio < 1


def test_cache_skips_unchanged_series_and_reanalyses_only_the_new_window(planted, tmp_path, monkeypatch):
    series = build_series(load_results(planted.results, repo=planted.repo))
    calls = _count_detected(monkeypatch)
    first = analyse(series, TrackerConfig(), tmp_path)
    assert calls == [60, 60, 60, 60]
    calls.clear()
    assert analyse(series, TrackerConfig(), tmp_path).changes == first.changes
    assert calls == []



def test_a_new_commit_reanalyses_only_the_window_at_the_end(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    values = np.exp(rng.normal(0, 0.01, 400))
    values[100:] *= 1.2
    values[330:] *= 0.9
    full = _series(values)
    calls = _count_detected(monkeypatch)
    analyse([_prefix(full, 399)], TrackerConfig(), tmp_path)
    calls.clear()
    grown = analyse([full], TrackerConfig(), tmp_path)
    assert calls == [analysis_cache.REANALYSE + 1]
    assert grown.changes == analyse([full], TrackerConfig()).changes
    assert [c.index for c in grown.changes] == [100, 330]


@pytest.mark.parametrize("seed", range(6))
def test_one_new_commit_gives_the_changes_of_a_cold_analysis_on_ci_runner_noise(seed, tmp_path):
    """Incremental analysis (the tail re-analysed, its noise from the tail) against a cold one,
    on CI-runner noise with three steps planted anywhere, at three points of the history."""
    from history_fixtures import ci_runner_series
    from ttsbench.track.history_series import RaggedSamples

    rng = np.random.default_rng(seed)
    steps = sorted((int(rng.integers(50, 380)), float(rng.choice([0.9, 1.05, 1.1, 1.2]))) for _ in range(3))
    data = ci_runner_series(rng, 400, steps)
    full = dataclasses.replace(_series(data.values), ci_low=data.ci_low, ci_high=data.ci_high,
                               samples=RaggedSamples.from_lists([list(run) for run in data.samples]))
    for cut in (300, 360, 399):
        analyse([_prefix(full, cut)], TrackerConfig(), tmp_path / str(cut))
        grown = analyse([_prefix(full, cut + 1)], TrackerConfig(), tmp_path / str(cut)).changes
        assert grown == analyse([_prefix(full, cut + 1)], TrackerConfig()).changes, (steps, cut)


def test_series_analysed_in_other_processes_give_the_serial_changes(tmp_path, monkeypatch):
    """With much to scan, shares of the series go to forked processes (the config's settings and
    the samples, compacted, travel with them); the changes are those of one process."""
    history = write_history(tmp_path, n_commits=60, samples=4,
                            steps={(SLOW, 10): [(20, 1.25)], (OTHER, 20): [(30, 1.04)]})
    series = build_series(load_results(history.results, repo=history.repo))
    config = TrackerConfig(noise_floor=0.05)  # the 4 % step is below it
    serial = analyse(series, config).changes
    monkeypatch.setattr(analysis_cache.forked, "cores", lambda: 2)
    monkeypatch.setattr(analysis_cache, "POINTS_PER_PROCESS", 60)
    shared = []
    monkeypatch.setattr(analysis_cache.forked, "pool", lambda n: shared.append(n) or real_pool(n))
    assert analyse(series, config).changes == serial
    assert shared == [1] and [c.commit for c in serial] == [history.commits[20]]


def _count_detected(monkeypatch) -> list[int]:
    """The length of every series the detector runs on, from now on."""
    calls = []
    real_detect = analysis_cache.detect_changes_many

    def counting(series, **kwargs):
        calls.extend(len(one.values) for one in series)
        return real_detect(series, **kwargs)

    monkeypatch.setattr(analysis_cache, "detect_changes_many", counting)
    return calls


def _series(values):
    n = len(values)
    return history_module.Series(
        machine="m", env="e", benchmark="b.time_x", param_key="", params={}, unit="seconds",
        higher_is_better=False, commits=tuple(f"{i:040x}" for i in range(n)),
        dates=np.datetime64("2023-11-14T22:13:20", "ns") + np.arange(n) * np.timedelta64(60, "s"),
        values=np.asarray(values, float), ci_low=np.full(n, np.nan), ci_high=np.full(n, np.nan),
        samples=None,
    )


def _prefix(series, n):
    return dataclasses.replace(
        series, commits=series.commits[:n], dates=series.dates[:n], values=series.values[:n],
        ci_low=series.ci_low[:n], ci_high=series.ci_high[:n],
        samples=None if series.samples is None else series.samples[:n],
    )


def test_cli_json_rows_carry_full_hashes_and_git_metadata(planted, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(planted.repo)
    rows = run_json(capsys, "--cache", str(tmp_path))
    assert len(rows) == 3
    row = next(r for r in rows if r["commit"] == planted.commits[20])
    for field in ("benchmark", "params", "machine", "env", "unit", "commit", "prev_commit", "before",
                  "after", "ratio", "ci_low", "ci_high", "p_value", "severity", "kind", "fixed_by"):
        assert field in row
    assert row["params"] == {"size": 10}
    assert row["fixed_by"] == planted.commits[40]
    assert row["subject"] == "Change 20: tune kernel 6"
    assert row["author"] == "Dev 2"


def test_cli_filters_by_benchmark_and_since(planted, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(planted.repo)
    rows = run_json(capsys, "--cache", str(tmp_path), "--benchmark", "kernel_1$")
    assert {r["benchmark"] for r in rows} == {OTHER}
    rows = run_json(capsys, "--cache", str(tmp_path), "--since", planted.commits[35][:10])
    assert [r["commit"] for r in rows] == [planted.commits[40]]


def test_cli_works_from_a_results_dir_alone_in_stored_date_order(planted, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = run_json(capsys, "--results", str(planted.results), "--repo", str(tmp_path), "--cache",
                    str(tmp_path / "cache"))
    assert sorted(r["commit"] for r in rows) == sorted(planted.commits[i] for i in (20, 30, 40))
    assert all(r["author"] is None for r in rows)


def test_cli_csv_and_table_formats(planted, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(planted.repo)
    assert main(["history", "--format", "csv", "--cache", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("benchmark,params,machine") and len(lines) == 4
    assert main(["history", "--cache", str(tmp_path)]) == 0
    assert "3 changes" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--bench", "("], "not a valid regex"),
    (["--bench", "nothing-like-this"], "no benchmark"),
    (["--since", "deadbeef"], "unknown commit"),
    (["--results", "/nonexistent/results"], "no results directory"),
])
def test_cli_bad_input_is_one_line_and_exit_2(planted, capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(planted.repo)
    capsys.readouterr()
    assert main(["history", "--cache", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
