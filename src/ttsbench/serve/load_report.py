"""Per-level figures of a load run, and their JSON, CSV, plot and table.

RTF follows the project's convention (``ttsbench e2e``): seconds of audio / seconds of wall
clock, above 1 faster than real time; per request, audio received over its total time.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

from ttsbench.serve.loadgen import LevelResult

PERCENTILES = (50, 95, 99)


def _percentiles(values: list[float], scale: float = 1.0) -> dict[str, float | None]:
    if not values:
        return {f"p{q}": None for q in PERCENTILES}
    points = np.percentile(np.asarray(values) * scale, PERCENTILES)
    return {f"p{q}": round(float(v), 3) for q, v in zip(PERCENTILES, points)}


def summarize(level: LevelResult) -> dict:
    """One JSON object: latency percentiles, throughput, RTF, underruns, errors by kind."""
    ok = [r for r in level.requests if r.error is None]
    audio = sum(r.audio_s for r in ok)
    rtfs = [r.audio_s / r.total_s for r in ok if r.total_s > 0]
    return {
        "concurrency": level.concurrency,
        "requests": len(level.requests),
        "ok": len(ok),
        "ttfa_ms": _percentiles([r.ttfa_s for r in ok], 1000),
        "total_ms": _percentiles([r.total_s for r in ok], 1000),
        "audio_seconds_per_second": round(audio / level.wall_s, 4) if level.wall_s else 0.0,
        "rtf_p50": round(float(np.median(rtfs)), 4) if rtfs else None,
        "underruns": sum(r.underruns for r in ok),
        "errors": dict(sorted(Counter(r.error for r in level.requests if r.error).items())),
        "wall_s": round(level.wall_s, 3),
    }


def write_json(rows: list[dict], path: Path) -> None:
    path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


CSV_COLUMNS = ("concurrency", "requests", "ok", "ttfa_ms_p50", "ttfa_ms_p95", "ttfa_ms_p99",
               "total_ms_p50", "total_ms_p95", "total_ms_p99", "audio_seconds_per_second",
               "rtf_p50", "underruns", "errors", "wall_s")


def write_csv(rows: list[dict], path: Path) -> None:
    """One line per level; nested figures flattened, errors as ``kind=count;...``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            flat = {key: value for key, value in row.items() if not isinstance(value, dict)}
            for name in ("ttfa_ms", "total_ms"):
                flat.update({f"{name}_{q}": v for q, v in row[name].items()})
            flat["errors"] = ";".join(f"{k}={v}" for k, v in row["errors"].items())
            writer.writerow(flat)


def write_plot(rows: list[dict], path: Path, title: str) -> None:
    """First-audio p95 and audio seconds per second against concurrency (PNG); a level run
    more than once shows every run as a dot and the line through their medians."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted({row["concurrency"] for row in rows})
    figure, panels = plt.subplots(1, 2, figsize=(10, 4))
    figures = (("time to first audio p95 (ms)", lambda row: row["ttfa_ms"]["p95"]),
               ("audio seconds per second", lambda row: row["audio_seconds_per_second"]))
    for axes, (label, value) in zip(panels, figures):
        runs = [(row["concurrency"], value(row)) for row in rows if value(row) is not None]
        if runs:
            axes.scatter(*zip(*runs), alpha=0.4)
        medians = [(level, float(np.median([v for c, v in runs if c == level])))
                   for level in levels if any(c == level for c, _ in runs)]
        if medians:
            axes.plot(*zip(*medians), marker="o")
        axes.set(xlabel="concurrent requests", ylabel=label, xscale="log", xticks=levels,
                 xticklabels=[str(level) for level in levels])
        axes.minorticks_off()
        axes.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def print_table(rows: list[dict], url: str) -> None:
    """The figures per level, then one line per error kind."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table("conc.", "ok/sent", "TTFA p50/95/99 ms", "total p50 ms",
                  "audio s/s", "RTF p50", "underruns", box=box.SIMPLE_HEAD,
                  title=f"ttsbench load: {url}")
    for row in rows:
        ttfa = row["ttfa_ms"]
        table.add_row(
            str(row["concurrency"]), f"{row['ok']}/{row['requests']}",
            "/".join("-" if ttfa[k] is None else f"{ttfa[k]:.0f}" for k in ("p50", "p95", "p99")),
            "-" if row["total_ms"]["p50"] is None else f"{row['total_ms']['p50']:.0f}",
            f"{row['audio_seconds_per_second']:.2f}",
            "-" if row["rtf_p50"] is None else f"{row['rtf_p50']:.2f}x", str(row["underruns"]),
        )
    for column in table.columns:
        column.justify = "right"
    console = Console()
    console.print(table)
    for row in rows:
        for kind, count in row["errors"].items():
            console.print(f"concurrency {row['concurrency']}: {count} x {kind}", soft_wrap=True)
    console.print("RTF = seconds of audio / seconds of wall clock per request (above 1: faster "
                  "than real time); audio s/s = audio received per second of the level's wall "
                  "clock.", soft_wrap=True)
