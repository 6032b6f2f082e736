"""Polyphase resampling: 12 kHz -> 24 kHz (codec rate to output rate) and 24 kHz -> 16 kHz."""

from .. import common, fixtures


class Resample(common.KernelTiming):
    """Resample a mono clip."""
    params = (["12000->24000", "24000->16000"], [0.5, 2, 10])
    param_names = ["rates", "seconds"]
    version = "1"

    def setup(self, rates, seconds):
        self.resample = common.require("engine.kernels.resample", "resample")
        self.device = common.device()
        self.orig_sr, self.new_sr = (int(rate) for rate in rates.split("->"))
        self.audio = fixtures.waveform(seconds, self.orig_sr).to(self.device)

    def time_resample(self, rates, seconds):
        self.resample(self.audio, self.orig_sr, self.new_sr)
        common.synchronize(self.device)
