"""tools/pr_benchmarks.sh: the gate is `ttsbench gate`'s exit code and markdown report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asvproject import make_asv_project
from toolfakes import calls, checkout_with_origin, fake_command, git, run_tool

FAKE_TTSBENCH = """\
if [[ $1 == gate ]]; then
    echo "### Benchmarks: fake report"
    echo "| benchmark | ratio |"
    [[ ${FAKE_GATE_EXIT:-0} == 2 ]] && echo "measured nothing comparable: HEAD failed to build" >&2
    exit "${FAKE_GATE_EXIT:-0}"
fi
"""


@pytest.fixture
def setup(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "ttsbench", FAKE_TTSBENCH)
    return work, bin_dir


@pytest.mark.parametrize("gate_exit", ["0", "1"])
def test_the_verdict_is_ttsbench_gate(setup, tmp_path, gate_exit):
    work, bin_dir = setup
    out = tmp_path / "report"
    done = run_tool("pr_benchmarks.sh", work, bin_dir, "HEAD~1", "HEAD", str(out),
                    PR_NUMBER="42", FAKE_GATE_EXIT=gate_exit, ROUNDS="6")
    assert done.returncode == int(gate_exit), done.stderr
    assert (out / "report.md").read_text().startswith("### Benchmarks: fake report")
    assert (out / "pr_number").read_text() == "42\n"
    base, head = git(work, "rev-parse", "HEAD~1"), git(work, "rev-parse", "HEAD")
    [gate] = calls(bin_dir)
    assert gate.startswith(f"ttsbench gate {base} {head}")
    assert "--bench ^tier1\\." in gate and "--rounds 6" in gate and "--machine ci-runner" in gate
    assert "--format markdown" in gate and "--fail-on medium" in gate and f"--workdir {out}/rounds" in gate


def test_nothing_measured_explains_itself_and_exits_2(setup, tmp_path):
    work, bin_dir = setup
    out = tmp_path / "report"
    done = run_tool("pr_benchmarks.sh", work, bin_dir, "HEAD~1", "HEAD", str(out), FAKE_GATE_EXIT="2")
    assert done.returncode == 2
    report = (out / "report.md").read_text()
    assert "no comparison" in report and "HEAD failed to build" in report
    assert not (out / "pr_number").exists()


def test_a_pr_number_that_is_not_a_number_is_refused(setup, tmp_path):
    work, bin_dir = setup
    done = run_tool("pr_benchmarks.sh", work, bin_dir, "HEAD~1", "HEAD", str(tmp_path / "r"),
                    PR_NUMBER="1 && curl")
    assert done.returncode == 2 and "PR_NUMBER must be a number" in done.stderr
    assert calls(bin_dir) == []


def test_an_unknown_base_is_refused(setup, tmp_path):
    work, bin_dir = setup
    done = run_tool("pr_benchmarks.sh", work, bin_dir, "no-such-ref", "HEAD", str(tmp_path / "r"))
    assert done.returncode != 0 and calls(bin_dir) == []


@pytest.mark.slow
def test_real_asv_and_ttsbench_gate_a_doubled_cost(tmp_path):
    """The tiny project, base 1x and head 2x the work: real asv rounds, real gate."""
    project = make_asv_project(tmp_path, [1.0, 2.0])
    bin_dir = Path(sys.executable).parent
    out = tmp_path / "report"
    done = run_tool(
        "pr_benchmarks.sh", project.root, tmp_path / "no-fakes", project.commits[0],
        project.commits[1], str(out), TTSBENCH=str(bin_dir / "ttsbench"), ROUNDS="3",
        BENCH="TimeWork", ASV_MACHINE=project.machine, HOME=str(project.home), PR_NUMBER="3",
    )
    report = (out / "report.md").read_text()
    assert done.returncode == 1, report + (out / "rounds" / "asv.log").read_text()[-3000:]
    assert report.splitlines()[1].startswith("### FAIL: 1 regression(s) at or above medium")
    assert "time_work" in report and "critical" in report.lower()
