"""History plots rendered at build time (matplotlib, Agg): median per commit, CI band, changes.

One PNG per (benchmark, machine, env): every parameter combination is a line, relative to its
own median so that combinations of different sizes share one log-scale axis. Series with a change
are drawn in colour with their CI band and named in the legend, the others as thin grey context
lines. Regressions are marked with a red triangle up, improvements with a green triangle down, at
the first commit of the new level.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402
import numpy as np  # noqa: E402

from ttsbench.track.history import HistoryChange, Series  # noqa: E402

SIZE_INCHES = (9.0, 3.4)
DPI = 90
MARGINS = {"left": 0.08, "right": 0.99, "top": 0.91, "bottom": 0.14}
MARKERS = {"regression": ("^", "#c62828"), "improvement": ("v", "#2e7d32")}


def render_history(path: Path, title: str, series: list[Series], changes: list[HistoryChange],
                   positions: dict[str, int]) -> None:
    """Write the history plot of these series (one benchmark on one machine/env) to ``path``.

    ``positions`` maps each commit to its place in history (the x axis).
    """
    figure, axes = plt.subplots(figsize=SIZE_INCHES, dpi=DPI)
    figure.subplots_adjust(**MARGINS)  # fixed margins: a layout engine costs a second draw
    try:
        by_series: dict[str, list[HistoryChange]] = {}
        for change in changes:
            by_series.setdefault(change.series_ident, []).append(change)
        quiet = [one for one in series if one.ident not in by_series]
        for one in quiet:
            x = np.array([positions[c] for c in one.commits])
            axes.plot(x, one.values / (np.nanmedian(one.values) or 1.0), lw=0.6, color="#b0bec5")
        for one in series:
            if one.ident not in by_series:
                continue
            x = np.array([positions[c] for c in one.commits])
            scale = np.nanmedian(one.values) or 1.0
            line, = axes.plot(x, one.values / scale, lw=1.3, label=one.param_key or one.benchmark)
            low, high = one.ci_low / scale, one.ci_high / scale
            if np.isfinite(low).any():
                axes.fill_between(x, low, high, color=line.get_color(), alpha=0.2, lw=0)
            for change in by_series.get(one.ident, []):
                marker, colour = MARKERS[change.kind]
                axes.plot(x[change.index], one.values[change.index] / scale, marker=marker,
                          color=colour, ms=8, mec="black", mew=0.5, zorder=5)
        axes.set_yscale("log")
        axes.yaxis.set_major_formatter(ticker.FormatStrFormatter("%.3g"))
        axes.yaxis.set_minor_formatter(ticker.FormatStrFormatter("%.3g"))
        axes.set_title(title, fontsize=9, loc="left")
        axes.set_xlabel("commit (oldest to newest)", fontsize=8)
        axes.set_ylabel("relative to series median", fontsize=8)
        axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # commits are whole
        axes.tick_params(which="both", labelsize=7)
        axes.grid(True, which="both", alpha=0.25)
        if by_series:
            axes.legend(fontsize=6, ncols=min(len(by_series), 4), loc="upper left", frameon=False,
                        title=f"{len(by_series)} of {len(series)} series changed (grey: unchanged)",
                        title_fontsize=6)
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)

