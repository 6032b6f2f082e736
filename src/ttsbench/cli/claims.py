"""Check performance claims (expected change ranges per benchmark) between BASE and HEAD.

CLAIMS is a TOML file of [[claim]] tables (see fixtures/claims.example.toml). A claim is
VALIDATED when, for every benchmark it selects, p < alpha (Benjamini-Hochberg over the claims'
benchmarks), |Cliff's delta| > min_effect and the estimate's bootstrap CI lies inside the range.
Exit codes: 0 every claim validated; 1 a claim not validated; 2 usage or data error (unknown
commit, no results, a claim matching nothing, or a claim with no samples to test: NO DATA).
A/B claims (two values of a benchmark parameter) and bound claims are judged at HEAD alone
(ttsbench.track.abclaims); a file holding only those takes one commit. The report ends with
recommendations drawn from the checks' numbers (ttsbench.track.recommend).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from ttsbench.cli import _options
from ttsbench.errors import EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, TtsbenchError

CLAIM_TEXT_KEYS = ("name", "benchmark", "params")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("claims", metavar="CLAIMS.toml", help="the claims file")
    parser.add_argument("base", metavar="BASE", help="the reference commit")
    parser.add_argument("head", metavar="HEAD", nargs="?",
                        help="the commit that makes the claims; omit it when every claim is "
                        "inside one commit (A/B or bound), which is then BASE")
    _options.add_results_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: %(default)s)")


def check_claims_file(path) -> None:
    """One line and exit 2 for a claims file of the wrong shape (before its claims are read)."""
    import tomllib
    from pathlib import Path

    path = Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TtsbenchError(f"cannot read claims file {path}: {exc}; it must be UTF-8 TOML") from None
    tables = data.get("claim", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise TtsbenchError(f"{path}: claim must be [[claim]] tables; see fixtures/claims.example.toml")
    for index, table in enumerate(tables, start=1):
        for key in CLAIM_TEXT_KEYS:
            if key in table and not isinstance(table[key], str):
                raise TtsbenchError(f"{path}: claim {index}: {key} = {table[key]!r} must be a string")
        change = table.get("change")
        if isinstance(change, list) and not all(isinstance(b, (str, int, float)) for b in change):
            raise TtsbenchError(f"{path}: claim {index}: change bounds must be strings or numbers")
    for key, low, high in (("alpha", 0.0, 1.0), ("min_effect", 0.0, 1.0)):
        value = data.get(key)
        if value is None:
            continue
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value < high
        if not ok or (key == "alpha" and value == 0):
            raise TtsbenchError(f"{path}: {key} = {value!r} must be a number in [{low:g}, {high:g}) (alpha above 0)")


def _number(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if unit == "fraction":
        return f"{value:+.1%}"
    from asv.util import human_value

    text = human_value(abs(value), unit) if unit in ("seconds", "bytes") else f"{abs(value):.4g} {unit}"
    return ("-" if value < 0 else "+") + text


def format_text(checks, verdicts) -> str:
    from ttsbench.track.series import series_name

    lines = []
    for claim, verdict in verdicts.items():
        lines.append(f"{verdict:13}  {claim}")
        for c in (c for c in checks if c.claim == claim):
            name = series_name(c.benchmark, c.param_key)
            lines.append(f"    {c.verdict:13}  {name}: expected {c.expected}")
            if math.isfinite(c.estimate):
                lines.append(
                    f"        estimate {_number(c.estimate, c.unit)} "
                    f"[{_number(c.ci_low, c.unit)}, {_number(c.ci_high, c.unit)}], "
                    f"p (BH) {c.p_adjusted:.2g}, "
                    + (f"Cliff's delta {c.effect_size:+.2f}, " if math.isfinite(c.effect_size)
                       else "")
                    + f"confidence in range {c.confidence:.0%}"
                )
            lines += [f"        - {reason}" for reason in c.reasons]
    return "\n".join(lines)


def _load_one(args, config):
    """(frame, commit) for a claims file judged inside the one commit given."""
    from ttsbench.cli import _options
    from ttsbench.track import gitrepo
    from ttsbench.track.loader import load_results, resolve_commit

    repo = gitrepo.open_repo()
    frame = load_results(_options.results_dir(args), machine=args.machine, env=args.env,
                         repo=repo, higher_is_better=config.higher_is_better)
    _options.print_warnings("claims", frame.attrs.get("warnings", []))
    return frame, resolve_commit(args.base, frame["commit"].unique(), repo)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from ttsbench.cli.compare import load_pair
    from ttsbench.track.abclaims import A_LABEL, B_LABEL, ab_frame, bound_checks
    from ttsbench.track.claims import check_claims, load_claims, verdicts
    from ttsbench.track.compare import compare_commits
    from ttsbench.track.recommend import claim_recommendations

    config = _options.tracker_config(args, "claims")
    check_claims_file(args.claims)
    claims, settings = load_claims(args.claims)
    args.alpha = settings.get("alpha", config.alpha)
    across = [c for c in claims if c.ab is None and c.below is None]
    if args.head is None:
        if across:
            raise TtsbenchError(f"{args.claims}: claim {across[0].name!r} compares two commits; "
                                "give BASE and HEAD")
        frame, head = _load_one(args, config)
        base, rows = None, []
    else:
        frame, base, head = load_pair(args, config, "claims")
        rows = compare_commits(frame, base, head, config=config, alpha=args.alpha) if across else []

    def rows_for(claim):
        pairs = ab_frame(frame, head, claim.benchmark, claim.ab, claim.ab_base, claim.ab_head,
                         claim.name)
        return compare_commits(pairs, A_LABEL, B_LABEL, config=config, alpha=args.alpha)

    checks = check_claims(claims, rows, alpha=args.alpha,
                          min_effect=settings.get("min_effect", config.min_effect),
                          rows_for=rows_for,
                          bound_checks=lambda claim: bound_checks(claim, frame, head,
                                                                  1 - args.alpha))
    outcome = verdicts(checks)
    advice = claim_recommendations(checks, outcome)
    if args.format == "json":
        data = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in dataclasses.asdict(c).items()} for c in checks]
        sys.stdout.write(json.dumps({"claims": outcome, "checks": data,
                                     "recommendations": advice}, indent=2) + "\n")
    else:
        where = f"BASE {base[:12]}  HEAD {head[:12]}" if base else f"at {head[:12]}"
        print(f"claims {args.claims}: {where}  alpha {args.alpha}")
        print(format_text(checks, outcome))
        if advice:
            print("Recommendations (from the numbers above):")
            print("\n".join(f"- {line}" for line in advice))
    if "NOT VALIDATED" in outcome.values():
        return EXIT_REGRESSION
    return EXIT_USAGE if "NO DATA" in outcome.values() else EXIT_OK
