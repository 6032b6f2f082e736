"""`ttsbench compare` on a real asv run of a tiny project with a planted 30 % slowdown.

The box running the tests is shared: other jobs make whole rounds 1.5-2x slower, even in CPU
time (docs/statistics.md). Rounds are interleaved so every commit sees such bursts alike; under
very heavy load a burst can still leave a benchmark inconclusive, never reversed.
"""

import json

import pytest
from asvproject import make_asv_project, run_benchmarks

from ttsbench.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    # commits: A, A again (A/A), 30 % more work, then a build that fails
    project = make_asv_project(tmp_path_factory.mktemp("asv"), factors=[1.0, 1.0, 1.3, 1.0], broken={3})
    run_benchmarks(project)
    return project


def compare(capsys, monkeypatch, project, base, head, *extra):
    monkeypatch.chdir(project.root)
    code = main(["compare", base, head, "--format", "json", *extra])
    out, err = capsys.readouterr()
    return code, {(r["benchmark"], r["param_key"]): r for r in json.loads(out or "[]")}, err


def test_planted_slowdown_is_a_high_or_critical_regression(capsys, monkeypatch, project):
    code, rows, err = compare(capsys, monkeypatch, project, "HEAD~2", "HEAD~1")
    assert code == 1, err
    work = rows[("bench_work.TimeWork.time_work", "")]
    assert work["kind"] == "regression" and work["severity"] in ("high", "critical"), work
    assert work["method"] == "mann-whitney" and min(work["n_base"], work["n_head"]) >= 10
    assert work["ratio_ci_low"] > 1.1
    # 20 samples each (4 rounds of 5): a burst of load can leave a parameter inconclusive, never improved
    scaled = [rows[("bench_work.TimeScaled.time_scaled", f"scale={scale}")]["kind"] for scale in (1, 2)]
    assert "regression" in scaled and set(scaled) <= {"regression", "unchanged"}
    rate = rows[("bench_work.track_rate", "")]
    assert rate["kind"] == "regression" and rate["higher_is_better"] and rate["severity"] == "high"


@pytest.mark.parametrize("extra", [(), ("--remove-outliers", "iqr")])
def test_aa_pair_exits_0(capsys, monkeypatch, project, extra):
    code, rows, err = compare(capsys, monkeypatch, project, project.commits[0][:10], project.commits[1][:10], *extra)
    assert code == 0, err
    assert {r["kind"] for r in rows.values()} == {"unchanged"}, rows
    assert rows[("bench_work.TimeWork.time_work", "")]["method"] == "mann-whitney"


def test_broken_build_measured_nothing_exits_2(capsys, monkeypatch, project):
    monkeypatch.chdir(project.root)
    code = main(["compare", "HEAD~1", "HEAD"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "measured nothing comparable" in err and "4 failed" in err
