"""Render comparison rows as a text table (like ``asv compare``), markdown, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import math

from asv.util import format_text_table, human_value

from ttsbench.track.compare import MEASURED_KINDS, CompareRow
from ttsbench.track.series import series_name

MARKDOWN_MARKER = "<!-- ttsbench-compare -->"
MARK = {"regression": "+", "improvement": "-", "unchanged": " ", "failed": "x", "new": "n",
        "missing": "?", "skipped": "s", "invalid": "!"}
CSV_FIELDS = [
    "benchmark", "param_key", "machine", "env", "unit", "kind", "severity", "base", "head",
    "ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "p_adjusted", "effect_size", "cohens_d",
    "shift", "shift_ci_low", "shift_ci_high", "method", "n_base", "n_head", "note",
]
HEADER = ["", "Before", "After", "Ratio [CI]", "p (BH)", "Effect", "Severity", "n", "Benchmark (Parameter)", "Note"]


def _value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if unit in ("seconds", "bytes"):
        return human_value(value, unit)
    return f"{value:.4g} {unit}".strip()


def _ratio(row: CompareRow) -> str:
    if not math.isfinite(row.ratio):
        return ""
    if math.isfinite(row.ratio_ci_low) and math.isfinite(row.ratio_ci_high):
        return f"{row.ratio:.3f} [{row.ratio_ci_low:.3f}, {row.ratio_ci_high:.3f}]"
    return f"{row.ratio:.3f}"


def _cells(row: CompareRow) -> list[str]:
    name = series_name(row.benchmark, row.param_key)
    return [
        MARK[row.kind],
        _value(row.base, row.unit),
        _value(row.head, row.unit),
        _ratio(row),
        f"{row.p_adjusted:.2g}" if math.isfinite(row.p_adjusted) else "",
        f"{row.effect_size:+.2f}" if math.isfinite(row.effect_size) else "",
        row.severity or ("" if row.kind in MEASURED_KINDS else row.kind),
        f"{row.n_base}/{row.n_head}" if row.method else "",
        name,
        row.note,
    ]


def _ordered(rows: list[CompareRow]) -> list[CompareRow]:
    rank = {kind: i for i, kind in enumerate(MARK)}
    return sorted(rows, key=lambda r: (rank[r.kind], -abs(math.log(r.ratio)) if r.ratio and math.isfinite(r.ratio) and r.ratio > 0 else 0))


def summary(rows: list[CompareRow]) -> str:
    counts = {kind: sum(r.kind == kind for r in rows) for kind in MARK}
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)


def format_table(rows: list[CompareRow], base: str, head: str) -> str:
    """A reStructuredText table in the vein of ``asv compare``, worst changes first."""
    series = sorted({(r.machine, r.env) for r in rows})
    lines = [f"BASE {base[:12]}  HEAD {head[:12]}  on " + "; ".join(f"{m} / {e}" for m, e in series)]
    lines.append(format_text_table([HEADER] + [_cells(r) for r in _ordered(rows)], num_headers=1))
    lines.append(summary(rows))
    return "\n".join(lines)


def _markdown_table(rows: list[CompareRow]) -> list[str]:
    lines = ["| " + " | ".join(h or "Change" for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _cells(row)]
        cells[0] = row.kind
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def format_markdown(rows: list[CompareRow], base: str, head: str, fail_on: str) -> str:
    """A sticky PR comment: the marker line first, changes in a table, the rest folded."""
    rows = _ordered(rows)
    notable = [r for r in rows if r.kind != "unchanged"]
    quiet = [r for r in rows if r.kind == "unchanged"]
    lines = [
        MARKDOWN_MARKER,
        f"### ttsbench compare `{base[:12]}` → `{head[:12]}`",
        "",
        f"{summary(rows)}. Fails on regressions of severity **{fail_on}** or worse.",
        "",
    ]
    if notable:
        lines += _markdown_table(notable) + [""]
    if quiet:
        lines += ["<details><summary>Unchanged benchmarks</summary>", ""]
        lines += _markdown_table(quiet) + ["", "</details>"]
    return "\n".join(lines) + "\n"


def format_json(rows: list[CompareRow]) -> str:
    return json.dumps([r.as_dict() for r in rows], indent=2, default=str) + "\n"


def format_csv(rows: list[CompareRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.as_dict().items()})
    return out.getvalue()
