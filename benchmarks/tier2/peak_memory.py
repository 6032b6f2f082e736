"""Peak memory of synthesizing the medium fixture: the CUDA allocator, the whole GPU, host RSS."""

from .. import common
from . import models


class _PeakOfSynthesis:
    """Shared setup: a warmed-up synthesizer and the memory tracker of one medium synthesis."""

    params = models.PRESETS
    param_names = ["preset"]
    timeout = 600
    rounds = 1

    def setup(self, preset):
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.workload = models.workload("medium")
        self.track_peak_memory = common.require("engine.memory", "track_peak_memory")

    def peak(self):
        with self.track_peak_memory(self.device) as tracker:
            self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True)
        return tracker.result


class PeakGpuMemory(_PeakOfSynthesis):
    """The CUDA caching allocator's high-water marks (CUDA only)."""

    def setup(self, preset):
        common.require_cuda()
        super().setup(preset)

    def track_allocated_mb(self, preset):
        return self.peak().cuda_allocated_mb

    track_allocated_mb.unit = "MB"

    def track_reserved_mb(self, preset):
        return self.peak().cuda_reserved_mb

    track_reserved_mb.unit = "MB"


class PeakDeviceMemory(_PeakOfSynthesis):
    """Whole-GPU used memory from NVML, every process and the CUDA context included (CUDA only)."""

    def setup(self, preset):
        common.require_cuda()
        try:
            import pynvml

            pynvml.nvmlInit()
            pynvml.nvmlShutdown()
        except Exception:  # nvidia-ml-py missing, or no driver
            raise NotImplementedError("NVML is unavailable: no device-wide memory figure") from None
        super().setup(preset)

    def track_device_used_mb(self, preset):
        return self.peak().device_used_mb

    track_device_used_mb.unit = "MB"


class PeakHostMemory(_PeakOfSynthesis):
    """Peak resident set size of the process (any device; on CPU this holds the model)."""

    def track_host_rss_mb(self, preset):
        return self.peak().host_rss_mb

    track_host_rss_mb.unit = "MB"
