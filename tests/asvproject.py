"""A tiny torch-free asv project in a temporary git repository, for tests that run real asv.

``make_asv_project(tmp_path, factors=[1.0, 1.0, 1.3], broken={1})`` makes one commit per factor:
commit ``i`` makes ``tinyproj.work()`` do ``factors[i]`` times the base amount of deterministic
pure-Python work (a few ms per call), and commits listed in ``broken`` do not build (their
project version is not PEP 440), so asv records every benchmark of them as failed.
``run_benchmarks(project)`` runs ``python -m asv run`` on the commits under the machine name
``testbox`` with HOME in the temporary dir (asv's machine file and pip's cache stay there).

Noise on a shared 2-core box: even the CPU time of a fixed loop is 1.5-2x longer for whole
rounds at a time when other jobs load the cores, and drifts by 5-10 % over minutes
(docs/statistics.md). So each sample of the time benchmarks is ``work()`` in units of a fixed
reference loop timed just before it: the state of the moment cancels out and a planted factor
reads as itself. The reference is ``tinyproj.loop`` itself, the very function ``work()`` runs,
at the base length: two separate copies of the same loop ran at a ratio that differed by up to
27 % from one process to the next (code placement), which made identical commits look changed
(4 of 48 processes over four runs shifted by more than 5 %), while one shared function kept all
36 processes of three runs within 0.6 %. Rounds are interleaved across commits.

The benchmark suite is the same in every commit:

* ``bench_work.TimeWork.time_work``: one call of ``work()`` (5 rounds x 16 samples);
* ``bench_work.TimeScaled.time_scaled``: ``work(scale)``, ``scale`` in 1, 2 (4 rounds x 5 samples);
* ``bench_work.track_rate``: a deterministic rate, ``1000 / factor`` items/s (higher is better).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import git

MACHINE = "testbox"
BASE_ITERATIONS = 100_000  # about 3 ms of pure-Python work per call on this kind of machine

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "tinyproj"
version = "0.0.{index}"

[tool.setuptools.packages.find]
where = ["src"]
"""

PACKAGE = '''\
"""Deterministic pure-Python work whose cost is set per commit."""

FACTOR = {factor!r}
ITERATIONS = round({base} * FACTOR)


def loop(iterations):
    """Sum a fixed integer sequence; the same code in every commit."""
    total = 0
    for i in range(iterations):
        total += i % 7
    return total


def work(scale=1):
    """``loop`` over FACTOR times the base length, ``scale`` times: the cost is linear in FACTOR."""
    return sum(loop(ITERATIONS) for _ in range(scale))


def rate():
    """A deterministic throughput figure: items per second at this commit's cost."""
    return 1000.0 / FACTOR
'''

BENCHMARKS = '''\
import time

import tinyproj

REFERENCE = [1.0]  # CPU time of the reference loop, measured again before every sample


def reference_loop():
    return tinyproj.loop({base})


def reference_units():
    \"\"\"The CPU clock in units of the reference loop's latest timing.\"\"\"
    return time.process_time() / REFERENCE[0]


class Relative:
    \"\"\"Samples in units of a fixed reference loop timed just before each (asv runs setup
    before every sample), so the machine's state of the moment cancels out.\"\"\"

    timer = staticmethod(reference_units)
    number = 1
    rounds = 5
    warmup_time = 0.0

    def setup(self, *params):
        start = time.process_time()
        reference_loop()
        REFERENCE[0] = time.process_time() - start


class TimeWork(Relative):
    \"\"\"One call of work().\"\"\"

    repeat = 16

    def time_work(self):
        tinyproj.work()


class TimeScaled(Relative):
    \"\"\"work() repeated a parameterized number of times.\"\"\"

    params = [1, 2]
    param_names = ["scale"]
    rounds = 4
    repeat = 5

    def time_scaled(self, scale):
        tinyproj.work(scale)


def track_rate():
    return tinyproj.rate()


track_rate.unit = "items/s"
'''


