"""The code predictor: a frame's 15 residual codes, predicted one after another."""

from .. import common
from . import models
from .cases import SynthesizerCase


class CodePredictorFrame(SynthesizerCase):
    """predict_residual_codes for one frame: 15 sequential steps of the small decoder + sampling."""

    params = models.PRESETS
    param_names = ["preset"]
    version = "4cdf938f3709a101d6748810f9d762281555d1c65b7e1fc0559aa41f37f9717d"

    def setup(self, preset):
        self._load(preset)
        self.hidden, self.first_code = models.frame_inputs(preset)

    def time_code_predictor_frame(self, preset):
        self.synthesizer.predict_residual_codes(self.hidden, self.first_code)
        common.synchronize(self.device)
