"""Noise-aware bisection of a performance regression over a git range (``ttsbench bisect``).

asv's ``find`` bisects on one median per commit with no test and no threshold, so it always names
a "greatest regression", even over a range that has none. Here every decision is a Mann–Whitney U
test on the repeated samples asv records, and an undecided step takes more samples, as Chromium's
Pinpoint does. A shared machine's speed drifts between runs by more than the regressions worth
finding, so samples are only compared within *blocks*: runs of the commits being compared, made
back to back, the next block in reverse order (A B, then B A) so that drift cancels when pooled.

1. GOOD and BAD: every verdict needs at least two blocks pooled, as the samples of one run
   share that run's luck and make intervals look tighter than they are. A regression counts
   when it is significant (p < alpha) and at least ``noise_floor``. The range is clean when no
   series regressed that way and the ``1 - alpha`` confidence interval of every change excludes
   a regression of ``margin`` or more (the "medium" severity by default); an undecided range
   takes more blocks.
2. The series (benchmark, parameters, environment) that regressed most is followed. Each step
   runs the block (lo, mid, hi) around the commit in the middle of the remaining range and joins
   mid to the side it is nearer to (by the ratio of medians) once it differs significantly from
   the other side (at alpha divided by the number of steps, as one wrong step misleads all the
   rest) and either not from the near side or by less than half as much; while undecided,
   another block is run. A commit that fails to build or
   run is skipped and its neighbour tried, as ``git bisect skip`` does.
3. The culprit is the first commit on the bad side. Its change against its parent is reported as
   ``ttsbench compare`` reports one (:func:`ttsbench.track.stats.compare_samples`): ratio of
   medians with its bootstrap confidence interval, p-value, and the severity of that ratio.

Every run goes through a :class:`~ttsbench.track.bisect_runs.Measurements` source;
:class:`~ttsbench.track.bisect_asv.AsvMeasurements` builds and runs commits with asv's own API, so
the samples land in the asv results (the history) as those of ``asv run --append-samples`` do.
The git range comes from :func:`ttsbench.track.gitrepo.commits_between`; defaults from
:class:`ttsbench.track.config.TrackerConfig`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

from ttsbench.errors import TtsbenchError
from ttsbench.track.bisect_runs import (
    Block,
    Measurements,
    Observed,
    RunBudgetExhausted,
    Runs,
    SeriesKey,
)
from ttsbench.track.config import DEFAULT_MAX_RUNS, DEFAULT_SEVERITY, TrackerConfig
from ttsbench.track.severity import classify
from ttsbench.track.stats import Comparison, compare_samples

# Most blocks of one comparison while it stays undecided (Pinpoint adds attempts the same way).
MAX_BLOCKS = 4
DEFAULTS = TrackerConfig()


def _compare(base, head, alpha: float) -> Comparison:
    """The U test, ratio of medians and its ``1 - alpha`` bootstrap CI (as ``ttsbench compare``)."""
    return compare_samples(base, head, confidence=1 - alpha)


def _distance(change: Comparison) -> float:
    return abs(math.log(change.ratio))


def regression_size(ratio: float, higher_is_better: bool) -> float:
    """Relative size of a head/base ratio in the worse direction (negative: an improvement)."""
    return (1 / ratio - 1) if higher_is_better else (ratio - 1)


def _pooled(blocks: list[Block], commit: str, series: SeriesKey) -> list[float]:
    return [x for block in blocks for x in block[commit][series].samples]


@dataclasses.dataclass
class BisectReport:
    """What the bisection found; ``outcome`` is "clean" or "culprit"."""

    outcome: str
    good: str
    bad: str
    runs: int
    series: SeriesKey | None = None
    unit: str = ""
    higher_is_better: bool = False
    culprit: str | None = None
    parent: str | None = None
    change: Comparison | None = None
    severity: str | None = None
    skipped: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


def bisect(
    commits: list[str],
    source: Measurements,
    *,
    alpha: float = DEFAULTS.alpha,
    noise_floor: float = DEFAULTS.noise_floor,
    margin: float = DEFAULT_SEVERITY["medium"],
    thresholds=DEFAULT_SEVERITY,
    max_runs: int = DEFAULT_MAX_RUNS,
    log: Callable[[str], None] = lambda line: None,
) -> BisectReport:
    """Find the commit of ``commits`` (oldest first: GOOD, ..., BAD) that made things worse."""
    if len(commits) < 2:
        raise TtsbenchError("GOOD..BAD holds no commit after GOOD; give a BAD that descends from GOOD")
    runs = Runs(source, max_runs, log)
    good, bad = commits[0], commits[-1]
    found = _endpoints(runs, good, bad, alpha, noise_floor, margin)
    if isinstance(found, BisectReport):
        return found
    series, blocks = found
    log(f"following {series.label}")
    lo, hi, skipped, blocks = _search(runs, commits, series, blocks, alpha)
    report = _culprit_report(runs, commits[lo], commits[hi], series, blocks, alpha, thresholds)
    report.good, report.bad = good, bad
    report.skipped = [c for c in commits if c in skipped]
    if hi - lo > 1:
        report.notes.append(
            f"{', '.join(c[:10] for c in commits[lo + 1:hi])} (between parent and culprit) failed "
            "to build or run; the regression may come from one of them"
        )
    return report


def _endpoints(runs, good, bad, alpha, noise_floor, margin):
    """Blocks (GOOD, BAD), (BAD, GOOD), ... until the change is decided for every series."""
    blocks: list[Block] = []
    order = {good: "GOOD", bad: "BAD"}
    runs.where = " while comparing GOOD and BAD"
    while True:
        blocks.append(runs.block(order, f"(block {len(blocks) + 1} of GOOD and BAD)", order))
        common = set.intersection(*(set(block[c]) for block in blocks for c in block))
        if not common:
            raise TtsbenchError(
                "GOOD and BAD share no benchmark result for --bench; check the regex and the "
                "benchmarks at both commits"
            )
        regressions, undecided = [], []
        for series in sorted(common, key=lambda s: s.label):
            higher = blocks[0][bad][series].higher_is_better
            change = _compare(_pooled(blocks, good, series), _pooled(blocks, bad, series), alpha)
            size = regression_size(change.ratio, higher)
            bounds = (change.ratio_ci_low, change.ratio_ci_high)
            worst = max(regression_size(bound, higher) for bound in bounds)
            if change.p_value < alpha and size >= noise_floor:
                regressions.append((size, series, change))
            elif not (change.p_value < alpha or worst < margin):
                undecided.append(series)
        if regressions and len(blocks) >= 2:
            size, series, change = max(regressions, key=lambda item: item[0])
            runs.log(
                f"GOOD -> BAD: {series.label} ratio {change.ratio:.3f} "
                f"[{change.ratio_ci_low:.3f}, {change.ratio_ci_high:.3f}], p={change.p_value:.2g}"
            )
            return series, blocks
        if not regressions and len(blocks) >= 2 and (not undecided or len(blocks) >= MAX_BLOCKS):
            report = BisectReport("clean", good, bad, runs.total)
            if undecided:
                report.notes.append(
                    f"undecided after {len(blocks)} blocks for "
                    + ", ".join(s.label for s in undecided)
                )
            return report
        order = dict(reversed(order.items()))


def _search(runs, commits, series, endpoint_blocks, alpha):
    """Narrow (lo, hi] down to one commit: lo, hi, the skipped commits, the last step's blocks."""
    lo, hi = 0, len(commits) - 1
    skipped: set[str] = set()
    last_blocks = endpoint_blocks
    # Bonferroni over the about log2(n) steps: a wrong step sends the search astray for good.
    step_alpha = alpha / max(1, math.ceil(math.log2(len(commits) - 1)))
    step = 0
    while True:
        candidates = [i for i in range(lo + 1, hi) if commits[i] not in skipped]
        if not candidates:
            return lo, hi, skipped, last_blocks
        middle = (lo + hi) / 2
        mid = min(candidates, key=lambda i: (abs(i - middle), i))
        runs.where = f"; the culprit lies in {commits[lo][:10]}..{commits[hi][:10]}"
        order = {commits[lo]: "good", commits[mid]: "middle", commits[hi]: "bad"}
        why = f"(step {step + 1}: {hi - lo - 1} commits left)"
        blocks: list[Block] = []
        side = None
        while side is None:
            block = runs.block(order, why, required=(commits[lo], commits[hi]), series=series)
            if block is None:
                runs.log(f"        {commits[mid][:10]} failed to build or run: skipped")
                skipped.add(commits[mid])
                break
            blocks.append(block)
            side = _side(blocks, commits[lo], commits[mid], commits[hi], series, step_alpha, runs.log)
            order = dict(reversed(order.items()))
        step += side is not None
        if side == "good":
            lo, last_blocks = mid, blocks
        elif side == "bad":
            hi, last_blocks = mid, blocks


