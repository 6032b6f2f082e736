"""`ttsbench confirm` end to end: real asv on the tiny project of tests/asvproject.py.

A 30 % slowdown planted three commits from the tip (three before it) is a tentative change in `ttsbench
history`; `ttsbench confirm COMMIT` re-measures it with the gate's protocol (real asv rounds);
history then shows it confirmed or, when the rounds were too noisy to see a change of its size
(this box is shared), still tentative: a planted slowdown is never refuted.
"""

import json

import pytest
from asvproject import make_asv_project, run_benchmarks

from ttsbench.cli import main

pytestmark = pytest.mark.slow
WORK = "bench_work.TimeWork.time_work"
STEP_AT = 3  # commits 0-2 at factor 1.0, 3-5 at 1.3 (the fewest the detector splits)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    made = make_asv_project(tmp_path_factory.mktemp("confirm"), factors=[1.0] * STEP_AT + [1.3] * 3)
    run_benchmarks(made, None, "--bench", "TimeWork")
    return made


def cli(capsys, monkeypatch, project, *argv):
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("HOME", str(project.home))
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def work_changes(capsys, monkeypatch, project):
    code, out, err = cli(capsys, monkeypatch, project, "history", "--format", "json")
    assert code == 0, out + err
    return [row for row in json.loads(out) if row["benchmark"] == WORK]


def test_a_planted_slowdown_is_tentative_then_confirmed_never_refuted_by_real_asv_rounds(capsys, monkeypatch, project, tmp_path):
    step = project.commits[STEP_AT]
    [change] = work_changes(capsys, monkeypatch, project)
    assert (change["commit"], change["kind"], change["status"]) == (step, "regression", "tentative")
    assert f"ttsbench confirm {step[:12]}" in change["to_confirm"]

    code, out, err = cli(capsys, monkeypatch, project, "confirm", step[:10], "--bench", "TimeWork",
                         "--rounds", "3", "--workdir", str(tmp_path / "w"))
    # The rounds either see the slowdown (confirmed, exit 1) or could not have seen it (their MDE
    # above its size on this shared box: inconclusive, nothing stored); never a refutation.
    assert code in (0, 1) and "refuted" not in out, out + err
    status = "confirmed" if code == 1 else "inconclusive"
    assert out.startswith(f"{status}: regression of {WORK}() at {step[:12]}"), out
    assert "3 rounds a side against" in out and project.commits[STEP_AT - 1][:12] in out
    # the rounds ran in the work dir, never into the project's results
    assert len(list((tmp_path / "w" / "head").glob("round-*/gate/*-*.json"))) == 3
    assert {p.parent.name for p in project.results_dir.glob("*/*-*.json")} == {project.machine}

    [change] = work_changes(capsys, monkeypatch, project)
    assert (change["commit"], change["status"]) == (step, "confirmed" if code == 1 else "tentative")
