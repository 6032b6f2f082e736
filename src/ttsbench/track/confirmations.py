"""Verdicts of ``ttsbench confirm``: re-measured changes, stored beside asv's results.

``<results_dir>/../ttsbench-confirmations/verdicts.json`` (never inside the results dir, which
is asv's; a folder, so the publish workflow keeps it on a branch as it keeps the results)
maps ``benchmark(params)@commit`` to the re-measurement of that commit against its parent:
``status`` (``confirmed`` or ``refuted``), the measured ratio with its interval and p-value, the
machine, the parent and when. ``ttsbench history`` reads it back: a stored verdict is the
change's ``status``.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.files import write_atomic
from ttsbench.track.series import series_name

FOLDER = "ttsbench-confirmations"
FILE_NAME = "verdicts.json"
VERDICTS = ("confirmed", "refuted")


def store_path(results_dir: Path | str) -> Path:
    """The confirmations file of a results dir: its sibling, never inside it."""
    return Path(results_dir).resolve().parent / FOLDER / FILE_NAME


def key(benchmark: str, param_key: str, commit: str) -> str:
    return f"{series_name(benchmark, param_key)}@{commit}"


def read(results_dir: Path | str) -> dict[str, dict]:
    """Every stored verdict by :func:`key` (empty when none was stored or the file is unreadable)."""
    path = store_path(results_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and v.get("status") in VERDICTS}


def record(results_dir: Path | str, verdicts: list[dict]) -> Path:
    """Add ``verdicts`` (each with benchmark, param_key, commit, status, ...) to the store."""
    path = store_path(results_dir)
    stored = read(results_dir)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for verdict in verdicts:
        stored[key(verdict["benchmark"], verdict["param_key"], verdict["commit"])] = {
            **verdict, "measured_at": now,
        }
    try:
        write_atomic(path, json.dumps(stored, indent=1, sort_keys=True))
    except OSError as exc:
        raise TtsbenchError(
            f"cannot write {path}: {exc.strerror or exc}; make its folder writable"
        ) from None
    return path


__all__ = ["FOLDER", "key", "read", "record", "store_path"]
