"""Publish asv's site plus the tracker's pages: regressions dashboard, history plots, feed.

Runs `asv publish`, then adds under <html_dir>/ttsbench/ (linked from asv's index): a dashboard
of open and fixed regressions by severity (commit range, author, date, subject, ratio with CI,
p-value, links to asv's graph and to the forge), one page per benchmark with its history plot
(median, CI band, changes marked), a comparison page with --compare, CSV and JSON exports and an
Atom feed of regressions. The site is built in a temporary directory and swapped in atomically;
files whose data did not change are reused from the previous build.

Exit codes: 0 published, 2 bad usage, no results or asv publish failed.
"""

from __future__ import annotations

import argparse
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
    from ttsbench.site.publish import SiteData, publish
    from ttsbench.site.pages import change_row
    from ttsbench.track import history
    from ttsbench.track.config import load_config
    from ttsbench.track.loader import find_repository, load_results, resolve_commit

    started = time.perf_counter()
    project, results, html_dir = _asv_settings(args)
    repo = args.repo if find_repository(args.repo) else None
    config = load_config()
    frame = load_results(results, repo=repo)
    found = history.analyse(history.build_series(frame), config, args.cache)
    metadata = history.commit_metadata(repo, [c.commit for c in found.changes])
    changes = history.with_metadata(found.changes, metadata)
    remote = history.remote_url(repo)
    rows = [change_row(c, remote) for c in changes]
    order = frame.drop_duplicates("commit").set_index("commit")["order"].to_dict()

    comparison = None
    if args.compare:
        from ttsbench.track.compare import compare_commits

        commits = frame["commit"].unique()
        base, head = (resolve_commit(rev, commits, repo=repo) for rev in args.compare)
        compared = [r.as_dict() for r in compare_commits(frame, base, head, config=config)]
        kinds: dict[str, int] = {}
        for row in compared:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        comparison = {"base": base, "head": head, "rows": compared, "counts": sorted(kinds.items())}

    site = SiteData(project=project, history=history.History(found.series, changes), rows=rows,
                    order=order, comparison=comparison)
    stats = publish(site, html_dir, asv_config=None if args.no_asv else args.config)
    print(
        f"published {html_dir}/ttsbench/index.html: {len(rows)} changes in {len(found.series)} series; "
        f"{stats.rendered} files rendered, {stats.reused} reused, {time.perf_counter() - started:.1f} s"
    )
    return EXIT_OK
