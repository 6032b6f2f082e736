"""Plain page data for the tracker's site, and its jinja2 rendering (autoescaped).

Pages are rendered from dictionaries and dataclasses built here from the history's changes, never
from objects that do I/O. Links: every tracker page lives under ``<html_dir>/ttsbench/``; asv's own
graph of a series is ``../index.html#<benchmark>?machine=..&p-<param>=..`` (asv's hash scheme).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import jinja2
import markupsafe

from ttsbench.track.history import HistoryChange

SEVERITY_ORDER = ("critical", "high", "medium", "low")


def environment(cache_dir: Path | None = None) -> jinja2.Environment:
    """The templates' environment; with ``cache_dir``, compiled templates are kept in its
    ``templates/`` folder (jinja2's bytecode cache: compiling them was a twentieth of a
    one-commit publish), unless that folder cannot be written."""
    bytecode = None
    if cache_dir is not None:
        folder = Path(cache_dir) / "templates"
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            bytecode = jinja2.FileSystemBytecodeCache(str(folder))
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ttsbench.site", "templates"),
        bytecode_cache=bytecode,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def slug(benchmark: str) -> str:
    """A file name for a benchmark's page."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", benchmark)


def benchmark_page(benchmark: str) -> str:
    return f"benchmarks/{slug(benchmark)}.html"


def asv_graph_link(change: HistoryChange) -> str:
    """asv's graph of this series, from the tracker's root (asv's ``#name?key=value`` hash)."""
    parts = [f"machine={quote(change.machine, safe='')}"]
    for name, value in change.params.items():
        text = repr(value) if isinstance(value, str) else str(value)
        parts.append(f"p-{quote(name, safe='')}={quote(text, safe='')}")
    parts.append(f"commits={change.commit[:8]}")
    return f"../index.html#{quote(change.benchmark, safe='.')}?{'&'.join(parts)}"


def forge_range(remote: str | None, change: HistoryChange) -> str | None:
    return None if remote is None else f"{remote}/compare/{change.prev_commit}...{change.commit}"


def change_row(change: HistoryChange, remote: str | None) -> dict:
    """Everything a table row, an export or a feed entry shows about one change."""
    row = change.row()
    # history's label: "tentative" until enough commits (or `ttsbench confirm`) back it, "refuted"
    # when a re-measurement did not; "confirmed" is the normal case and is not spelled out.
    detection = getattr(change, "status", "") or ""
    row["detection"] = "" if detection == "confirmed" else detection
    open_regression = change.kind == "regression" and detection != "refuted"
    row["status"] = "fixed" if change.fixed_by else ("open" if open_regression else "")
    row["page"] = benchmark_page(change.benchmark)
    row["asv_graph"] = asv_graph_link(change)
    row["forge_range"] = forge_range(remote, change)
    return row


def script_json(data) -> markupsafe.Markup:
    """JSON to embed in ``<script type="application/json">`` (no ``</script>`` can close it)."""
    text = json.dumps(data, separators=(",", ":"), default=str)
    return markupsafe.Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def dashboard_context(rows: list[dict], benchmarks: list[str], counts: dict) -> dict:
    """Open regressions grouped by severity (worst first), fixed ones, improvements; newest first."""
    newest_first = sorted(rows, key=lambda r: r["date"], reverse=True)
    open_rows = [r for r in newest_first if r["status"] == "open"]
    grouped = [(s, [r for r in open_rows if r["severity"] == s]) for s in SEVERITY_ORDER]
    return {
        "open": [(s, group) for s, group in grouped if group],
        "fixed": [r for r in newest_first if r["status"] == "fixed"],
        "improvements": [r for r in newest_first if r["kind"] == "improvement"],
        "benchmarks": [(name, benchmark_page(name)) for name in benchmarks],
        "counts": counts,
    }
