"""Incremental file writing for the tracker's pages: unchanged files come from the previous build.

``status.json`` maps every file of a build to a digest of the data (and code) it was made from.
A file whose digest matches the previous build's is hard-linked (copied across file systems)
from it instead of being produced again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
from importlib import resources
from pathlib import Path

STATUS_FILE = "status.json"
BUILD_FORMAT = 2


@dataclasses.dataclass
class BuildStats:
    rendered: int = 0
    reused: int = 0
    bytes_written: int = 0


class Writer:
    """Writes files under ``out``; a file whose digest matches the previous build is reused."""

    def __init__(self, out: Path, previous: Path):
        self.out, self.previous = out, previous
        self.stats = BuildStats()
        self.status: dict[str, str] = {}
        self.folders: set[Path] = set()
        try:
            stored = json.loads((previous / STATUS_FILE).read_text(encoding="utf-8"))
            self.old = stored["files"] if stored.get("format") == BUILD_FORMAT else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.old = {}

    def file(self, relative: str, digest: str, produce) -> None:
        """``produce(path)`` writes the file unless the previous build has it with ``digest``."""
        target = self.out / relative
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        self.status[relative] = digest
        if self.old.get(relative) == digest:
            source = self.previous / relative
            try:
                os.link(source, target)
                self.stats.reused += 1
                return
            except FileNotFoundError:
                pass
            except OSError:
                if source.is_file():
                    shutil.copy2(source, target)
                    self.stats.reused += 1
                    return
        produce(target)
        self.stats.rendered += 1
        self.stats.bytes_written += target.stat().st_size

    def text(self, relative: str, digest: str, produce) -> None:
        self.file(relative, digest, lambda path: path.write_text(produce(), encoding="utf-8"))

    def finish(self) -> None:
        (self.out / STATUS_FILE).write_text(
            json.dumps({"format": BUILD_FORMAT, "files": self.status}, indent=0), encoding="utf-8"
        )


def digest(data, exclude: str | None = None) -> str:
    """Digest of a page's data and of the code that renders it (templates, pages module)."""
    if exclude is not None and isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != exclude}
    text = json.dumps([BUILD_FORMAT, code_digest(), data], sort_keys=True, default=_plain)
    return hashlib.sha1(text.encode()).hexdigest()


@functools.cache
def code_digest() -> str:
    package = resources.files("ttsbench.site")
    h = hashlib.sha1()
    h.update(package.joinpath("pages.py").read_bytes())
    for template in sorted(package.joinpath("templates").iterdir(), key=lambda t: t.name):
        h.update(template.name.encode() + template.read_bytes())
    return h.hexdigest()


def _plain(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)
