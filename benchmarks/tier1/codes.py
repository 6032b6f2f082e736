"""Packing generated frames [T][16] into the decoder's int64 [1, 16, T] tensor."""

from .. import common, fixtures


class CodesToTensor(common.KernelTiming):
    """codes_to_tensor from nested lists (the engine's per-frame appends) and from numpy."""
    params = ([12, 60, 240], ["list", "numpy"])
    param_names = ["frames", "source"]
    version = "1"

    def setup(self, frames, source):
        self.codes_to_tensor = common.require("engine.kernels.codes", "codes_to_tensor")
        self.device = common.device()
        array = fixtures.frames(frames)
        self.frames = array.tolist() if source == "list" else array

    def time_codes_to_tensor(self, frames, source):
        self.codes_to_tensor(self.frames, device=self.device)
        common.synchronize(self.device)
