"""Full synthesis, text to waveform, of the short / medium / long fixtures (about 1, 5, 20 s)."""

from .. import common
from . import models


class Synthesize:
    """synthesize() end to end with a fixed frame count per fixture (EOS ignored)."""

    params = (models.PRESETS, ["short", "medium", "long"])
    param_names = ["preset", "input"]
    timeout = 600
    repeat = (1, 3, 20.0)
    rounds = 1
    warmup_time = 0  # the cached synthesizer is warmed up when built

    def setup(self, preset, input):
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.workload = models.workload(input)

    def time_synthesize(self, preset, input):
        self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True)
        common.synchronize(self.device)
