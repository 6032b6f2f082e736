"""Unified against separate engines, with and without CUDA graphs, side by side.

``unified`` runs each frame on the device with no host round-trip; ``separate`` runs the talker
and the code predictor as two engines that hand their tensors through the host every frame.
"""

from .. import common
from . import models
from .cases import EndToEndCase


class Arch(EndToEndCase):
    """The short fixture end to end (fixed frame count) per arch and CUDA-graph setting."""

    params = (models.PRESETS, models.ARCHS, [False, True])
    param_names = ["preset", "arch", "cuda_graphs"]
    version = "138ceafa7f6d580e90cd5bfa4454b1b7ec9b51f070104d9f458034cdeb9f2d54"
    repeat = (2, 6, 10.0)

    def setup(self, preset, arch, cuda_graphs):
        self._load(preset, cuda_graphs, arch=arch)
        self.workload = models.workload("short")

    def time_synthesize(self, preset, arch, cuda_graphs):
        self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True)
        common.synchronize(self.device)


class ConcurrentRequests(EndToEndCase):
    """Four concurrent requests (the short fixture) served in batches of 1, 2 or 4: the time to
    serve all four (throughput = 4 requests / this time)."""

    params = (models.PRESETS, [1, 2, 4])
    param_names = ["preset", "batch"]
    version = "fe511816e8d85b9483cd7c30d62deb13ad6b9a3010f7ab3a3cac95c107a79d7c"
    repeat = (2, 6, 20.0)
    REQUESTS = 4

    def setup(self, preset, batch):
        self._load_batched(preset, batch)

    def time_serve_requests(self, preset, batch):
        for _ in range(self.REQUESTS // batch):
            self.synthesizer.synthesize(self.workload.text, self.workload.frames,
                                        fixed_length=True, batch_size=batch)
        common.synchronize(self.device)


class FirstChunk(EndToEndCase):
    """Streaming the medium fixture: time until the first chunk of 1, 4 or 12 frames arrives."""

    params = (models.PRESETS, [1, 4, 12])
    param_names = ["preset", "chunk_frames"]
    version = "08df2dc1fe45187fabcf2db45851766f855fca9d8d28a77adeed1b83e32cad7b"
    repeat = (2, 6, 10.0)

    def setup(self, preset, chunk_frames):
        self._load(preset)
        self.workload = models.workload("medium")

    def time_first_chunk(self, preset, chunk_frames):
        stream = self.synthesizer.synthesize_streaming(
            self.workload.text, chunk_frames, max_frames=self.workload.frames, fixed_length=True)
        next(stream)  # a CPU tensor: the device has finished the chunk
        stream.close()
