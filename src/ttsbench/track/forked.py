"""Work shared out to forked processes, one per core, when there is enough of it to pay for them.

Used for parsing result files and for the change-point analysis: each costs seconds on a long
history, and the CI runners we gate on have 2 cores. Where ``fork`` is missing (not POSIX), all
work stays in this process.
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import os


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def shares(work: int, per_process: int) -> int:
    """Into how many shares to cut ``work`` units: at most one per core, each of at least
    ``per_process`` units."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cores(), work // per_process))


def pool(processes: int) -> concurrent.futures.ProcessPoolExecutor:
    """``processes`` forked workers (they inherit what is imported, so they start in milliseconds).

    Each worker first freezes the objects it inherited out of the garbage collector's reach:
    a collection would otherwise walk them all and copy every page they sit on."""
    return concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                                  initializer=gc.freeze)


__all__ = ["cores", "pool", "shares"]
