"""The tracker's pages: dashboard, one page per benchmark, commit page, comparison, exports.

Pages are small HTML; what they show comes from script files (see :mod:`ttsbench.site.seriesdata`)
drawn in the browser by plotly.js, which is copied once per site from the ``plotly`` Python
package under a content-hashed name. Nothing is fetched from the network: every page works from
``file://`` offline. Every file goes through :class:`~ttsbench.site.writer.Writer`, so a rebuild
writes only what changed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import hashlib
import importlib.util
import io
import json
from importlib import resources
from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.progress import bar
from ttsbench.site import pages, seriesdata
from ttsbench.site.seriesdata import Group
from ttsbench.site.writer import BuildStats, Writer, digest
from ttsbench.track.history import History

FEED_ENTRIES = 50
EXPORT_FIELDS = [
    "benchmark", "param_key", "machine", "env", "unit", "commit", "prev_commit", "date", "before",
    "after", "ratio", "ci_low", "ci_high", "p_value", "severity", "kind", "status", "detection",
    "fixed_by", "author", "subject",
]


@dataclasses.dataclass(frozen=True)
class SiteData:
    """Everything the tracker's pages show, computed before the build."""

    project: str
    history: History
    rows: list[dict]
    order: dict[str, int]
    commits: dict[str, dict]  # hash -> author, date, subject
    remote: str | None = None
    comparison: dict | None = None


