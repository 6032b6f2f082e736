"""Publish asv's site plus the tracker's: dashboard, interactive graphs, commit page, feed.

Runs `asv publish`, then adds under <html_dir>/ttsbench/ (linked from asv's index and linking
back): a dashboard of open and fixed regressions by severity with a filter over benchmark names,
one page per benchmark with an interactive graph per machine/env (absolute values, CI band,
changes marked, hover with the commit), a commit page, a comparison page with --compare, CSV and
JSON exports and an Atom feed. Works offline from file://. See docs/site.md. With --watch it
keeps running and publishes again whenever asv writes results (a live site during a long
`asv run`); Ctrl-C or SIGTERM stops it.

Exit codes: 0 published (or stopped watching), 2 bad usage, no results or asv publish failed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from ttsbench.errors import EXIT_OK, TtsbenchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ttsbench.cli._options import add_results_options

    add_results_options(parser)
    parser.add_argument("--html-dir", type=Path, metavar="DIR", help="site dir (default: asv's html_dir)")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "HEAD"),
                        help="also publish a comparison page of HEAD against BASE")
    parser.add_argument("--repo", type=Path, default=Path("."),
                        help="git repository for commit order and metadata (default: here)")
    parser.add_argument("--cache", type=Path, default=Path(".asv/ttsbench-cache"), metavar="DIR",
                        help="history cache directory (default: %(default)s)")
    parser.add_argument("--no-asv", action="store_true",
                        help="skip `asv publish` (a results dir without its repository)")
    parser.add_argument("--watch", action="store_true",
                        help="keep running: publish again whenever asv writes results (Ctrl-C stops)")
    parser.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                        help="how long to wait for another publish into the same html dir "
                             "(default: %(default)s)")


def _asv_settings(args) -> tuple[str, Path, Path]:
    """Project name, results dir and html dir from asv.conf.json and the options."""
    from ttsbench.cli._options import asv_conf, stored_paths

    results, folder = args.results, Path(args.config).parent  # asv reads paths relative to it
    # Without asv publish to run, asv's Config (and its import) is needed only when the file
    # does not name all three.
    stored = stored_paths(Path(args.config), "project", "results_dir", "html_dir") if args.no_asv else None
    if stored is not None:
        project, stored_results, stored_html = stored
        return project, Path(results or folder / stored_results), Path(args.html_dir or folder / stored_html)
    conf = asv_conf(args, required=not args.no_asv)
    if conf is None:
        html = args.html_dir
        if results is None or html is None:
            raise TtsbenchError(f"no asv configuration at {args.config}; pass --config, or --no-asv "
                                "with both --results and --html-dir")
        return "benchmarks", Path(results), Path(html)
    return (conf.project, Path(results or folder / conf.results_dir),
            Path(args.html_dir or folder / conf.html_dir))


def run(args: argparse.Namespace) -> int:
    from ttsbench.site.publish import publish

    started = time.perf_counter()
    project, results, html_dir = _asv_settings(args)

    def once(started: float) -> None:
        site, stats, timings = publish(
            lambda snapshot: _site_data(args, project, results, snapshot), results, html_dir,
            asv_config=None if args.no_asv else args.config, wait=args.wait, cache_dir=args.cache,
        )
        print(
            f"published {html_dir}/ttsbench/index.html: {len(site.rows)} changes in "
            f"{len(site.history.series)} series; {stats.rendered} files written "
            f"({stats.bytes_written / 1e6:.1f} MB), {stats.reused} reused; load+history {timings.load:.2f} s, "
            f"asv publish {timings.asv:.2f} s, site {timings.site:.2f} s, total {time.perf_counter() - started:.2f} s",
            flush=True,
        )

    once(started)
    if args.watch:
        _watch(results, once)
    return EXIT_OK


def _watch(results: Path, once) -> None:
    """Publish again on every change of the results until Ctrl-C or SIGTERM (which lets a
    publish under way finish); a failed publish is one line, and watching goes on."""
    import signal
    import sys
    import threading

    from ttsbench.site.watch import watch

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def again() -> None:
        try:
            once(time.perf_counter())
        except TtsbenchError as exc:
            print(f"ttsbench publish: error: {exc}; still watching", file=sys.stderr, flush=True)

    try:
        watch(results, again, stop, ready=lambda: print(
            f"watching {results} for new results (Ctrl-C stops)", flush=True))
    except KeyboardInterrupt:
        pass


def _site_data(args, project: str, results: Path, snapshot: Path):
    """Everything the site shows, from ``snapshot``, the copy of ``results`` taken for it."""
    from ttsbench.cli._options import print_warnings, tracker_config
    from ttsbench.site.build import SiteData
    from ttsbench.site.pages import change_row
    from ttsbench.track import gitrepo
    from ttsbench.track.history_load import load_history

    def named(line: str) -> str:  # by the results dir, not by the snapshot publish reads
        return line.replace(str(snapshot), str(results))

    repo = gitrepo.open_repo(args.repo)
    config = tracker_config(args, "publish")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_history(snapshot, config=config, repo=repo, cache_dir=args.cache,
                              machine=args.machine, env=args.env, verdicts_of=results)
    for warning in caught:
        warnings.warn(named(str(warning.message)), warning.category)
    print_warnings("publish", [named(line) for line in loaded.warnings])
    dates: dict = {}
    for one in loaded.series:  # each commit's stored date (git's, below, where git knows it)
        if len(dates) == len(loaded.order):
            break  # every commit has one (most series hold every commit)
        dates.update(zip(one.commits, one.dates))
    info = {c: {"date": str(d.astype("datetime64[m]"))} for c, d in dates.items()}
    info.update(gitrepo.commit_metadata(repo, info, args.cache))
    remote = gitrepo.remote_url(repo)
    return SiteData(
        project=project, history=loaded.history,
        rows=[change_row(c, remote) for c in loaded.changes],
        order={c: loaded.order[c] for c in info}, commits=info, remote=remote,
        comparison=_comparison(args, snapshot, repo, config) if args.compare else None,
    )


def _comparison(args, snapshot: Path, repo, config) -> dict:
    """The --compare page's rows: HEAD against BASE, as ``ttsbench compare`` decides them."""
    from ttsbench.track.compare import compare_commits
    from ttsbench.track.loader import load_results, resolve_commit

    frame = load_results(snapshot, machine=args.machine, env=args.env, repo=repo)
    base, head = (resolve_commit(rev, frame["commit"].unique(), repo=repo) for rev in args.compare)
    compared = [r.as_dict() for r in compare_commits(frame, base, head, config=config)]
    kinds: dict[str, int] = {}
    for row in compared:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return {"base": base, "head": head, "rows": compared, "counts": sorted(kinds.items())}
