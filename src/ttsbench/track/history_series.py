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
import re
from pathlib import Path

import numpy as np

from ttsbench.track import gitrepo, loader
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
        return cls(flat, np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64), counts)

    def __len__(self) -> int:
        return self.counts.size

    def __getitem__(self, i):
        if isinstance(i, slice):
            return RaggedSamples(self.flat, self.starts[i], self.counts[i])
        count = int(self.counts[i])
        return None if count == 0 else self.flat[self.starts[i]:self.starts[i] + count]

    def gathered(self, end: int | None = None) -> np.ndarray:
        """The samples of the first ``end`` commits, concatenated."""
        starts, counts = self.starts[:end], self.counts[:end]
        offsets = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts)
        return self.flat[offsets + np.arange(offsets.size)]


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
    stamps: np.ndarray | None = None  # per commit: size and mtime of its result file, when known

    @property
    def name(self) -> str:
        """``benchmark(params)`` as asv prints it, without the machine and env."""
        return series_name(self.benchmark, self.param_key)

    @property
    def ident(self) -> str:
        return series_ident(self.machine, self.env, self.benchmark, self.param_key)

    def digest(self, length: int | None = None) -> str:
        """Digest of the first ``length`` commits' data (all by default)."""
        end = len(self.commits) if length is None else length
        h = hashlib.sha1()
        h.update("\0".join(self.commits[:end]).encode())
        for array in (self.values, self.ci_low, self.ci_high):
            h.update(np.ascontiguousarray(array[:end]).tobytes())
        if self.stamps is not None:  # the result files' stamps stand for their samples
            h.update(self.stamps[:end].tobytes())
        elif self.samples is not None:
            h.update(self.samples.counts[:end].tobytes())
            h.update(self.samples.gathered(end).tobytes())
        return h.hexdigest()


def series_from_table(table, results_dir: Path, *, repo=None, machine=None, env=None,
                      bench: re.Pattern | None = None, higher_is_better=()):
    """(series, commit order) of a results table, selected as ``load_results`` would."""
    files = table.files
    folder = np.array([Path(f[0]).parts[0] for f in files], dtype=object)
    keep_file = np.ones(len(files), bool)
    if machine is not None:
        keep_file &= folder == machine
    if env is not None:
        keep_file &= np.array([f[4] == env for f in files], bool)
    first_dates: dict = {}
    for f in files:
        if f[6] is not None and (first_dates.get(f[5]) is None or f[6] < first_dates[f[5]]):
            first_dates[f[5]] = f[6]
        first_dates.setdefault(f[5], None)
    order = commit_order(first_dates, repo)
    file_order = np.array([order[f[5]] for f in files], dtype=np.int64)
    file_of = table.file_rows()
    rows = table.rows
    combo_names = [c[0] for c in table.combos]
    ok = ~np.isnan(rows["value"]) & keep_file[file_of]
    if bench is not None:
        ok &= np.array([bool(bench.search(n)) for n in combo_names], bool)[rows["combo"]]
    ok &= rows["version"] == _latest_versions(table, combo_names, file_order[file_of], ok)
    selected = np.flatnonzero(ok)
    benchmarks = loader.load_benchmarks(Path(results_dir), [])
    labels = {code: table.combos[code] for code in np.unique(rows["combo"][selected]).tolist()}
    # Series key per row, from (file's machine and env, combo) pairs: few distinct, vectorised.
    pair_codes = {}
    file_pair = np.array([pair_codes.setdefault((f[3], f[4]), len(pair_codes)) for f in files],
                         np.int64)
    width = max(len(table.combos), 1)
    pairs, inverse = np.unique(file_pair[file_of[selected]] * width + rows["combo"][selected],
                               return_inverse=True)
    pair_names = list(pair_codes)
    pair_keys = [(*pair_names[p // width], *labels[p % width][:2]) for p in pairs.tolist()]
    keys = sorted(set(pair_keys))
    key_index = {key: i for i, key in enumerate(keys)}
    series_of = np.array([key_index[k] for k in pair_keys], np.int64)[inverse.ravel()]
    ordered = selected[np.lexsort((file_order[file_of[selected]], series_of))]
    bounds = np.searchsorted(np.sort(series_of), np.arange(len(keys) + 1))
    dates = np.array([f[6] if f[6] is not None else np.iinfo(np.int64).min for f in files],
                     dtype=np.int64).astype("datetime64[ms]").astype("datetime64[ns]")
    commits = np.array([f[5] for f in files], dtype=object)
    stamps = np.array([[f[1], f[2]] for f in files], dtype=np.int64).reshape(-1, 2)
    found = []
    for i, (machine_name, env_name, name, param_key) in enumerate(keys):
        at = ordered[bounds[i]:bounds[i + 1]]
        code = int(rows["combo"][at[0]])
        unit = _unit(name, benchmarks.get(name))
        counts = rows["n_samples"][at].astype(np.int64)
        found.append(Series(
            machine=machine_name, env=env_name, benchmark=name, param_key=param_key,
            params=ast.literal_eval(labels[code][2]), unit=unit,
            higher_is_better=is_higher_better(name, unit, higher_is_better),
            commits=tuple(commits[file_of[at]]), dates=dates[file_of[at]],
            values=rows["value"][at], ci_low=rows["ci_low"][at], ci_high=rows["ci_high"][at],
            samples=RaggedSamples(rows["samples"], rows["sample_start"][at], counts)
            if counts.any() else None,
            stamps=stamps[file_of[at]],
        ))
    return found, order


def _latest_versions(table, combo_names, row_order, ok) -> np.ndarray:
    """Per row, the code of its benchmark's version at its newest result (loader semantics)."""
    rows = table.rows
    none = table.versions.index(None) if None in table.versions else -1
    names = sorted(set(combo_names))
    bench_of_combo = np.array([names.index(n) for n in combo_names], np.int64)
    candidates = np.flatnonzero(ok & (rows["version"] != none))
    candidates = candidates[np.argsort(row_order[candidates], kind="stable")]
    benches = bench_of_combo[rows["combo"][candidates]]
    latest = np.full(len(names), none, np.int64)
    # The last candidate of each benchmark in (stable) order holds its newest version.
    reverse_first = np.unique(benches[::-1], return_index=True)
    latest[reverse_first[0]] = rows["version"][candidates[::-1][reverse_first[1]]]
    return latest[bench_of_combo][rows["combo"]]


def commit_order(dates: dict, repo) -> dict[str, int]:
    """Position of each commit: git's topological order, then stored date for unknown ones."""
    positions = gitrepo.topo_positions(repo)
    big = float("inf")
    ranked = sorted(dates, key=lambda c: (c not in positions, positions.get(c, big),
                                          dates[c] if dates[c] is not None else big, c))
    return {commit: i for i, commit in enumerate(ranked)}


__all__ = ["RaggedSamples", "Series", "commit_order", "series_from_table"]
