"""One talker decode step (the per-frame autoregressive forward) after a 128-token prefill."""

from .. import common
from . import models

PROMPT_LENGTH = 128


class TalkerStep:
    """One single-token talker forward + codec head against a 129-position KV cache."""

    params = models.PRESETS
    param_names = ["preset"]
    timeout = 300

    def setup(self, preset):
        # asv re-runs setup before every timed call: each step starts from a fresh prefill.
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.state = self.synthesizer.prefill(self.synthesizer.prompt_ids(PROMPT_LENGTH))
        common.synchronize(self.device)

    def time_talker_step(self, preset):
        self.synthesizer.talker_step(self.state)
        common.synchronize(self.device)


class TalkerStepCudaGraphs:
    """The same decode step eager on a dynamic cache vs replayed as a CUDA graph on a static one."""

    params = (models.PRESETS, [False, True])
    param_names = ["preset", "cuda_graphs"]
    timeout = 300

    def setup(self, preset, cuda_graphs):
        common.require_cuda()
        self.synthesizer = models.synthesizer(preset, cuda_graphs)
        self.device = models.device_for(preset)
        self.state = self.synthesizer.prefill(self.synthesizer.prompt_ids(PROMPT_LENGTH))
        common.synchronize(self.device)

    def time_talker_step(self, preset, cuda_graphs):
        self.synthesizer.talker_step(self.state)
        common.synchronize(self.device)
