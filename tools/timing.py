"""Time one command of the tools' timing tables: wall-clock and CPU seconds (the box is shared,
CPU time is steadier than wall-clock); a failed command stops the tool with its error."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path


def user_env() -> dict[str, str]:
    """The environment for timed commands: Python may write bytecode, as on a user's machine
    where pip compiles what it installs (with PYTHONDONTWRITEBYTECODE set, as in some
    containers, a source checkout would be recompiled on every run)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_timed(command: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """(the finished process, wall-clock seconds, CPU seconds of user + system), run with
    :func:`user_env`."""
    env = user_env()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    return done, wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
