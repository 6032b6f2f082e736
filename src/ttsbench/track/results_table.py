"""asv result files read into columns (numpy arrays), cached per file by size and mtime.

``ttsbench history`` reads the same thousands of result files on every run; parsing them was
most of its time. :func:`load_table` keeps every file's rows in ``<cache_dir>/results.npz``
(one row per file, benchmark and parameter combination: value, CI, raw samples, codes into
string tables) and re-reads only files whose size or mtime changed. Files are parsed with
orjson straight into columns; a file that is not asv's results format 2 goes through the
loader (``asv.results.Results``), so it is skipped with the loader's warning. The results
directory is only read; an unwritable cache is one warning.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from pathlib import Path

import numpy as np
import orjson

from ttsbench.errors import TtsbenchError
from ttsbench.track import loader

CACHE_FILE = "results.npz"
CACHE_FORMAT = 1
ROW_ARRAYS = ("combo", "version", "value", "ci_low", "ci_high", "n_samples")


@dataclasses.dataclass
class Table:
    """Rows of every result file; ``combos`` holds (benchmark, param names, param texts)."""

    files: list  # [relative path, size, mtime_ns, machine, env, commit, date_ms, first row]
    combos: list
    versions: list
    rows: dict  # ROW_ARRAYS -> arrays, plus "samples" (flat)
    warnings: list

    def file_rows(self) -> np.ndarray:
        """The index of each row's file."""
        starts = np.array([f[7] for f in self.files] + [self.rows["value"].size])
        return np.repeat(np.arange(len(self.files)), np.diff(starts))


class _Codes:
    def __init__(self, items):
        self.items = [tuple(i) if isinstance(i, list) else i for i in items]
        self.index = {item: k for k, item in enumerate(self.items)}

    def code(self, item) -> int:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)
        return self.index[item]


def load_table(results_dir: Path, cache_dir: Path | None, progress=None) -> Table:
    """Every result file under ``results_dir`` as a :class:`Table` (see the module docstring)."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise TtsbenchError(
            f"no results directory at {results_dir}; run asv first or pass --results DIR"
        )
    old = _read_cache(cache_dir)
    combos, versions = _Codes(old.combos), _Codes(old.versions)
    known = {tuple(f[:3]): k for k, f in enumerate(old.files)}
    old_starts = [f[7] for f in old.files] + [old.rows["value"].size]
    benchmarks = loader.load_benchmarks(results_dir)
    warnings: list[str] = []
    files, parts, n_rows, changed = [], [], 0, len(old.files)
    listing = [(folder, path) for folder, paths in loader._result_files(results_dir, None)
               for path in paths]
    for folder, path in (progress(listing) if progress else listing):
        stat = path.stat()
        key = (str(path.relative_to(results_dir)), stat.st_size, stat.st_mtime_ns)
        k = known.get(key)
        if k is not None:
            part = {name: old.rows[name][old_starts[k]:old_starts[k + 1]] for name in ROW_ARRAYS}
            first = int(old.rows["sample_start"][old_starts[k]]) if part["value"].size else 0
            part["samples"] = old.rows["samples"][first:first + int(part["n_samples"].sum())]
            header = old.files[k][3:7]
            changed -= 1
        else:
            changed += 1
            parsed = _parse(path, folder, benchmarks, combos, versions, warnings)
            if parsed is None:
                continue
            header, part = parsed
        files.append([*key, *header, n_rows])
        parts.append(part)
        n_rows += part["value"].size
    table = Table(files, combos.items, versions.items, _concatenate(parts), warnings)
    if changed and cache_dir is not None:
        _write_cache(table, Path(cache_dir), warnings)
    return table


def _parse(path, folder, benchmarks, combos, versions, warnings):
    """(file header, row arrays) of one result file; None when it is skipped."""
    try:
        data = orjson.loads(path.read_bytes())
        if data.get("version") != 2:
            raise ValueError("not asv's results format 2")
        header = [data["params"].get("machine") or loader._machine_name(folder, warnings),
                  data["env_name"], data["commit_hash"], data.get("date")]
        columns = {name: i for i, name in enumerate(data["result_columns"])}
        out = {name: [] for name in (*ROW_ARRAYS, "samples")}
        for name, row in data["results"].items():
            _append(out, name, row, columns, benchmarks, combos, versions)
    except (OSError, KeyError, TypeError, ValueError, IndexError, orjson.JSONDecodeError):
        return _parse_with_asv(path, folder, benchmarks, combos, versions, warnings)
    return header, _arrays(out)


def _append(out, name, row, columns, benchmarks, combos, versions) -> None:
    def column(key):
        i = columns.get(key)
        return row[i] if i is not None and i < len(row) else None

    param_lists = column("params") or []
    names = tuple((benchmarks.get(name) or {}).get("param_names") or [
        f"param{i + 1}" for i in range(len(param_lists))
    ])
    texts = list(itertools.product(*param_lists))
    values = column("result")
    n = len(texts)
    values = [None] * n if values is None else values
    if len(values) != n:
        raise ValueError(f"{name}: {len(values)} results for {n} parameter combinations")
    version = versions.code(column("version"))
    out["combo"].extend(combos.code((name, names, text)) for text in texts)
    out["version"].extend([version] * n)
    out["value"].extend(values)
    for key, target in (("stats_ci_99_a", "ci_low"), ("stats_ci_99_b", "ci_high")):
        out[target].extend(column(key) or [None] * n)
    samples = column("samples") or [None] * n
    for sample in samples:
        out["n_samples"].append(len(sample) if sample else 0)
        if sample:
            out["samples"].extend(sample)


def _arrays(out) -> dict:
    arrays = {name: np.array(out[name], dtype=float) for name in ("value", "ci_low", "ci_high", "samples")}
    arrays.update({name: np.array(out[name], dtype=np.int32) for name in ("combo", "version", "n_samples")})
    return arrays


def _parse_with_asv(path, folder, benchmarks, combos, versions, warnings):
    """The loader's reading of one odd file (it names the problem in ``warnings``)."""
    try:
        result = loader.Results.load(str(path))
    except (loader.asv_util.UserError, OSError, KeyError, TypeError, ValueError) as exc:
        warnings.append(f"skipped {path}: {str(exc).splitlines()[0]}")
        return None
    columns = {"result": 0, "params": 1, "version": 2, "stats_ci_99_a": 3, "stats_ci_99_b": 4,
               "samples": 5}
    out = {name: [] for name in (*ROW_ARRAYS, "samples")}
    for name in result.get_all_result_keys():
        params = result.get_result_params(name) or []
        stats = result.get_result_stats(name, params) or []
        row = [result.get_result_value(name, params), params, result.benchmark_version.get(name),
               [(s or {}).get("ci_99_a") for s in stats] or None,
               [(s or {}).get("ci_99_b") for s in stats] or None,
               result.get_result_samples(name, params)]
        _append(out, name, row, columns, benchmarks, combos, versions)
    header = [result.params.get("machine") or loader._machine_name(folder, warnings),
              result.env_name, result.commit_hash, result.date]
    return header, _arrays(out)


