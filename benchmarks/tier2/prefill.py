"""Talker prefill: the whole prompt through the talker in one forward, filling the KV cache."""

from .. import common
from . import models
from .cases import SynthesizerCase


class Prefill(SynthesizerCase):
    """Prefill of a seeded prompt of 32, 128 or 512 tokens."""

    params = (models.PRESETS, [32, 128, 512])
    param_names = ["preset", "prompt_length"]
    version = "0414be43a5588575a605ae7a22346e9f253818b70721c9079aa65474564984e8"

    def setup(self, preset, prompt_length):
        self._load(preset)
        self.input_ids = self.synthesizer.prompt_ids(prompt_length)

    def time_prefill(self, preset, prompt_length):
        self.synthesizer.prefill(self.input_ids)
        common.synchronize(self.device)
