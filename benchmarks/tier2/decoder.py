"""Decoder12Hz: codec codes of every quantizer to a 24 kHz waveform (1920 samples a frame)."""

from .. import common
from . import models
from .cases import SynthesizerCase


class Decode(SynthesizerCase):
    """Decoding 12, 60 or 240 frames (about 1, 5 and 19 s of audio) of seeded random codes."""

    params = (models.PRESETS, [12, 60, 240])
    param_names = ["preset", "frames"]
    version = "e51dcb69c4c77714a5e8c749934d6efa25ee1ea7693f95f4adf9f27398c42638"

    def setup(self, preset, frames):
        self._load(preset)
        self.codes = models.random_codes(preset, frames)

    def time_decode(self, preset, frames):
        self.synthesizer.decode(self.codes)
        common.synchronize(self.device)
