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

Every run goes through a :class:`Measurements` source; :class:`AsvMeasurements` builds and runs
commits with asv's own API, so the samples land in the asv results (the history) as those of
``asv run --append-samples`` do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import re
from pathlib import Path
from typing import Callable, Protocol

from ttsbench.errors import TtsbenchError
from ttsbench.track.config import DEFAULT_SEVERITY
from ttsbench.track.severity import classify
from ttsbench.track.stats import Comparison, compare_samples

# Most blocks of one comparison while it stays undecided (Pinpoint adds attempts the same way).
MAX_BLOCKS = 4
DEFAULT_MAX_RUNS = 40


@dataclasses.dataclass(frozen=True)
class SeriesKey:
    """One benchmark result series: benchmark name, parameter combination, asv environment."""

    benchmark: str
    param_key: str
    env: str

    @property
    def label(self) -> str:
        params = f"({self.param_key})" if self.param_key else ""
        return f"{self.benchmark}{params} [{self.env}]"


@dataclasses.dataclass(frozen=True)
class Observed:
    """The samples of one run in one series, and which direction of them is better."""

    samples: tuple[float, ...]
    higher_is_better: bool
    unit: str = ""


class Measurements(Protocol):
    """Where samples come from."""

    def measure(self, commit: str) -> dict[SeriesKey, Observed]:
        """Run the benchmarks once at ``commit``; the samples this run added, by series (none
        when the commit failed to build or run)."""
        ...


Block = dict[str, dict[SeriesKey, Observed]]


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


class RunBudgetExhausted(TtsbenchError):
    """The bisection needed more benchmark runs than ``--max-runs`` allows."""


class _Runs:
    """Runs blocks through the source, counts runs and enforces the budget."""

    def __init__(self, source: Measurements, max_runs: int, log: Callable[[str], None]):
        self.source, self.max_runs, self.log = source, max_runs, log
        self.total = 0
        self.where = ""

    def block(self, labels: dict[str, str], why: str, required=(), series=None) -> Block | None:
        """One run of each commit (``labels``' keys, in order). A commit fails when its run has
        no samples (of ``series``, when given): an error for a ``required`` one, else None."""
        block: Block = {}
        for commit, label in labels.items():
            if self.total >= self.max_runs:
                raise RunBudgetExhausted(
                    f"stopped after {self.total} benchmark runs (--max-runs){self.where}; "
                    "raise --max-runs or narrow GOOD..BAD"
                )
            self.total += 1
            block[commit] = self.source.measure(commit)
            self.log(f"run {self.total:>2}: {commit[:10]} {label:<6}{why}")
            if not block[commit] or (series is not None and series not in block[commit]):
                if commit in required:
                    raise TtsbenchError(
                        f"commit {commit[:10]} failed to build or run the benchmarks it is "
                        "compared on (an endpoint of the search); see asv's output above"
                    )
                return None
        return block


def bisect(
    commits: list[str],
    source: Measurements,
    *,
    alpha: float = 0.05,
    noise_floor: float = 0.02,
    margin: float = 0.05,
    thresholds=DEFAULT_SEVERITY,
    max_runs: int = DEFAULT_MAX_RUNS,
    log: Callable[[str], None] = lambda line: None,
) -> BisectReport:
    """Find the commit of ``commits`` (oldest first: GOOD, ..., BAD) that made things worse."""
    if len(commits) < 2:
        raise TtsbenchError("GOOD..BAD holds no commit after GOOD; give a BAD that descends from GOOD")
    runs = _Runs(source, max_runs, log)
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


