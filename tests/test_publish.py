"""`ttsbench publish`: the tracker's pages, exports, feed, atomic swap and incremental rebuilds."""

import csv
import json
import xml.etree.ElementTree as ET

import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.site import pages

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
    assert (site / pages.benchmark_page(REGRESSED)).is_file()
    plots = list((site / "plots").glob("*.png"))
    assert len(plots) == 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in plots)
    # Nothing to fetch from the network: no script, no remote stylesheet or image.
    assert "<script" not in dashboard and 'src="http' not in dashboard and 'href="http' not in dashboard
    assert "published" in capsys.readouterr().out


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


def test_a_rebuild_reuses_unchanged_files_and_redoes_what_changed(planted, capsys):
    assert publish(planted) == 0
    first = capsys.readouterr().out
    assert " 0 reused" in first
    assert publish(planted) == 0
    assert " 0 files rendered" in capsys.readouterr().out
    # kernel_1 gets one more commit's result: its plot and page change, kernel_0's do not.
    site = planted.html / "ttsbench"
    status = json.loads((site / "status.json").read_text())["files"]
    result_file = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    data = json.loads(result_file.read_text())
    data["results"]["bench_planted.TimeKernel.time_kernel_1"][0][0] *= 1.001
    result_file.write_text(json.dumps(data))
    assert publish(planted) == 0
    changed = json.loads((site / "status.json").read_text())["files"]
    redone = {name for name in changed if changed[name] != status.get(name)}
    assert any("time_kernel_1" in name and name.endswith(".png") for name in redone)
    assert not any("time_kernel_0" in name for name in redone)


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
