"""What ``publish`` may replace, one publish at a time, and a swap that never hides index.html.

* **Marker.** Every site publish builds carries ``.ttsbench-site``. Before the swap the html dir
  must be absent, empty, carry the marker, or be a site that an earlier ttsbench (its
  ``ttsbench/status.json``) or ``asv publish`` (``index.json`` + ``asv.js``; asv itself deletes
  its html dir on every publish) built. Anything else (a regular file, the results dir, a folder
  of someone's files) is refused: :class:`SiteError`, one line, exit 2. So is an html dir that
  holds the results dir or lies inside it.
* **Lock.** ``.<html dir name>.lock`` beside the html dir, held (``flock``) from reading the
  results to the swap. A second publish waits for it up to ``wait`` seconds, saying so, then
  stops with one line.
* **Swap.** The new tree is built beside the html dir and exchanged with it by one
  ``renameat2(RENAME_EXCHANGE)``: readers see the old site or the new one, never a mix, never a
  missing ``index.html``. Where the kernel or file system lacks it, entries are moved one by one,
  ``index.html`` last: a file is replaced by ``rename``, which is atomic, so ``index.html`` is
  always there (a reader may, for that moment, follow it into a folder of the other build).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
import time
from pathlib import Path

from ttsbench.errors import TtsbenchError

MARKER = ".ttsbench-site"
RENAME_EXCHANGE = 2
AT_FDCWD = -100
POLL_S = 0.2


class SiteError(TtsbenchError):
    """The html dir cannot be published into (not a site, not writable, busy)."""


def check_replaceable(html_dir: Path, results: Path | None = None) -> None:
    """Refuse, with one line, an html dir that publish did not build (see the module docstring)."""
    if results is not None and _within(Path(results), html_dir):
        raise SiteError(f"--html-dir {html_dir} holds the results dir {results}; publishing would "
                        "delete them: pass an html dir outside the results")
    if results is not None and _within(html_dir, Path(results)):
        raise SiteError(f"--html-dir {html_dir} is inside the results dir {results}; asv would read "
                        "the site as results: pass an html dir outside the results")
    if html_dir.is_symlink():
        raise SiteError(f"--html-dir {html_dir} is a symbolic link; pass the folder it points to")
    if not html_dir.exists():
        return
    if not html_dir.is_dir():
        raise SiteError(f"--html-dir {html_dir} is a file, not a site; pass a folder for the site")
    if not is_site(html_dir) and any(html_dir.iterdir()):
        raise SiteError(
            f"--html-dir {html_dir} holds files that no publish made (no {MARKER}); pass a new or "
            "empty folder, or move its files away"
        )


def is_site(folder: Path) -> bool:
    return ((folder / MARKER).is_file() or (folder / "ttsbench" / "status.json").is_file()
            or ((folder / "index.json").is_file() and (folder / "asv.js").is_file()))


def mark(folder: Path) -> None:
    (folder / MARKER).write_text("built by ttsbench publish; it replaces this folder whole\n",
                                 encoding="utf-8")


def _within(inner: Path, outer: Path) -> bool:
    inner, outer = inner.absolute().resolve(), outer.absolute().resolve()
    return inner == outer or outer in inner.parents


def writable_parent(html_dir: Path) -> Path:
    """The html dir's parent, created if needed; one line when it cannot be written."""
    parent = html_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / f".{html_dir.name}.probe-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise SiteError(f"cannot write beside --html-dir {html_dir} ({exc.strerror or exc}); "
                        "pass an html dir in a writable folder") from None
    return parent


@contextlib.contextmanager
def publish_lock(html_dir: Path, wait: float):
    """Hold the html dir's lock; wait up to ``wait`` seconds for another publish to finish."""
    path = html_dir.parent / f".{html_dir.name}.lock"
    try:
        handle = open(path, "a+")
    except OSError as exc:
        raise SiteError(f"cannot create the lock {path} ({exc.strerror}); pass an html dir in a "
                        "writable folder") from None
    with handle:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SiteError(
                        f"another publish into {html_dir} still holds {path} after {wait:g} s; "
                        "run again when it ends (or raise --wait)"
                    ) from None
                if not told:
                    print(f"waiting for another publish into {html_dir} (lock {path})", file=sys.stderr)
                    told = True
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap_in(built: Path, html_dir: Path) -> None:
    """Make ``built`` the html dir; the old site's files end up under ``built`` (then removed)."""
    if not html_dir.exists():
        os.replace(built, html_dir)
        return
    if not _exchange(built, html_dir):
        _swap_entries(built, html_dir)


def _exchange(a: Path, b: Path) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_entries(built: Path, html_dir: Path) -> None:
    """Move the new entries in one by one (index.html last); old ones go to ``built``."""
    old = built.with_name(built.name + "-old")
    old.mkdir()
    new_names = sorted(os.listdir(built), key=lambda name: name == "index.html")
    for name in new_names:
        new, current = built / name, html_dir / name
        if os.path.lexists(current) and (current.is_dir() or new.is_dir()):
            os.replace(current, old / name)  # rename cannot put a folder over a folder
        os.replace(new, current)
    for name in set(os.listdir(html_dir)) - set(new_names):
        os.replace(html_dir / name, old / name)
    shutil.rmtree(old, ignore_errors=True)
