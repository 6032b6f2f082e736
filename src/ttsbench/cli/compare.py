"""Compare two commits' asv results: p-value, CI of the ratio, effect size and severity per benchmark.

BASE and HEAD are anything git takes (main, HEAD~1, a hash prefix) when run inside the
repository, else hash prefixes or full hashes of commits that have results.
Rows whose values make no sense (not finite, not positive for a time or size, a row whose
columns do not fit) are listed as "invalid" with the reason and never measured.
Exit codes: 0 no regression at or above --fail-on; 1 such a regression; 2 usage or data error
(unknown commit, BASE equal to HEAD, no results, nothing measured on both sides).
"""

from __future__ import annotations

import argparse
import sys

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, TtsbenchError
from ttsbench.track.config import OUTLIER_RULES, SEVERITY_NAMES

FORMATS = ("table", "markdown", "json", "csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="the reference commit")
    parser.add_argument("head", metavar="HEAD", help="the commit under test")
    _options.add_results_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")
    parser.add_argument("--alpha", type=float, help="false-discovery rate (default: [tool.ttsbench] alpha)")
    parser.add_argument("--fail-on", choices=SEVERITY_NAMES, help="exit 1 on a regression this severe or worse (default: [tool.ttsbench] fail_on)")
    parser.add_argument("--remove-outliers", choices=OUTLIER_RULES, help="drop samples flagged by this rule before testing (default: only report them)")


def load_pair(args, config, command: str = "compare"):
    """(frame, base hash, head hash) for the two revisions named on the command line."""
    from ttsbench.track import gitrepo
    from ttsbench.track.loader import load_results, resolve_commit

    if args.alpha is not None and not 0 < args.alpha < 1:
        raise TtsbenchError(f"--alpha {args.alpha} is not between 0 and 1; use e.g. 0.05")
    repo = gitrepo.open_repo()
    results = _options.results_dir(args)
    frame = load_results(results, machine=args.machine, env=args.env, repo=repo,
                         higher_is_better=config.higher_is_better)
    warnings = frame.attrs.get("warnings", [])
    _options.print_warnings(command, warnings)
    commits = frame["commit"].unique()
    base, head = (_resolve(rev, commits, repo, warnings, resolve_commit) for rev in (args.base, args.head))
    if base == head:
        raise TtsbenchError(
            f"BASE {args.base} and HEAD {args.head} are the same commit {base[:12]}; "
            "compare two different commits"
        )
    return frame, base, head


def _resolve(rev, commits, repo, warnings, resolve_commit) -> str:
    """``resolve_commit``, naming the skipped result file when that is why ``rev`` has no results."""
    try:
        return resolve_commit(rev, commits, repo)
    except TtsbenchError as error:
        from ttsbench.track.gitrepo import full_hash

        prefix = (full_hash(repo, rev) or rev.lower())[:8]
        skipped = [line for line in warnings if line.startswith("skipped ") and f"/{prefix}" in line]
        if skipped:
            raise TtsbenchError(
                f"the results of {rev} were not read ({skipped[0]}); fix or re-run asv on that commit"
            ) from None
        raise error from None


def run(args: argparse.Namespace) -> int:
    from ttsbench.track import report
    from ttsbench.track.compare import compare_commits, exceeds, require_measurement

    config = _options.tracker_config(args, "compare")
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
