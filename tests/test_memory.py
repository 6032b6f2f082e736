"""The peak-memory tracker sees allocations made inside its block, on CPU."""

import time

import torch

from ttsbench.engine.memory import PeakMemory, track_peak_memory

ALLOCATION_MB = 256


def _wait_for_sample(tracker, after: int) -> None:
    """Block until the sampler thread has taken a sample after ``after`` (bounded wait)."""
    deadline = time.monotonic() + 10
    while tracker.samples <= after and time.monotonic() < deadline:
        time.sleep(tracker.interval_s)
    assert tracker.samples > after, "the sampler thread took no sample"


def test_sampler_thread_sees_an_allocation_freed_inside_the_block():
    with track_peak_memory("cpu") as tracker:
        block = torch.ones(ALLOCATION_MB * 2**20 // 4)  # touched, so resident
        taken = tracker.samples
        _wait_for_sample(tracker, taken)
        del block
    result = tracker.result
    assert isinstance(result, PeakMemory)
    assert result.host_rss_mb - result.host_rss_baseline_mb >= 0.8 * ALLOCATION_MB
    assert result.peak_mb == result.host_rss_mb


def test_cpu_result_has_no_cuda_figures_and_a_peak_at_least_the_baseline():
    with track_peak_memory("cpu") as tracker:
        pass
    result = tracker.result
    assert result.cuda_allocated_mb is None
    assert result.cuda_reserved_mb is None
    assert result.device_used_mb is None
    assert result.host_rss_mb >= result.host_rss_baseline_mb > 0


def test_small_block_does_not_report_the_large_allocation_of_an_earlier_one():
    with track_peak_memory("cpu") as big:
        block = torch.ones(ALLOCATION_MB * 2**20 // 4)
        _wait_for_sample(big, big.samples)
        del block
    with track_peak_memory("cpu") as small:
        pass
    assert small.result.host_rss_mb - small.result.host_rss_baseline_mb < 0.5 * ALLOCATION_MB
