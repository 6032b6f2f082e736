"""tools/gpu_check.sh on a machine without a GPU, and the bare-box promise it rests on: the engine
and `ttsbench e2e` run with neither asv nor gitpython importable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BLOCKER = """
import importlib.abc, sys
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("asv", "git", "asv_runner"):
            raise ImportError(f"{name} is not installed on a bare GPU box")
sys.meta_path.insert(0, _Absent())
"""


def _bare_env(tmp_path):
    """An environment whose interpreter cannot import asv or git (a sitecustomize blocks them)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    paths = [str(tmp_path), str(ROOT / "src"), str(ROOT)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU report")
def test_without_cuda_it_writes_a_no_cuda_report_and_exits_0(tmp_path):
    report = tmp_path / "gpu.json"
    done = subprocess.run([str(ROOT / "tools" / "gpu_check.sh"), str(report)],
                          env={**_bare_env(tmp_path), "PYTHON": sys.executable},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no CUDA device here" in done.stdout
    data = json.loads(report.read_text())
    assert data["cuda"] is False and data["result"].startswith("no CUDA device")
    assert data["torch"] == torch.__version__


def test_engine_imports_neither_asv_nor_git(tmp_path):
    code = ("import sys, ttsbench.engine.synthesizer, ttsbench.cli.e2e, ttsbench.cli.synth, "
            "benchmarks.tier2.models, benchmarks.tier2.arch, benchmarks.tier2.modes, "
            "benchmarks.tier2.device_matrix; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('asv', 'git')))")
    done = subprocess.run([sys.executable, "-c", code], env=_bare_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_e2e_runs_without_asv_and_gitpython(tmp_path):
    report = tmp_path / "e2e.json"
    done = subprocess.run(
        [sys.executable, "-m", "ttsbench", "e2e", "--inputs", "short", "--iterations", "1",
         "--warmup", "0", "--arch", "separate", "--fixtures-dir", str(ROOT / "fixtures"),
         "--json-output", str(report)],
        env=_bare_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["commit"] is None and data["features"]["arch"] == "separate"
    assert [row["input"] for row in data["results"]] == ["short"]


def test_tier2_quick_pass_visits_every_case_and_records_skips(monkeypatch):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gpu_check
    finally:
        sys.path.remove(str(ROOT / "tools"))
    cases = list(gpu_check._tier2_cases())
    labels = {label for label, *_ in cases}
    assert {"arch.Arch", "modes.FirstFrame", "device_matrix.SdpaTalkerStep"} <= labels
    assert len(gpu_check.E2E_RUNS) == 8  # 2 sizes x CUDA graphs on/off x 2 arches
