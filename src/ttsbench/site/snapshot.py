"""One consistent snapshot of the results dir for a publish (ours and asv's pages alike).

asv writes result files in place. Publishing reads them twice (the tracker's loader, then
``asv publish``), so a result written meanwhile could make the two halves of the site disagree,
or one half mix old and new files. :func:`results_snapshot` hard-links (copies across file
systems) every regular file of the results dir into ``.<html dir>-snapshot/results`` beside the
html dir, with each file's size and mtime; both readers read the snapshot, and
:meth:`Snapshot.verify` (called just before the swap) checks that no linked file was rewritten
meanwhile. Files added later are simply not in this publish. Non-regular files (a FIFO named
``*.json``) are left out, so no reader blocks on them. With one reader (``--no-asv``) the files
are read where they are: the stamps alone show a file rewritten while publishing, and linking a
thousand files (and removing the links) was a tenth of a one-commit publish.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from pathlib import Path

from ttsbench.errors import TtsbenchError

PATH_KEYS = ("repo", "benchmark_dir", "env_dir", "results_dir", "html_dir")


class ResultsChanged(TtsbenchError):
    """A result file was rewritten while publishing; the site would mix two states."""


class Snapshot:
    """The results as a publish reads them: linked under ``root`` (``link``) or in place."""

    def __init__(self, root: Path, results: Path, link: bool = True):
        self.root, self.source, self.link = root, results, link
        self.results = root / "results" if link else results
        self.stamps: dict[str, tuple[int, int]] = {}  # (paths as strings: a thousand Paths cost ms)

    def take(self) -> None:
        if self.link:
            shutil.rmtree(self.root, ignore_errors=True)
            self.results.mkdir(parents=True)
        for folder, _, files in os.walk(self.source):
            target = str(self.results / Path(folder).relative_to(self.source))
            if self.link:
                os.makedirs(target, exist_ok=True)
            for name in files:
                source = os.path.join(folder, name)
                try:
                    info = os.stat(source, follow_symlinks=False)
                except OSError:
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue
                copy = os.path.join(target, name)
                if self.link:
                    try:
                        os.link(source, copy)
                    except OSError:
                        shutil.copy2(source, copy)
                self.stamps[copy] = (info.st_size, info.st_mtime_ns)

    def verify(self) -> None:
        """Raise :class:`ResultsChanged` when a snapshot file was rewritten since :meth:`take`."""
        for path, stamp in self.stamps.items():
            try:
                info = os.stat(path)
            except OSError:  # removed (read in place)
                info = None
            if info is None or (info.st_size, info.st_mtime_ns) != stamp:
                raise ResultsChanged(
                    f"{self.source / Path(path).relative_to(self.results)} was rewritten while "
                    "publishing; the site was not replaced: publish again when asv has finished writing"
                )

    def asv_config(self, config: Path) -> Path:
        """A copy of asv.conf.json that reads the snapshot (its paths made absolute)."""
        from asv import util

        config = Path(config).absolute()
        data = util.load_json(str(config), js_comments=True)
        for key in PATH_KEYS:
            value = data.get(key)
            if isinstance(value, str) and "://" not in value:
                data[key] = str((config.parent / value).absolute())
        data["results_dir"] = str(self.results)
        path = self.root / "asv.conf.json"
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        return path


@contextlib.contextmanager
def results_snapshot(results: Path, html_dir: Path, link: bool = True):
    """A :class:`Snapshot` of ``results`` beside ``html_dir`` (linked unless not ``link``),
    removed afterwards."""
    snapshot = Snapshot(html_dir.parent / f".{html_dir.name}-snapshot", Path(results), link)
    try:
        snapshot.take()
        yield snapshot
    finally:
        if link:
            shutil.rmtree(snapshot.root, ignore_errors=True)
