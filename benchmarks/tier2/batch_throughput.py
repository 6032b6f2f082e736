"""Throughput of batched synthesis: the short fixture at batch size 1 to 16."""

from . import models
from .cases import SynthesizerCase

RUNS = 3


class BatchThroughput(SynthesizerCase):
    """Talker tokens (12.5 Hz frames) per second summed over the batch; median of three runs."""

    params = (models.PRESETS, [1, 2, 4, 8, 16])
    param_names = ["preset", "batch_size"]
    version = "cde1472e5a5797883a0ce87ff32e206c72cc5615f06eb13b492e2eb4d0ab5565"
    timeout = 600
    rounds = 1

    def setup(self, preset, batch_size):
        self._load_batched(preset, batch_size)

    def track_tokens_per_second(self, preset, batch_size):
        def rate():
            seconds = models.timed(self.device, lambda: self.synthesizer.synthesize(
                self.workload.text, self.workload.frames, fixed_length=True, batch_size=batch_size
            ))
            return batch_size * self.workload.frames / seconds

        return models.median_of(RUNS, rate)

    track_tokens_per_second.unit = "tokens/s"
