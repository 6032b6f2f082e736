"""`ttsbench publish` replaces only a site it built, one publish at a time, from one snapshot."""

import fcntl
import json
import os
import threading

import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.site import build, safety


@pytest.fixture()
def planted(tmp_path):
    return write_history(tmp_path, n_commits=12, samples=3)


def publish(planted, *extra, html=None):
    html = html or planted.html
    return main(["publish", "--no-asv", "--config", str(planted.config), "--repo", str(planted.repo),
                 "--cache", str(planted.repo / ".asv" / "cache"), "--html-dir", str(html), *extra])


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def one_line(capsys, *words):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err
    return err


def test_the_results_dir_is_refused_and_left_intact(planted, capsys):
    before = files_under(planted.results)
    assert publish(planted, html=planted.results) == 2
    one_line(capsys, "holds the results dir")
    assert files_under(planted.results) == before
    assert publish(planted, html=planted.results.parent) == 2  # a folder above the results
    one_line(capsys, "holds the results dir")
    assert publish(planted, html=planted.results / "site") == 2
    one_line(capsys, "is inside the results dir")
    assert files_under(planted.results) == before


def test_a_regular_file_is_refused_and_left_intact(planted, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    assert publish(planted, html=target) == 2
    one_line(capsys, "is a file, not a site")
    assert target.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".notes")] == []


