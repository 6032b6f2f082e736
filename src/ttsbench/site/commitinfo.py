"""Author, date and subject of many commits from one ``git cat-file --batch`` call.

The site shows them for every commit of the history (graph hover, commit page); asking
gitpython commit by commit costs about a millisecond each, one batch call a few for a thousand.
Commits git does not know are left out; without git or a repository the answer is empty.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path


def commit_info(repo: Path | str | None, commits) -> dict[str, dict]:
    """``{hash: {"author", "date" (ISO, UTC), "subject"}}`` for the commits git knows."""
    commits = sorted(set(commits))
    if repo is None or not commits:
        return {}
    try:
        done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, capture_output=True,
                              input=("\n".join(commits) + "\n").encode(), check=False)
    except OSError:
        return {}
    if done.returncode != 0:
        return {}
    return _parse_batch(done.stdout)


def _parse_batch(out: bytes) -> dict[str, dict]:
    found, at = {}, 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<hash> missing"
            continue
        sha, kind, size = header[0].decode(), header[1], int(header[2])
        body = out[at:at + size]
        at += size + 1
        if kind == b"commit":
            found[sha] = _describe(body.decode("utf-8", errors="replace"))
    return found


def _describe(body: str) -> dict:
    headers, _, message = body.partition("\n\n")
    info = {"author": "", "date": "", "subject": message.strip().split("\n", 1)[0]}
    for line in headers.splitlines():
        if line.startswith("author "):
            name, _, rest = line[len("author "):].rpartition(" <")
            info["author"] = name
            stamp = rest.rsplit("> ", 1)[-1].split()
            if stamp and stamp[0].lstrip("-").isdigit():
                moment = datetime.datetime.fromtimestamp(int(stamp[0]), datetime.timezone.utc)
                info["date"] = moment.strftime("%Y-%m-%d %H:%M")
    return info
