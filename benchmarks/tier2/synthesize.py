"""Full synthesis, text to waveform, of the short / medium / long fixtures (about 1, 5, 20 s)."""

from .. import common
from . import models
from .cases import EndToEndCase


class Synthesize(EndToEndCase):
    """synthesize() end to end with a fixed frame count per fixture (EOS ignored)."""

    params = (models.PRESETS, ["short", "medium", "long"])
    param_names = ["preset", "input"]
    version = "50d9f2a4e9e2f6d10174fb77b08a5a2865df25e812f3d0f7b17b5dc800b2a154"
    repeat = (1, 3, 20.0)
    rounds = 1

    def setup(self, preset, input):
        self._load(preset)
        self.workload = models.workload(input)

    def time_synthesize(self, preset, input):
        self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True)
        common.synchronize(self.device)
