"""Publish asv's site plus the tracker's pages: safely, from one snapshot, incrementally.

:func:`publish` holds the html dir's lock (:mod:`ttsbench.site.safety`), refuses an html dir it
did not build, snapshots the results (:mod:`ttsbench.site.snapshot`), lets ``load`` turn the
snapshot into :class:`~ttsbench.site.build.SiteData`, runs ``asv publish`` on the same snapshot
into a fresh folder beside the html dir, writes the tracker's pages into its ``ttsbench/``
folder (reusing the previous build's unchanged files), links them from asv's pages, marks the
folder as a site and swaps it in.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from ttsbench.errors import TtsbenchError
from ttsbench.site import safety
from ttsbench.site.build import SiteData, build_tracker_pages
from ttsbench.site.snapshot import ResultsChanged, results_snapshot
from ttsbench.site.writer import BuildStats

TRACKER_DIR = "ttsbench"
ATTEMPTS = 3
ASV_LINK = (
    '<a id="ttsbench-link" href="ttsbench/index.html" style="position:fixed;top:8px;right:12px;'
    'z-index:2000;background:#c62828;color:#fff;padding:4px 10px;border-radius:4px;'
    'font:600 13px sans-serif;text-decoration:none">Regressions and graphs (ttsbench)</a>'
)


@dataclasses.dataclass
class Timings:
    """Seconds spent in each phase of a publish."""

    load: float = 0.0
    asv: float = 0.0
    site: float = 0.0


def run_asv_publish(config: Path, out_dir: Path, cwd: Path) -> None:
    """``asv publish`` of ``config`` into ``out_dir``; its failure becomes one clear line."""
    command = [sys.executable, "-m", "asv", "publish", "--config", str(config), "--html-dir", str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise TtsbenchError(
            f"asv publish failed for {cwd} ({last}); fix that, or pass --no-asv to publish "
            "the tracker's pages alone"
        )


def publish(load: Callable[[Path], SiteData], results: Path, html_dir: Path, *,
            asv_config: Path | None, wait: float = 600.0,
            cache_dir: Path | None = None) -> tuple[SiteData, BuildStats, Timings]:
    """Build asv's site (unless ``asv_config`` is None) and ours from one snapshot; swap it in
    (``cache_dir``: the tracker's cache, where compiled templates are kept too).

    A result file rewritten while publishing discards that build: publish starts again from a new
    snapshot, up to ``ATTEMPTS`` times, then stops with one line.
    """
    html_dir = Path(html_dir).absolute()
    safety.check_replaceable(html_dir, results)
    safety.writable_parent(html_dir)
    with safety.publish_lock(html_dir, wait):
        for _ in range(ATTEMPTS - 1):
            try:
                return _publish_once(load, Path(results), html_dir, asv_config, cache_dir)
            except ResultsChanged as exc:
                print(f"{exc.args[0].split(';')[0]}; publishing again from a new snapshot", file=sys.stderr)
        return _publish_once(load, Path(results), html_dir, asv_config, cache_dir)


def _publish_once(load, results: Path, html_dir: Path, asv_config: Path | None, cache_dir: Path | None):
    timings = Timings()
    with results_snapshot(results, html_dir, link=asv_config is not None) as snapshot:
        started = time.perf_counter()
        site = load(snapshot.results)
        timings.load = time.perf_counter() - started
        safety.check_replaceable(html_dir, results)  # another publish may have run meanwhile
        building = Path(tempfile.mkdtemp(dir=html_dir.parent, prefix=f".{html_dir.name}-build-"))
        try:
            if asv_config is not None:
                started = time.perf_counter()
                run_asv_publish(snapshot.asv_config(asv_config), building, Path(asv_config).absolute().parent)
                timings.asv = time.perf_counter() - started
            started = time.perf_counter()
            stats = build_tracker_pages(site, building / TRACKER_DIR, html_dir / TRACKER_DIR, cache_dir)
            _link_from_asv_pages(building)
            safety.mark(building)
            building.chmod(0o755)
            timings.site = time.perf_counter() - started
            snapshot.verify()
            safety.swap_in(building, html_dir)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return site, stats, timings


def _link_from_asv_pages(folder: Path) -> None:
    """Link the tracker's dashboard from asv's index, and from the error page asv shows offline.

    Without asv's pages (``--no-asv``) the index is a redirect to the dashboard.
    """
    index = folder / "index.html"
    if not index.is_file():
        index.write_text(
            '<!DOCTYPE html><meta charset="utf-8"><title>Benchmarks</title>'
            '<meta http-equiv="refresh" content="0; url=ttsbench/index.html">'
            '<a href="ttsbench/index.html">Regressions and graphs (ttsbench)</a>\n',
            encoding="utf-8",
        )
    for page in (index, folder / "error.html"):
        if not page.is_file():
            continue
        html = page.read_text(encoding="utf-8")
        if 'id="ttsbench-link"' in html or 'href="ttsbench/index.html"' in html:
            continue
        head, marker, tail = html.partition("<body>")
        if not marker:
            raise TtsbenchError(f"asv's {page} has no <body>; cannot link the tracker's pages from it")
        page.write_text(head + marker + "\n" + ASV_LINK + tail, encoding="utf-8")