@dataclasses.dataclass
class AsvProject:
    """A tiny asv project: its root, commit hashes (oldest first) and results dir."""

    root: Path
    commits: list[str]
    home: Path
    broken: frozenset = frozenset()
    machine: str = MACHINE

    @property
    def results_dir(self) -> Path:
        return self.root / ".asv" / "results"


def asv_config(python: str) -> dict:
    return {
        "version": 1,
        "project": "tinyproj",
        "repo": ".",
        "branches": ["main"],
        "dvcs": "git",
        "environment_type": "virtualenv",
        "pythons": [python],
        "benchmark_dir": "benchmarks",
        "env_dir": ".asv/env",
        "results_dir": ".asv/results",
        "html_dir": ".asv/html",
        "build_command": [
            "python -m pip wheel --no-deps --no-build-isolation -w {build_cache_dir} {build_dir}"
        ],
        "install_command": ["in-dir={env_dir} python -m pip install --no-deps {wheel_file}"],
        "uninstall_command": ["return-code=any python -m pip uninstall -y {project}"],
        "matrix": {"req": {}},
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_asv_project(tmp_path, factors, broken=frozenset(), *, base_iterations=BASE_ITERATIONS):
    """Create the project under ``tmp_path/tinyproj`` with one commit per cost factor."""
    root = Path(tmp_path) / "tinyproj"
    home = Path(tmp_path) / "home"
    home.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root, initial_branch="main")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    _write(root / "asv.conf.json", json.dumps(asv_config(python), indent=4))
    _write(root / ".gitignore", ".asv/\n")
    _write(root / "benchmarks" / "__init__.py", "")
    _write(root / "benchmarks" / "bench_work.py", BENCHMARKS.format(base=base_iterations))
    actor = git.Actor("ttsbench tests", "tests@ttsbench.invalid")
    commits = []
    for index, factor in enumerate(factors):
        pyproject = PYPROJECT.format(index=index)
        if index in broken:
            pyproject = pyproject.replace(f'version = "0.0.{index}"', 'version = "not a version"')
        _write(root / "pyproject.toml", pyproject)
        _write(
            root / "src" / "tinyproj" / "__init__.py",
            PACKAGE.format(factor=float(factor), base=base_iterations),
        )
        repo.index.add(
            ["asv.conf.json", ".gitignore", "pyproject.toml", "benchmarks/__init__.py",
             "benchmarks/bench_work.py", "src/tinyproj/__init__.py"]
        )
        commit = repo.index.commit(
            f"commit {index}: work factor {factor}{' (broken build)' if index in broken else ''}",
            author=actor,
            committer=actor,
        )
        commits.append(commit.hexsha)
    return AsvProject(root=root, commits=commits, home=home, broken=frozenset(broken))


def run_asv(project: AsvProject, *args: str, check: bool = True, timeout: float = 600):
    """``python -m asv ARGS`` in the project, non-interactive, output captured."""
    env = dict(os.environ, HOME=str(project.home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    completed = subprocess.run(
        [sys.executable, "-m", "asv", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"asv {' '.join(args)} exited {completed.returncode}\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return completed


def run_benchmarks(project: AsvProject, commits=None, *extra: str):
    """Benchmark ``commits`` (default all) with samples recorded and rounds interleaved.

    Interleaving spreads each commit's samples over the whole run, so a burst of load from
    other jobs hits every commit alike. asv exits non-zero when a build fails, so the exit
    status is checked only when no commit of the project is broken.
    """
    run_asv(project, "machine", "--yes", "--machine", project.machine)
    hashfile = project.home / "commits.txt"
    hashfile.write_text("\n".join(commits or project.commits) + "\n", encoding="utf-8")
    return run_asv(
        project, "run", f"HASHFILE:{hashfile}", "--machine", project.machine,
        "--record-samples", "--interleave-rounds", "--show-stderr", *extra,
        check=not project.broken,
    )
