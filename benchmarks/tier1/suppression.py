"""Special-token suppression with the cached mask (talker vocab 3072, Qwen text vocab 151936)."""

from .. import common, fixtures


class Suppression(common.KernelTiming):
    """Mask ids [vocab - 1024, vocab) except EOS to -inf."""
    params = ([3072, 151936],)
    param_names = ["vocab"]
    version = "1"

    def setup(self, vocab):
        self.suppress = common.require("engine.kernels.suppression", "suppress_special_tokens")
        self.device = common.device()
        self.logits = fixtures.logits(1, vocab).to(self.device)
        self.eos = vocab - 1024 + 102

    def time_suppress(self, vocab):
        self.suppress(self.logits, self.eos)
        common.synchronize(self.device)
