"""Time `ttsbench publish` beside `asv publish` on one generated history (docs/site.md).

A history of ``--commits`` commits x ``--benchmarks`` benchmarks (two parameter combinations
each, raw samples; tests/history_fixtures.py) with its last commit's results held back. In one
run: asv publish; ttsbench publish --no-asv cold (no cache, no site), warm (nothing new), and
after the held-back commit is added; then asv publish again; then, with the commit held back
again, ``publish --watch`` running: from the commit's results landing to its site. Each row: wall-clock seconds, CPU
seconds of the command, and ttsbench's own breakdown (load + history analysis, site build,
files written). Also prints the site's size and the sizes of its pages.

    .venv/bin/python tools/time_site.py [--commits 1000] [--benchmarks 120] [--samples 10]
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from history_fixtures import write_history  # noqa: E402
from timing import run_timed, user_env  # noqa: E402 -- tools/timing.py

ASV = [sys.executable, "-m", "asv", "publish"]
TTSBENCH = [sys.executable, "-m", "ttsbench", "publish", "--no-asv"]
BREAKDOWN = re.compile(r"(\d+) files written \(([\d.]+) MB\), (\d+) reused; load\+history ([\d.]+) s, "
                       r"asv publish [\d.]+ s, site ([\d.]+) s")


def timed(name: str, command: list[str], cwd: Path) -> dict:
    done, wall, cpu = run_timed(command, cwd)
    return _reported(name, {"wall s": f"{wall:.2f}", "CPU s": f"{cpu:.2f}"}, done.stdout)


def watched(name: str, last: list[Path], held: Path, cwd: Path) -> dict:
    """Seconds from the held-back results being written into the results dir, in place as asv
    writes them, to ``publish --watch`` reporting the site that has them (the watcher started
    and idle before)."""
    watcher = subprocess.Popen([*TTSBENCH, "--watch"], cwd=cwd, stdout=subprocess.PIPE, text=True,
                               env={**user_env(), "PYTHONUNBUFFERED": "1"})
    try:
        while not watcher.stdout.readline().startswith("watching "):
            pass
        time.sleep(1.0)  # idle, as a watcher is between two of asv's result files
        started = time.perf_counter()
        for path in last:
            shutil.copyfile(held / path.name, path)
        line = watcher.stdout.readline()
        wall = time.perf_counter() - started
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(60)
    return _reported(name, {"wall s": f"{wall:.2f}"}, line)


def _reported(name: str, times: dict, output: str) -> dict:
    """A table row: ``times`` and ttsbench's own breakdown from its ``output``; echoed with the
    load average."""
    row = {"run": name, **times}
    found = BREAKDOWN.search(output)
    if found:
        written, mb, reused, load, site = found.groups()
        row.update({"load+history s": load, "site s": site, "files written": f"{written} ({mb} MB)",
                    "reused": reused})
    print(f"{name}: {row} (load average {Path('/proc/loadavg').read_text().split()[:3]})", file=sys.stderr)
    return row


def page_sizes(site: Path) -> list[str]:
    tracker = site / "ttsbench"
    groups = {
        "benchmark pages": list((tracker / "benchmarks").glob("*.html")),
        "series data files": [p for p in (tracker / "data").rglob("*.js") if "commits-" not in p.name
                              and p.name != "manifest.js"],
        "commit files": list((tracker / "data").glob("commits-*.js")),
        "dashboard": [tracker / "index.html"], "commit page": [tracker / "commit.html"],
        "plotly.min.js": list((tracker / "static").glob("plotly-*.js")),
    }
    lines = []
    for name, files in groups.items():
        sizes = sorted(p.stat().st_size for p in files)
        if sizes:
            lines.append(f"| {name} | {len(sizes)} | {sizes[len(sizes) // 2] / 1024:.1f} KiB | "
                         f"{max(sizes) / 1024:.1f} KiB | {sum(sizes) / 1024 / 1024:.2f} MiB |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--benchmarks", type=int, default=120)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        history = write_history(Path(folder), n_commits=args.commits + 1, benchmarks=args.benchmarks,
                                samples=args.samples,
                                steps={("bench_planted.TimeKernel.time_kernel_0", 10): [(args.commits // 2, 1.3)]})
        print(f"history written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        repo = history.repo
        held = Path(folder) / "held"
        held.mkdir()
        last = list(history.results.glob(f"*/{history.commits[-1][:8]}-*.json"))
        for path in last:
            shutil.move(path, held / path.name)
        asv = [*ASV, "--html-dir", str(Path(folder) / "asv-html")]  # asv deletes its html dir first
        rows = [timed("asv publish", asv, repo), timed("ttsbench publish --no-asv, cold", TTSBENCH, repo),
                timed("ttsbench publish --no-asv, nothing new", TTSBENCH, repo)]
        for path in last:
            shutil.move(held / path.name, path)
        rows.append(timed("ttsbench publish --no-asv, +1 commit", TTSBENCH, repo))
        rows.append(timed("asv publish, +1 commit", asv, repo))
        for path in last:  # back to the history without it, then the watcher sees it arrive
            shutil.move(path, held / path.name)
        run_timed(TTSBENCH, repo)
        rows.append(watched("ttsbench publish --no-asv --watch, +1 commit", last, held, repo))
        columns = ["run", "wall s", "CPU s", "load+history s", "site s", "files written", "reused"]
        print(f"{args.commits} (+1) commits x {args.benchmarks} benchmarks x 2 parameters "
              f"({2 * args.benchmarks} series), {args.samples} raw samples per value\n")
        print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
        for row in rows:
            print("| " + " | ".join(row.get(c, "") for c in columns) + " |")
        print("\n| files | count | median | largest | total |\n|---|---|---|---|---|")
        print("\n".join(page_sizes(history.html)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
