"""Check performance claims ("this PR cuts decode latency by 15-25 ms") against two commits.

A claims file (TOML) holds ``[[claim]]`` tables::

    [[claim]]
    name = "CUDA graphs cut the talker step"      # shown in the report
    benchmark = "time_talker_step"                # regex searched in the asv benchmark name
    params = "batch=1"                            # optional regex searched in the param key
    change = ["-25ms", "-15ms"]                   # expected range of HEAD - BASE

Inside one commit (:mod:`ttsbench.track.abclaims`), a claim may instead compare two values of a
benchmark parameter (``ab = "cuda_graphs"``, ``base = false``, ``head = true``, with ``change``)
or bound a benchmark's median (``below = "100ms"``, no ``change``).

``change`` bounds are relative (``"-30%"``), absolute times (``ns us ms s``), absolute sizes
(``B kB KiB MB MiB GB GiB``) or bare numbers in the benchmark's own unit. Top-level ``alpha`` and
``min_effect`` override ``[tool.ttsbench]``. A benchmark row is VALIDATED when its Mann–Whitney
p-value (the gate's rounds test when both sides were measured in rounds), Benjamini–Hochberg
adjusted over every row the file's claims select, is below alpha,
|Cliff's delta| exceeds ``min_effect`` and the bootstrap CI of the estimate (HL shift for absolute
ranges, ratio of medians - 1 for relative ones) lies inside the range. Its confidence is the share
of bootstrap replicates inside the range. A claim holds when all its rows are validated; rows
without samples cannot be tested (NO DATA).
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import tomllib
from scipy.special import ndtr, ndtri

from ttsbench.errors import TtsbenchError
from ttsbench.track.compare import CompareRow
from ttsbench.track.stats import adjust_pvalues

BOUND = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-zA-Z%]*)\s*$", re.IGNORECASE)
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
SIZE_UNITS = {"b": 1, "kb": 1e3, "kib": 2**10, "mb": 1e6, "mib": 2**20, "gb": 1e9, "gib": 2**30}
KNOWN_SUFFIXES = {"", "%", *TIME_UNITS, *SIZE_UNITS}


@dataclasses.dataclass(frozen=True)
class Claim:
    name: str
    benchmark: str
    params: str | None
    low: str | None
    high: str | None
    ab: str | None = None  # A/B inside one commit: the parameter, and its two values
    ab_base: object = None
    ab_head: object = None
    below: str | None = None  # bound inside one commit: the median must lie below it


@dataclasses.dataclass
class ClaimCheck:
    """One benchmark row judged against one claim."""

    claim: str
    benchmark: str
    param_key: str
    expected: str
    verdict: str  # "VALIDATED", "NOT VALIDATED" or "NO DATA"
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    unit: str = ""
    range_low: float = math.nan  # the expected range in the estimate's unit
    range_high: float = math.nan
    p_value: float = math.nan
    p_adjusted: float = math.nan
    effect_size: float = math.nan
    confidence: float = math.nan
    reasons: list[str] = dataclasses.field(default_factory=list)
    alternatives: list[str] = dataclasses.field(default_factory=list)  # bound: sibling series below it


def load_claims(path) -> tuple[list[Claim], dict]:
    """Claims and top-level settings of a claims file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TtsbenchError(f"cannot read claims file {path}: {exc}") from None
    claims = []
    for index, table in enumerate(data.get("claim", []), start=1):
        claims.append(_claim(path, index, table))
    if not claims:
        raise TtsbenchError(f"{path} has no [[claim]] tables; see fixtures/claims.example.toml")
    settings = {k: data[k] for k in ("alpha", "min_effect") if k in data}
    return claims, settings


def _read_bound(path, index: int, bound) -> str:
    match = BOUND.match(str(bound))
    if not match or match.group(2).lower() not in KNOWN_SUFFIXES:
        raise TtsbenchError(f"{path}: claim {index}: cannot read bound {bound!r}; use a number with %, ns/us/ms/s, B/kB/KiB/MB/MiB/GB/GiB or no unit")
    return str(bound)


def _claim(path, index: int, table: dict) -> Claim:
    """One ``[[claim]]`` table, validated; TtsbenchError naming the file and claim otherwise."""
    change, below = table.get("change"), table.get("below")
    if not isinstance(table.get("benchmark"), str) or not (
            (isinstance(change, list) and len(change) == 2) or (below is not None and change is None)):
        raise TtsbenchError(
            f"{path}: claim {index} needs benchmark = \"regex\" and change = [\"low\", \"high\"] "
            "(or below = \"bound\" for a bound inside one commit)"
        )
    bounds = [_read_bound(path, index, bound) for bound in (change or [below])]
    try:
        re.compile(table["benchmark"]), re.compile(table.get("params") or "")
    except re.error as exc:
        raise TtsbenchError(f"{path}: claim {index}: bad regex ({exc})") from None
    ab = table.get("ab")
    if ab is not None and (not isinstance(ab, str) or "base" not in table or "head" not in table
                           or below is not None):
        raise TtsbenchError(f"{path}: claim {index}: an A/B claim needs ab = \"parameter\", "
                            "base = value, head = value and change = [low, high]")
    name = table.get("name", table["benchmark"])
    if below is not None:
        return Claim(name, table["benchmark"], table.get("params"), None, None, below=bounds[0])
    return Claim(name, table["benchmark"], table.get("params"), bounds[0], bounds[1], ab=ab,
                 ab_base=table.get("base"), ab_head=table.get("head"))


