"""Find the commit between GOOD and BAD that made a benchmark slower, with a test at every step.

asv builds and runs each probed commit (samples appended to the asv results, so they join the
history); every step is a Mann-Whitney U test on the repeated samples, an undecided step takes
more samples, and commits that fail to build or run are skipped.

Exit codes: 0 no significant regression in GOOD..BAD; 1 a culprit was found; 2 bad usage, or
no decision within --max-runs.
"""

from __future__ import annotations

import argparse

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, TtsbenchError
from ttsbench.track.config import DEFAULT_MAX_RUNS as MAX_RUNS


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, got {text!r}")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 2, got {text!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("good", metavar="GOOD", help="a commit known to be fast (any git revision)")
    parser.add_argument("bad", metavar="BAD", help="a later commit known to be slow")
    _options.add_bench_option(
        parser, required=True, help="asv benchmark regex; the series that regressed most is followed")
    parser.add_argument("--machine", "-m", help="asv machine name (default: this host's entry)")
    parser.add_argument("--alpha", type=_probability,
                        help="significance level of each test (default: [tool.ttsbench] alpha)")
    parser.add_argument("--max-runs", type=_positive, default=MAX_RUNS,
                        help="most benchmark runs in all (default: %(default)s)")
    _options.add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    from ttsbench.track import bisect as bisecting
    from ttsbench.track import gitrepo
    from ttsbench.track.bisect_asv import AsvMeasurements

    if not args.config.is_file():
        raise TtsbenchError(f"no asv configuration at {args.config}; run from the project or pass --config")
    settings = _options.tracker_config(args, "bisect")
    alpha = args.alpha if args.alpha is not None else settings.alpha
    max_runs = args.max_runs
    regex = _options.bench_pattern(args).pattern
    repo = gitrepo.require_repo(args.config.resolve().parent)
    commits = gitrepo.commits_between(repo, args.good, args.bad)
    print(
        f"bisect: {len(commits) - 1} commits after GOOD {commits[0][:10]} up to BAD "
        f"{commits[-1][:10]}, --bench {regex!r}, alpha {alpha:g}, at most {max_runs} runs",
        flush=True,
    )
    source = AsvMeasurements(args.config, regex, args.machine, commits)
    report = bisecting.bisect(
        commits, source, alpha=alpha, noise_floor=settings.noise_floor,
        margin=settings.severity["medium"], thresholds=settings.severity, max_runs=max_runs,
        log=lambda line: print(line, flush=True),
    )
    for line in format_report(report, alpha):
        print(line)
    return EXIT_OK if report.outcome == "clean" else EXIT_REGRESSION


def format_report(report, alpha: float) -> list[str]:
    """The closing lines of a bisection, as printed."""
    if report.outcome == "clean":
        lines = [f"no significant regression in this range ({report.runs} benchmark runs)"]
    else:
        change = report.change
        direction = "higher is better" if report.higher_is_better else "lower is better"
        lines = [
            f"culprit: {report.culprit} (parent {report.parent[:10]})",
            f"  {report.series.label}: ratio {change.ratio:.3f} "
            f"[{change.ratio_ci_low:.3f}, {change.ratio_ci_high:.3f}] ({1 - alpha:.0%} CI), "
            f"p={change.p_value:.2g}, severity {report.severity} "
            f"({change.n_base} vs {change.n_head} samples, {report.unit or 'value'}, {direction})",
            f"  {report.runs} benchmark runs",
        ]
        if report.skipped:
            lines.append(
                "  skipped (failed to build or run): "
                + ", ".join(commit[:10] for commit in report.skipped)
            )
    lines.extend(f"  note: {note}" for note in report.notes)
    return lines