def test_a_folder_of_other_files_is_refused_but_an_empty_one_is_used(planted, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("x")
    assert publish(planted, html=other) == 2
    one_line(capsys, "no publish made", safety.MARKER)
    assert files_under(other) == ["thesis.tex"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert publish(planted, html=empty) == 0
    assert (empty / safety.MARKER).is_file() and (empty / "ttsbench" / "index.html").is_file()


def test_a_site_publish_built_is_replaced(planted):
    assert publish(planted) == 0
    (planted.html / "stale.txt").write_text("from an older build")
    assert publish(planted) == 0
    assert not (planted.html / "stale.txt").exists()
    assert (planted.html / safety.MARKER).is_file()


def test_an_unwritable_parent_is_one_line_and_exit_2(planted, tmp_path, monkeypatch, capsys):
    # Tests may run as root, whom chmod does not stop: the file system's refusal is simulated.
    real_mkdir = os.mkdir

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "locked")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    assert publish(planted, html=tmp_path / "locked" / "html") == 2
    one_line(capsys, "cannot write beside", "Permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_parent_is_one_line_and_exit_2(planted, tmp_path, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        assert publish(planted, html=parent / "html") == 2
    finally:
        parent.chmod(0o755)
    one_line(capsys, "cannot write beside")


def test_a_second_publish_stops_with_one_line_while_the_first_holds_the_lock(planted, capsys):
    lock = planted.html.parent / f".{planted.html.name}.lock"
    with open(lock, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert publish(planted, "--wait", "0") == 2
    one_line(capsys, "another publish into", "--wait")
    assert not planted.html.exists()


def test_a_second_publish_waits_for_the_first(planted, capsys):
    lock = planted.html.parent / f".{planted.html.name}.lock"
    held = open(lock, "a+")
    fcntl.flock(held, fcntl.LOCK_EX)
    release = threading.Timer(0.5, held.close)  # closing the file releases its lock
    release.start()
    try:
        assert publish(planted, "--wait", "60") == 0
    finally:
        release.join()
    assert "waiting for another publish" in capsys.readouterr().err
    assert (planted.html / "ttsbench" / "index.html").is_file()


def test_the_entry_by_entry_swap_never_leaves_the_site_without_index(planted, monkeypatch):
    """Where renameat2 cannot exchange, entries move one by one and index.html is always there."""
    assert publish(planted) == 0
    (planted.html / "gone.txt").write_text("only in the old site")
    monkeypatch.setattr(safety, "_exchange", lambda a, b: False)
    seen = []
    real_replace = os.replace

    def watching(src, dst):
        seen.append((planted.html / "index.html").is_file())
        real_replace(src, dst)
        seen.append((planted.html / "index.html").is_file())

    monkeypatch.setattr(os, "replace", watching)
    assert publish(planted) == 0
    assert len(seen) > 4 and all(seen)
    assert not (planted.html / "gone.txt").exists()
    assert (planted.html / "ttsbench" / "index.html").is_file()
    leftovers = [p.name for p in planted.html.parent.iterdir() if "-build-" in p.name]
    assert leftovers == []


def test_results_rewritten_while_publishing_restart_it_from_a_new_snapshot(planted, monkeypatch, capsys):
    result = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    data = json.loads(result.read_text())
    data["results"]["bench_planted.TimeKernel.time_kernel_0"][0][0] = 0.5
    real_build = build.build_tracker_pages
    rewrites = []

    def rewrite_once(site, *args):
        if not rewrites:  # asv writes result files in place, as this does
            with open(result, "w") as out:
                json.dump(data, out)
            rewrites.append(result)
        return real_build(site, *args)

    monkeypatch.setattr("ttsbench.site.publish.build_tracker_pages", rewrite_once)
    assert publish(planted) == 0
    assert "publishing again from a new snapshot" in capsys.readouterr().err
    chunk = (planted.html / "ttsbench" / "data" / "tail-0.js").read_text()  # 12 commits: one chunk
    assert ",0.5]" in chunk  # the site shows the rewritten value, not a mix


def test_results_added_while_publishing_wait_for_the_next_publish(planted, monkeypatch):
    held = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    saved = held.read_bytes()
    held.unlink()
    real_build = build.build_tracker_pages

    def add_then_build(site, *args):
        held.write_bytes(saved)
        return real_build(site, *args)

    monkeypatch.setattr("ttsbench.site.publish.build_tracker_pages", add_then_build)
    assert publish(planted) == 0
    dashboard = (planted.html / "ttsbench" / "index.html").read_text()
    assert "over 4 series and 11 commits" in dashboard  # the snapshot, without the added commit
    monkeypatch.setattr("ttsbench.site.publish.build_tracker_pages", real_build)
    assert publish(planted) == 0
    assert "over 4 series and 12 commits" in (planted.html / "ttsbench" / "index.html").read_text()


def test_loader_warnings_name_the_results_dir_not_the_snapshot(planted, capsys):
    broken = planted.results / "planted-box" / "deadbeef-virtualenv-py3.11.json"
    broken.write_text("{not json")
    assert publish(planted) == 0
    err = capsys.readouterr().err
    assert f"skipped {broken}" in err and "-snapshot" not in err


def test_a_fifo_among_the_results_is_left_out_of_the_snapshot(planted):
    os.mkfifo(planted.results / "planted-box" / "pipe.json")
    assert publish(planted) == 0  # a reader opening the FIFO would block forever
    assert (planted.html / "ttsbench" / "index.html").is_file()


@pytest.mark.parametrize("link", [True, False])
def test_a_snapshot_sees_a_result_rewritten_or_removed_after_it_was_taken(planted, tmp_path, link):
    """With asv publish the results are linked (two readers); alone, the loader reads them in
    place: either way the stamps show a file rewritten, or removed, since."""
    from ttsbench.site.snapshot import ResultsChanged, results_snapshot

    first, second = sorted(planted.results.glob("*/*-virtualenv-*.json"))[:2]
    with results_snapshot(planted.results, tmp_path / "html", link=link) as snapshot:
        assert (snapshot.results == planted.results) is not link
        assert (tmp_path / ".html-snapshot").is_dir() is link
        snapshot.verify()
        first.write_text(first.read_text() + " ")
        with pytest.raises(ResultsChanged, match=first.name):
            snapshot.verify()
    assert not (tmp_path / ".html-snapshot").exists()
    with results_snapshot(planted.results, tmp_path / "html", link=link) as snapshot:
        second.unlink()
        if link:
            snapshot.verify()  # the link keeps what was taken
        else:
            with pytest.raises(ResultsChanged, match=second.name):
                snapshot.verify()
