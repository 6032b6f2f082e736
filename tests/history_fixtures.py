"""Histories with planted steps: a git repository, asv results (format v2) and asv.conf.json.

``write_history(root, n_commits=..., benchmarks=..., params=..., steps=...)`` makes ``root/repo``
(one commit per history point, made with ``git fast-import``, authors and subjects known), results
in ``root/repo/.asv/results`` for one machine, and ``root/repo/asv.conf.json`` so that both
``asv publish`` and ``ttsbench publish`` run on it. ``steps`` maps a series (benchmark, size) to
``[(commit_index, factor), ...]``: the level is multiplied by ``factor`` from that commit on.
Also used by tools/time_history.py for the timings in docs/history.md.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np

from asvresults import bench, write_benchmarks, write_result

MACHINE = "planted-box"
START_MS = 1_700_000_000_000
CONF = {
    "version": 1, "project": "planted", "project_url": "https://example.org/planted",
    "repo": ".", "branches": ["main"], "dvcs": "git", "environment_type": "virtualenv",
    "benchmark_dir": "benchmarks", "results_dir": ".asv/results", "html_dir": ".asv/html",
}


@dataclasses.dataclass(frozen=True)
class History:
    repo: Path
    results: Path
    html: Path
    config: Path
    commits: list[str]


def make_repo(path: Path, n_commits: int) -> list[str]:
    """A git repository with ``n_commits`` linear commits on ``main``; their hashes, oldest first."""
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    chunks = []
    for i in range(n_commits):
        message = f"Change {i}: tune kernel {i % 7}\n".encode()
        content = f"step {i}\n".encode()
        author = f"Dev {i % 3} <dev{i % 3}@example.org> {START_MS // 1000 + 3600 * i} +0000"
        chunks.append(
            b"commit refs/heads/main\n" + f"mark :{i + 1}\n".encode()
            + f"author {author}\ncommitter {author}\n".encode()
            + f"data {len(message)}\n".encode() + message
            + (f"from :{i}\n".encode() if i else b"")
            + b"M 644 inline state.txt\n" + f"data {len(content)}\n".encode() + content + b"\n"
        )
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(chunks), cwd=path, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    hashes = subprocess.run(["git", "rev-list", "--reverse", "main"], cwd=path, check=True,
                            capture_output=True, text=True).stdout.split()
    return hashes


def write_history(root: Path, *, n_commits: int = 60, benchmarks: int = 2, sizes=(10, 20),
                  steps: dict | None = None, noise: float = 0.01, samples: int = 0,
                  seed: int = 0) -> History:
    """A history of ``benchmarks x len(sizes)`` series with the planted ``steps``."""
    repo = root / "repo"
    commits = make_repo(repo, n_commits)
    results = repo / CONF["results_dir"]
    (repo / "asv.conf.json").write_text(json.dumps(CONF, indent=1))
    (repo / ".gitignore").write_text(".asv/\n")
    names = [f"bench_planted.TimeKernel.time_kernel_{b}" for b in range(benchmarks)]
    write_benchmarks(results, {
        name: {"param_names": ["size"], "params": [[str(s) for s in sizes]]} for name in names
    })
    rng = np.random.default_rng(seed)
    steps = steps or {}
    levels = {
        (name, size): _levels(n_commits, steps.get((name, size), []), 1e-3 * size)
        for name in names for size in sizes
    }
    for i, commit in enumerate(commits):
        entries = {}
        for name in names:
            values, runs = [], []
            for size in sizes:
                centre = levels[(name, size)][i] * np.exp(rng.normal(0, noise))
                if samples:
                    run = centre * np.exp(rng.normal(0, noise / 2, samples))
                    runs.append([float(x) for x in run])
                    values.append(float(np.median(run)))
                else:
                    values.append(float(centre))
            entries[name] = bench(values, samples=runs or None, params=[[str(s) for s in sizes]],
                                  stats=bool(samples))
        write_result(results, MACHINE, commit, entries, date=START_MS + 3_600_000 * i)
    return History(repo=repo, results=results, html=repo / CONF["html_dir"],
                   config=repo / "asv.conf.json", commits=commits)


def _levels(n: int, steps, base: float) -> np.ndarray:
    level = np.full(n, base)
    for index, factor in steps:
        level[index:] *= factor
    return level


@dataclasses.dataclass(frozen=True)
class RunnerSeries:
    """One series as a hosted CI runner records it: per-commit medians, raw samples, asv's CI."""

    values: np.ndarray
    samples: np.ndarray | None = None  # commits x samples
    ci_low: np.ndarray | None = None
    ci_high: np.ndarray | None = None

    def head(self, n: int) -> "RunnerSeries":
        columns = (self.values, self.samples, self.ci_low, self.ci_high)
        return RunnerSeries(*(None if column is None else column[:n] for column in columns))


def ci_runner_series(rng, n: int, steps=(), *, drift=None, within: float = 0.015,
                     samples: int = 10, disturbed: float = 0.02,
                     disturbance: float = 1.2) -> RunnerSeries:
    """``n`` commits of CI-runner noise with the ``steps`` ``[(index, factor), ...]`` planted.

    Every run (commit) is offset by a log-normal factor of spread ``drift`` (default: drawn
    from 2-3 %, the spread between runs of unchanged code on hosted runners); a share
    ``disturbed`` of runs is slowed by ``disturbance`` as a whole (a noisy neighbour); the
    ``samples`` raw samples of a run spread by ``within`` around it. Stats as asv computes them.
    """
    from asv_runner.statistics import compute_stats

    drift = rng.uniform(0.02, 0.03) if drift is None else drift
    level = _levels(n, steps, 1.0)
    run = np.exp(rng.normal(0, drift, n)) * np.where(rng.random(n) < disturbed, disturbance, 1.0)
    raw = (level * run)[:, None] * np.exp(rng.normal(0, within, (n, samples)))
    stats = [compute_stats(list(row), 1)[1] for row in raw]
    return RunnerSeries(
        values=np.median(raw, axis=1), samples=raw,
        ci_low=np.array([s["ci_99_a"] for s in stats], float),
        ci_high=np.array([s["ci_99_b"] for s in stats], float),
    )
