"""Series data for the site's graphs: script files in fixed-size chunks of commits.

Commits are numbered by their place in history (0 = oldest). Chunk ``k`` holds positions
``[k * CHUNK, (k + 1) * CHUNK)``: ``data/commits-<k>.js`` gives their hash, date, author and
subject. A closed chunk (any but the newest commit's) of a benchmark on one machine/env is
``data/<benchmark>@<machine>--<env>-<k>.js`` (:attr:`Group.stem`): for each parameter
combination, the positions, values and CI bounds that fall in chunk ``k``. The open chunk, the
one a new commit changes, is shared: ``data/tail-<n>.js`` holds it for ``TAIL_GROUPS``
consecutive groups, so a new commit rewrites a file per ``TAIL_GROUPS`` groups, not one per
group (a file costs its creation, half a millisecond here, whatever its size), and older chunks
keep their digest and are reused. The files are scripts that call ``ttsbench.commits`` and
``ttsbench.points`` (static/site.js), so pages load them with ``<script>`` tags: no fetch, and
``file://`` works offline.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from typing import Callable

import numpy as np
import orjson

from ttsbench.site.pages import slug
from ttsbench.track.history import Series

CHUNK = 256
TAIL_GROUPS = 8
MAX_NAME = 200  # bytes of a data file's name before -<k>.js (file systems allow 255)
FORMAT = 3


@dataclasses.dataclass(frozen=True)
class DataFile:
    """One file of series data: where it goes, a digest of what it holds, and how to write it."""

    path: str
    digest: str
    produce: Callable[[], str]


@dataclasses.dataclass(frozen=True)
class Group:
    """The series of one benchmark on one machine/env, as a page and its data files see them."""

    benchmark: str
    machine: str
    env: str
    series: list[Series]

    @property
    def ident(self) -> str:
        return f"{slug(self.machine)}--{slug(self.env)}"

    @property
    def stem(self) -> str:
        """The group's data files are ``<stem>-<k>.js``, in one flat folder (a new folder costs as
        much as a new file, and a fresh build would make one per benchmark): the benchmark's slug,
        ``@`` (never in a slug), machine and env. A name too long for a file system keeps its
        start and a digest of the whole."""
        name = f"{slug(self.benchmark)}@{self.ident}".encode()
        if len(name) > MAX_NAME:
            name = name[:MAX_NAME - 17] + b"~" + hashlib.sha1(name).hexdigest()[:16].encode()
        return f"data/{name.decode(errors='ignore')}"


def commit_positions(order: dict[str, int]) -> dict[str, int]:
    """Each commit's place in history, 0 for the oldest (ties broken by hash, as the series are)."""
    ranked = sorted(order, key=lambda commit: (order[commit], commit))
    return {commit: i for i, commit in enumerate(ranked)}


def chunk_count(n_commits: int) -> int:
    return max(1, math.ceil(n_commits / CHUNK))


def commit_files(positions: dict[str, int], info: dict[str, dict]) -> list[DataFile]:
    """``data/commits-<k>.js``: [hash, date, author, subject] for every commit of chunk k."""
    ranked = sorted(positions, key=positions.__getitem__)
    files = []
    for k in range(chunk_count(len(ranked))):
        rows = [
            [c, str(info.get(c, {}).get("date", ""))[:16].replace("T", " "),
             info.get(c, {}).get("author", ""), info.get(c, {}).get("subject", "")]
            for c in ranked[k * CHUNK:(k + 1) * CHUNK]
        ]
        text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha1(f"{FORMAT}:{k}:{text}".encode()).hexdigest()
        files.append(DataFile(f"data/commits-{k}.js", digest,
                              lambda k=k, text=text: f"ttsbench.commits({k * CHUNK},{text});\n"))
    return files


def series_files(groups: list[Group], positions: dict[str, int]) -> tuple[list[DataFile], list[dict]]:
    """The data files of ``groups`` (in site order) and, for each group, which file holds each
    of its chunks: closed chunks a file per group, the open one a tail file per
    ``TAIL_GROUPS`` groups (see the module docstring)."""
    open_chunk = (len(positions) - 1) // CHUNK
    files, where, tails = [], [], {}
    located: dict[tuple, np.ndarray] = {}  # series run at the same commits share their positions
    for i, group in enumerate(groups):
        paths = {}
        for k, digest, parts in _group_chunks(group, positions, located):
            if k == open_chunk:
                paths[k] = f"data/tail-{i // TAIL_GROUPS}.js"
                tails.setdefault(paths[k], []).append((digest, group, parts))
            else:
                paths[k] = f"{group.stem}-{k}.js"
                files.append(DataFile(paths[k], digest,
                                      lambda k=k, group=group, parts=parts: _points_script(group, k, parts)))
        where.append(paths)
    for path, members in tails.items():
        digest = hashlib.sha1(" ".join(d for d, _, _ in members).encode()).hexdigest()
        files.append(DataFile(path, digest, lambda members=members: "".join(
            _points_script(group, open_chunk, parts) for _, group, parts in members)))
    return files, where


def _group_chunks(group: Group, positions: dict[str, int], located: dict):
    """(k, digest, per-series arrays) of each chunk ``k`` in which the group has a result."""
    placed = []
    for one in group.series:
        x = located.get(one.commits)
        if x is None:
            x = located[one.commits] = np.fromiter((positions[c] for c in one.commits), int,
                                                   len(one.commits))
        placed.append((one, x))
    present = np.zeros(chunk_count(len(positions)), bool)
    for _, x in placed:
        present[x // CHUNK] = True
    for k in np.flatnonzero(present).tolist():
        parts = []
        for one, x in placed:
            lo, hi = np.searchsorted(x, [k * CHUNK, (k + 1) * CHUNK])
            if lo < hi:
                parts.append((one.param_key, x[lo:hi], one.values[lo:hi], one.ci_low[lo:hi],
                              one.ci_high[lo:hi]))
        digest = hashlib.sha1(f"{FORMAT}:{group.benchmark}:{group.ident}:{k}".encode())
        for key, *arrays in parts:
            digest.update(key.encode() + b"\0")
            for array in arrays:
                digest.update(np.ascontiguousarray(array, dtype=float).tobytes())
        yield k, digest.hexdigest(), parts


def _points_script(group: Group, k: int, parts) -> str:
    body = ",".join(
        f"{json.dumps(key)}:[{_numbers(x)},{_numbers(v)},{_numbers(lo)},{_numbers(hi)}]"
        for key, x, v, lo, hi in parts
    )
    return (f"ttsbench.points({json.dumps(group.benchmark)},{json.dumps(group.ident)},{k},"
            f"{{{body}}});\n")


def _numbers(values: np.ndarray) -> str:
    """A JSON array (orjson: a tenth of the time of formatting each number); floats as float32
    (7 significant digits) unless that would overflow, a missing bound (NaN) as null."""
    if values.dtype.kind == "f":
        with np.errstate(over="ignore"):
            single = values.astype(np.float32)
        if np.isinf(single).sum() == np.isinf(values).sum():
            values = single
    return orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY).decode()