class AsvMeasurements:
    """Builds and runs commits with asv's Python API (as ``asv find`` does), recording samples.

    Each :meth:`measure` is one ``asv run COMMIT^! --bench REGEX --append-samples``: the results
    file of the commit gains that run's samples, which are read back with
    :func:`ttsbench.track.loader.load_results` (the new ones are the tail asv appended).
    """

    def __init__(self, config_path: Path, bench: str, machine: str | None, commits: list[str]):
        from asv import util as asv_util
        from asv.benchmarks import Benchmarks
        from asv.commands.setup import Setup
        from asv.config import Config
        from asv.machine import Machine, MachineCollection
        from asv.repo import get_repo

        self.root = Path(config_path).resolve().parent
        with self._in_root():
            try:
                self.conf = Config.load(str(config_path))
                # Blocks return to the same commits again and again: keep all their wheels.
                cached = getattr(self.conf, "build_cache_size", 2)
                self.conf.build_cache_size = max(cached, len(commits))
                if machine is not None:
                    _known_machine(machine, MachineCollection)
                self.machine = Machine.load(machine_name=machine, interactive=True, use_defaults=True)
                self.machine.save(self.conf.results_dir)
                self.repo = get_repo(self.conf)
                self.environments = [
                    env for env in Setup.run(self.conf, parallel=1) if env.can_install_project()
                ]
                self.benchmarks = Benchmarks.discover(
                    self.conf, self.repo, self.environments, [commits[-1], commits[0]], regex=bench
                )
            except asv_util.UserError as exc:
                raise TtsbenchError(f"asv: {str(exc).strip().splitlines()[0]}") from None
            if not self.benchmarks:
                raise TtsbenchError(
                    f"no benchmark matches --bench {bench!r} in {self.conf.benchmark_dir}; "
                    "check the regex against the names `asv check` lists"
                )
            self.benchmarks.save()
        self.results_dir = (self.root / self.conf.results_dir).resolve()
        self.names = set(self.benchmarks.keys())
        self.seen = self._history()

    def _in_root(self):
        return contextlib.chdir(self.root)

    def _history(self) -> dict[str, dict[SeriesKey, Observed]]:
        """The samples the results hold for the selected benchmarks, by commit and series."""
        from ttsbench.track.loader import load_results

        try:
            frame = load_results(self.results_dir, machine=self.machine.machine)
        except TtsbenchError:
            return {}  # no results yet
        rows = frame[frame["benchmark"].isin(self.names) & (frame["status"] == "ok")]
        history: dict[str, dict[SeriesKey, Observed]] = {}
        for row in rows.itertuples():
            if row.samples:
                key = SeriesKey(row.benchmark, row.param_key, row.env)
                observed = Observed(tuple(row.samples), bool(row.higher_is_better), row.unit)
                history.setdefault(row.commit, {})[key] = observed
        return history

    def measure(self, commit: str) -> dict[SeriesKey, Observed]:
        from asv import util as asv_util
        from asv.console import log as asv_log
        from asv.results import Results
        from asv.runner import run_benchmarks, skip_benchmarks

        with self._in_root():
            for env in self.environments:
                params = dict(self.machine.__dict__, python=env.python, **env.requirements)
                result = Results(
                    params, env.requirements, commit, self.repo.get_date(commit),
                    env.python, env.name, env.env_vars,
                )
                result.load_data(self.conf.results_dir)
                # A failed build would dump pip's whole log and traceback; the bisection
                # reports the commit as skipped in one line instead.
                with asv_log.set_level(logging.CRITICAL):
                    try:
                        env.install_project(self.conf, self.repo, commit)
                        built = True
                    except asv_util.ProcessError:
                        skip_benchmarks(self.benchmarks, env, results=result)
                        built = False
                if built:
                    run_benchmarks(
                        self.benchmarks, env, results=result,
                        record_samples=True, append_samples=True,
                    )
                result.save(self.conf.results_dir)
        before, self.seen = self.seen.get(commit, {}), self._history()
        added = {}
        for key, now in self.seen.get(commit, {}).items():
            old = before.get(key)
            kept = len(old.samples) if old and now.samples[: len(old.samples)] == old.samples else 0
            if len(now.samples) - kept >= 2:
                added[key] = dataclasses.replace(now, samples=now.samples[kept:])
        return added


def _known_machine(machine: str, collection) -> None:
    from asv import util as asv_util

    try:
        collection.load(machine)
    except asv_util.UserError:
        raise TtsbenchError(
            f"asv knows no machine {machine!r} (~/.asv-machine.json); "
            f"run `asv machine --machine {machine} --yes` first or drop --machine"
        ) from None


def commits_between(repo_path: Path, good: str, bad: str) -> list[str]:
    """GOOD then every commit on the ancestry path GOOD..BAD, oldest first (full hashes)."""
    import git

    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.GitError, OSError) as exc:
        raise TtsbenchError(f"no git repository at {repo_path} ({exc}); run from the project") from None
    resolved = []
    for name, rev in (("GOOD", good), ("BAD", bad)):
        try:
            resolved.append(repo.commit(rev).hexsha)
        except (git.GitError, ValueError, IndexError):
            raise TtsbenchError(f"{name} {rev!r} is not a commit of {repo.working_dir}") from None
    good_hash, bad_hash = resolved
    if not repo.is_ancestor(good_hash, bad_hash):
        raise TtsbenchError(
            f"GOOD {good} is not an ancestor of BAD {bad}; give GOOD older than BAD on one line"
        )
    path = repo.git.rev_list("--ancestry-path", "--reverse", f"{good_hash}..{bad_hash}").split()
    return [good_hash, *path]


def bench_regex(text: str) -> str:
    """``text`` when it compiles as a regular expression, else a one-line error."""
    try:
        re.compile(text)
    except re.error as exc:
        raise TtsbenchError(f"--bench {text!r} is not a regular expression: {exc}") from None
    return text
