"""Per-stage timing of a synthesis run without a host synchronisation per stage.

On CUDA each stage interval is a pair of CUDA events, summed after one final synchronisation;
on CPU a ``time.perf_counter`` interval. Both measure the device work of the stage, so the stage
times add up to the device-busy part of the run.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SynthesisTiming:
    """Milliseconds per stage of one synthesis, device-synchronised.

    ``talker_decode_ms`` covers the talker decode steps and their first-code sampling;
    ``code_predictor_ms`` the residual-code prediction; ``decoder_ms`` the codec decoder;
    ``time_to_first_audio_ms`` the wall time until the first audio was available (the whole run
    when not streaming); ``total_ms`` the wall time of the whole call.
    """

    prefill_ms: float
    talker_decode_ms: float
    code_predictor_ms: float
    decoder_ms: float
    frames: int
    time_to_first_audio_ms: float
    total_ms: float


class StageClock:
    """Accumulates time per named stage on ``device``."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._cpu_ms: dict[str, float] = defaultdict(float)
        self._events: dict[str, list[tuple[torch.cuda.Event, torch.cuda.Event]]] = defaultdict(list)
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the enclosed block as (part of) stage ``name``."""
        if self.device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            yield
            end.record()
            self._events[name].append((start, end))
        else:
            begin = time.perf_counter()
            yield
            self._cpu_ms[name] += (time.perf_counter() - begin) * 1e3

    def wall_ms(self) -> float:
        """Wall milliseconds since the clock started, after the device finished its queue."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return (time.perf_counter() - self.started) * 1e3

    def stage_ms(self, name: str) -> float:
        """Total milliseconds of stage ``name`` (synchronises on CUDA)."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            return sum(start.elapsed_time(end) for start, end in self._events[name])
        return self._cpu_ms[name]
