"""One talker decode step (the per-frame autoregressive forward) after a 128-token prefill."""

from .. import common
from . import models
from .cases import SynthesizerCase

PROMPT_LENGTH = 128


def _prefilled(synthesizer, device):
    """The decode state after prefilling a seeded PROMPT_LENGTH-token prompt."""
    state = synthesizer.prefill(synthesizer.prompt_ids(PROMPT_LENGTH))
    common.synchronize(device)
    return state


class TalkerStep(SynthesizerCase):
    """One single-token talker forward + codec head against a 129-position KV cache."""

    params = models.PRESETS
    param_names = ["preset"]
    version = "23de3870a8adf6717e764f65bae4e37a6797eb3dccd9e68b529f9f76755b200b"

    def setup(self, preset):
        # asv re-runs setup before every timed call: each step starts from a fresh prefill.
        self._load(preset)
        self.state = _prefilled(self.synthesizer, self.device)

    def time_talker_step(self, preset):
        self.synthesizer.talker_step(self.state)
        common.synchronize(self.device)


class TalkerStepCudaGraphs(SynthesizerCase):
    """The same decode step eager on a dynamic cache vs replayed as a CUDA graph on a static one."""

    params = (models.PRESETS, [False, True])
    param_names = ["preset", "cuda_graphs"]
    version = "af08019517e56f8622ace79f654eec030056fc504d276b213aa5dd7c5505341c"

    def setup(self, preset, cuda_graphs):
        common.require_cuda()
        self._load(preset, cuda_graphs)
        self.state = _prefilled(self.synthesizer, self.device)

    def time_talker_step(self, preset, cuda_graphs):
        self.synthesizer.talker_step(self.state)
        common.synchronize(self.device)
