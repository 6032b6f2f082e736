"""Talker prefill: the whole prompt through the talker in one forward, filling the KV cache."""

from .. import common
from . import models


class Prefill:
    """Prefill of a seeded prompt of 32, 128 or 512 tokens."""

    params = (models.PRESETS, [32, 128, 512])
    param_names = ["preset", "prompt_length"]
    timeout = 300

    def setup(self, preset, prompt_length):
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.input_ids = self.synthesizer.prompt_ids(prompt_length)

    def time_prefill(self, preset, prompt_length):
        self.synthesizer.prefill(self.input_ids)
        common.synchronize(self.device)
