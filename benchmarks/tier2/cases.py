"""Base classes of the tier-2 benchmarks that time a preset's models.

asv's default ``version`` of a benchmark hashes its source with its ``setup``; the classes whose
setup moved onto these bases pin ``version`` to the hash they had before, so their stored results
stay comparable. Bump such a ``version`` when the work the benchmark measures changes.
"""

from . import models


class ModelCase:
    """Cases on one preset's model: asv gives each case 300 s."""

    timeout = 300


class SynthesizerCase(ModelCase):
    """Cases on the preset's cached, warmed-up synthesizer; subclasses add their inputs."""

    def _load(self, preset, cuda_graphs=False, **options):
        """``self.synthesizer`` and ``self.device`` (options as ``models.synthesizer``'s)."""
        self.synthesizer = models.synthesizer(preset, cuda_graphs, **options)
        self.device = models.device_for(preset)

    def _load_batched(self, preset, batch_size):
        """``_load`` and the short fixture, with the new batch shape warmed up once."""
        self._load(preset)
        self.workload = models.workload("short")
        self.synthesizer.synthesize("Warm up.", 2, fixed_length=True, batch_size=batch_size)


class EndToEndCase(SynthesizerCase):
    """Whole requests: a long timeout and no asv warm-up (the synthesizer is warmed when built);
    two rounds interleave the parameter values in time, so A/B pairs share the machine's load."""

    timeout = 600
    rounds = 2
    warmup_time = 0
