"""Render comparison rows as a text table (like ``asv compare``), markdown, JSON or CSV.

Text and markdown read at a glance: the verdict line first, then the changed rows, then the rows
that could not be measured grouped one line per reason, then the unchanged rows collapsed with
their MDE (the change each could have seen), naming those that cannot see the medium threshold.
"""

from __future__ import annotations

import csv
import io
import json
import math

from asv.util import format_text_table, human_value

from ttsbench.track.compare import MEASURED_KINDS, CompareRow, exceeds
from ttsbench.track.series import series_name

MARKDOWN_MARKER = "<!-- ttsbench-compare -->"
MARK = {"regression": "+", "improvement": "-", "unchanged": " ", "failed": "x", "new": "n",
        "missing": "?", "skipped": "s", "invalid": "!"}
CSV_FIELDS = [
    "benchmark", "param_key", "machine", "env", "unit", "kind", "severity", "base", "head",
    "ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "p_adjusted", "effect_size", "cohens_d",
    "shift", "shift_ci_low", "shift_ci_high", "method", "n_base", "n_head", "mde", "note",
]
HEADER = ["", "Before", "After", "Ratio [CI]", "p (BH)", "Effect", "MDE", "Severity", "n", "Benchmark (Parameter)", "Note"]


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
        f"{row.mde:.1%}" if math.isfinite(row.mde) else "",
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


def verdict(rows: list[CompareRow], fail_on: str) -> str:
    """One line: FAIL with the worst regression at or above ``fail_on``, else PASS with counts."""
    failing = sorted(exceeds(rows, fail_on), key=lambda r: -abs(math.log(r.ratio)))
    measured = sum(r.kind in MEASURED_KINDS for r in rows)
    if failing:
        worst = failing[0]
        return (f"FAIL: {len(failing)} regression(s) at or above {fail_on}; worst {series_name(worst.benchmark, worst.param_key)} "
                f"x{worst.ratio:.3f} ({worst.severity}) of {measured} measured")
    return f"PASS: no regression at or above {fail_on} ({summary(rows)})"


def unmeasured_lines(rows: list[CompareRow]) -> list[str]:
    """One line per kind and reason of the rows that could not be compared: '54 skipped: ...'."""
    groups: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.kind not in MEASURED_KINDS:
            groups[(row.kind, row.note)] = groups.get((row.kind, row.note), 0) + 1
    return [f"{n} {kind}: {note}" if note else f"{n} {kind}" for (kind, note), n in sorted(groups.items())]


def unchanged_lines(rows: list[CompareRow]) -> list[str]:
    """The unchanged rows in one line with their MDE, then one line per row that is blind."""
    quiet = [r for r in rows if r.kind == "unchanged"]
    if not quiet:
        return []
    mdes = [r.mde for r in quiet if math.isfinite(r.mde)]
    line = f"{len(quiet)} unchanged"
    if mdes:
        line += f"; MDE (80 % power) median {sorted(mdes)[len(mdes) // 2]:.1%}, largest {max(mdes):.1%}"
    blind = [f"  {series_name(r.benchmark, r.param_key)}: {r.note[r.note.index('cannot see'):]}" for r in quiet if "cannot see" in r.note]
    return [line, *blind]


def format_table(rows: list[CompareRow], base: str, head: str, fail_on: str = "medium") -> str:
    """The verdict, the changed rows as a table in the vein of ``asv compare``, the rest folded."""
    series = sorted({(r.machine, r.env) for r in rows})
    lines = [verdict(rows, fail_on),
             f"BASE {base[:12]}  HEAD {head[:12]}  on " + "; ".join(f"{m} / {e}" for m, e in series)]
    changed = [r for r in _ordered(rows) if r.kind in ("regression", "improvement")]
    if changed:
        lines.append(format_text_table([HEADER] + [_cells(r) for r in changed], num_headers=1))
    lines += unmeasured_lines(rows) + unchanged_lines(rows) + [summary(rows)]
    return "\n".join(lines)


def _markdown_table(rows: list[CompareRow]) -> list[str]:
    lines = ["| " + " | ".join(h or "Change" for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _cells(row)]
        cells[0] = row.kind
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def format_markdown(rows: list[CompareRow], base: str, head: str, fail_on: str) -> str:
    """A sticky PR comment: the marker, the verdict, changes in a table, the rest grouped and folded."""
    rows = _ordered(rows)
    changed = [r for r in rows if r.kind in ("regression", "improvement")]
    quiet = [r for r in rows if r.kind == "unchanged"]
    lines = [
        MARKDOWN_MARKER,
        f"### {verdict(rows, fail_on)}",
        "",
        f"ttsbench `{base[:12]}` → `{head[:12]}`. Fails on regressions of severity **{fail_on}** or worse.",
        "",
    ]
    if changed:
        lines += _markdown_table(changed) + [""]
    lines += [f"- {line}" for line in unmeasured_lines(rows)]
    lines += [f"- {line.strip()}" for line in unchanged_lines(rows)] + [""]
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
