"""Time `ttsbench history` and `ttsbench publish` beside plain `asv publish` (docs/history.md).

Two histories, each in a temporary git repository so that asv publish can run on it:

* ``blas``: the shared BLAS-Benchmarks results, their commits re-created (in stored-date order)
  as commits of a new repository and the result files re-keyed to them (same values);
* ``synthetic``: ``--commits`` commits x ``--series`` series (tests/history_fixtures.py), one
  machine, 1 % noise, ``--samples`` raw samples per result (default 10).

For each: asv publish; ttsbench history cold (no cache), warm (cache) and after one new commit;
ttsbench publish (which runs asv publish too) cold, warm and after one new commit. Each cell is
wall-clock seconds and, in brackets, CPU seconds (user + system) and peak RSS of the command;
the load average before the runs is in its own column (the box is shared).

    .venv/bin/python tools/time_history.py [--commits 2000] [--series 300] [--samples 10]
        [--only blas|synthetic] [--history-only] [--keep /tmp/DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from history_fixtures import CONF, make_repo, write_history  # noqa: E402
from shared_data import blas_results, missing_reason  # noqa: E402 -- tools/shared_data.py
from timing import user_env  # noqa: E402 -- tools/timing.py

BLAS_RESULTS = blas_results()
TTSBENCH = [sys.executable, "-m", "ttsbench"]


def timed(command: list[str], cwd: Path) -> str:
    """Wall-clock and CPU (user + system) seconds and peak RSS of one run (the box is shared:
    CPU is steadier than wall-clock), run as a user's install runs (``timing.user_env``)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log, env=user_env())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {log.read().decode()[-400:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return f"{wall:.1f} s ({cpu:.1f} s CPU, {usage.ru_maxrss / 1024:.0f} MB)"


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


def synthetic_repo(root: Path, commits: int, series: int, samples: int) -> tuple[Path, list[Path]]:
    sizes = tuple(range(1, 11))
    if (root / "repo").is_dir():  # kept from an earlier run (--keep)
        newest = subprocess.run(["git", "rev-parse", "main"], cwd=root / "repo", capture_output=True,
                                text=True, check=True).stdout.strip()
        return root / "repo", list((root / "repo" / CONF["results_dir"]).glob(f"*/{newest[:8]}-*.json"))
    history = write_history(root, n_commits=commits + 1, benchmarks=series // len(sizes), sizes=sizes,
                            samples=samples,
                            steps={("bench_planted.TimeKernel.time_kernel_0", 1): [(commits // 2, 1.1)]})
    return history.repo, list(history.results.glob(f"*/{history.commits[-1][:8]}-*.json"))


def measure(name: str, repo: Path, last: list[Path], history_only: bool) -> dict:
    """Timings with the last commit's results held back, then added (the incremental case)."""
    held = repo.parent / "held"
    held.mkdir()
    for path in last:
        shutil.move(path, held / f"{path.parent.name}--{path.name}")
    history = [*TTSBENCH, "history", "--format", "json"]
    publish = [*TTSBENCH, "publish"]
    shutil.rmtree(repo / ".asv" / "ttsbench-cache", ignore_errors=True)
    row = {"history": name, "load average": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    if not history_only:
        row["asv publish"] = timed([sys.executable, "-m", "asv", "publish"], repo)
    row["history cold"] = timed(history, repo)
    row["history warm"] = timed(history, repo)
    if not history_only:
        row["publish cold"] = timed(publish, repo)
        row["publish warm"] = timed(publish, repo)
    for path in held.iterdir():
        machine, _, file_name = path.name.partition("--")
        shutil.move(path, repo / CONF["results_dir"] / machine / file_name)
    held.rmdir()
    row["history +1 commit"] = timed(history, repo)
    if not history_only:
        row["publish +1 commit"] = timed(publish, repo)
        row["asv publish +1 commit"] = timed([sys.executable, "-m", "asv", "publish"], repo)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--samples", type=int, default=10, help="raw samples per result")
    parser.add_argument("--only", choices=["blas", "synthetic"])
    parser.add_argument("--history-only", action="store_true", help="time ttsbench history only")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write (or reuse) the synthetic history under DIR, e.g. in /tmp")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        if args.only in (None, "blas"):
            repo, last = blas_repo(Path(temporary) / "blas")
            rows.append(measure("BLAS (3 machines, ~90 commits, 1044 series)", repo, last,
                                args.history_only))
        if args.only in (None, "synthetic"):
            started = time.perf_counter()
            repo, last = synthetic_repo(folder / "synthetic", args.commits, args.series, args.samples)
            print(f"synthetic history ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            rows.append(measure(f"synthetic ({args.commits} commits x {args.series} series x "
                                f"{args.samples} samples)", repo, last, args.history_only))
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
