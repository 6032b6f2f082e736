"""`ttsbench publish`: the tracker's pages, series data, exports, feed and incremental rebuilds."""

import csv
import dataclasses
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.site import pages, seriesdata

REGRESSED = "bench_planted.TimeKernel.time_kernel_0"


@pytest.fixture()
def planted(tmp_path):
    """40 commits; kernel_0(size=10) regresses 30 % at commit 25, still open."""
    return write_history(tmp_path, n_commits=40, steps={(REGRESSED, 10): [(25, 1.3)]}, samples=5)


def publish(planted, *extra):
    return main(["publish", "--no-asv", "--config", str(planted.config), "--repo", str(planted.repo),
                 "--cache", str(planted.repo / ".asv" / "cache"), *extra])


def test_dashboard_lists_the_planted_regression_with_its_links(planted, capsys):
    assert publish(planted) == 0
    site = planted.html / "ttsbench"
    dashboard = (site / "index.html").read_text()
    assert REGRESSED in dashboard and "size=10" in dashboard
    assert f"{planted.commits[24][:8]}..{planted.commits[25][:8]}" in dashboard
    assert "Change 25: tune kernel 4" in dashboard and "Dev 1" in dashboard
    assert f"../index.html#{REGRESSED}?machine=planted-box&amp;p-size=10" in dashboard
    assert f'href="commit.html#{planted.commits[25]}"' in dashboard
    assert 'id="filter"' in dashboard and f'data-benchmark="{REGRESSED}"' in dashboard
    assert (site / pages.benchmark_page(REGRESSED)).is_file()
    assert not list(site.rglob("*.png"))
    assert "published" in capsys.readouterr().out


def _spec(page):
    return json.loads(re.search(r'<script type="application/json" id="spec">(.*?)</script>', page).group(1))


def _calls(path, function):
    """The JSON arguments of ``ttsbench.<function>(...)`` in a data script."""
    text = path.read_text()
    assert text.startswith(f"ttsbench.{function}(") and text.endswith(");\n")
    return json.loads(f"[{text[len(function) + 10:-3]}]")


def _points(path):
    """The arguments of each ``ttsbench.points(...)`` call of a data script (one per line)."""
    text = path.read_text()
    assert text.endswith(");\n")
    calls = text.splitlines()
    assert all(c.startswith("ttsbench.points(") and c.endswith(");") for c in calls)
    return [json.loads(f"[{c[len('ttsbench.points('):-2]}]") for c in calls]


def test_benchmark_page_carries_absolute_values_changes_and_commits(planted):
    assert publish(planted) == 0
    site = planted.html / "ttsbench"
    page = (site / pages.benchmark_page(REGRESSED)).read_text()
    spec = _spec(page)
    [group] = spec["groups"]
    assert (group["machine"], group["unit"]) == ("planted-box", "seconds")
    assert [s["key"] for s in group["series"]] == ["size=10", "size=20"]
    [change] = spec["changes"]
    assert change["commit"] == planted.commits[25] and change["pos"] == 25 and change["key"] == "size=10"
    scripts = re.findall(r'<script src="\.\./([^"]+)"', page)
    assert all((site / src).is_file() for src in scripts)
    assert any(re.fullmatch(r"static/plotly-[0-9a-f]{10}\.min\.js", src) for src in scripts)
    [(chunk, series)] = [(k, series) for src in scripts if src.startswith("data/") and "commits-" not in src
                         for benchmark, ident, k, series in _points(site / src)
                         if (benchmark, ident) == (REGRESSED, group["id"])]
    assert chunk == 0  # 40 commits: one chunk, the open one, in a shared tail file
    x, values, low, high = series["size=10"]
    assert x == list(range(40))
    # Absolute values in seconds (the fixture's level is 1e-3 * size), stepping up 30 % at 25.
    assert 0.009 < values[0] < 0.011 and 0.012 < values[30] < 0.014
    assert all(lo <= v <= hi for lo, v, hi in zip(low, values, high))
    start, commits = _calls(site / "data" / "commits-0.js", "commits")
    assert start == 0 and commits[25][0] == planted.commits[25]
    assert commits[25][2:] == ["Dev 1", "Change 25: tune kernel 4"]


