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

from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, TtsbenchError

FORMATS = ("table", "markdown", "json")
SEVERITIES = ("low", "medium", "high", "critical")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ttsbench.track.protocol import Protocol

    parser.add_argument("base", metavar="BASE", help="the reference commit (any git revision)")
    parser.add_argument("head", metavar="HEAD", help="the commit under test")
    parser.add_argument("--bench", default=Protocol.bench, help="asv benchmark regex (default: %(default)s)")
    parser.add_argument("--rounds", default=str(Protocol.rounds),
                        help="independent asv rounds per side (default: %(default)s)")
    parser.add_argument("--machine", default=Protocol.machine, help="asv machine name (default: %(default)s)")
    parser.add_argument("--device", default=os.environ.get("TTSBENCH_DEVICE", "cpu"),
                        help="TTSBENCH_DEVICE series to run (default: $TTSBENCH_DEVICE or cpu)")
    parser.add_argument("--config", default="asv.conf.json", help="asv.conf.json (default: %(default)s)")
    parser.add_argument("--results", default=".asv/results",
                        help="stored results read for the run-to-run spread, never written (default: %(default)s)")
    parser.add_argument("--workdir", help="where the rounds are recorded (default: a new dir under .asv/gate)")
    parser.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 on a regression this severe or worse (default: [tool.ttsbench] fail_on)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")


def _rounds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise TtsbenchError(f"--rounds {text!r} is not an integer; use e.g. --rounds 10") from None


def _resolve(repo, rev: str) -> str:
    import git

    try:
        return repo.commit(rev).hexsha
    except (git.GitError, git.BadName, git.BadObject, ValueError) as exc:
        raise TtsbenchError(f"unknown commit {rev!r} in {repo.working_dir} ({type(exc).__name__}); "
                            "pass a branch, tag or hash git knows") from None


def run(args: argparse.Namespace) -> int:
    import tempfile

    from ttsbench.track import report
    from ttsbench.track.compare import exceeds
    from ttsbench.track.config import load_config
    from ttsbench.track.gate import measure_and_compare
    from ttsbench.track.loader import find_repository
    from ttsbench.track.protocol import Protocol

    protocol = Protocol(rounds=_rounds(args.rounds), bench=args.bench, machine=args.machine,
                        select={"TTSBENCH_DEVICE": args.device})
    asv_config = Path(args.config)
    if not asv_config.is_file():
        raise TtsbenchError(f"no asv config at {asv_config}; run in the project or pass --config asv.conf.json")
    repo = find_repository(asv_config.resolve().parent)
    if repo is None:
        raise TtsbenchError(f"{asv_config.resolve().parent} is not in a git repository; the gate measures commits")
    base, head = _resolve(repo, args.base), _resolve(repo, args.head)
    config = load_config()
    fail_on = args.fail_on or config.fail_on
    if args.workdir:
        workdir = Path(args.workdir)
    else:
        root = asv_config.resolve().parent / ".asv" / "gate"
        root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{base[:8]}-{head[:8]}-", dir=root))
    result = measure_and_compare(
        base, head, asv_config=asv_config, workdir=workdir, config=config, protocol=protocol,
        results_dir=args.results, progress=lambda line: print(f"ttsbench gate: {line}", file=sys.stderr),
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
