"""Publish again whenever asv writes results: ``ttsbench publish --watch``.

A long ``asv run`` (a range of commits, ``asv continuous``) writes one result file per commit
and environment. The watcher publishes once, then waits on the results dir's file events
(watchdog: inotify on Linux, the platform's own elsewhere) and publishes again when a
``*.json`` file under it is complete: closed after writing, moved into place or removed
(``BATCH`` seconds later, so files written together make one publish). A file still open for
writing is waited for until it is closed or has been quiet for ``QUIET`` seconds (file systems
that report no close), so a file asv is writing is not read half-way; if it is, the snapshot's
stamps throw that build away. The process keeps what it has loaded and compiled, so a new
commit costs only its own work: no interpreter start, no imports. Each publish holds the html
dir's lock as a single publish does, so another ``ttsbench publish`` can still run in between.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

BATCH = 0.02  # seconds to gather the events of files written together
QUIET = 0.1  # seconds without an event after which a file open for writing counts as written
# Events that change a file's content or presence: those that leave it complete, and those of a
# file being written. Not "opened", "closed_no_write" (publishing reads the files) nor "attrib"
# (the snapshot's hard links change a file's link count).
COMPLETE = frozenset({"closed", "moved", "deleted"})
WRITING = frozenset({"created", "modified"})


def watch(results: Path, publish: Callable[[], None], stop: threading.Event,
          ready: Callable[[], None] = lambda: None, quiet: float = QUIET) -> int:
    """Call ``publish`` whenever a result file under ``results`` changes, until ``stop`` is
    set; ``ready`` once events are being watched. The number of publishes made."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    changed = threading.Event()
    writing: set[str] = set()  # files created or modified, not yet closed

    class Results(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            kind, path = event.event_type, str(event.src_path)
            names = (path, str(getattr(event, "dest_path", "") or ""))  # (a move has two)
            if kind not in COMPLETE | WRITING or not any(n.endswith(".json") for n in names):
                return
            if kind in WRITING:
                writing.add(path)
            else:
                writing.discard(path)
            changed.set()

    observer = Observer()
    observer.schedule(Results(), str(results), recursive=True)
    observer.start()
    published = 0
    try:
        ready()
        while not stop.is_set():
            if not changed.wait(0.5):
                continue
            while changed.is_set() and not stop.is_set():  # until the writes have settled
                changed.clear()
                stop.wait(quiet if writing else BATCH)
            writing.clear()
            if not stop.is_set():
                publish()
                published += 1
    finally:
        observer.stop()
        observer.join(timeout=5)
    return published


__all__ = ["BATCH", "COMPLETE", "QUIET", "WRITING", "watch"]
