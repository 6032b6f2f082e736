"""``ttsbench bisect``: the decision logic on simulated samples, then real asv on a tiny project."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from asvproject import make_asv_project, run_asv
from ttsbench.cli import main
from ttsbench.errors import TtsbenchError
from ttsbench.track.bisect import (
    Observed,
    RunBudgetExhausted,
    SeriesKey,
    bisect,
)
from ttsbench.track.gitrepo import commits_between
from ttsbench.track.loader import load_results

SERIES = SeriesKey("bench.TimeWork.time_work", "", "virtualenv-py3.11")


class Simulated:
    """Measurements whose samples are lognormal noise around a per-commit cost factor."""

    def __init__(self, factors, broken=(), noise=0.03, seed=0, higher_is_better=False):
        self.commits = [f"{i:02d}" + "0" * 38 for i in range(len(factors))]
        self.factors = dict(zip(self.commits, factors))
        self.broken = {self.commits[i] for i in broken}
        self.noise, self.higher = noise, higher_is_better
        self.rng = np.random.default_rng(seed)
        self.measured: list[str] = []

    def measure(self, commit):
        self.measured.append(commit)
        if commit in self.broken:
            return {}
        value = self.factors[commit] if not self.higher else 1 / self.factors[commit]
        draws = value * np.exp(self.rng.normal(self.drift(), self.noise, 20))
        return {SERIES: Observed(tuple(draws), self.higher, "seconds")}

    def drift(self):
        """The machine's speed, which wanders from run to run (0 unless a test sets it)."""
        return 0.0


def planted(n=16, at=11, size=1.10):
    return [1.0] * at + [size] * (n - at)


def test_planted_slowdown_is_found_exactly():
    source = Simulated(planted())
    report = bisect(source.commits, source, alpha=0.05)
    assert report.outcome == "culprit"
    assert report.culprit == source.commits[11] and report.parent == source.commits[10]
    assert report.change.ratio_ci_low < 1.1 < report.change.ratio_ci_high
    assert report.severity == "medium"
    assert report.runs == len(source.measured) <= 18


def test_clean_range_is_clean_after_two_blocks():
    source = Simulated([1.0] * 16)
    report = bisect(source.commits, source)
    assert report.outcome == "clean" and report.culprit is None
    good, bad = source.commits[0], source.commits[-1]
    assert source.measured == [good, bad, bad, good]


def test_improvement_is_not_a_regression():
    source = Simulated(planted(size=0.8))
    assert bisect(source.commits, source).outcome == "clean"


def test_throughput_drop_is_a_regression_when_higher_is_better():
    source = Simulated(planted(at=5), higher_is_better=True)
    report = bisect(source.commits, source)
    assert report.culprit == source.commits[5]
    assert report.higher_is_better


def test_noisy_steps_take_more_samples_and_still_find_the_culprit():
    source = Simulated(planted(at=6), noise=0.12, seed=3)
    lines = []
    report = bisect(source.commits, source, max_runs=80, log=lines.append)
    assert report.culprit == source.commits[6]
    assert any(line.endswith("-> another block") for line in lines)


