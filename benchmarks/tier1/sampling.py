"""Sampling filters and the composed sampler on one decode step's logits (batch 1)."""

import dataclasses

from .. import common, fixtures

VOCABS = [1024, 32000, 151936]


def _talker_options(options_cls, vocab):
    """Qwen3-TTS talker settings with top-p 0.9; suppression when the vocab has special ids."""
    talker = vocab > 1024
    return options_cls(temperature=0.9, top_k=50, top_p=0.9, repetition_penalty=1.05,
                       min_new_tokens=2, eos_token_id=vocab - 1024 + 102 if talker else None,
                       suppress_tokens=talker)


class _Logits(common.KernelTiming):
    def setup(self, vocab, *_):
        self.device = common.device()
        self.logits = fixtures.logits(1, vocab).to(self.device)


class TopK(_Logits):
    """Top-k filter."""
    params = (VOCABS, [50, 200])
    param_names = ["vocab", "k"]
    version = "1"

    def setup(self, vocab, k):
        self.top_k_filter = common.require("engine.kernels.sampling", "top_k_filter")
        super().setup(vocab)

    def time_top_k(self, vocab, k):
        self.top_k_filter(self.logits, k)
        common.synchronize(self.device)


class TopP(_Logits):
    """Top-p (nucleus) filter: a full sort of the vocabulary."""
    params = (VOCABS, [0.9, 0.95])
    param_names = ["vocab", "p"]
    version = "1"

    def setup(self, vocab, p):
        self.top_p_filter = common.require("engine.kernels.sampling", "top_p_filter")
        super().setup(vocab)

    def time_top_p(self, vocab, p):
        self.top_p_filter(self.logits, p)
        common.synchronize(self.device)


class Temperature(_Logits):
    """Temperature scaling."""
    params = (VOCABS,)
    param_names = ["vocab"]
    version = "1"

    def setup(self, vocab):
        self.apply_temperature = common.require("engine.kernels.sampling", "apply_temperature")
        super().setup(vocab)

    def time_temperature(self, vocab):
        self.apply_temperature(self.logits, 0.9)
        common.synchronize(self.device)


class RepetitionPenalty(_Logits):
    """Repetition penalty over the tokens generated so far (gather, rescale, scatter)."""
    params = (VOCABS, [0, 100, 500])
    param_names = ["vocab", "previous"]
    version = "1"

    def setup(self, vocab, previous):
        self.penalize = common.require("engine.kernels.sampling", "apply_repetition_penalty")
        super().setup(vocab)
        self.previous = fixtures.previous_tokens(1, previous, vocab).to(self.device)

    def time_repetition_penalty(self, vocab, previous):
        self.penalize(self.logits, self.previous, 1.05)
        common.synchronize(self.device)


class Sampler(_Logits):
    """The composed sampler (processors, warpers, multinomial) and greedy, 100 tokens back."""
    params = (VOCABS,)
    param_names = ["vocab"]
    version = "1"

    def setup(self, vocab):
        options_cls = common.require("engine.kernels.sampling", "SamplingOptions")
        self.sample = common.require("engine.kernels.sampling", "sample")
        super().setup(vocab)
        self.options = _talker_options(options_cls, vocab)
        self.greedy_options = dataclasses.replace(self.options, do_sample=False)
        self.previous = fixtures.previous_tokens(1, 100, vocab).to(self.device)
        self.generator = common.generator(0, self.device)

    def time_sample(self, vocab):
        self.sample(self.logits, self.options, previous_tokens=self.previous, step=10,
                    generator=self.generator)
        common.synchronize(self.device)

    def time_greedy(self, vocab):
        self.sample(self.logits, self.greedy_options, previous_tokens=self.previous, step=10)
        common.synchronize(self.device)
