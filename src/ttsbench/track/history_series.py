"""One benchmark's results over history (:class:`Series`), built from the loader's frame or a
:class:`~ttsbench.track.results_table.Table`.

A series is one (machine, env, benchmark, parameter combination), results of the benchmark's
latest version only (the version stored with its newest result), failed and skipped results
left out, oldest commit first. Raw samples are kept as :class:`RaggedSamples`: views into one
flat array, converted to arrays only where the detector tests them.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import re
from pathlib import Path

import numpy as np

from ttsbench.track import gitrepo, loader
from ttsbench.track.results_cache import run_starts
from ttsbench.track.rows import _unit
from ttsbench.track.series import series_ident, series_name
from ttsbench.track.severity import is_higher_better


@dataclasses.dataclass(frozen=True)
class RaggedSamples:
    """Per-commit raw samples: ``flat[starts[i]:starts[i] + counts[i]]`` (None when 0)."""

    flat: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_lists(cls, samples) -> RaggedSamples | None:
        counts = np.array([len(s) if s else 0 for s in samples], dtype=np.int64)
        if not counts.any():
            return None
        flat = np.array([x for s in samples if s for x in s], dtype=float)
        return cls(flat, run_starts(counts), counts)

    def __len__(self) -> int:
        return self.counts.size

    def __getitem__(self, i):
        if isinstance(i, slice):
            return RaggedSamples(self.flat, self.starts[i], self.counts[i])
        count = int(self.counts[i])
        return None if count == 0 else self.flat[self.starts[i]:self.starts[i] + count]

    def compact(self) -> RaggedSamples:
        """The same samples in a flat array of their own (to send to another process)."""
        return RaggedSamples(self.gathered(), run_starts(self.counts), self.counts)

    def gathered(self, end: int | None = None) -> np.ndarray:
        """The samples of the first ``end`` commits, concatenated."""
        return self.flat[ragged_positions(self.starts[:end], self.counts[:end])]


def ragged_positions(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[i], ..., starts[i] + counts[i] - 1`` for each ``i``, concatenated."""
    return np.repeat(starts - run_starts(counts), counts) + np.arange(int(counts.sum()))


@dataclasses.dataclass(frozen=True)
class Series:
    """One benchmark's results over history on one machine and env, oldest commit first."""

    machine: str
    env: str
    benchmark: str
    param_key: str
    params: dict
    unit: str
    higher_is_better: bool
    commits: tuple[str, ...]
    dates: np.ndarray  # datetime64[ns], UTC
    values: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    samples: RaggedSamples | None
    # Per commit, when read from result files: its hash's first 64 bits and the file's size and
    # mtime, which stand for everything read from it (the digest hashes them alone).
    stamps: np.ndarray | None = None

    @property
    def name(self) -> str:
        """``benchmark(params)`` as asv prints it, without the machine and env."""
        return series_name(self.benchmark, self.param_key)

    @property
    def ident(self) -> str:
        return series_ident(self.machine, self.env, self.benchmark, self.param_key)

    def digest(self, length: int | None = None) -> str:
        """Digest of the first ``length`` commits' data (all by default)."""
        return self.digests(len(self.commits) if length is None else length)[0]

    def digests(self, *lengths: int) -> list[str]:
        """:meth:`digest` of each of ``lengths`` (ascending), in one pass where ``stamps`` say
        what each commit's data is."""
        if self.stamps is None:
            return [self._content_digest(end) for end in lengths]
        h, done, found = hashlib.sha1(), 0, []
        for end in lengths:
            h.update(self.stamps[done:end].tobytes())
            found.append(h.copy().hexdigest())
            done = end
        return found

    def _content_digest(self, end: int) -> str:
        h = hashlib.sha1()
        h.update("\0".join(self.commits[:end]).encode())
        for array in (self.values, self.ci_low, self.ci_high):
            h.update(np.ascontiguousarray(array[:end]).tobytes())
        if self.samples is not None:
            h.update(self.samples.counts[:end].tobytes())
            h.update(self.samples.gathered(end).tobytes())
        return h.hexdigest()


