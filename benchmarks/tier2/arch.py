"""Unified against separate engines, with and without CUDA graphs, side by side.

``unified`` runs each frame on the device with no host round-trip; ``separate`` runs the talker
and the code predictor as two engines that hand their tensors through the host every frame.
"""

from .. import common
from . import models


class Arch:
    """The short fixture end to end (fixed frame count) per arch and CUDA-graph setting."""

    params = (models.PRESETS, models.ARCHS, [False, True])
    param_names = ["preset", "arch", "cuda_graphs"]
    timeout = 600
    repeat = (2, 6, 10.0)
    rounds = 2  # rounds interleave the parameter values in time: A/B pairs share the load
    warmup_time = 0

    def setup(self, preset, arch, cuda_graphs):
        self.device = models.device_for(preset)
        self.synthesizer = models.synthesizer(preset, cuda_graphs, arch=arch)
        self.workload = models.workload("short")

    def time_synthesize(self, preset, arch, cuda_graphs):
        self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True)
        common.synchronize(self.device)


class ConcurrentRequests:
    """Four concurrent requests (the short fixture) served in batches of 1, 2 or 4: the time to
    serve all four (throughput = 4 requests / this time)."""

    params = (models.PRESETS, [1, 2, 4])
    param_names = ["preset", "batch"]
    timeout = 600
    repeat = (2, 6, 20.0)
    rounds = 2
    warmup_time = 0
    REQUESTS = 4

    def setup(self, preset, batch):
        self.device = models.device_for(preset)
        self.synthesizer = models.synthesizer(preset)
        self.workload = models.workload("short")
        self.synthesizer.synthesize("Warm up.", 2, fixed_length=True, batch_size=batch)

    def time_serve_requests(self, preset, batch):
        for _ in range(self.REQUESTS // batch):
            self.synthesizer.synthesize(self.workload.text, self.workload.frames,
                                        fixed_length=True, batch_size=batch)
        common.synchronize(self.device)


class FirstChunk:
    """Streaming the medium fixture: time until the first chunk of 1, 4 or 12 frames arrives."""

    params = (models.PRESETS, [1, 4, 12])
    param_names = ["preset", "chunk_frames"]
    timeout = 600
    repeat = (2, 6, 10.0)
    rounds = 2
    warmup_time = 0

    def setup(self, preset, chunk_frames):
        self.synthesizer = models.synthesizer(preset)
        self.workload = models.workload("medium")

    def time_first_chunk(self, preset, chunk_frames):
        stream = self.synthesizer.synthesize_streaming(
            self.workload.text, chunk_frames, max_frames=self.workload.frames, fixed_length=True)
        next(stream)  # a CPU tensor: the device has finished the chunk
        stream.close()
