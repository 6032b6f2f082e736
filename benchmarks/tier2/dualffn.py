"""A DualFFN decoder layer: shared attention, separate norms and FFN for audio positions."""

import torch

from .. import common
from . import models
from .cases import ModelCase

TEXT_SHARE = 0.25  # the leading quarter of the sequence is text, the rest audio


class DualFFNLayer(ModelCase):
    """Forward of one DualFFN layer over a mixed text/audio sequence (routing by a bool mask)."""

    params = (["tiny", "0.6b"], [128, 512])
    param_names = ["preset", "tokens"]

    def setup(self, preset, tokens):
        self.device = models.device_for(preset)
        self.layer, self.inputs = models.dualffn_layer(preset, tokens, TEXT_SHARE)

    def time_dualffn_layer(self, preset, tokens):
        with torch.inference_mode():
            self.layer(*self.inputs)
        common.synchronize(self.device)
