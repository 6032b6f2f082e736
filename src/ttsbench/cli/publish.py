"""Publish asv's site plus the tracker's: dashboard, interactive graphs, commit page, feed.

Runs `asv publish`, then adds under <html_dir>/ttsbench/ (linked from asv's index and linking
back): a dashboard of open and fixed regressions by severity with a filter over benchmark names,
one page per benchmark with an interactive graph per machine/env (absolute values, CI band,
changes marked, hover with the commit), a commit page, a comparison page with --compare, CSV and
JSON exports and an Atom feed. Works offline from file://. See docs/site.md.

Exit codes: 0 published, 2 bad usage, no results or asv publish failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ttsbench.errors import EXIT_OK, TtsbenchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("asv.conf.json"),
                        help="asv configuration (default: %(default)s); gives results and html dirs")
    parser.add_argument("--results", type=Path, metavar="DIR", help="results dir (default: asv's)")
    parser.add_argument("--html-dir", type=Path, metavar="DIR", help="site dir (default: asv's html_dir)")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "HEAD"),
                        help="also publish a comparison page of HEAD against BASE")
    parser.add_argument("--repo", type=Path, default=Path("."),
                        help="git repository for commit order and metadata (default: here)")
    parser.add_argument("--cache", type=Path, default=Path(".asv/ttsbench-cache"), metavar="DIR",
                        help="history cache directory (default: %(default)s)")
    parser.add_argument("--no-asv", action="store_true",
                        help="skip `asv publish` (a results dir without its repository)")
    parser.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                        help="how long to wait for another publish into the same html dir "
                             "(default: %(default)s)")


def _asv_settings(args) -> tuple[str, Path, Path]:
    """Project name, results dir and html dir from asv.conf.json and the options."""
    project = "benchmarks"
    results, html = args.results, args.html_dir
    if args.config.is_file():
        from asv.config import Config
        from asv.util import UserError

        try:
            conf = Config.load(str(args.config))
        except (UserError, ValueError, OSError) as exc:
            raise TtsbenchError(f"cannot read {args.config}: {exc}; fix it or pass --config") from None
        # asv reads its paths relative to the directory it runs in: the configuration's.
        project = conf.project
        results = results or args.config.parent / conf.results_dir
        html = html or args.config.parent / conf.html_dir
    elif not args.no_asv:
        raise TtsbenchError(
            f"no asv configuration at {args.config}; pass --config, or --no-asv with --results "
            "and --html-dir"
        )
    if results is None or html is None:
        raise TtsbenchError("without asv.conf.json, pass both --results and --html-dir")
    return project, results, html


def run(args: argparse.Namespace) -> int:
    from ttsbench.site.publish import publish

    started = time.perf_counter()
    project, results, html_dir = _asv_settings(args)
    site, stats, timings = publish(
        lambda snapshot: _site_data(args, project, results, snapshot), results, html_dir,
        asv_config=None if args.no_asv else args.config, wait=args.wait,
    )
    print(
        f"published {html_dir}/ttsbench/index.html: {len(site.rows)} changes in "
        f"{len(site.history.series)} series; {stats.rendered} files written "
        f"({stats.bytes_written / 1e6:.1f} MB), {stats.reused} reused; load+history {timings.load:.2f} s, "
        f"asv publish {timings.asv:.2f} s, site {timings.site:.2f} s, total {time.perf_counter() - started:.2f} s"
    )
    return EXIT_OK


def _site_data(args, project: str, results: Path, snapshot: Path):
    """Everything the site shows, from ``snapshot``, the copy of ``results`` taken for it."""
    from ttsbench.site.build import SiteData
    from ttsbench.site.commitinfo import commit_info
    from ttsbench.site.pages import change_row
    from ttsbench.track import history
    from ttsbench.track.config import load_config
    from ttsbench.track.loader import find_repository, load_results, resolve_commit

    repository = find_repository(args.repo)
    repo = args.repo if repository else None
    config = load_config()
    frame = load_results(snapshot, repo=repo)
    for line in frame.attrs.get("warnings", []):  # named by the results dir, not the snapshot
        print(f"warning: {line.replace(str(snapshot), str(results))}", file=sys.stderr)
    found = history.analyse(history.build_series(frame), config, args.cache)
    commits = frame.drop_duplicates("commit")
    info = {c: {"date": d.strftime("%Y-%m-%d %H:%M")} for c, d in zip(commits["commit"], commits["date"])}
    for commit, known in commit_info(repository and repository.working_dir, info).items():
        info[commit] = known
    changes = history.with_metadata(found.changes, info)
    remote = history.remote_url(repo)
    comparison = None
    if args.compare:
        from ttsbench.track.compare import compare_commits

        base, head = (resolve_commit(rev, commits["commit"], repo=repo) for rev in args.compare)
        compared = [r.as_dict() for r in compare_commits(frame, base, head, config=config)]
        kinds: dict[str, int] = {}
        for row in compared:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        comparison = {"base": base, "head": head, "rows": compared, "counts": sorted(kinds.items())}
    return SiteData(
        project=project, history=history.History(found.series, changes),
        rows=[change_row(c, remote) for c in changes],
        order=commits.set_index("commit")["order"].to_dict(), commits=info, remote=remote,
        comparison=comparison,
    )
