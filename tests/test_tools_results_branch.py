"""tools/results_branch.sh: asv results kept on their own branch of a (local, bare) origin."""

from __future__ import annotations

import pytest

from toolfakes import checkout_with_origin, git, run_tool


@pytest.fixture
def work(tmp_path):
    return checkout_with_origin(tmp_path)


def write_results(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_restore_without_a_branch_starts_empty(work, tmp_path):
    done = run_tool("results_branch.sh", work, tmp_path / "bin", "restore", ".asv/results")
    assert done.returncode == 0, done.stderr
    assert "starting with no results" in done.stdout
    assert list((work / ".asv" / "results").iterdir()) == []


def test_save_creates_the_branch_and_restore_brings_it_back(work, tmp_path):
    results = work / ".asv" / "results"
    write_results(results, {"box/machine.json": "{}", "box/abc-env.json": '{"a": 1}'})
    done = run_tool("results_branch.sh", work, tmp_path / "bin", "save", ".asv/results", "first")
    assert done.returncode == 0, done.stderr
    origin = tmp_path / "origin.git"
    assert git(origin, "ls-tree", "-r", "--name-only", "results").splitlines() == [
        "box/abc-env.json", "box/machine.json",
    ]
    assert git(origin, "log", "--format=%s", "main").splitlines() == ["commit 1", "commit 0"]

    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(origin), str(other))
    done = run_tool("results_branch.sh", other, tmp_path / "bin", "restore", ".asv/results")
    assert done.returncode == 0, done.stderr
    assert (other / ".asv/results/box/abc-env.json").read_text() == '{"a": 1}'
    assert "restored 2 result files" in done.stdout


def test_save_adds_a_commit_only_when_results_changed(work, tmp_path):
    results = work / ".asv" / "results"
    write_results(results, {"box/one.json": "1"})
    assert run_tool("results_branch.sh", work, tmp_path / "bin", "save", ".asv/results").returncode == 0
    again = run_tool("results_branch.sh", work, tmp_path / "bin", "save", ".asv/results")
    assert again.returncode == 0 and "nothing to push" in again.stdout
    write_results(results, {"box/two.json": "2"})
    (results / "box" / "one.json").unlink()
    assert run_tool("results_branch.sh", work, tmp_path / "bin", "save", ".asv/results").returncode == 0
    origin = tmp_path / "origin.git"
    assert len(git(origin, "log", "--format=%H", "results").splitlines()) == 2
    assert git(origin, "ls-tree", "-r", "--name-only", "results") == "box/two.json"


def test_bad_usage_exits_2(work, tmp_path):
    assert run_tool("results_branch.sh", work, tmp_path / "bin", "keep", "x").returncode == 2
    assert run_tool("results_branch.sh", work, tmp_path / "bin", "save", "missing").returncode == 2
