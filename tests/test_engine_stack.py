"""DecoderStackConfig: the one home of a decoder stack's size across the engine's models."""

import dataclasses

from ttsbench.engine.config import PRESETS, DecoderStackConfig, TalkerConfig, stack_of
from ttsbench.engine.delayed import DELAYED_PRESETS

STACK_FIELDS = ["hidden_size", "num_layers", "num_heads", "num_kv_heads", "head_dim",
                "intermediate_size", "rope_theta", "rms_norm_eps"]


def test_talker_code_predictor_and_delayed_lm_are_decoder_stacks():
    configs = [DELAYED_PRESETS["tiny"]]
    for preset in PRESETS.values():
        configs += [preset.talker, preset.code_predictor]
    for config in configs:
        assert isinstance(config, DecoderStackConfig)
        assert list(stack_of(config)) == STACK_FIELDS


def test_stack_fields_keep_their_positional_order_and_defaults():
    talker = TalkerConfig(96, 4, 4, 2, 32, 256)
    assert (talker.num_layers, talker.head_dim, talker.intermediate_size) == (4, 32, 256)
    assert (talker.rope_theta, talker.rms_norm_eps) == (1_000_000.0, 1e-6)
    assert dataclasses.replace(talker, rms_norm_eps=1e-5).rms_norm_eps == 1e-5


def test_delayed_lm_0_6b_has_the_0_6b_talkers_size():
    delayed, talker = DELAYED_PRESETS["0.6b"], PRESETS["0.6b"].talker
    assert stack_of(delayed) == stack_of(talker)
    assert (delayed.hidden_size, delayed.num_layers) == (1024, 28)
    assert delayed.audio_intermediate_size == 3072


def test_published_presets_share_one_code_predictor_and_differ_in_talker_width():
    small, large = PRESETS["0.6b"], PRESETS["1.7b"]
    assert small.code_predictor is large.code_predictor
    assert (small.talker.hidden_size, small.talker.intermediate_size) == (1024, 3072)
    assert (large.talker.hidden_size, large.talker.intermediate_size) == (2048, 6144)
    assert small.talker.num_layers == large.talker.num_layers == 28
