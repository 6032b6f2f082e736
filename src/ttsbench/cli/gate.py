"""The PR gate: measure BASE and HEAD in independent interleaved asv rounds, compare, verdict.

Runs ``asv run -a rounds=1`` once per round and side (``--rounds`` per side, alternating which
side goes first) into a work dir of its own (default: a new dir under .asv/gate), never into
the project's results; keeps only ``--device``'s series (a CPU job neither runs nor lists the
cuda series); compares the rounds as clusters (Welch's t on log per-round medians; see
docs/statistics.md) with the stored history of ``--machine`` in ``--results`` as the run-to-run
spread when there is one; prints the verdict first. BASE may equal HEAD (an A/A check).
Exit codes: 0 no regression at or above --fail-on; 1 such a regression; 2 bad input, or nothing
measured on both sides (e.g. a commit that fails to build).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, TtsbenchError
from ttsbench.track.config import SEVERITY_NAMES

FORMATS = ("table", "markdown", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ttsbench.track.protocol import Protocol

    parser.add_argument("base", metavar="BASE", help="the reference commit (any git revision)")
    parser.add_argument("head", metavar="HEAD", help="the commit under test")
    _options.add_results_options(parser, env=False)
    _options.add_bench_option(parser, help=f"asv benchmark regex (default: {Protocol.bench})")
    parser.add_argument("--rounds", default=str(Protocol.rounds),
                        help="independent asv rounds per side (default: %(default)s)")
    parser.add_argument("--device", default=os.environ.get("TTSBENCH_DEVICE", "cpu"),
                        help="TTSBENCH_DEVICE series to run (default: $TTSBENCH_DEVICE or cpu)")
    parser.add_argument("--workdir", help="where the rounds are recorded (default: a new dir under .asv/gate)")
    parser.add_argument("--fail-on", choices=SEVERITY_NAMES, help="exit 1 on a regression this severe or worse (default: [tool.ttsbench] fail_on)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")


def _rounds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise TtsbenchError(f"--rounds {text!r} is not an integer; use e.g. --rounds 10") from None


def _resolve(repo, rev: str) -> str:
    from ttsbench.track.gitrepo import full_hash

    full = full_hash(repo, rev)
    if full is None:
        raise TtsbenchError(f"unknown commit {rev!r} in {repo.working_dir}; pass a branch, tag or hash git knows")
    return full


def run(args: argparse.Namespace) -> int:
    import tempfile

    from ttsbench.track import report
    from ttsbench.track.compare import exceeds
    from ttsbench.track.gate import measure_and_compare
    from ttsbench.track.gitrepo import require_repo
    from ttsbench.track.protocol import Protocol

    _options.bench_pattern(args)  # a bad regex is one line here, not asv's traceback
    protocol = Protocol(rounds=_rounds(args.rounds), bench=args.bench or Protocol.bench,
                        machine=args.machine or Protocol.machine, select={"TTSBENCH_DEVICE": args.device})
    _options.asv_conf(args, required=True)
    asv_config = Path(args.config)
    repo = require_repo(asv_config.resolve().parent)
    base, head = _resolve(repo, args.base), _resolve(repo, args.head)
    config = _options.tracker_config(args, "gate")
    fail_on = args.fail_on or config.fail_on
    if args.workdir:
        workdir = Path(args.workdir)
    else:
        root = asv_config.resolve().parent / ".asv" / "gate"
        root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{base[:8]}-{head[:8]}-", dir=root))
    result = measure_and_compare(
        base, head, asv_config=asv_config, workdir=workdir, config=config, protocol=protocol,
        results_dir=_options.results_dir(args), progress=lambda line: print(f"ttsbench gate: {line}", file=sys.stderr),
    )
    print(f"ttsbench gate: {protocol.rounds} rounds a side in {result.wall_s:.0f} s; rounds in {workdir}",
          file=sys.stderr)
    if args.format == "table":
        print(report.format_table(result.rows, base, head, fail_on))
    elif args.format == "markdown":
        sys.stdout.write(report.format_markdown(result.rows, base, head, fail_on))
    else:
        sys.stdout.write(report.format_json(result.rows))
    return EXIT_REGRESSION if exceeds(result.rows, fail_on) else EXIT_OK
