"""Mel spectrograms: config A (n_fft 400, power) and B (speaker encoder, n_fft 1024, log)."""

from .. import common, fixtures


class MelSpectrogram(common.KernelTiming):
    """One mel spectrogram of 24 kHz audio."""
    params = (["A", "B"], [0.5, 2, 10])
    param_names = ["config", "seconds"]
    version = "1"

    def setup(self, config, seconds):
        self.mel_spectrogram = common.require("engine.kernels.mel", "mel_spectrogram")
        self.config = common.require("engine.kernels.mel", "CONFIGS")[config]
        self.device = common.device()
        self.audio = fixtures.waveform(seconds, 24000).to(self.device)

    def time_mel(self, config, seconds):
        self.mel_spectrogram(self.audio, self.config)
        common.synchronize(self.device)
