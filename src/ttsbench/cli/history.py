"""Find every change (regressions, improvements, fixed ones) in the stored asv history.

Each series (machine x env x benchmark x params) is scanned for steps with a robust window test
and confirmed segment against segment (raw samples where stored, per-commit values and CIs where
not); see docs/history.md. Works from a results directory alone (commits ordered by their stored
dates); with the git repository at hand, commits are ordered by git and get author and subject.
A change measured on fewer than 10 commits so far is `tentative` (the next commits or
`ttsbench confirm COMMIT` decide); a re-measured one is `confirmed` or `refuted`.
Results and analysis are cached (default .asv/ttsbench-cache/), so a new commit costs little.

Exit codes: 0 done (changes are reported, not judged), 2 bad usage or no results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK

DEFAULT_CACHE = Path(".asv/ttsbench-cache")
FIELDS = [
    "benchmark", "params", "machine", "env", "unit", "commit", "prev_commit", "date", "before",
    "after", "ratio", "ci_low", "ci_high", "p_value", "severity", "kind", "fixed_by", "status",
    "commits_at_level", "to_confirm", "author", "subject",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _options.add_results_options(parser)
    _options.add_bench_option(parser)
    parser.add_argument("--since", metavar="COMMIT",
                        help="only changes at or after this commit (the analysis still sees all)")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
    add_history_options(parser)


def add_history_options(parser: argparse.ArgumentParser) -> None:
    """``--repo`` and ``--cache``, shared with ``ttsbench confirm``."""
    parser.add_argument("--repo", type=Path, default=Path("."),
                        help="git repository for commit order and metadata (default: here)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                        help="cache of loaded results and changes, outside asv's results "
                             "(default: %(default)s)")


def load(args: argparse.Namespace, command: str, since: str | None = None):
    """:func:`ttsbench.track.history_load.load_history` with this command line's options."""
    from ttsbench.track import gitrepo
    from ttsbench.track.history_load import load_history

    return load_history(
        _options.results_dir(args), config=_options.tracker_config(args, command),
        repo=gitrepo.open_repo(args.repo), cache_dir=args.cache, machine=args.machine,
        env=args.env, bench=_options.bench_pattern(args), since=since,
    )


def run(args: argparse.Namespace) -> int:
    loaded = load(args, "history", since=args.since)
    _options.print_warnings("history", loaded.warnings)
    rows = [change.row() for change in loaded.changes]
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

    tentative = sum(row["status"] == "tentative" for row in rows)
    table = Table(title=f"{len(rows)} changes ({tentative} tentative)", title_justify="left")
    for column in ("commit", "kind", "severity", "status", "ratio [CI]", "p", "benchmark",
                   "machine", "fixed by"):
        table.add_column(column, no_wrap=column in ("commit", "ratio [CI]"))
    for row in rows:
        status = row["status"]
        if row["to_confirm"]:
            status += f" ({row['commits_at_level']} commits; needs {row['to_confirm']})"
        table.add_row(
            row["commit"][:10], row["kind"], row["severity"], status,
            f"{row['ratio']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
            f"{row['p_value']:.1e}", series_name(row["benchmark"], row["param_key"]),
            f"{row['machine']}/{row['env']}", (row["fixed_by"] or "")[:10],
        )
    Console(width=200).print(table)
