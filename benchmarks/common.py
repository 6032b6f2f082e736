"""Helpers shared by every benchmark: device choice, thread pinning, skips, synchronisation.

Device: ``TTSBENCH_DEVICE`` (``cpu`` by default, ``cuda`` or ``mps``; an absent device skips
every case, saying so); asv.conf.json's ``env_nobuild`` matrix gives each device its own result
series. Threads: torch's intra-op pool is pinned to
``TTSBENCH_THREADS`` (default 1) and inter-op to 1 when this module is imported, so a 2-core
shared runner measures the same work every time; ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` are set
to match before torch is imported by any benchmark.

Skips follow asv's convention: raising ``NotImplementedError`` in ``setup`` records the case as
skipped (stored as NaN) instead of failed. History runs execute today's suite against old commits,
so benchmarks fetch the code under test with ``require`` inside ``setup`` (feature detection):
a commit that lacks it is skipped, not failed.
"""

from __future__ import annotations

import importlib
import os

THREADS = int(os.environ.get("TTSBENCH_THREADS", "1"))
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import torch  # noqa: E402  (after the thread variables above)

torch.set_num_threads(THREADS)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:  # already set once in this process
    pass

DEVICE = os.environ.get("TTSBENCH_DEVICE", "cpu")


def device() -> torch.device:
    """The device under test; raise NotImplementedError (asv: skipped) when it is absent.

    This harness-level check stays here rather than in ``ttsbench.engine.devices``: history
    runs execute this suite against commits that predate that module.
    """
    if DEVICE not in ("cpu", "cuda", "mps"):
        raise ValueError(f"TTSBENCH_DEVICE={DEVICE!r}: expected 'cpu', 'cuda' or 'mps'")
    if DEVICE == "cuda" and not torch.cuda.is_available():
        raise NotImplementedError("TTSBENCH_DEVICE=cuda but no CUDA device is present")
    if DEVICE == "mps" and not torch.backends.mps.is_available():
        raise NotImplementedError("TTSBENCH_DEVICE=mps but no Metal (MPS) device is present")
    return torch.device(DEVICE)


def synchronize(dev: torch.device) -> None:
    """Wait for queued device work so the timer sees it (no-op on CPU)."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def require_cuda() -> torch.device:
    """Skip unless the run targets CUDA and a GPU is present."""
    dev = device()
    if dev.type != "cuda":
        raise NotImplementedError("needs TTSBENCH_DEVICE=cuda")
    return dev


def require_vram(gigabytes: float, dev: torch.device) -> None:
    """Skip with "needs ~X GB" when the GPU has less total memory than the case needs."""
    if dev.type != "cuda":
        return
    total = torch.cuda.get_device_properties(dev).total_memory / 2**30
    if total < gigabytes:
        raise NotImplementedError(f"needs ~{gigabytes:g} GB of GPU memory, {total:.1f} GB present")


def generator(seed: int, dev: torch.device | str = "cpu") -> torch.Generator:
    """A seeded torch.Generator on ``dev``: every benchmark input is drawn from one of these."""
    gen = torch.Generator(device=dev)
    gen.manual_seed(seed)
    return gen


def require(module: str, name: str):
    """``ttsbench.<module>.<name>``; NotImplementedError (asv: skipped) when the commit lacks it."""
    try:
        return getattr(importlib.import_module(f"ttsbench.{module}"), name)
    except (ImportError, AttributeError) as exc:
        raise NotImplementedError(
            f"ttsbench.{module}.{name} is not in this commit ({exc})") from None


class KernelTiming:
    """asv timing attributes shared by the tier-1 kernel classes (mix in first).

    This asv_runner re-runs ``setup`` before every timed call and times calls one at a time, so a
    sample is one call; ask for many samples (at least 10, at most 50, about 1 s per round) in
    each of asv's 2 rounds (separate processes, interleaved between benchmarks).
    """

    repeat = (10, 50, 1.0)
    rounds = 2
    warmup_time = 0.05
    timeout = 60