def series_from_table(table, results_dir: Path, *, repo=None, machine=None, env=None,
                      bench: re.Pattern | None = None, higher_is_better=()):
    """(series, commit order) of a results table, selected as ``load_results`` would.

    Linear in the rows: files are put in commit order (a few thousand), their rows follow, and
    one stable sort on the small series number groups them (numpy sorts small integers by radix).
    """
    files = table.files
    keep_file = np.ones(len(files), bool)
    if machine is not None:
        keep_file &= np.array([f[0].split(os.sep, 1)[0] == machine for f in files], bool)
    if env is not None:
        keep_file &= np.array([f[4] == env for f in files], bool)
    first_dates: dict = {}
    for f in files:
        if f[6] is not None and (first_dates.get(f[5]) is None or f[6] < first_dates[f[5]]):
            first_dates[f[5]] = f[6]
        first_dates.setdefault(f[5], None)
    order = commit_order(first_dates, repo)
    file_order = np.array([order[f[5]] for f in files], dtype=np.int64)
    rows = table.rows
    # Every row, files in commit order (ties: table order), each file's rows in table order.
    starts = np.array([f[7] for f in files] + [rows["value"].size], np.int64)
    by_order = np.argsort(file_order, kind="stable")
    lengths = np.diff(starts)[by_order]
    file_of = np.repeat(by_order, lengths)
    at = ragged_positions(starts[by_order], lengths)
    combo_names = [c[0] for c in table.combos]
    combo, version = rows["combo"][at], rows["version"][at]
    ok = ~np.isnan(rows["value"][at]) & keep_file[file_of]
    if bench is not None:
        ok &= np.array([bool(bench.search(n)) for n in combo_names], bool)[combo]
    ok &= version == _latest_versions(table.versions, combo_names, combo, version, ok)
    at, file_of, combo = at[ok], file_of[ok], combo[ok]
    # A series is a (machine, env) pair of its file and a combo: number them densely, in key order.
    pair_codes: dict = {}
    file_pair = np.array([pair_codes.setdefault((f[3], f[4]), len(pair_codes)) for f in files], np.int64)
    width = max(len(table.combos), 1)
    dense = file_pair[file_of] * width + combo
    present = np.flatnonzero(np.bincount(dense, minlength=len(pair_codes) * width))
    pair_names = list(pair_codes)
    keys = [(*pair_names[p // width], *table.combos[p % width][:2]) for p in present.tolist()]
    in_key_order = sorted(range(len(keys)), key=keys.__getitem__)
    number = np.zeros(len(pair_codes) * width, np.int64)
    number[present[in_key_order]] = np.arange(len(keys))
    keys = [keys[k] for k in in_key_order]
    series_of = number[dense].astype(np.int16 if len(keys) < 2**15 else np.int64)
    grouped = np.argsort(series_of, kind="stable")
    at, file_of = at[grouped], file_of[grouped]
    bounds = np.r_[0, np.cumsum(np.bincount(series_of, minlength=len(keys)))]
    benchmarks = loader.load_benchmarks(Path(results_dir), [])
    dates = np.array([f[6] if f[6] is not None else np.iinfo(np.int64).min for f in files],
                     dtype=np.int64).astype("datetime64[ms]").astype("datetime64[ns]")
    commits = np.array([f[5] for f in files], dtype=object)
    stamps = np.array([[_commit_key(f[5]), f[1], f[2]] for f in files], dtype=np.int64).reshape(-1, 3)
    # Every column gathered once, in series order; each series gets slices (views) of them.
    column = {name: rows[name][at] for name in ("value", "ci_low", "ci_high", "sample_start", "combo")}
    counts, dates, stamps = rows["n_samples"][at].astype(np.int64), dates[file_of], stamps[file_of]
    shared: dict[bytes, tuple] = {}  # series run at the same commits share one tuple of them
    found = []
    for i, (machine_name, env_name, name, param_key) in enumerate(keys):
        mine = slice(bounds[i], bounds[i + 1])
        files_at = file_of[mine]
        unit = _unit(name, benchmarks.get(name))
        commits_at = shared.get(files_at.tobytes())
        if commits_at is None:
            commits_at = shared[files_at.tobytes()] = tuple(commits[files_at])
        found.append(Series(
            machine=machine_name, env=env_name, benchmark=name, param_key=param_key,
            params=ast.literal_eval(table.combos[int(column["combo"][bounds[i]])][2]), unit=unit,
            higher_is_better=is_higher_better(name, unit, higher_is_better),
            commits=commits_at, dates=dates[mine], values=column["value"][mine],
            ci_low=column["ci_low"][mine], ci_high=column["ci_high"][mine],
            samples=RaggedSamples(rows["samples"], column["sample_start"][mine], counts[mine])
            if counts[mine].any() else None,
            stamps=stamps[mine],
        ))
    return found, order


def _commit_key(commit: str) -> int:
    """64 bits that stand for a commit hash in a series' digest."""
    return int.from_bytes(hashlib.blake2b(commit.encode(), digest_size=8).digest(), "little", signed=True)


def _latest_versions(versions, combo_names, combo, version, ok) -> np.ndarray:
    """Per row (rows in commit order), the code of its benchmark's version at its newest result
    (loader semantics: the last row in commit order that has a version)."""
    none = versions.index(None) if None in versions else -1
    names = sorted(set(combo_names))
    bench_of_combo = np.array([names.index(n) for n in combo_names], np.int64)
    candidates = np.flatnonzero(ok & (version != none))
    last = np.full(len(names), -1, np.int64)
    np.maximum.at(last, bench_of_combo[combo[candidates]], np.arange(candidates.size))
    latest = np.where(last >= 0, version[candidates[np.maximum(last, 0)]] if candidates.size else none, none)
    return latest[bench_of_combo][combo]


def commit_order(dates: dict, repo) -> dict[str, int]:
    """Position of each commit: git's topological order, then stored date for unknown ones."""
    positions = gitrepo.topo_positions(repo)
    big = float("inf")
    ranked = sorted(dates, key=lambda c: (c not in positions, positions.get(c, big),
                                          dates[c] if dates[c] is not None else big, c))
    return {commit: i for i, commit in enumerate(ranked)}


__all__ = ["RaggedSamples", "Series", "commit_order", "series_from_table"]
