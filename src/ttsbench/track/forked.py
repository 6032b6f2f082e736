"""Work shared out to forked processes, one per core, when there is enough of it to pay for them.

Used for parsing result files and for the change-point analysis: each costs seconds on a long
history, and the CI runners we gate on have 2 cores. Only on Linux: elsewhere ``fork`` is missing
(Windows) or unsafe once system frameworks are loaded (macOS, where Python spawns instead), and
all work stays in this process.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: a run with one share (most) never needs them
    import concurrent.futures


def cores() -> int:
    """The cores this process may run on (Linux: its affinity, which a CI job may narrow)."""
    return len(os.sched_getaffinity(0))


def shares(work: int, per_process: int) -> int:
    """Into how many shares to cut ``work`` units: at most one per core, each of at least
    ``per_process`` units."""
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(cores(), work // per_process))


def pool(processes: int) -> concurrent.futures.ProcessPoolExecutor:
    """``processes`` forked workers (they inherit what is imported, so they start in milliseconds).

    Each worker first freezes the objects it inherited out of the garbage collector's reach:
    a collection would otherwise walk them all and copy every page they sit on."""
    import concurrent.futures
    import multiprocessing

    return concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                                  initializer=gc.freeze)


def run_shares(count: int, shares: int, here, apart) -> list:
    """Cut ``range(count)`` into ``shares`` contiguous shares and return each one's result, in
    order: ``here(lo, hi)`` runs the first in this process while forked workers run the others,
    ``apart(lo, hi)`` giving the picklable ``(function, *args)`` of each."""
    bounds = [count * k // shares for k in range(shares + 1)]
    if shares == 1:
        return [here(0, count)]
    with pool(shares - 1) as workers:
        calls = [apart(lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
        futures = [workers.submit(*call) for call in calls]
        found = [here(0, bounds[1])]
        found += [result(future, *call) for future, call in zip(futures, calls)]
    return found


def result(future: concurrent.futures.Future, here, *args):
    """A worker's result; ``here(*args)`` in this process when the worker died (killed for
    memory, say), so a lost worker costs time, not the run."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return here(*args)


__all__ = ["cores", "pool", "result", "run_shares", "shares"]
