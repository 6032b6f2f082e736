"""tools/publish.sh with stand-ins for asv and ttsbench: restore, run NEW, push, publish."""

from __future__ import annotations

from toolfakes import calls, checkout_with_origin, fake_command, git, run_tool

# The asv stand-in writes one result file for the commit `asv run` was given (as asv would).
FAKE_ASV = """\
if [[ $1 == run ]]; then
    mkdir -p .asv/results/ci-runner
    echo '{"machine": "ci-runner"}' > .asv/results/ci-runner/machine.json
    echo "{\\"range\\": \\"$2\\"}" > ".asv/results/ci-runner/$(git rev-parse --short HEAD)-env.json"
fi
"""


def test_first_publish_benchmarks_head_only_then_new_commits(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "asv", FAKE_ASV)
    fake_command(bin_dir, "ttsbench")
    done = run_tool("publish.sh", work, bin_dir)
    assert done.returncode == 0, done.stderr
    runs = [c for c in calls(bin_dir) if c.startswith("asv run")]
    assert len(runs) == 1 and runs[0].startswith("asv run HEAD^! --skip-existing --record-samples")
    assert "--machine ci-runner" in runs[0] and "--bench ^tier1\\." in runs[0]
    assert calls(bin_dir)[-2].startswith("ttsbench confirm --machine ci-runner --rounds 10")
    assert calls(bin_dir)[-1] == "ttsbench publish"
    origin = tmp_path / "origin.git"
    assert "ci-runner/machine.json" in git(origin, "ls-tree", "-r", "--name-only", "results")

    # A new commit on main, in a fresh checkout: results come back from the branch, so NEW.
    (work / "code.txt").write_text("version 2\n")
    git(work, "commit", "--quiet", "-am", "commit 2")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "--quiet", str(origin), str(fresh))
    done = run_tool("publish.sh", fresh, bin_dir)
    assert done.returncode == 0, done.stderr
    assert [c for c in calls(bin_dir) if c.startswith("asv run")][-1].startswith("asv run NEW ")
    assert len(git(origin, "ls-tree", "-r", "--name-only", "results").splitlines()) == 3


def test_failing_benchmarks_still_publish_but_a_broken_push_stops(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "asv", FAKE_ASV + "[[ $1 == run ]] && exit 2\nexit 0")
    fake_command(bin_dir, "ttsbench")
    done = run_tool("publish.sh", work, bin_dir)
    assert done.returncode == 0, done.stderr
    assert "exited 2" in done.stdout and calls(bin_dir)[-1] == "ttsbench publish"

    git(work, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    done = run_tool("publish.sh", work, bin_dir)
    assert done.returncode != 0


def test_push_can_be_turned_off(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "asv", FAKE_ASV)
    fake_command(bin_dir, "ttsbench")
    assert run_tool("publish.sh", work, bin_dir, PUSH="0").returncode == 0
    assert git(tmp_path / "origin.git", "branch", "--list", "results") == ""


# The ttsbench stand-in stores a verdict when asked to confirm (exit 1: a regression confirmed).
FAKE_CONFIRM = """\
if [[ $1 == confirm ]]; then
    mkdir -p .asv/ttsbench-confirmations
    echo '{}' > .asv/ttsbench-confirmations/verdicts.json
    exit 1
fi
"""


def test_fresh_regressions_are_confirmed_before_publishing_and_verdicts_kept(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "asv", FAKE_ASV)
    fake_command(bin_dir, "ttsbench", FAKE_CONFIRM)
    done = run_tool("publish.sh", work, bin_dir)
    assert done.returncode == 0, done.stderr
    assert "ttsbench confirm exited 1" in done.stdout
    assert [c.split()[1] for c in calls(bin_dir) if c.startswith("ttsbench")] == ["confirm", "publish"]
    origin = tmp_path / "origin.git"
    assert git(origin, "ls-tree", "-r", "--name-only", "confirmations").split() == ["verdicts.json"]
    assert "verdicts.json" not in git(origin, "ls-tree", "-r", "--name-only", "results")