class Drifting(Simulated):
    """A shared machine whose speed wanders by about 2 % a run, up to 15 % either way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = 0.0

    def drift(self):
        self.level = float(np.clip(self.level + self.rng.normal(0, 0.02), -0.15, 0.15))
        return self.level


@pytest.mark.parametrize("seed", range(3))
def test_machine_drift_between_runs_does_not_move_the_culprit(seed):
    source = Drifting(planted(), noise=0.03, seed=seed)
    assert bisect(source.commits, source, max_runs=80).culprit == source.commits[11]


def test_commit_that_fails_to_build_is_skipped():
    source = Simulated(planted(), broken={7})
    report = bisect(source.commits, source)
    assert report.culprit == source.commits[11]
    assert report.skipped == [source.commits[7]]
    assert source.commits[7] in source.measured


def test_skipped_commits_next_to_the_culprit_are_named():
    source = Simulated(planted(n=8, at=4), broken={3})
    report = bisect(source.commits, source)
    assert report.culprit == source.commits[4] and report.parent == source.commits[2]
    assert any(source.commits[3][:10] in note for note in report.notes)


def test_endpoint_that_fails_to_build_is_a_usage_error():
    source = Simulated(planted(), broken={0})
    with pytest.raises(TtsbenchError, match="failed to build or run the benchmarks"):
        bisect(source.commits, source)


def test_run_budget_stops_the_search_with_the_remaining_range():
    source = Simulated(planted())
    with pytest.raises(RunBudgetExhausted, match="culprit lies in"):
        bisect(source.commits, source, max_runs=5)


def test_cli_rejects_a_bad_regex_in_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "asv.conf.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert main(["bisect", "a", "b", "--bench", "time_(", "--config", "asv.conf.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a regular expression" in err


def test_cli_rejects_a_missing_config(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["bisect", "a", "b", "--bench", "x"]) == 2
    assert "no asv configuration" in capsys.readouterr().err


def test_cli_default_budget_is_the_librarys():
    from ttsbench.cli import bisect as command
    from ttsbench.track.bisect import DEFAULT_MAX_RUNS

    assert command.MAX_RUNS == DEFAULT_MAX_RUNS


@pytest.mark.parametrize("flag", [["--alpha", "1.5"], ["--max-runs", "1"]])
def test_cli_validates_numbers(flag, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["bisect", "a", "b", "--bench", "x", *flag])
    assert exited.value.code == 2


# Real asv on the tiny project: 16 commits, a 10 % slowdown from commit 11 on, commit 7 broken.
PLANTED_AT, BROKEN_AT = 11, 7


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    made = make_asv_project(
        tmp_path_factory.mktemp("bisect"), planted(at=PLANTED_AT), broken={BROKEN_AT}
    )
    run_asv(made, "machine", "--yes", "--machine", made.machine)
    return made


def run_bisect(project, good, bad):
    env = dict(os.environ, HOME=str(project.home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [sys.executable, "-m", "ttsbench", "bisect", good, bad, "--bench", "TimeWork",
         "--machine", project.machine, "--max-runs", "48"],
        cwd=project.root, env=env, capture_output=True, text=True, timeout=540,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def planted_run(project):
    return run_bisect(project, project.commits[0], project.commits[-1])


@pytest.mark.slow
def test_asv_bisect_finds_the_planted_commit(project, planted_run):
    assert planted_run.returncode == 1, planted_run.stdout + planted_run.stderr
    culprit = re.search(r"^culprit: ([0-9a-f]{40})", planted_run.stdout, re.M)
    assert culprit and culprit.group(1) == project.commits[PLANTED_AT], planted_run.stdout
    assert re.search(r"ratio 1\.\d+ \[1\.\d+, 1\.\d+\] .*p=.*severity (medium|high)", planted_run.stdout)


@pytest.mark.slow
def test_asv_bisect_skips_the_broken_commit(project, planted_run):
    broken = project.commits[BROKEN_AT]
    assert f"{broken[:10]} failed to build or run: skipped" in planted_run.stdout, planted_run.stdout
    assert f"skipped (failed to build or run): {broken[:10]}" in planted_run.stdout
    # one line for the skip, not the build's whole pip log and traceback
    assert "Traceback" not in planted_run.stderr and "Error running" not in planted_run.stderr


@pytest.mark.slow
def test_asv_bisect_results_go_into_the_asv_history(project, planted_run):
    frame = load_results(project.results_dir, machine=project.machine)
    probed = set(frame.loc[frame["status"] == "ok", "commit"])
    assert {project.commits[0], project.commits[-1], project.commits[PLANTED_AT]} <= probed
    work = frame[(frame["benchmark"] == "bench_work.TimeWork.time_work") & (frame["status"] == "ok")]
    assert work["samples"].map(len).min() >= 80
    assert project.commits[BROKEN_AT] in set(frame.loc[frame["status"] == "failed", "commit"])


@pytest.mark.slow
def test_asv_bisect_reports_a_clean_range(project):
    clean = run_bisect(project, project.commits[0], project.commits[3])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no significant regression in this range" in clean.stdout


@pytest.mark.slow
def test_commits_between_rejects_reversed_endpoints(project):
    with pytest.raises(TtsbenchError, match="not an ancestor"):
        commits_between(project.root, project.commits[5], project.commits[2])
    assert commits_between(project.root, project.commits[0], project.commits[3]) == project.commits[:4]
