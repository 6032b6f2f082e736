"""Presets: parameter counts on the meta device against the public checkpoints, and tiny's size."""

import pytest
import torch

from ttsbench.engine.config import PRESETS, PUBLIC_PARAMETER_COUNTS, get_preset
from ttsbench.engine.weights import build_on_meta, count_parameters


@pytest.mark.parametrize("preset", ["0.6b", "1.7b"])
def test_real_presets_match_public_checkpoint_sizes_within_3_percent(preset):
    counts = count_parameters(preset)
    public = PUBLIC_PARAMETER_COUNTS[preset]
    assert abs(counts["checkpoint"] - public) / public < 0.03
    assert counts["total"] == counts["checkpoint"] + counts["decoder"]


def test_counting_allocates_nothing():
    model = build_on_meta(PRESETS["1.7b"])
    assert {p.device.type for p in model.parameters()} == {"meta"}


def test_tiny_is_between_one_and_five_million_parameters():
    total = count_parameters("tiny")["total"]
    assert 1_000_000 <= total <= 5_000_000


def test_presets_keep_the_pipeline_topology():
    for config in PRESETS.values():
        assert config.decoder.samples_per_frame == 1920
        assert config.talker.num_code_groups == config.decoder.num_quantizers == 16
        assert config.code_predictor.num_residual_groups == 15
        assert config.talker.codec_vocab_size - config.talker.codebook_size == 1024
        assert sum(config.talker.mrope_section) == config.talker.head_dim // 2
        assert config.talker.codebook_size == config.code_predictor.vocab_size
        assert config.talker.codebook_size == config.decoder.codebook_size


def test_only_the_wider_talker_gets_a_code_predictor_input_projection():
    assert isinstance(build_on_meta(PRESETS["0.6b"]).code_predictor.input_projection,
                      torch.nn.Identity)
    projection = build_on_meta(PRESETS["1.7b"]).code_predictor.input_projection
    assert tuple(projection.weight.shape) == (1024, 2048)


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="tiny, 0.6b, 1.7b"):
        get_preset("7b")