def _side(blocks, lo, mid, hi, series, alpha, log) -> str | None:
    """'good' or 'bad' for ``mid``, or None while the blocks so far leave it undecided."""
    to_lo = _compare(_pooled(blocks, lo, series), _pooled(blocks, mid, series), alpha)
    to_hi = _compare(_pooled(blocks, mid, series), _pooled(blocks, hi, series), alpha)
    near, far = sorted((to_lo, to_hi), key=_distance)
    nearer_good = near is to_lo
    # Same as the near side, or at least twice as far from the other: the runs of a busy machine
    # make even equal code differ "significantly", so closeness has to count too.
    clear = near.p_value >= alpha or 2 * _distance(near) < _distance(far)
    if far.p_value < alpha and clear:
        side = "good" if nearer_good else "bad"
    elif len(blocks) >= MAX_BLOCKS:
        side = "good" if nearer_good else "bad"
        log(f"        undecided after {MAX_BLOCKS} blocks: nearer to {side}")
    else:
        side = None
    log(
        f"        {mid[:10]}: vs good ratio {to_lo.ratio:.3f} p={to_lo.p_value:.2g}, "
        f"vs bad ratio {1 / to_hi.ratio:.3f} p={to_hi.p_value:.2g} -> {side or 'another block'}"
    )
    return side


