"""The code predictor: a frame's 15 residual codes, predicted one after another."""

from .. import common
from . import models


class CodePredictorFrame:
    """predict_residual_codes for one frame: 15 sequential steps of the small decoder + sampling."""

    params = models.PRESETS
    param_names = ["preset"]
    timeout = 300

    def setup(self, preset):
        self.synthesizer = models.synthesizer(preset)
        self.device = models.device_for(preset)
        self.hidden, self.first_code = models.frame_inputs(preset)

    def time_code_predictor_frame(self, preset):
        self.synthesizer.predict_residual_codes(self.hidden, self.first_code)
        common.synchronize(self.device)
