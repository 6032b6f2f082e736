"""Time `ttsbench history` and `ttsbench publish` beside plain `asv publish` (docs/history.md).

Two histories, each in a temporary git repository so that asv publish can run on it:

* ``blas``: the shared BLAS-Benchmarks results, their commits re-created (in stored-date order)
  as commits of a new repository and the result files re-keyed to them (same values);
* ``synthetic``: ``--commits`` commits x ``--series`` series (tests/history_fixtures.py), one
  machine, 1 % noise, no samples.

For each: asv publish; ttsbench history cold (no cache), warm (cache) and after one new commit;
ttsbench publish (which runs asv publish too) cold, warm and after one new commit. Each cell is
wall-clock seconds and, in brackets, CPU seconds (user + system) of the command.

    .venv/bin/python tools/time_history.py [--commits 2000] [--series 300] [--only blas|synthetic]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from history_fixtures import CONF, make_repo, write_history  # noqa: E402
from shared_data import blas_results, missing_reason  # noqa: E402 -- tools/shared_data.py
from timing import run_timed  # noqa: E402 -- tools/timing.py

BLAS_RESULTS = blas_results()
TTSBENCH = [sys.executable, "-m", "ttsbench"]


def timed(command: list[str], cwd: Path) -> str:
    """Wall-clock and CPU (user + system) seconds of one run: the box is shared, CPU is steadier."""
    _, wall, cpu = run_timed(command, cwd)
    return f"{wall:.1f} s ({cpu:.1f} s CPU)"


def blas_repo(root: Path) -> tuple[Path, Path]:
    """BLAS results re-keyed to the commits of a fresh repository; (repo, last result files)."""
    if not BLAS_RESULTS.is_dir():
        sys.exit(f"time_history: {missing_reason(BLAS_RESULTS)}")
    files = {}
    for path in BLAS_RESULTS.glob("*/*.json"):
        if path.name != "machine.json":
            data = json.loads(path.read_text())
            files.setdefault(data["commit_hash"], []).append((path, data))
    commits = sorted(files, key=lambda c: min(int(d["date"]) for _, d in files[c]))
    repo = root / "repo"
    hashes = make_repo(repo, len(commits))
    results = repo / CONF["results_dir"]
    for machine in BLAS_RESULTS.iterdir():
        if machine.is_dir():
            (results / machine.name).mkdir(parents=True)
            shutil.copy(machine / "machine.json", results / machine.name)
    shutil.copy(BLAS_RESULTS / "benchmarks.json", results)
    last = []
    for old, new in zip(commits, hashes):
        for path, data in files[old]:
            data["commit_hash"] = new
            target = results / path.parent.name / f"{new[:8]}-{data['env_name']}.json"
            target.write_text(json.dumps(data))
            if old == commits[-1]:
                last.append(target)
    (repo / "asv.conf.json").write_text(json.dumps(CONF, indent=1))
    return repo, last


def synthetic_repo(root: Path, commits: int, series: int) -> tuple[Path, list[Path]]:
    sizes = tuple(range(1, 11))
    history = write_history(root, n_commits=commits + 1, benchmarks=series // len(sizes), sizes=sizes,
                            steps={("bench_planted.TimeKernel.time_kernel_0", 1): [(commits // 2, 1.1)]})
    return history.repo, list(history.results.glob(f"*/{history.commits[-1][:8]}-*.json"))


def measure(name: str, repo: Path, last: list[Path]) -> dict:
    """Timings with the last commit's results held back, then added (the incremental case)."""
    held = repo.parent / "held"
    held.mkdir()
    for path in last:
        shutil.move(path, held / f"{path.parent.name}--{path.name}")
    history = [*TTSBENCH, "history", "--format", "json"]
    publish = [*TTSBENCH, "publish"]
    row = {"history": name}
    row["asv publish"] = timed([sys.executable, "-m", "asv", "publish"], repo)
    row["history cold"] = timed(history, repo)
    row["history warm"] = timed(history, repo)
    row["publish cold"] = timed(publish, repo)
    row["publish warm"] = timed(publish, repo)
    for path in held.iterdir():
        machine, _, file_name = path.name.partition("--")
        shutil.move(path, repo / CONF["results_dir"] / machine / file_name)
    row["history +1 commit"] = timed(history, repo)
    row["publish +1 commit"] = timed(publish, repo)
    row["asv publish +1 commit"] = timed([sys.executable, "-m", "asv", "publish"], repo)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--only", choices=["blas", "synthetic"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "blas"):
            repo, last = blas_repo(Path(folder) / "blas")
            rows.append(measure("BLAS (3 machines, ~90 commits, 1044 series)", repo, last))
        if args.only in (None, "synthetic"):
            started = time.perf_counter()
            repo, last = synthetic_repo(Path(folder) / "synthetic", args.commits, args.series)
            print(f"synthetic history written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            rows.append(measure(f"synthetic ({args.commits} commits x {args.series} series)", repo, last))
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
