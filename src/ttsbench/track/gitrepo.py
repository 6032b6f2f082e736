"""The tracker's one door to git: opening the repository, commit order, metadata, ranges.

Every command opens the repository once (:func:`open_repo`) and passes the :class:`git.Repo`
on; functions here take that object (or None outside a repository, where they answer
"unknown"). A path is still accepted where callers hold one: :func:`as_repo` is the one place
it becomes a Repo. gitpython is imported lazily so that ``ttsbench --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ttsbench.errors import TtsbenchError
from ttsbench.files import write_atomic

if TYPE_CHECKING:
    import git


def _errors() -> tuple[type[BaseException], ...]:
    import git

    return (git.GitError, git.BadName, git.BadObject, ValueError, OSError, IndexError)


def open_repo(path: Path | str = ".") -> git.Repo | None:
    """The git repository at or above ``path``, or None outside one."""
    import git

    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.GitError, OSError):
        return None


def require_repo(path: Path | str = ".") -> git.Repo:
    """:func:`open_repo`, or a one-line error saying where no repository was found."""
    repo = open_repo(path)
    if repo is None:
        raise TtsbenchError(f"no git repository at or above {path}; run from the project checkout")
    return repo


def as_repo(repo) -> git.Repo | None:
    """``repo`` as a Repo: a Repo stays, a path is opened, None stays None."""
    if repo is None or not isinstance(repo, (str, Path)):
        return repo
    return open_repo(repo)


def topo_positions(repo: git.Repo | None) -> dict[str, int]:
    """Each commit's position in ``git rev-list --topo-order --reverse --all`` (oldest first)."""
    repo = as_repo(repo)
    if repo is None:
        return {}
    try:
        hashes = repo.git.rev_list("--topo-order", "--reverse", "--all").split()
    except _errors():
        return {}
    return {commit: position for position, commit in enumerate(hashes)}


def full_hash(repo: git.Repo | None, rev: str) -> str | None:
    """The full hash git gives ``rev`` (any revision: HEAD~1, a branch, a prefix), or None."""
    repo = as_repo(repo)
    if repo is None or not rev:
        return None
    try:
        return repo.commit(rev).hexsha
    except _errors():
        return None


def head_commit(repo: git.Repo | None) -> str | None:
    """The hash of HEAD, or None (no repository, or an unborn branch)."""
    return full_hash(repo, "HEAD")


COMMITS_CACHE = "commits.json"


def commit_metadata(repo: git.Repo | None, commits: Iterable[str],
                    cache_dir: Path | str | None = None) -> dict[str, dict]:
    """Author, date (committer's, ISO) and subject of each commit git knows (empty without a repository).

    One ``git cat-file --batch`` for all of them: the site asks for every commit of the history,
    and gitpython's commit objects cost about a millisecond each. A commit's metadata never
    changes, so with ``cache_dir`` it is kept in ``commits.json`` there and git is asked only
    for commits it has not described before (an unwritable cache just is not kept).
    """
    repo = as_repo(repo)
    commits = sorted(set(commits))
    if repo is None or not commits:
        return {}
    path = None if cache_dir is None else Path(cache_dir) / COMMITS_CACHE
    try:
        known = json.loads(path.read_bytes()) if path is not None else {}
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    missing = [c for c in commits if c not in known]
    found = _describe_commits(repo, missing) if missing else {}
    if found and path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps({**known, **found}))
    return {c: found.get(c) or known[c] for c in commits if c in found or c in known}


def _describe_commits(repo: git.Repo, commits: list[str]) -> dict[str, dict]:
    try:
        out = repo.git.execute(["git", "cat-file", "--batch"], istream=subprocess.PIPE,
                               as_process=True)
        raw, _ = out.proc.communicate(("\n".join(commits) + "\n").encode())
    except _errors():
        return {}
    found, at = {}, 0
    while at < len(raw):
        end = raw.index(b"\n", at)
        header = raw[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<name> missing"
            continue
        size = int(header[2])
        if header[1] == b"commit":
            found[header[0].decode()] = _describe_commit(raw[at:at + size].decode("utf-8", "replace"))
        at += size + 1
    return found


def _describe_commit(body: str) -> dict:
    headers, _, message = body.partition("\n\n")
    info = {"author": "", "date": "", "subject": message.strip().split("\n", 1)[0]}
    for line in headers.splitlines():
        key, _, value = line.partition(" ")
        name, _, stamp = value.rpartition("> ")
        if key == "author":
            info["author"] = name.rpartition(" <")[0]
        elif key == "committer" and len(stamp.split()) == 2:
            seconds, offset = stamp.split()
            sign = -1 if offset.startswith("-") else 1
            zone = datetime.timezone(sign * datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
            info["date"] = datetime.datetime.fromtimestamp(int(seconds), zone).isoformat()
    return info


def remote_url(repo: git.Repo | None) -> str | None:
    """The web URL of the ``origin`` remote (GitHub/GitLab style), when there is one."""
    repo = as_repo(repo)
    if repo is None:
        return None
    try:
        url = repo.remotes.origin.url
    except (*_errors(), AttributeError):
        return None
    if url.startswith("git@"):
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    if not url.startswith(("https://", "http://")):
        return None
    return url.removesuffix(".git")


def commits_between(repo: git.Repo, good: str, bad: str) -> list[str]:
    """GOOD then every commit on the ancestry path GOOD..BAD, oldest first (full hashes)."""
    if as_repo(repo) is None:
        raise TtsbenchError(f"no git repository at {repo}; run from the project checkout")
    repo = as_repo(repo)
    resolved = []
    for name, rev in (("GOOD", good), ("BAD", bad)):
        commit = full_hash(repo, rev)
        if commit is None:
            raise TtsbenchError(f"{name} {rev!r} is not a commit of {repo.working_dir}")
        resolved.append(commit)
    good_hash, bad_hash = resolved
    if not repo.is_ancestor(good_hash, bad_hash):
        raise TtsbenchError(
            f"GOOD {good} is not an ancestor of BAD {bad}; give GOOD older than BAD on one line"
        )
    path = repo.git.rev_list("--ancestry-path", "--reverse", f"{good_hash}..{bad_hash}").split()
    return [good_hash, *path]


__all__ = [
    "as_repo", "commit_metadata", "commits_between", "full_hash", "head_commit", "open_repo",
    "remote_url", "require_repo", "topo_positions",
]
