"""Publish asv's site plus the tracker's pages, atomically and incrementally.

:func:`publish` runs ``asv publish`` into a fresh temporary directory beside the html dir, writes
the tracker's pages into its ``ttsbench/`` folder, links them from asv's ``index.html`` (and from
``error.html``, where asv sends readers when its CDN scripts cannot load) and swaps
the directory in with one atomic ``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel
lacks it), so a reader never sees half a site.

Incremental: ``ttsbench/status.json`` maps every file of the tracker's pages to a digest of the
data it was built from. A file whose digest is unchanged is hard-linked (or copied) from the
previous site instead of being rendered again: after one new commit only the plots and pages of
the series that changed are redone. Our pages use no script and no network: they work from
``file://``.
"""

from __future__ import annotations

import csv
import ctypes
import dataclasses
import datetime
import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.site import pages
from ttsbench.track.history import History, Series

TRACKER_DIR = "ttsbench"
STATUS_FILE = "status.json"
BUILD_FORMAT = 1
FEED_ENTRIES = 50
EXPORT_FIELDS = [
    "benchmark", "param_key", "machine", "env", "unit", "commit", "prev_commit", "date", "before",
    "after", "ratio", "ci_low", "ci_high", "p_value", "severity", "kind", "status", "fixed_by",
    "author", "subject",
]
ASV_LINK = (
    '<a id="ttsbench-link" href="ttsbench/index.html" style="position:fixed;top:8px;right:12px;'
    'z-index:2000;background:#c62828;color:#fff;padding:4px 10px;border-radius:4px;'
    'font:600 13px sans-serif;text-decoration:none">Regressions (ttsbench)</a>'
)
RENAME_EXCHANGE = 2
AT_FDCWD = -100


@dataclasses.dataclass(frozen=True)
class SiteData:
    """Everything the tracker's pages show, computed before the build."""

    project: str
    history: History
    rows: list[dict]
    order: dict[str, int]
    comparison: dict | None = None


@dataclasses.dataclass
class BuildStats:
    rendered: int = 0
    reused: int = 0


def run_asv_publish(config: Path, out_dir: Path) -> None:
    """``asv publish`` of ``config`` into ``out_dir``; its failure becomes one clear line."""
    config = Path(config).absolute()
    command = [sys.executable, "-m", "asv", "publish", "--config", str(config), "--html-dir", str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=config.parent)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise TtsbenchError(
            f"asv publish failed for {config} ({last}); fix that, or pass --no-asv to publish "
            "the tracker's pages alone"
        )


