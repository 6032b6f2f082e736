"""Streaming: decode a ``FrameGenerator``'s frames to audio chunk by chunk, with left context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import torch
from torch.profiler import record_function

from ttsbench.engine.frames import FrameGenerator
from ttsbench.engine.timing import SynthesisTiming


def stream_chunks(
    frames: FrameGenerator, decoder, chunk_frames: int, left_context: int,
    context: Callable[[], AbstractContextManager], finished: Callable[[SynthesisTiming], None],
) -> Iterator[torch.Tensor]:
    """Audio chunks (1-D float32 CPU) of ``chunk_frames`` frames each, each decoded by
    ``decoder.decode_window`` with ``left_context`` earlier frames; ``finished`` receives the
    stream's timing once it ends.

    ``context()`` (inference mode, SDPA pinning) is entered per chunk and left before each
    yield, so nothing leaks into the consumer's code between chunks.
    """
    first_audio_ms = None
    decoded = 0
    more = True
    while more:
        with context():
            with record_function("generate_frames"):
                while more and frames.count - decoded < chunk_frames:
                    more = frames.next_frame()
            if frames.count == decoded:
                break
            with frames.clock.stage("decoder"), record_function("decode"):
                codes, offset = frames.decodable()
                chunk = decoder.decode_window(codes, offset + decoded, offset + frames.count,
                                              left_context)
            chunk = chunk[0].float().cpu()
        decoded = frames.count
        if first_audio_ms is None:
            first_audio_ms = frames.clock.wall_ms()
        yield chunk
    total = frames.clock.wall_ms()
    finished(frames.timing(
        time_to_first_audio_ms=total if first_audio_ms is None else first_audio_ms,
        total_ms=total,
    ))
