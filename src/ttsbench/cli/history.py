"""Find every change (regressions, improvements, fixed ones) in the stored asv history.

Each series (machine x env x benchmark x params) is scanned for steps with a robust window test
and confirmed segment against segment (raw samples where stored, per-commit values and CIs where
not); see docs/history.md. Works from a results directory alone (commits ordered by their stored
dates); with the git repository at hand, commits are ordered by git and get author and subject.
Results are cached under .asv/ttsbench-cache/, so a new commit re-analyses only its window.

Exit codes: 0 done (changes are reported, not judged), 2 bad usage or no results.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ttsbench.errors import EXIT_OK, TtsbenchError

DEFAULT_RESULTS = Path(".asv/results")
DEFAULT_CACHE = Path(".asv/ttsbench-cache")
FIELDS = [
    "benchmark", "params", "machine", "env", "unit", "commit", "prev_commit", "date", "before",
    "after", "ratio", "ci_low", "ci_high", "p_value", "severity", "kind", "fixed_by", "author",
    "subject",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, metavar="DIR",
                        help="asv results directory (default: %(default)s)")
    parser.add_argument("--machine", metavar="M", help="only this machine")
    parser.add_argument("--env", metavar="E", help="only this environment (asv env name)")
    parser.add_argument("--benchmark", metavar="REGEX", help="only benchmarks matching this regex")
    parser.add_argument("--since", metavar="COMMIT",
                        help="only changes at or after this commit (the analysis still sees all)")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
    parser.add_argument("--repo", type=Path, default=Path("."),
                        help="git repository for commit order and metadata (default: here)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                        help="cache directory (default: %(default)s)")


def find_changes(args: argparse.Namespace):
    """The History of the selected series and its changes (with git metadata where known)."""
    from ttsbench.track import history
    from ttsbench.track.config import load_config
    from ttsbench.track.loader import find_repository, load_results, resolve_commit

    pattern = _compile(args.benchmark)
    repo = args.repo if find_repository(args.repo) else None  # else order by stored dates
    frame = load_results(args.results, machine=args.machine, env=args.env, repo=repo)
    if pattern is not None:
        frame = frame[frame["benchmark"].map(lambda name: bool(pattern.search(name)))]
        if frame.empty:
            raise TtsbenchError(
                f"no benchmark in {args.results} matches --benchmark {args.benchmark!r}; "
                "check the regex against `asv show` names"
            )
    found = history.analyse(history.build_series(frame), load_config(), args.cache)
    changes = found.changes
    if args.since:
        since = resolve_commit(args.since, frame["commit"].unique(), repo=repo)
        first = frame.loc[frame["commit"] == since, "order"].min()
        order = frame.drop_duplicates("commit").set_index("commit")["order"]
        changes = [c for c in changes if order[c.commit] >= first]
    metadata = history.commit_metadata(repo, [c.commit for c in changes])
    changes = history.with_metadata(changes, metadata)
    changes.sort(key=lambda c: (c.date, c.machine, c.benchmark, c.param_key))
    return found, changes, frame.attrs.get("warnings", [])


def run(args: argparse.Namespace) -> int:
    import sys

    from ttsbench.cli._options import print_warnings

    _, changes, warnings = find_changes(args)
    print_warnings("history", warnings)
    rows = [change.row() for change in changes]
    if args.format == "json":
        import json

        json.dump(rows, sys.stdout, indent=2, default=str)
        print()
    elif args.format == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**row, "params": row["param_key"]} for row in rows)
    else:
        _print_table(rows)
    return EXIT_OK


def _print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    from ttsbench.track.series import series_name

    table = Table(title=f"{len(rows)} changes", title_justify="left")
    for column in ("commit", "kind", "severity", "ratio [CI]", "p", "benchmark", "machine", "fixed by"):
        table.add_column(column, no_wrap=column in ("commit", "ratio [CI]"))
    for row in rows:
        name = series_name(row["benchmark"], row["param_key"])
        table.add_row(
            row["commit"][:10], row["kind"], row["severity"],
            f"{row['ratio']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
            f"{row['p_value']:.1e}", name, f"{row['machine']}/{row['env']}",
            (row["fixed_by"] or "")[:10],
        )
    Console(width=200).print(table)


def _compile(pattern: str | None):
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise TtsbenchError(f"--benchmark {pattern!r} is not a valid regex ({exc}); fix the pattern") from None
