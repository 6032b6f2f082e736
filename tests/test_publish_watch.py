"""`ttsbench publish --watch`: publishes again when asv writes results, and only then."""

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from history_fixtures import write_history
from ttsbench.site.watch import watch

WAIT = 30.0  # seconds any one expected event may take on a busy runner


class Watching:
    """``watch`` in a thread over ``folder``, counting publishes; stopped by ``close``."""

    def __init__(self, folder, on_publish=lambda: None, quiet=0.05):
        self.stop, self.ready, self.count = threading.Event(), threading.Event(), 0
        self.published = threading.Semaphore(0)

        def publish():
            on_publish()
            self.count += 1
            self.published.release()

        self.thread = threading.Thread(target=watch, args=(folder, publish, self.stop, self.ready.set),
                                       kwargs={"quiet": quiet}, daemon=True)
        self.thread.start()
        assert self.ready.wait(WAIT)

    def publishes_after(self, change) -> bool:
        change()
        return self.published.acquire(timeout=WAIT)

    def quiet_after(self, change, settle=1.0) -> bool:
        """No publish within ``settle`` seconds of ``change`` (well past the quiet period)."""
        change()
        return not self.published.acquire(timeout=settle)

    def close(self):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def test_result_files_written_moved_or_removed_are_published_and_reads_are_not(tmp_path):
    results = tmp_path / "results"
    (results / "box").mkdir(parents=True)
    first = results / "box" / "aaaa-env.json"
    first.write_text("{}")
    reads = []
    watching = Watching(results, on_publish=lambda: reads.append([p.read_text() for p in results.rglob("*.json")]))
    try:
        assert watching.publishes_after(lambda: (results / "box" / "bbbb-env.json").write_text('{"a": 1}'))
        # publishing reads the files, a snapshot hard-links them (their link count changes), other
        # files come and go: none of that is a new result
        assert watching.quiet_after(lambda: first.read_text())
        assert watching.quiet_after(lambda: os.link(first, tmp_path / "linked.json"))
        assert watching.quiet_after(lambda: (results / "box" / "notes.txt").write_text("x"))
        assert watching.publishes_after(lambda: first.rename(results / "box" / "cccc-env.json"))
        assert watching.publishes_after(lambda: (results / "box" / "bbbb-env.json").unlink())
        # many writes close together (asv writing a file in pieces) are one publish
        with open(results / "box" / "dddd-env.json", "w") as out:
            for part in range(20):
                out.write(f'{{"part": {part}}}\n' if part == 0 else " ")
                out.flush()
        assert watching.published.acquire(timeout=WAIT)
        assert watching.quiet_after(lambda: None)
    finally:
        watching.close()
    assert watching.count == len(reads) == 4


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_publish_watch_republishes_a_new_commit_and_stops_on_a_signal(tmp_path, stop):
    history = write_history(tmp_path, n_commits=12, samples=3)
    held = next(history.results.glob(f"*/{history.commits[-1][:8]}-*.json"))
    shutil.move(held, tmp_path / held.name)
    command = [sys.executable, "-m", "ttsbench", "publish", "--no-asv", "--watch", "--config",
               str(history.config), "--repo", str(history.repo), "--cache", str(history.repo / ".asv" / "cache")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def next_line() -> str:
        return lines.get(timeout=WAIT)

    try:
        assert next_line().startswith("published ")
        assert next_line().startswith("watching ")
        dashboard = history.html / "ttsbench" / "index.html"
        assert "over 4 series and 11 commits" in dashboard.read_text()
        shutil.move(tmp_path / held.name, held)
        assert next_line().startswith("published ")
        assert "over 4 series and 12 commits" in dashboard.read_text()
        # a publish that fails is one line, and the watcher goes on
        shutil.move(history.html, tmp_path / "site")
        history.html.write_text("not a site")
        held.write_bytes(held.read_bytes())
        line = next_line()
        assert "error:" in line and "still watching" in line and line.count("\n") == 1
        history.html.unlink()
        shutil.move(tmp_path / "site", history.html)
        held.write_bytes(held.read_bytes())
        assert next_line().startswith("published ")
        process.send_signal(stop)  # SIGTERM: after a publish under way; Ctrl-C: at once
        assert process.wait(WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(WAIT)
    assert lines.empty() or all("error" not in line for line in list(lines.queue))


def test_a_file_still_open_for_writing_is_waited_for(tmp_path):
    """asv writes a result file in place: between two writes nothing is published, its close is."""
    results = tmp_path / "results"
    results.mkdir()
    watching = Watching(results, quiet=2.0)
    try:
        with open(results / "aaaa-env.json", "w") as out:
            out.write('{"results": ')
            out.flush()
            assert not watching.published.acquire(timeout=0.3)  # open: not complete yet
            out.write("{}}")
        assert watching.published.acquire(timeout=WAIT)  # closed: published
    finally:
        watching.close()
    assert watching.count == 1