def _culprit_report(runs, parent, culprit, series, blocks, alpha, thresholds):
    """Compare the culprit with its parent within blocks that hold both (run more if needed)."""
    blocks = [b for b in blocks if parent in b and culprit in b]
    runs.where = f"; the culprit is {culprit[:10]}"
    order = {parent: "parent", culprit: "culprit"}
    while True:
        if blocks:
            change = _compare(_pooled(blocks, parent, series), _pooled(blocks, culprit, series), alpha)
            if change.p_value < alpha or len(blocks) >= MAX_BLOCKS:
                break
        blocks.append(runs.block(order, "(confirming the culprit)", order, series))
        order = dict(reversed(order.items()))
    higher = blocks[0][culprit][series].higher_is_better
    report = BisectReport(
        "culprit", parent, culprit, runs.total, series=series, unit=blocks[0][culprit][series].unit,
        higher_is_better=higher, culprit=culprit, parent=parent, change=change,
        severity=classify(regression_size(change.ratio, higher), thresholds),
    )
    if change.p_value >= alpha:
        report.notes.append(
            "the culprit's own change is not significant: the regression may be spread over "
            "several commits"
        )
    return report


__all__ = [
    "BisectReport", "DEFAULT_MAX_RUNS", "Measurements", "Observed", "RunBudgetExhausted",
    "SeriesKey", "bisect", "regression_size",
]