def _bound(text: str, unit: str) -> tuple[str, float]:
    """("relative"|"absolute", value in the benchmark's unit or as a fraction)."""
    number, suffix = BOUND.match(text).groups()
    value, suffix = float(number), suffix.lower()
    if suffix == "%":
        return "relative", value / 100.0
    if suffix in TIME_UNITS:
        if unit != "seconds":
            raise TtsbenchError(f"bound {text!r} is a time but the benchmark's unit is {unit!r}")
        return "absolute", value * TIME_UNITS[suffix]
    if suffix in SIZE_UNITS:
        if unit != "bytes":
            raise TtsbenchError(f"bound {text!r} is a size but the benchmark's unit is {unit!r}")
        return "absolute", value * SIZE_UNITS[suffix]
    return "absolute", value


def _rounds_estimate(result, kind: str, low: float, high: float, confidence: float):
    """(estimate, CI low, CI high, share in range) of a rounds comparison (the gate's frames).

    The log ratio's t interval is read as a normal one to give the share in range; an absolute
    range is taken relative to the BASE level, which the rounds estimate as one value.
    """
    scale = 1.0 if kind == "relative" else result.base
    estimate = [scale * (r - 1) for r in (result.ratio, result.ratio_ci_low, result.ratio_ci_high)]
    sd = (math.log(result.ratio_ci_high) - math.log(result.ratio_ci_low)) / (2 * ndtri(0.5 + confidence / 2))
    ratios = [1 + bound / scale for bound in (low, high)]
    if sd == 0 or ratios[1] <= 0:
        share = float(ratios[0] <= result.ratio <= ratios[1])
    else:
        z = [(math.log(r) - math.log(result.ratio)) / sd if r > 0 else -math.inf for r in ratios]
        share = float(ndtr(z[1]) - ndtr(z[0]))
    return (*estimate, share)


def _check(claim: Claim, row: CompareRow, confidence: float) -> ClaimCheck:
    check = ClaimCheck(claim.name, row.benchmark, row.param_key, f"{claim.low} .. {claim.high}",
                       "NO DATA", unit=row.unit)
    result = row.comparison
    if result is None or result.method not in ("mann-whitney", "rounds"):
        check.reasons.append(f"no samples on both sides ({row.kind}{': ' + row.note if row.note else ''})")
        return check
    (kind, low), (kind_high, high) = _bound(claim.low, row.unit), _bound(claim.high, row.unit)
    if kind != kind_high:
        raise TtsbenchError(f"claim {claim.name!r} mixes a relative and an absolute bound")
    low, high = min(low, high), max(low, high)
    if kind == "relative":
        check.unit = "fraction"
    if result.method == "rounds":
        check.estimate, check.ci_low, check.ci_high, check.confidence = _rounds_estimate(
            result, kind, low, high, confidence)
    else:
        if kind == "relative":
            check.estimate, check.ci_low, check.ci_high = result.ratio - 1, result.ratio_ci_low - 1, result.ratio_ci_high - 1
            replicates = result.bootstrap_ratios - 1
        else:
            check.estimate, check.ci_low, check.ci_high = result.shift, result.shift_ci_low, result.shift_ci_high
            replicates = result.bootstrap_shifts
        check.confidence = float(np.mean((replicates >= low) & (replicates <= high)))
    check.p_value, check.effect_size = result.p_value, result.cliffs_delta
    check.range_low, check.range_high = low, high
    return check


def check_claims(claims: list[Claim], rows: list[CompareRow], *, alpha: float, min_effect: float,
                 rows_for=None, bound_checks=None) -> list[ClaimCheck]:
    """Judge every benchmark row each claim selects (see the module docstring).

    ``rows_for(claim)`` gives an A/B claim's rows (``abclaims.ab_frame`` compared);
    ``bound_checks(claim)`` a bound claim's checks with their p-values.
    """
    checks = []
    for claim in claims:
        if claim.below is not None:
            checks.extend(bound_checks(claim))
            continue
        source = rows_for(claim) if claim.ab is not None else rows
        selected = [r for r in source if re.search(claim.benchmark, r.benchmark)
                    and (claim.params is None or re.search(claim.params, r.param_key))]
        if not selected:
            raise TtsbenchError(
                f"claim {claim.name!r}: no benchmark matches {claim.benchmark!r}"
                f"{' with params ' + repr(claim.params) if claim.params else ''} in these results"
            )
        checks.extend(_check(claim, row, 1 - alpha) for row in selected)
    tested = [c for c in checks if math.isfinite(c.p_value)]
    for check, adjusted in zip(tested, adjust_pvalues([c.p_value for c in tested])):
        check.p_adjusted = float(adjusted)
        if not check.p_adjusted < alpha:
            check.reasons.append(f"p={check.p_adjusted:.2g} not below alpha {alpha}")
        if math.isfinite(check.effect_size) and not abs(check.effect_size) > min_effect:
            check.reasons.append(f"|Cliff's delta|={abs(check.effect_size):.2f} not above {min_effect}")
        if not (check.range_low <= check.ci_low and check.ci_high <= check.range_high):
            check.reasons.append("CI of the estimate not inside the expected range")
        check.verdict = "NOT VALIDATED" if check.reasons else "VALIDATED"
    return checks


def verdicts(checks: list[ClaimCheck]) -> dict[str, str]:
    """Per claim: VALIDATED when every row is, NOT VALIDATED when one row is not, else NO DATA."""
    order = ["VALIDATED", "NO DATA", "NOT VALIDATED"]
    result: dict[str, str] = {}
    for check in checks:
        result[check.claim] = max(result.get(check.claim, "VALIDATED"), check.verdict, key=order.index)
    return result