def publish(site: SiteData, html_dir: Path, *, asv_config: Path | None) -> BuildStats:
    """Build asv's site (unless ``asv_config`` is None) and ours, then swap it in as ``html_dir``."""
    html_dir = Path(html_dir).absolute()
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=html_dir.parent, prefix=f".{html_dir.name}-build-"))
    try:
        if asv_config is not None:
            run_asv_publish(asv_config, building)
        stats = build_tracker_pages(site, building / TRACKER_DIR, html_dir / TRACKER_DIR)
        _link_from_asv_pages(building)
        building.chmod(0o755)
        _swap_in(building, html_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return stats


def build_tracker_pages(site: SiteData, out: Path, previous: Path) -> BuildStats:
    """Write the tracker's pages into ``out``, reusing unchanged files from ``previous``."""
    out.mkdir(parents=True)
    writer = _Writer(out, previous)
    env = pages.environment()
    stylesheet = _copy_stylesheet(writer)
    benchmarks = sorted({s.benchmark for s in site.history.series})
    common = {
        "project": site.project, "stylesheet": stylesheet,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "has_compare": site.comparison is not None,
    }

    for benchmark in benchmarks:
        _benchmark_files(writer, env, common, site, benchmark)

    counts = {
        "open": sum(r["status"] == "open" for r in site.rows),
        "fixed": sum(r["status"] == "fixed" for r in site.rows),
        "improvements": sum(r["kind"] == "improvement" for r in site.rows),
        "series": len(site.history.series),
        "commits": len(site.order),
    }
    context = {**common, **pages.dashboard_context(site.rows, benchmarks, counts), "root": ""}
    writer.text("index.html", _digest(context, exclude="generated"),
                lambda: env.get_template("dashboard.html").render(context))
    if site.comparison is not None:
        compare = {**common, **site.comparison, "root": ""}
        writer.text("compare.html", _digest(compare, exclude="generated"),
                    lambda: env.get_template("compare.html").render(compare))
    _exports(writer, env, site)
    writer.finish()
    return writer.stats


def _benchmark_files(writer, env, common, site: SiteData, benchmark: str) -> None:
    from ttsbench.site.plots import render_history

    series = [s for s in site.history.series if s.benchmark == benchmark]
    changes = [c for c in site.history.changes if c.benchmark == benchmark]
    rows = [r for r in site.rows if r["benchmark"] == benchmark]
    plots = []
    groups: dict[tuple[str, str], list[Series]] = {}
    for one in series:
        groups.setdefault((one.machine, one.env), []).append(one)
    for (machine, env_name), group in sorted(groups.items()):
        group_changes = [c for c in changes if (c.machine, c.env) == (machine, env_name)]
        commits = sorted({c for s in group for c in s.commits}, key=site.order.__getitem__)
        positions = {c: i for i, c in enumerate(commits)}
        image = f"plots/{pages.slug(benchmark)}--{pages.slug(machine)}--{pages.slug(env_name)}.png"
        digest = _digest([[s.digest() for s in group], [c.row() for c in group_changes]])
        title = f"{benchmark} · {machine} · {env_name}"
        writer.file(image, digest, lambda path, g=group, gc=group_changes, p=positions, t=title:
                    render_history(path, t, g, gc, p))
        plots.append(pages.Plot(image=image, machine=machine, env=env_name, series=len(group),
                                commits=len(commits)))
    context = {**common, "root": "../", "benchmark": benchmark, "plots": plots,
               "changes": sorted(rows, key=lambda r: r["date"], reverse=True)}
    writer.text(pages.benchmark_page(benchmark), _digest(context, exclude="generated"),
                lambda: env.get_template("benchmark.html").render(context))


def _exports(writer, env, site: SiteData) -> None:
    rows = sorted(site.rows, key=lambda r: (r["date"], r["benchmark"], r["param_key"]))
    digest = _digest(rows)
    writer.text("changes.json", digest, lambda: json.dumps(rows, indent=1, default=str))

    def as_csv() -> str:
        buffer = io.StringIO()
        out = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
        return buffer.getvalue()

    writer.text("changes.csv", digest, as_csv)
    regressions = [r for r in reversed(rows) if r["kind"] == "regression"][:FEED_ENTRIES]
    updated = regressions[0]["date"] if regressions else "1970-01-01T00:00:00+00:00"
    feed = {"project": site.project, "rows": regressions, "updated": updated}
    writer.text("feed.xml", _digest(feed), lambda: env.get_template("feed.xml").render(feed))


def _copy_stylesheet(writer) -> str:
    css = resources.files("ttsbench.site").joinpath("static/style.css").read_bytes()
    digest = hashlib.sha1(css).hexdigest()
    name = f"style-{digest[:10]}.css"
    writer.file(f"static/{name}", digest, lambda path: path.write_bytes(css))
    return name


class _Writer:
    """Writes files under ``out``; a file whose digest matches the previous build is reused."""

    def __init__(self, out: Path, previous: Path):
        self.out, self.previous = out, previous
        self.stats = BuildStats()
        self.status: dict[str, str] = {}
        try:
            stored = json.loads((previous / STATUS_FILE).read_text(encoding="utf-8"))
            self.old = stored["files"] if stored.get("format") == BUILD_FORMAT else {}
        except (OSError, ValueError, KeyError):
            self.old = {}

    def file(self, relative: str, digest: str, produce) -> None:
        target = self.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        self.status[relative] = digest
        source = self.previous / relative
        if self.old.get(relative) == digest and source.is_file():
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
            self.stats.reused += 1
            return
        produce(target)
        self.stats.rendered += 1

    def text(self, relative: str, digest: str, produce) -> None:
        self.file(relative, digest, lambda path: path.write_text(produce(), encoding="utf-8"))

    def finish(self) -> None:
        (self.out / STATUS_FILE).write_text(
            json.dumps({"format": BUILD_FORMAT, "files": self.status}, indent=0), encoding="utf-8"
        )


def _digest(data, exclude: str | None = None) -> str:
    """Digest of a file's data and of the code that renders it (templates, plots, pages)."""
    if exclude is not None and isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != exclude}
    text = json.dumps([BUILD_FORMAT, _code_digest(), data], sort_keys=True, default=_plain)
    return hashlib.sha1(text.encode()).hexdigest()


@functools.cache
def _code_digest() -> str:
    package = resources.files("ttsbench.site")
    h = hashlib.sha1()
    for name in ("plots.py", "pages.py"):
        h.update(package.joinpath(name).read_bytes())
    for template in sorted(package.joinpath("templates").iterdir(), key=lambda t: t.name):
        h.update(template.name.encode() + template.read_bytes())
    return h.hexdigest()


def _plain(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)


def _link_from_asv_pages(folder: Path) -> None:
    """Link the tracker's dashboard from asv's index, and from the error page asv shows offline.

    Without asv's pages (``--no-asv``) the index is a redirect to the dashboard.
    """
    index = folder / "index.html"
    if not index.is_file():
        index.write_text(
            '<!DOCTYPE html><meta charset="utf-8"><title>Benchmarks</title>'
            '<meta http-equiv="refresh" content="0; url=ttsbench/index.html">'
            '<a href="ttsbench/index.html">Regressions (ttsbench)</a>\n',
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


def _swap_in(built: Path, html_dir: Path) -> None:
    """Make ``built`` the html dir atomically; the old site ends up at ``built`` (then removed)."""
    if not html_dir.exists():
        os.replace(built, html_dir)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        if renameat2(AT_FDCWD, os.fsencode(built), AT_FDCWD, os.fsencode(html_dir), RENAME_EXCHANGE) == 0:
            return
    old = built.with_name(built.name + "-old")
    os.replace(html_dir, old)
    os.replace(built, html_dir)
    os.replace(old, built)
