"""Confirm or refute detected changes by re-measuring a commit against the one before it.

ttsbench confirm COMMIT re-runs COMMIT and the commit before it in the history (its parent when
every commit is measured) with the PR gate's protocol and statistics (independent asv rounds
per side in a work dir of their own, never into the project's results; see `ttsbench gate`)
and marks each change detected at COMMIT `confirmed` or `refuted` (`inconclusive`, not stored,
when the rounds saw no change and could not have seen one of the detected size). Without COMMIT, every
tentative regression not yet re-measured is confirmed in turn (what the nightly publish does
before the feed announces anything). Verdicts are stored beside asv's results
(../ttsbench-confirmations/verdicts.json) and read back by `ttsbench history` and the site.

Exit codes: 0 done, no regression confirmed; 1 a regression was confirmed; 2 bad input (a
commit not in the history, a regex matching nothing, no change at COMMIT) or a build that
failed ("could not confirm: failed to build": neither confirmed nor refuted).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ttsbench.cli import _options
from ttsbench.cli.history import add_history_options, load
from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, TtsbenchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("commit", nargs="?", metavar="COMMIT",
                        help="the first commit of a detected change (default: every tentative "
                             "regression not yet re-measured)")
    _options.add_results_options(parser)
    _options.add_bench_option(parser, help="only changes of benchmarks matching this regex")
    add_history_options(parser)
    parser.add_argument("--rounds", type=int, default=10,
                        help="independent asv rounds per side (default: %(default)s)")
    parser.add_argument("--gate-machine", default="gate", metavar="NAME",
                        help="asv machine name of the re-measurement (default: %(default)s)")
    parser.add_argument("--device", default=os.environ.get("TTSBENCH_DEVICE", "cpu"),
                        help="TTSBENCH_DEVICE series to run (default: $TTSBENCH_DEVICE or cpu)")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="where the rounds are recorded (default: a new dir under .asv/confirm)")


def run(args: argparse.Namespace) -> int:
    from ttsbench.track import confirmations, gitrepo
    from ttsbench.track.gate import BuildFailed
    from ttsbench.track.loader import resolve_commit

    loaded = load(args, "confirm")
    _options.print_warnings("confirm", loaded.warnings)
    if args.commit is None:
        targets = [c for c in loaded.changes if c.status == "tentative" and c.kind == "regression"]
        if not targets:
            print("ttsbench confirm: no tentative regression to confirm")
            return EXIT_OK
    else:
        commit = resolve_commit(args.commit, list(loaded.order), repo=gitrepo.open_repo(args.repo))
        targets = [c for c in loaded.changes if c.commit == commit]
        if not targets:
            raise TtsbenchError(
                f"no change detected at {commit[:12]}{' in --bench ' + repr(args.bench) if args.bench else ''}; "
                "nothing to confirm (see `ttsbench history`)"
            )
    results = _options.results_dir(args)
    confirmed = failed = False
    for (commit, parent), changes in _by_commit(targets).items():
        try:
            found = _confirm(args, results, commit, parent, changes)
        except BuildFailed as exc:
            if args.commit is not None:
                raise TtsbenchError(_could_not_confirm(exc)) from None
            print(f"ttsbench confirm: {commit[:12]}: {_could_not_confirm(exc)}", file=sys.stderr)
            failed = True
            continue
        confirmations.record(results, [v for v in found if v["status"] in confirmations.VERDICTS])
        for verdict in found:
            confirmed |= verdict["status"] == "confirmed" and verdict["kind"] == "regression"
            ratio = "n/a" if verdict["ratio"] is None else f"{verdict['ratio']:.3f}"
            print(f"{verdict['status']}: {verdict['kind']} of {verdict['benchmark']}"
                  f"({verdict['param_key']}) at {commit[:12]}: re-measured ratio {ratio} "
                  f"({verdict['measured_kind']}, {args.rounds} rounds a side against {parent[:12]})"
                  + (_too_few(verdict) if verdict["status"] == "inconclusive" else ""))
        for change in changes:
            if not any(v["benchmark"] == change.benchmark and v["param_key"] == change.param_key
                       for v in found):
                print(f"not measured: {change.benchmark}({change.param_key}) at {commit[:12]}")
    return EXIT_REGRESSION if confirmed else (EXIT_USAGE if failed else EXIT_OK)


def _could_not_confirm(failed) -> str:
    """The line of a re-measurement whose side failed to build (a gate ``BuildFailed``)."""
    role = "the parent" if failed.side == "base" else "the changed commit"
    return (f"could not confirm: failed to build ({failed.commit[:12]}, {role}: {failed.reason}; "
            f"see {failed.log})")


def _too_few(verdict: dict) -> str:
    mde = "unknown" if verdict["mde"] is None else f"{verdict['mde']:.0%}"
    return (f"; these rounds see only changes of {mde} or more: not stored, rerun with more "
            "--rounds")


def _by_commit(changes) -> dict:
    grouped: dict = {}
    for change in changes:
        grouped.setdefault((change.commit, change.prev_commit), []).append(change)
    return grouped


def _confirm(args, results: Path, commit: str, parent: str, changes) -> list[dict]:
    import tempfile

    from ttsbench.track import confirm
    from ttsbench.track.protocol import Protocol

    asv_config = Path(args.config)
    if not asv_config.is_file():
        raise TtsbenchError(f"no asv config at {asv_config}; run in the project or pass --config")
    protocol = Protocol(rounds=args.rounds, bench=confirm.bench_regex(changes),
                        machine=args.gate_machine, select={"TTSBENCH_DEVICE": args.device})
    workdir = args.workdir
    if workdir is None:
        root = asv_config.resolve().parent / ".asv" / "confirm"
        root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{parent[:8]}-{commit[:8]}-", dir=root))
    rows = confirm.measure(
        parent, commit, asv_config=asv_config, workdir=workdir,
        config=_options.tracker_config(args, "confirm"), protocol=protocol, results_dir=results,
        progress=lambda line: print(f"ttsbench confirm: {line}", file=sys.stderr),
    )
    return confirm.verdicts(changes, rows, parent=parent, machine=args.gate_machine,
                            rounds=args.rounds)
