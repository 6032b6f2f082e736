"""Power per benchmark: the smallest change each case can show (MDE), and the rounds a target needs.

--results is either a gate work dir (``ttsbench gate --workdir``; the noise of its rounds) or an
asv results dir (each commit one run; the run-to-run spread of each series' history). The MDE is
at [tool.ttsbench] alpha and 80 % power for Welch's t on log per-round medians with --rounds
rounds a side (for a gate dir: the rounds it ran). Exit 0, or 2 when no case has enough runs.
"""

from __future__ import annotations

import argparse
import json
import math

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK, TtsbenchError

HEADER = ["MDE", "Target needs", "sd round", "within", "between", "runs", "Benchmark (Parameter)"]


def _target(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise TtsbenchError(f"--target {text!r} is not a relative change like 5% or 0.05")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ttsbench.track.protocol import Protocol

    _options.add_results_options(parser)
    _options.add_bench_option(parser)
    parser.add_argument("--target", default="5%", help="the change each case should see (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=Protocol.rounds, help="rounds a side for a history (default: %(default)s)")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def _percent(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "n/a"


def run(args: argparse.Namespace) -> int:
    from asv.util import format_text_table

    from ttsbench.track.loader import load_results
    from ttsbench.track.power import can_see
    from ttsbench.track.power_table import from_history, from_rounds
    from ttsbench.track.rounds import load_rounds

    target, config = _target(args.target), _options.tracker_config(args, "power")
    pattern = _options.bench_pattern(args)
    results = _options.results_dir(args)
    if (results / "base").is_dir() and (results / "head").is_dir():
        rows = from_rounds(load_rounds(results), target=target, alpha=config.alpha)
        source = f"the rounds of the gate run in {results}"
    else:
        frame = load_results(results, machine=args.machine, env=args.env)
        rows = from_history(frame, rounds=args.rounds, min_commits=config.run_noise_history,
                            target=target, alpha=config.alpha)
        source = f"the run-to-run spread of each series' history in {results}, {args.rounds} rounds a side"
    if pattern:
        rows = [r for r in rows if pattern.search(r.benchmark)]
    if not rows:
        raise TtsbenchError(f"no benchmark case in {results} has enough runs to estimate its noise "
                            f"(a gate dir needs 2 rounds a side, a history {config.run_noise_history} commits)")
    rows.sort(key=lambda r: -r.mde if math.isfinite(r.mde) else 0)
    if args.format == "json":
        print(json.dumps([{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                           for k, v in vars(r).items()} for r in rows], indent=2))
        return EXIT_OK
    blind = [r for r in rows if not r.mde <= target]
    print(f"{len(rows) - len(blind)} of {len(rows)} cases see {target:.0%} at alpha {config.alpha:g} with 80 % power "
          f"({source})")
    table = [[_percent(r.mde), str(r.needed) if r.needed else "> 200", _percent(r.sd_round),
              _percent(r.sd_within), _percent(r.sd_between), str(r.runs),
              f"{r.benchmark}({r.param_key})" if r.param_key else r.benchmark] for r in rows]
    print(format_text_table([HEADER] + table, num_headers=1))
    for r in blind:
        print(f"{r.benchmark}({r.param_key}): {can_see(r.sd_round, r.rounds, target, alpha=config.alpha)}")
    return EXIT_OK
