"""RVQ delay pattern build and revert, 8 codebooks, batch 1."""

from .. import common, fixtures

BOS, PAD = 1024, 1025


class DelayPattern(common.KernelTiming):
    """[1, 8, T] <-> [1, 8, T + 7]."""
    params = ([100, 1000],)
    param_names = ["frames"]
    version = "1"

    def setup(self, frames):
        self.build = common.require("engine.kernels.delay_pattern", "build_delay_pattern")
        self.revert = common.require("engine.kernels.delay_pattern", "revert_delay_pattern")
        self.device = common.device()
        self.codes = fixtures.codes(1, 8, frames).to(self.device)
        self.delayed = self.build(self.codes, bos_token_id=BOS, pad_token_id=PAD)

    def time_build(self, frames):
        self.build(self.codes, bos_token_id=BOS, pad_token_id=PAD)
        common.synchronize(self.device)

    def time_revert(self, frames):
        self.revert(self.delayed)
        common.synchronize(self.device)
