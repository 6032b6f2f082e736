"""Seeded, cached inputs for the tier-1 kernel benchmarks.

Rule (numpy's): fixtures are only ever appended, never changed. Changing a fixture's values or
shape silently breaks every historical comparison; add a new function (or a new seed) instead and
bump the ``version`` of the benchmarks that switch to it. Every fixture is built on the CPU from
its own ``torch.Generator`` seed, so all devices and all commits see identical values; benchmarks
move them to the device under test in ``setup``. Returned objects are shared: do not modify them.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from . import common


@functools.lru_cache(maxsize=None)
def logits(batch: int, vocab: int) -> torch.Tensor:
    """float32 [batch, vocab], N(0, 3^2): one decode step's scores."""
    return 3 * torch.randn(batch, vocab, generator=common.generator(1000 + vocab))


@functools.lru_cache(maxsize=None)
def previous_tokens(batch: int, count: int, vocab: int) -> torch.Tensor:
    """int64 [batch, count] ids in [0, vocab): the tokens generated so far."""
    return torch.randint(0, vocab, (batch, count), generator=common.generator(2000 + count))


@functools.lru_cache(maxsize=None)
def frames(count: int, codebooks: int = 16, codebook_size: int = 2048) -> np.ndarray:
    """int64 numpy [count, codebooks]: generated frames as the engine collects them."""
    ids = torch.randint(0, codebook_size, (count, codebooks), generator=common.generator(3000))
    return ids.numpy()


@functools.lru_cache(maxsize=None)
def waveform(seconds: float, sample_rate: int) -> torch.Tensor:
    """float32 [samples]: a 220 Hz tone with its harmonics under seeded noise, peak below 1."""
    samples = int(round(seconds * sample_rate))
    t = torch.arange(samples, dtype=torch.float64) / sample_rate
    tone = sum(torch.sin(2 * torch.pi * 220 * h * t) / h for h in (1, 2, 3))
    noise = torch.randn(samples, generator=common.generator(4000), dtype=torch.float64)
    return (0.3 * tone + 0.05 * noise).to(torch.float32)


@functools.lru_cache(maxsize=None)
def codes(batch: int, codebooks: int, count: int, codebook_size: int = 1024) -> torch.Tensor:
    """int64 [batch, codebooks, count]: RVQ codes for the delay pattern."""
    return torch.randint(0, codebook_size, (batch, codebooks, count),
                         generator=common.generator(5000))
