"""Compare two commits' asv results: p-value, CI of the ratio, effect size and severity per benchmark.

BASE and HEAD are anything git takes (main, HEAD~1, a hash prefix) when run inside the
repository, else hash prefixes or full hashes of commits that have results.
Exit codes: 0 no regression at or above --fail-on; 1 such a regression; 2 usage or data error
(unknown commit, no results, nothing measured on both sides).
"""

from __future__ import annotations

import argparse
import sys

from ttsbench.errors import EXIT_OK, EXIT_REGRESSION

FORMATS = ("table", "markdown", "json", "csv")
SEVERITIES = ("low", "medium", "high", "critical")
OUTLIER_RULES = ("iqr", "z", "modified_z")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="the reference commit")
    parser.add_argument("head", metavar="HEAD", help="the commit under test")
    parser.add_argument("--results", default=".asv/results", help="asv results dir (default: %(default)s)")
    parser.add_argument("--machine", help="compare only this machine's results")
    parser.add_argument("--env", help="compare only this environment (e.g. virtualenv-py3.11)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")
    parser.add_argument("--alpha", type=float, help="false-discovery rate (default: [tool.ttsbench] alpha)")
    parser.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 on a regression this severe or worse (default: [tool.ttsbench] fail_on)")
    parser.add_argument("--remove-outliers", choices=OUTLIER_RULES, help="drop samples flagged by this rule before testing (default: only report them)")
    parser.add_argument("--config", help="pyproject.toml holding [tool.ttsbench] (default: the nearest one)")


def load_pair(args, config):
    """(frame, base hash, head hash) for the two revisions named on the command line."""
    from ttsbench.errors import TtsbenchError
    from ttsbench.track.loader import find_repository, load_results, resolve_commit

    if args.alpha is not None and not 0 < args.alpha < 1:
        raise TtsbenchError(f"--alpha {args.alpha} is not between 0 and 1; use e.g. 0.05")
    repo = find_repository()
    frame = load_results(args.results, machine=args.machine, env=args.env, repo=repo,
                         higher_is_better=config.higher_is_better)
    for line in frame.attrs.get("warnings", []):
        print(f"ttsbench: warning: {line}", file=sys.stderr)
    commits = frame["commit"].unique()
    return frame, resolve_commit(args.base, commits, repo), resolve_commit(args.head, commits, repo)


def run(args: argparse.Namespace) -> int:
    from ttsbench.track import report
    from ttsbench.track.compare import compare_commits, exceeds, require_measurement
    from ttsbench.track.config import load_config

    config = load_config(args.config)
    frame, base, head = load_pair(args, config)
    fail_on = args.fail_on or config.fail_on
    rows = compare_commits(frame, base, head, config=config, alpha=args.alpha,
                           outlier_rule=args.remove_outliers)
    require_measurement(rows, base, head)
    if args.format == "table":
        print(report.format_table(rows, base, head, fail_on))
    elif args.format == "markdown":
        sys.stdout.write(report.format_markdown(rows, base, head, fail_on))
    elif args.format == "json":
        sys.stdout.write(report.format_json(rows))
    else:
        sys.stdout.write(report.format_csv(rows))
    return EXIT_REGRESSION if exceeds(rows, fail_on) else EXIT_OK