def test_no_page_loads_anything_from_the_network(planted):
    assert publish(planted, "--compare", planted.commits[20], planted.commits[30]) == 0
    html = list(planted.html.rglob("*.html"))
    assert len(html) >= 5
    for page in html:
        text = page.read_text()
        assert not re.search(r"""<script[^>]+src=["']?(https?:)?//""", text), page
        assert not re.search(r"""<link[^>]+href=["']?(https?:)?//""", text), page
        assert "fetch(" not in text and "XMLHttpRequest" not in text


def test_plotly_is_written_once_per_site_and_kept_by_rebuilds(planted):
    assert publish(planted) == 0
    [plotly] = (planted.html / "ttsbench" / "static").glob("plotly-*.min.js")
    assert plotly.stat().st_size > 1_000_000 and b"plotly" in plotly.read_bytes()[:2000].lower()
    inode = plotly.stat().st_ino
    assert publish(planted) == 0
    assert plotly.stat().st_ino == inode  # linked from the previous build, not written again


def test_a_new_commit_rewrites_only_the_last_chunks(planted, monkeypatch, capsys):
    """Series data is chunked by commit: one more commit leaves older chunks untouched."""
    monkeypatch.setattr(seriesdata, "CHUNK", 8)
    held = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    saved = held.read_bytes()
    held.unlink()
    assert publish(planted) == 0
    site = planted.html / "ttsbench"
    before = json.loads((site / "status.json").read_text())["files"]
    held.write_bytes(saved)
    capsys.readouterr()
    assert publish(planted) == 0
    after = json.loads((site / "status.json").read_text())["files"]
    redone = sorted(name for name in after if after[name] != before.get(name))
    data = [name for name in redone if name.startswith("data/") and name != "data/manifest.js"]
    # 40 commits in chunks of 8: commit 39 lands in chunk 4, the open one: in the commits' file
    # and in the one tail file of both benchmarks.
    assert data == ["data/commits-4.js", "data/tail-0.js"]
    # kernel_0 has no change: its page stays; kernel_1's change statistics gain a commit.
    assert [name for name in redone if name.startswith("benchmarks/")] in ([], [pages.benchmark_page(REGRESSED)])
    assert sum(name.startswith("data/") for name in after) == 2 * 4 + 1 + 5 + 1
    assert " 0 reused" not in capsys.readouterr().out


