"""Streaming synthesis of the medium fixture: time to first audio, tokens/s, real-time factor."""

import statistics
import time

from . import models

CHUNK_FRAMES = 12
RUNS = 3


def _stream_once(synthesizer, workload):
    """(seconds to the first chunk, seconds in all) of one streamed synthesis."""
    start = time.perf_counter()
    first = None
    for _ in synthesizer.synthesize_streaming(
        workload.text, CHUNK_FRAMES, max_frames=workload.frames, fixed_length=True
    ):  # every chunk arrives as a CPU tensor, so the device has finished its work
        if first is None:
            first = time.perf_counter() - start
    return first, time.perf_counter() - start


class Streaming:
    """synthesize_streaming() in 12-frame chunks; each figure is the median of three streams.

    The streams run once, in ``setup_cache``, and all three ``track_`` methods report from them.
    """

    params = models.PRESETS
    param_names = ["preset"]
    timeout = 900

    def setup_cache(self):
        figures = {}
        for preset in models.PRESETS:
            try:
                synthesizer = models.synthesizer(preset)
                workload = models.workload("medium")
            except NotImplementedError as skip:
                figures[preset] = str(skip)
                continue
            runs = [_stream_once(synthesizer, workload) for _ in range(RUNS)]
            total = statistics.median(seconds for _, seconds in runs)
            figures[preset] = {
                "time_to_first_audio_ms": statistics.median(first for first, _ in runs) * 1000,
                "tokens_per_second": workload.frames / total,
                "realtime_factor": workload.audio_seconds / total,
            }
        return figures

    def setup(self, figures, preset):
        if isinstance(figures[preset], str):
            raise NotImplementedError(figures[preset])
        self.figures = figures[preset]

    def track_time_to_first_audio(self, figures, preset):
        return self.figures["time_to_first_audio_ms"]

    track_time_to_first_audio.unit = "ms"

    def track_tokens_per_second(self, figures, preset):
        return self.figures["tokens_per_second"]

    track_tokens_per_second.unit = "tokens/s"

    def track_realtime_factor(self, figures, preset):
        return self.figures["realtime_factor"]

    track_realtime_factor.unit = "x realtime"
