"""The device matrix of the test plan as benchmark parameters: oneDNN, dtype and SDPA backend.

asv.conf.json's matrix gives each device (TTSBENCH_DEVICE cpu, cuda, mps) its own series; the
parameters here split each device's series further. oneDNN off (``torch.backends.mkldnn``) is a
CPU case only; a backend without a kernel for the device and dtype, and an absent device, are
recorded as skipped, saying why.
"""

import torch

from .. import common
from . import models

SDPA = ["default", "math", "efficient", "flash", "cudnn"]
ONEDNN_DEFAULT = torch.backends.mkldnn.enabled
DTYPES = ["float32", "bfloat16"]


class SdpaTalkerStep:
    """One talker decode step after a 128-token prefill, per oneDNN setting, dtype and pinned
    SDPA backend."""

    params = (models.PRESETS, [True, False], DTYPES, SDPA)
    param_names = ["preset", "onednn", "dtype", "sdpa_backend"]
    timeout = 300

    def setup(self, preset, onednn, dtype, sdpa_backend):
        self.device = models.device_for(preset)
        if not onednn and self.device.type != "cpu":
            raise NotImplementedError("oneDNN off is a CPU case only")
        backend = None if sdpa_backend == "default" else sdpa_backend
        self.synthesizer = models.synthesizer(preset, dtype=dtype, sdpa_backend=backend)
        torch.backends.mkldnn.enabled = onednn
        self.state = self.synthesizer.prefill(self.synthesizer.prompt_ids(128))
        common.synchronize(self.device)

    def teardown(self, preset, onednn, dtype, sdpa_backend):
        # asv calls teardown after a skipped setup too
        torch.backends.mkldnn.enabled = ONEDNN_DEFAULT

    def time_talker_step(self, preset, onednn, dtype, sdpa_backend):
        self.synthesizer.talker_step(self.state)
        common.synchronize(self.device)


class PeakGpuMemoryByDtype:
    """The CUDA allocator's peak over one medium synthesis, float32 against bfloat16 weights."""

    params = (models.PRESETS, DTYPES)
    param_names = ["preset", "dtype"]
    timeout = 600
    rounds = 1

    def setup(self, preset, dtype):
        common.require_cuda()
        self.device = models.device_for(preset)
        self.synthesizer = models.synthesizer(preset, dtype=dtype, sdpa_backend=None)
        self.workload = models.workload("medium")
        self.track_peak_memory = common.require("engine.memory", "track_peak_memory")

    def track_allocated_mb(self, preset, dtype):
        with self.track_peak_memory(self.device) as tracker:
            self.synthesizer.synthesize(self.workload.text, self.workload.frames,
                                        fixed_length=True)
        return tracker.result.cuda_allocated_mb

    track_allocated_mb.unit = "MB"