def _concatenate(parts) -> dict:
    if not parts:
        empty = _arrays({name: [] for name in (*ROW_ARRAYS, "samples")})
        return {**empty, "sample_start": np.zeros(0, np.int64)}
    rows = {name: np.concatenate([p[name] for p in parts]) for name in (*ROW_ARRAYS, "samples")}
    rows["sample_start"] = np.r_[0, np.cumsum(rows["n_samples"])[:-1]].astype(np.int64)
    return rows


def _read_cache(cache_dir) -> Table:
    empty = Table([], [], [], _concatenate([]), [])
    path = None if cache_dir is None else Path(cache_dir) / CACHE_FILE
    if path is None or not path.is_file():
        return empty
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = orjson.loads(stored["meta"].tobytes())
            if meta.get("format") != CACHE_FORMAT:
                return empty
            rows = {name: stored[name] for name in (*ROW_ARRAYS, "samples", "sample_start")}
    except (OSError, ValueError, KeyError, orjson.JSONDecodeError):
        return empty
    combos = [(b, tuple(names), tuple(texts)) for b, names, texts in meta["combos"]]
    return Table(meta["files"], combos, meta["versions"], rows, [])


def _write_cache(table: Table, cache_dir: Path, warnings: list) -> None:
    meta = orjson.dumps({"format": CACHE_FORMAT, "files": table.files, "combos": table.combos,
                         "versions": table.versions})
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = cache_dir / f".{CACHE_FILE}.{os.getpid()}.npz"
        np.savez(temporary, meta=np.frombuffer(meta, dtype=np.uint8), **table.rows)
        os.replace(temporary, cache_dir / CACHE_FILE)
    except OSError as exc:
        warnings.append(f"cache {cache_dir} not written ({exc.strerror or exc}); "
                        "pass --cache DIR to a writable folder")


__all__ = ["Table", "load_table"]
