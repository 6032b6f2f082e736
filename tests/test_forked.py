"""Work shared out to forked processes: how many shares, and only where forking is safe."""

import os

from ttsbench.track import forked


def test_one_share_per_core_each_of_at_least_the_minimum(monkeypatch):
    monkeypatch.setattr(forked, "cores", lambda: 2)
    assert [forked.shares(work, 250) for work in (0, 249, 499, 500, 10_000)] == [1, 1, 1, 2, 2]
    monkeypatch.setattr(forked, "cores", lambda: 8)
    assert forked.shares(1000, 250) == 4


def test_no_fork_off_linux(monkeypatch):
    monkeypatch.setattr(forked, "cores", lambda: 8)
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(forked.sys, "platform", platform)
        assert forked.shares(10**6, 1) == 1


def test_cores_follow_the_affinity():
    assert forked.cores() == len(os.sched_getaffinity(0))


def test_a_worker_returns_what_it_computed():
    with forked.pool(1) as pool:
        assert pool.submit(sum, [1, 2, 3]).result() == 6


PARENT = os.getpid()


def dies_in_a_worker(x):
    if os.getpid() != PARENT:
        os._exit(1)  # as a worker killed for memory would
    return x * 2


def test_a_dead_worker_share_is_done_here():
    with forked.pool(1) as pool:
        future = pool.submit(dies_in_a_worker, 21)
        assert forked.result(future, dies_in_a_worker, 21) == 42
