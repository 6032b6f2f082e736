"""Decoder12Hz: codec codes of every quantizer to a 24 kHz waveform (1920 samples a frame)."""

from .. import common
from . import models


class Decode:
    """Decoding 12, 60 or 240 frames (about 1, 5 and 19 s of audio) of seeded random codes."""

    params = (models.PRESETS, [12, 60, 240])
    param_names = ["preset", "frames"]
    timeout = 300

    def setup(self, preset, frames):
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.codes = models.random_codes(preset, frames)

    def time_decode(self, preset, frames):
        self.synthesizer.decode(self.codes)
        common.synchronize(self.device)
