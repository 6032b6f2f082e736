"""Helpers for the tests of tools/*.sh: a git checkout with an origin, and stand-in commands.

A stand-in (``fake_command``) is a small bash script put first on PATH; it appends its arguments
to ``calls.log`` in its folder and then runs the given body, so a test sees how a tool called
asv or ttsbench and controls what they do (write results, print a report, exit with a code).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "tests", "GIT_AUTHOR_EMAIL": "tests@ttsbench.invalid",
    "GIT_COMMITTER_NAME": "tests", "GIT_COMMITTER_EMAIL": "tests@ttsbench.invalid",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env=dict(os.environ, **GIT_IDENTITY),
    )
    return done.stdout.strip()


def checkout_with_origin(tmp_path: Path, commits: int = 2) -> Path:
    """A clone of a bare ``origin`` holding ``commits`` commits on main."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    for i in range(commits):
        (work / "code.txt").write_text(f"version {i}\n")
        git(work, "add", "code.txt")
        git(work, "commit", "--quiet", "-m", f"commit {i}")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    return work


def fake_command(bin_dir: Path, name: str, body: str = "exit 0") -> Path:
    """``bin_dir/name``: logs its arguments to ``bin_dir/calls.log``, then runs ``body``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "{name} $*" >> "$(dirname "$0")/calls.log"\n'
        f"{body}\n"
    )
    path.chmod(0o755)
    return path


def calls(bin_dir: Path) -> list[str]:
    log = bin_dir / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def run_tool(script: str, cwd: Path, bin_dir: Path, *args: str, **env: str):
    """Run ``tools/<script>`` in ``cwd`` with the stand-ins in ``bin_dir`` first on PATH."""
    environment = dict(os.environ, **GIT_IDENTITY, **env)
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment['PATH']}"
    return subprocess.run(
        ["bash", str(TOOLS / script), *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
