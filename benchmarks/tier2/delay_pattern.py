"""Generation with the 8-codebook delay pattern (Higgs-Audio style) over DualFFN layers."""

from .. import common
from . import models
from .cases import ModelCase

PROMPT_LENGTH = 32


class DelayPatternGeneration(ModelCase):
    """generate_delayed: T frames in T + 7 decoder steps, all 8 codebooks per step."""

    params = (["tiny", "0.6b"], [12, 60])
    param_names = ["preset", "frames"]

    def setup(self, preset, frames):
        self.device = models.device_for(preset)
        self.model = models.delayed_lm(preset)
        self.generate = common.require("engine.delayed", "generate_delayed")
        self.text_ids = models.text_ids(PROMPT_LENGTH).to(self.device)

    def time_generate_delayed(self, preset, frames):
        self.generate(self.model, self.text_ids, frames,
                      generator=common.generator(models.SEED, self.device))
        common.synchronize(self.device)
