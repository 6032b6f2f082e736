"""Generation modes per model variant: their prefills differ (speaker encoding of a reference
clip, context frames), and that is what these cases measure."""

from .. import common
from . import models


class _ModeCase:
    timeout = 600
    repeat = (2, 10, 20.0)
    rounds = 1
    warmup_time = 0

    def _build(self, variant, mode, **inputs):
        self.device = models.device_for(models.preset_of(variant))
        self.synthesizer = models.synthesizer(models.preset_of(variant), variant=variant)
        self.keywords = models.mode_inputs(variant, mode, **inputs)


class FirstFrame(_ModeCase):
    """Prompt, prefill and the first frame (decoded) of the medium fixture per variant and mode."""

    params = (models.VARIANTS, models.MODES)
    param_names = ["variant", "mode"]

    def setup(self, variant, mode):
        self._build(variant, mode)
        self.text = models.workload("medium").text

    def time_first_frame(self, variant, mode):
        self.synthesizer.synthesize(self.text, 1, fixed_length=True, **self.keywords)
        common.synchronize(self.device)


class ModeSynthesize(_ModeCase):
    """The short fixture end to end (fixed frame count) per variant and mode."""

    params = (models.VARIANTS, models.MODES)
    param_names = ["variant", "mode"]

    def setup(self, variant, mode):
        self._build(variant, mode)
        self.workload = models.workload("short")

    def time_synthesize(self, variant, mode):
        self.synthesizer.synthesize(self.workload.text, self.workload.frames, fixed_length=True,
                                    **self.keywords)
        common.synchronize(self.device)


class VoiceClonePrefill(_ModeCase):
    """Voice-clone first frame from the 3 s and 10 s fixture clips, speaker embedding only or
    with the clip's codes and text in context."""

    params = (["tiny-base", "0.6b-base", "1.7b-base"], [3, 10], [False, True])
    param_names = ["variant", "reference_seconds", "in_context"]

    def setup(self, variant, reference_seconds, in_context):
        self._build(variant, "voice-clone", reference_seconds=reference_seconds,
                    in_context=in_context)
        self.text = models.workload("medium").text

    def time_first_frame(self, variant, reference_seconds, in_context):
        self.synthesizer.synthesize(self.text, 1, fixed_length=True, **self.keywords)
        common.synchronize(self.device)
