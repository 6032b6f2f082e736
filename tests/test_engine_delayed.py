"""The DualFFN layer's routing and generation in the 8-codebook delay pattern."""

import pytest
import torch

from ttsbench.engine.delayed import DELAYED_PRESETS, build_delayed_lm, generate_delayed
from ttsbench.engine.dualffn import DualFFNDecoderLayer
from ttsbench.engine.layers import rotary_cos_sin
from ttsbench.engine.weights import initialize


def _layer():
    layer = DualFFNDecoderLayer(64, 4, 2, 16, 128)
    initialize(layer, torch.Generator().manual_seed(0))
    with torch.no_grad():  # distinct norm scales, so routing the norms is observable too
        layer.audio_input_layernorm.weight.mul_(2.0)
        layer.audio_post_attention_layernorm.weight.mul_(0.5)
    return layer.eval()


def _inputs(length=7):
    x = torch.randn(2, length, 64, generator=torch.Generator().manual_seed(1))
    cos, sin = rotary_cos_sin(torch.arange(length).expand(2, length), 16, 1e6, torch.float32)
    return x, cos, sin


def test_mixed_mask_routes_each_position_to_its_norms_and_ffn():
    layer = _layer()
    x, cos, sin = _inputs()
    mask = torch.tensor([[True, False, True, True, False, False, True]] * 2)
    mask[1] = ~mask[1]
    with torch.no_grad():
        out = layer(x, cos, sin, mask)
        # Reference: both paths on every position, selected with where.
        m = mask[..., None]
        normed = torch.where(m, layer.audio_input_layernorm(x), layer.input_layernorm(x))
        h = x + layer.self_attn(normed, cos, sin)
        ffn = torch.where(m, layer.audio_mlp(layer.audio_post_attention_layernorm(h)),
                          layer.mlp(layer.post_attention_layernorm(h)))
    torch.testing.assert_close(out, h + ffn)


def test_plain_boolean_masks_equal_uniform_tensor_masks():
    layer = _layer()
    x, cos, sin = _inputs()
    with torch.no_grad():
        for flag in (True, False):
            full = torch.full(x.shape[:2], flag)
            torch.testing.assert_close(layer(x, cos, sin, flag), layer(x, cos, sin, full))


def test_audio_ffn_weights_touch_only_audio_positions():
    layer = _layer()
    x, cos, sin = _inputs()
    mask = torch.tensor([[True, False] * 3 + [True]] * 2)
    with torch.no_grad():
        before = layer(x, cos, sin, mask)
        layer.audio_mlp.down_proj.weight.mul_(3.0)
        after = layer(x, cos, sin, mask)
    torch.testing.assert_close(after[~mask], before[~mask])
    assert not torch.allclose(after[mask], before[mask])


def test_bad_audio_mask_is_refused():
    layer = _layer()
    x, cos, sin = _inputs()
    with pytest.raises(ValueError, match="audio_mask"):
        layer(x, cos, sin, torch.ones(2, 3, dtype=torch.bool))


@pytest.fixture(scope="module")
def model():
    return build_delayed_lm("tiny", seed=0)


def _generate(model, frames, seed=0):
    text = torch.randint(0, 256, (2, 9), generator=torch.Generator().manual_seed(5))
    return generate_delayed(model, text, frames, generator=torch.Generator().manual_seed(seed))


def test_generates_real_codes_for_every_codebook(model):
    codes = _generate(model, 6)
    cfg = DELAYED_PRESETS["tiny"]
    assert codes.shape == (2, 8, 6) and codes.dtype == torch.int64
    assert int(codes.min()) >= 0 and int(codes.max()) < cfg.codebook_size  # no BOS/PAD left


def test_generation_is_reproducible_by_seed(model):
    assert torch.equal(_generate(model, 5), _generate(model, 5))
    assert not torch.equal(_generate(model, 5), _generate(model, 5, seed=1))


def test_codebook_k_of_frame_t_is_decided_at_step_t_plus_k(model):
    # Runs of 4 and 7 frames feed identical columns until step 4, where codebook 0 of the short
    # run turns to PAD: every code decided at a step <= 4 agrees, in the delayed layout.
    short, longer = _generate(model, 4), _generate(model, 7)
    for k in range(8):
        for t in range(4):
            if t + k <= 4:
                assert torch.equal(short[:, k, t], longer[:, k, t]), (k, t)
    assert not torch.equal(short[:, 7, :], longer[:, 7, :4])


def test_bad_arguments_are_refused(model):
    with pytest.raises(ValueError, match="num_frames"):
        generate_delayed(model, torch.zeros(1, 3, dtype=torch.long), 0)
    with pytest.raises(ValueError, match="text_ids"):
        generate_delayed(model, torch.zeros(3, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="preset"):
        build_delayed_lm("huge")