def test_exports_and_feed_carry_the_regression(planted):
    assert publish(planted) == 0
    site = planted.html / "ttsbench"
    [row] = json.loads((site / "changes.json").read_text())
    assert row["commit"] == planted.commits[25] and row["kind"] == "regression"
    assert row["status"] == "open" and row["severity"] == "high"
    [csv_row] = list(csv.DictReader((site / "changes.csv").open()))
    assert csv_row["commit"] == planted.commits[25]
    feed = ET.parse(site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = feed.findall("a:entry", ns)
    assert REGRESSED in entry.find("a:title", ns).text
    assert entry.find("a:id", ns).text.endswith(planted.commits[25])


def test_the_feed_announces_a_regression_once_it_is_confirmed(planted):
    """With few commits measured after it the change is tentative: listed, but not in the feed."""
    held = {path: path.read_bytes() for commit in planted.commits[30:]
            for path in planted.results.glob(f"*/{commit[:8]}-*.json")}
    for path in held:
        path.unlink()
    assert publish(planted) == 0
    site = planted.html / "ttsbench"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [row] = json.loads((site / "changes.json").read_text())
    assert row["commit"] == planted.commits[25] and row["detection"] == "tentative"
    assert ET.parse(site / "feed.xml").getroot().findall("a:entry", ns) == []
    for path, data in held.items():
        path.write_bytes(data)
    assert publish(planted) == 0
    [entry] = ET.parse(site / "feed.xml").getroot().findall("a:entry", ns)
    assert entry.find("a:id", ns).text.endswith(planted.commits[25])


def test_a_rebuild_reuses_unchanged_files_and_redoes_what_changed(planted, capsys):
    assert publish(planted) == 0
    first = capsys.readouterr().out
    assert " 0 reused" in first
    assert publish(planted) == 0
    assert " 0 files written" in capsys.readouterr().out
    # kernel_1 gets a different value at the last commit: its data changes, kernel_0's does not.
    site = planted.html / "ttsbench"
    status = json.loads((site / "status.json").read_text())["files"]
    result_file = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    data = json.loads(result_file.read_text())
    data["results"]["bench_planted.TimeKernel.time_kernel_1"][0][0] *= 1.001
    tail = {call[0]: call for call in _points(site / "data" / "tail-0.js")}
    result_file.write_text(json.dumps(data))
    assert publish(planted) == 0
    changed = json.loads((site / "status.json").read_text())["files"]
    redone = {name for name in changed if changed[name] != status.get(name)}
    assert "data/tail-0.js" in redone and not any("time_kernel_0" in name for name in redone)
    now = {call[0]: call for call in _points(site / "data" / "tail-0.js")}
    kernel_0, kernel_1 = "bench_planted.TimeKernel.time_kernel_0", "bench_planted.TimeKernel.time_kernel_1"
    assert now[kernel_0] == tail[kernel_0] and now[kernel_1] != tail[kernel_1]


def test_the_swap_leaves_no_build_directory_behind(planted):
    assert publish(planted) == 0
    assert publish(planted) == 0
    leftovers = [p.name for p in planted.html.parent.iterdir() if p.name.startswith(".html-build")]
    assert leftovers == []
    assert (planted.html / "index.html").is_file()


def test_compare_page(planted):
    assert publish(planted, "--compare", planted.commits[20][:10], planted.commits[30][:10]) == 0
    page = (planted.html / "ttsbench" / "compare.html").read_text()
    assert f"Comparison {planted.commits[20][:8]}" in page
    assert "regression" in page and REGRESSED in page


def test_templates_escape_what_they_show():
    env = pages.environment()
    html = env.get_template("feed.xml").render(project="<p>", updated="now", rows=[])
    assert "&lt;p&gt;" in html and "<p>" not in html


def test_bad_compare_commit_is_one_line_and_exit_2(planted, capsys):
    assert publish(planted, "--compare", "deadbeef", planted.commits[30]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown commit" in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_publish_runs_asv_and_links_our_pages_from_its_index(planted):
    assert main(["publish", "--config", str(planted.config), "--repo", str(planted.repo),
                 "--cache", str(planted.repo / ".asv" / "cache")]) == 0
    for page in ("index.html", "error.html"):  # asv's error page is where offline readers land
        assert 'href="ttsbench/index.html"' in (planted.html / page).read_text()
    assert (planted.html / "index.json").is_file()
    assert (planted.html / "ttsbench" / "index.html").is_file()


def test_commit_ranges_link_to_the_forge_when_origin_is_known(planted):
    import subprocess

    subprocess.run(["git", "remote", "add", "origin", "git@github.com:example/planted.git"],
                   cwd=planted.repo, check=True)
    assert publish(planted) == 0
    dashboard = (planted.html / "ttsbench" / "index.html").read_text()
    expected = f"https://github.com/example/planted/compare/{planted.commits[24]}...{planted.commits[25]}"
    assert f'href="{expected}"' in dashboard


def test_make_bench_prints_the_tracker_index():
    from pathlib import Path

    from ttsbench.site.publish import TRACKER_DIR

    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    recipe = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0].strip().splitlines()
    assert recipe[-2].strip() == "$(TTSBENCH) publish"
    assert f"Site: file://$(CURDIR)/.asv/html/{TRACKER_DIR}/index.html" in recipe[-1]


def test_a_tentative_change_is_labelled_as_such(planted):
    """history labels a change (``status``): tentative and refuted ones say so; refuted is not open."""
    import dataclasses

    from ttsbench.track.history import HistoryChange

    @dataclasses.dataclass(frozen=True)
    class Labelled(HistoryChange):
        status: str = "tentative"

    change = Labelled(benchmark=REGRESSED, params={"size": 10}, param_key="size=10", machine="m",
                      env="e", unit="seconds", commit="b" * 40, prev_commit="a" * 40,
                      date="2024-01-01T00:00:00+00:00", before=1.0, after=1.3, ratio=1.3, ci_low=1.2,
                      ci_high=1.4, p_value=1e-4, severity="high", kind="regression", fixed_by=None, index=5)
    row = pages.change_row(change, None)
    assert (row["status"], row["detection"]) == ("open", "tentative")
    refuted = pages.change_row(dataclasses.replace(change, status="refuted"), None)
    assert (refuted["status"], refuted["detection"]) == ("", "refuted")  # not an open regression
    confirmed = pages.change_row(dataclasses.replace(change, status="confirmed"), None)
    assert (confirmed["status"], confirmed["detection"]) == ("open", "")
    html = pages.environment().from_string(
        '{% from "_changes.html" import change_table %}{{ change_table(rows, "") }}').render(rows=[row])
    assert 'class="regression high tentative"' in html and "(tentative)" in html


def test_the_cli_starts_without_torch():
    """publish's timing targets: building the parser must not pay torch's import (seconds)."""
    import subprocess
    import sys

    code = ("import sys; from ttsbench.cli import build_parser; build_parser(); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_help_and_a_mistyped_command_see_every_command(capsys):
    """The parser imports only the command it is given; without one it lists them all."""
    for argv in (["--help"], ["publsh"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        out = capsys.readouterr()
        assert stop.value.code == (0 if argv == ["--help"] else 2)
        for command in ("bisect", "compare", "gate", "history", "publish", "serve"):
            assert command in out.out + out.err, (argv, command)
    with pytest.raises(SystemExit) as stop:
        main(["publish", "--help"])
    assert stop.value.code == 0 and "--no-asv" in capsys.readouterr().out


def test_publish_no_asv_imports_neither_asv_nor_tqdm_off_a_terminal(planted):
    """The one-new-commit target (docs/site.md): asv.conf.json's three paths are read without
    asv's Config, and no progress bar is set up where none can show."""
    import subprocess
    import sys

    code = ("import sys; from ttsbench.cli import main; "
            f"code = main(['publish', '--no-asv', '--repo', {str(planted.repo)!r}]); "
            "print(code, 'asv' in sys.modules, 'tqdm' in sys.modules, "
            "[m for m in sorted(sys.modules) if m.count('.') == 2 and m.startswith('ttsbench.cli.')])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=planted.config.parent)
    assert done.returncode == 0, done.stderr
    # and of the command modules only publish's own (and its helpers') were imported
    assert done.stdout.splitlines()[-1] == "0 False False ['ttsbench.cli._options', 'ttsbench.cli.publish']"
    assert "planted" in (planted.html / "ttsbench" / "index.html").read_text()  # the project's name


def test_series_numbers_are_json_with_missing_bounds_as_null():
    import numpy as np

    assert seriesdata._numbers(np.array([0.010077246544851037, np.nan, 2.0])) == "[0.010077246,null,2.0]"
    assert json.loads(seriesdata._numbers(np.array([1e39, np.nan]))) == [1e39, None]  # no float32 overflow
    assert seriesdata._numbers(np.array([3, 40])) == "[3,40]"


def test_data_file_names_stay_within_file_system_limits():
    """Benchmark, machine and env share one file name; asv's env names grow with the matrix."""
    import numpy as np

    from ttsbench.track.history import Series

    def group(env):
        one = Series(machine="box", env=env, benchmark=REGRESSED, param_key="size=10",
                     params={"size": 10}, unit="seconds", higher_is_better=False, commits=("a" * 40,),
                     dates=np.zeros(1, "datetime64[ns]"), values=np.ones(1), ci_low=np.ones(1),
                     ci_high=np.ones(1), samples=None)
        return seriesdata.Group(REGRESSED, "box", env, [one])

    short = group("virtualenv-py3.11")
    assert short.stem == f"data/{REGRESSED}@box--virtualenv-py3.11"
    long_a, long_b = group("virtualenv-py3.11-" + "x" * 300 + "-a"), group("virtualenv-py3.11-" + "x" * 300 + "-b")
    positions = {"a" * 40: 0, **{f"{i:040x}": i for i in range(1, seriesdata.CHUNK + 1)}}
    # chunk 0 is closed (the newest commit opened chunk 1): a file of its own
    [path] = [f.path for f in seriesdata.series_files([long_a], positions)[0]]
    assert path.startswith(long_a.stem) and len(path.split("/")[-1].encode()) <= 255
    assert long_a.stem != long_b.stem


def test_closed_chunks_have_a_file_per_group_and_the_open_one_a_tail_per_few_groups(monkeypatch):
    """A new commit changes the open chunk only: its data for TAIL_GROUPS groups is one file."""
    import numpy as np

    from ttsbench.track.history import Series

    monkeypatch.setattr(seriesdata, "CHUNK", 4)
    monkeypatch.setattr(seriesdata, "TAIL_GROUPS", 2)
    commits = tuple(f"{i:040x}" for i in range(10))  # chunks 0 and 1 closed, 2 (8, 9) open
    positions = {c: i for i, c in enumerate(commits)}

    def group(name, upto):
        one = Series(machine="box", env="py", benchmark=name, param_key="", params={}, unit="seconds",
                     higher_is_better=False, commits=commits[:upto], dates=np.zeros(upto, "datetime64[ns]"),
                     values=np.arange(1.0, upto + 1), ci_low=np.arange(upto) + 0.5,
                     ci_high=np.arange(upto) + 1.5, samples=None)
        return seriesdata.Group(name, "box", "py", [one])

    groups = [group("a", 10), group("b", 10), group("c", 10), group("old", 6)]
    files, where = seriesdata.series_files(groups, positions)
    by_path = {f.path: f for f in files}
    assert sorted(by_path) == sorted([f"{g.stem}-{k}.js" for g in groups for k in (0, 1)]
                                     + ["data/tail-0.js", "data/tail-1.js"])
    assert where[0] == {0: f"{groups[0].stem}-0.js", 1: f"{groups[0].stem}-1.js", 2: "data/tail-0.js"}
    assert where[2][2] == "data/tail-1.js" and where[3] == {0: f"{groups[3].stem}-0.js",
                                                            1: f"{groups[3].stem}-1.js"}
    tail = by_path["data/tail-0.js"].produce()
    calls = [json.loads(f"[{line[len('ttsbench.points('):-2]}]") for line in tail.splitlines()]
    assert [(c[0], c[2], c[3][""][0], c[3][""][1]) for c in calls] == [("a", 2, [8, 9], [9, 10]),
                                                                       ("b", 2, [8, 9], [9, 10])]
    # one more result in the open chunk: the tail file of its group changes, nothing else
    changed = dataclasses.replace(groups[1], series=[dataclasses.replace(
        groups[1].series[0], values=np.r_[groups[1].series[0].values[:9], 11.0])])
    again = {f.path: f.digest for f in seriesdata.series_files([groups[0], changed, *groups[2:]], positions)[0]}
    assert [p for p in again if again[p] != by_path[p].digest] == ["data/tail-0.js"]


def test_compiled_templates_are_kept_in_the_cache(planted, tmp_path):
    """jinja2's bytecode cache in --cache: the next publish does not compile the templates
    again; a cache that cannot be written is no cache, not an error."""
    cache = planted.repo / ".asv" / "cache"
    assert publish(planted) == 0
    kept = sorted((cache / "templates").glob("__jinja2_*.cache"))
    assert len(kept) >= 4  # dashboard, benchmark, commit page, feed (and what they include)
    env = pages.environment(cache)
    compiled = []
    env.compile = lambda *a, **k: compiled.append(a) or pytest.fail("compiled again")
    assert env.get_template("benchmark.html") is not None and compiled == []
    fresh = pages.environment()
    assert fresh.bytecode_cache is None
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        if not os.access(read_only, os.W_OK):  # (root may write anyway)
            assert pages.environment(read_only).bytecode_cache is None
    finally:
        read_only.chmod(0o700)


def test_asv_conf_paths_are_read_from_plain_and_commented_json(tmp_path):
    """asv.conf.json as asv reads it (json5: comments, trailing commas), plain JSON the fast way."""
    from ttsbench.cli._options import stored_paths

    keys = ("project", "results_dir", "html_dir")
    plain = tmp_path / "plain.json"
    plain.write_text('{"project": "p", "results_dir": "r", "html_dir": "h"}')
    commented = tmp_path / "commented.json"
    commented.write_text('{\n  // the project\n  "project": "p",\n  "results_dir": "r", /* here */\n'
                         '  "html_dir": "h",\n}\n')
    assert stored_paths(plain, *keys) == stored_paths(commented, *keys) == ("p", "r", "h")
    broken = tmp_path / "broken.json"
    broken.write_text('{"project": "p", "results_dir": ')
    missing = tmp_path / "missing.json"
    missing.write_text('{"project": "p"}')
    assert stored_paths(broken, *keys) is None and stored_paths(missing, *keys) is None