def build_tracker_pages(site: SiteData, out: Path, previous: Path, cache_dir: Path | None = None) -> BuildStats:
    """Write the tracker's pages into ``out``, reusing unchanged files from ``previous``
    (compiled templates kept in ``cache_dir``, see :func:`ttsbench.site.pages.environment`)."""
    out.mkdir(parents=True)
    writer = Writer(out, previous)
    env = pages.environment(cache_dir)
    static = {name: _static(writer, name) for name in ("site.js", "style.css")}
    static["plotly"] = _plotly(writer)
    positions = seriesdata.commit_positions(site.order)
    commit_scripts = []
    for data in seriesdata.commit_files(positions, site.commits):
        writer.text(data.path, data.digest, data.produce)
        commit_scripts.append(data.path)
    common = {
        "project": site.project, "stylesheet": static["style.css"], "site_js": static["site.js"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "has_compare": site.comparison is not None,
    }
    groups = _groups(site.history)
    in_order = [group for benchmark in sorted(groups) for group in groups[benchmark]]
    files, where = seriesdata.series_files(in_order, positions)
    for data in bar(files, "site", "data file"):
        writer.text(data.path, data.digest, data.produce)
    placed: dict[str, list] = {}
    for group, chunk_files in zip(in_order, where):
        placed.setdefault(group.benchmark, []).append((group, chunk_files))
    manifest = {"remote": site.remote, "chunk": seriesdata.CHUNK, "groups": [], "changes": []}
    for benchmark in sorted(placed):
        manifest["groups"] += _benchmark_page(writer, env, common, site, placed[benchmark],
                                              positions, static["plotly"], commit_scripts)
    manifest["changes"] = [[r["benchmark"], _ident(r), r["param_key"], r["commit"], r["kind"],
                            r["detection"]] for r in site.rows]
    text = f"ttsbench.manifest({json.dumps(manifest, separators=(',', ':'))});\n"
    writer.text("data/manifest.js", digest(text), lambda: text)

    counts = {
        "open": sum(r["status"] == "open" for r in site.rows),
        "fixed": sum(r["status"] == "fixed" for r in site.rows),
        "improvements": sum(r["kind"] == "improvement" for r in site.rows),
        "series": len(site.history.series), "commits": len(site.order),
    }
    context = {**common, **pages.dashboard_context(site.rows, sorted(groups), counts), "root": ""}
    writer.text("index.html", digest(context, exclude="generated"),
                lambda: env.get_template("dashboard.html").render(context))
    commit_page = {**common, "root": "", "scripts": [*commit_scripts, "data/manifest.js"]}
    writer.text("commit.html", digest(commit_page, exclude="generated"),
                lambda: env.get_template("commit.html").render(commit_page))
    if site.comparison is not None:
        compare = {**common, **site.comparison, "root": ""}
        writer.text("compare.html", digest(compare, exclude="generated"),
                    lambda: env.get_template("compare.html").render(compare))
    _exports(writer, env, site)
    writer.finish()
    return writer.stats


def _groups(history: History) -> dict[str, list[Group]]:
    by_key: dict[tuple[str, str, str], list] = {}
    for one in history.series:
        by_key.setdefault((one.benchmark, one.machine, one.env), []).append(one)
    groups: dict[str, list[Group]] = {}
    for (benchmark, machine, env), series in sorted(by_key.items()):
        groups.setdefault(benchmark, []).append(Group(benchmark, machine, env, series))
    return groups


def _ident(row: dict) -> str:
    return f"{pages.slug(row['machine'])}--{pages.slug(row['env'])}"


def _benchmark_page(writer, env, common, site: SiteData, groups: list[tuple[Group, dict]],
                    positions, plotly: str, commit_scripts: list[str]) -> list[list]:
    """The benchmark's page from its groups, each with the data file of each of its chunks;
    their entries of the commit page's manifest."""
    benchmark = groups[0][0].benchmark
    rows = sorted((r for r in site.rows if r["benchmark"] == benchmark),
                  key=lambda r: r["date"], reverse=True)
    spec_groups, scripts, entries = [], [], []
    for group, files in groups:
        scripts += [files[k] for k in sorted(files) if files[k] not in scripts]
        spec_groups.append({
            "id": group.ident, "machine": group.machine, "env": group.env,
            "unit": group.series[0].unit,
            "series": [{"key": s.param_key, "label": s.param_key or benchmark} for s in group.series],
        })
        entries.append([benchmark, pages.benchmark_page(benchmark), files, group.ident,
                        group.machine, group.env, group.series[0].unit])
    spec = {
        "benchmark": benchmark, "remote": site.remote, "groups": spec_groups,
        "changes": [{"group": _ident(r), "key": r["param_key"], "pos": positions[r["commit"]],
                     "commit": r["commit"], "kind": r["kind"], "severity": r["severity"],
                     "ratio": r["ratio"], "status": r["status"], "detection": r["detection"]}
                    for r in rows],
    }
    context = {**common, "root": "../", "benchmark": benchmark, "groups": spec_groups,
               "changes": rows, "spec": pages.script_json(spec),
               "scripts": [*commit_scripts, *scripts, plotly]}
    writer.text(pages.benchmark_page(benchmark), digest(context, exclude="generated"),
                lambda: env.get_template("benchmark.html").render(context))
    return entries


def _exports(writer, env, site: SiteData) -> None:
    rows = sorted(site.rows, key=lambda r: (r["date"], r["benchmark"], r["param_key"]))
    rows_digest = digest(rows)
    writer.text("changes.json", rows_digest, lambda: json.dumps(rows, indent=1, default=str))

    def as_csv() -> str:
        buffer = io.StringIO()
        out = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
        return buffer.getvalue()

    writer.text("changes.csv", rows_digest, as_csv)
    # A regression reaches the feed once, when confirmed (``detection`` empty): never tentative.
    regressions = [r for r in reversed(rows)
                   if r["kind"] == "regression" and not r["detection"]][:FEED_ENTRIES]
    updated = regressions[0]["date"] if regressions else "1970-01-01T00:00:00+00:00"
    feed = {"project": site.project, "rows": regressions, "updated": updated}
    writer.text("feed.xml", digest(feed), lambda: env.get_template("feed.xml").render(feed))


def _static(writer: Writer, name: str) -> str:
    """Copy one of our static files under a content-hashed name; that name."""
    data = resources.files("ttsbench.site").joinpath(f"static/{name}").read_bytes()
    stem, _, suffix = name.rpartition(".")
    sha = hashlib.sha1(data).hexdigest()
    path = f"static/{stem}-{sha[:10]}.{suffix}"
    writer.file(path, sha, lambda target: target.write_bytes(data))
    return path


def _plotly(writer: Writer) -> str:
    """plotly.min.js from the installed plotly package, written once per site (hashed name)."""
    source, sha = _plotly_source()
    path = f"static/plotly-{sha[:10]}.min.js"
    writer.file(path, sha, lambda target: target.write_bytes(source.read_bytes()))
    return path


@functools.cache
def _plotly_source():
    """The installed plotly package's plotly.min.js, found without importing plotly (its
    ``__init__`` costs a fiftieth of a second), and its digest."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise TtsbenchError("the plotly package is not installed; `pip install plotly` (the site's "
                            "graphs use its plotly.min.js)")
    source = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return source, hashlib.sha1(source.read_bytes()).hexdigest()
