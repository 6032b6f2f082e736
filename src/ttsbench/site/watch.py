"""Publish again whenever asv writes results: ``ttsbench publish --watch``.

A long ``asv run`` (a range of commits, ``asv continuous``) writes one result file per commit
and environment. The watcher publishes once, then waits on the results dir's file events
(watchdog: inotify on Linux, the platform's own elsewhere) and publishes again once the
``*.json`` files under it have been quiet for ``QUIET`` seconds, so a file asv is still
writing is not read half-way (and if it is, the snapshot's stamps throw that build away). The
process keeps what it has loaded and compiled, so a new commit costs only its own work: no
interpreter start, no imports. Each publish holds the html dir's lock as a single publish
does, so another ``ttsbench publish`` can still run in between.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

QUIET = 0.1  # seconds without a file event before publishing
# Events that change a file's content or presence. Not "opened", "closed_no_write" (publishing
# reads the files) nor "attrib" (the snapshot's hard links change a file's link count).
CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})


def watch(results: Path, publish: Callable[[], None], stop: threading.Event,
          ready: Callable[[], None] = lambda: None, quiet: float = QUIET) -> int:
    """Call ``publish`` whenever a result file under ``results`` changes, until ``stop`` is
    set; ``ready`` once events are being watched. The number of publishes made."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    changed = threading.Event()

    class Results(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            paths = (event.src_path, getattr(event, "dest_path", "") or "")
            if event.event_type in CHANGES and any(str(p).endswith(".json") for p in paths):
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
                stop.wait(quiet)
            if not stop.is_set():
                publish()
                published += 1
    finally:
        observer.stop()
        observer.join(timeout=5)
    return published


__all__ = ["CHANGES", "QUIET", "watch"]
