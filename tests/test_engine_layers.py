"""Layers and caches: multimodal RoPE, KV-cache steps against full recomputation, static cache."""

import torch

from ttsbench.engine.config import PRESETS
from ttsbench.engine.cuda_graphs import StaticCodePredictor, StaticTalkerDecoder
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.layers import RMSNorm, rotary_cos_sin
from ttsbench.engine.weights import build_model

TINY = PRESETS["tiny"]


def _model():
    return build_model(TINY, device=torch.device("cpu"), dtype=torch.float32, seed=3)


def test_multimodal_rope_with_equal_streams_is_plain_rope():
    positions = torch.arange(10).expand(2, 10)
    plain = rotary_cos_sin(positions, 32, 1e6, torch.float32)
    multimodal = rotary_cos_sin(positions.expand(3, 2, 10), 32, 1e6, torch.float32, (6, 5, 5))
    torch.testing.assert_close(plain, multimodal)


def test_multimodal_rope_interleaves_the_streams_by_section():
    temporal = torch.zeros(1, 1, dtype=torch.long)
    streams = torch.stack((temporal, temporal + 7, temporal + 11))  # T=0, H=7, W=11
    cos, _ = rotary_cos_sin(streams, 32, 1e6, torch.float32, (6, 5, 5))
    half = 16
    inv_freq = 1e6 ** (-torch.arange(half, dtype=torch.float32) / half)
    expected_positions = []
    for j in range(half):
        if j % 3 == 1 and j < 15:
            expected_positions.append(7.0)
        elif j % 3 == 2 and j < 15:
            expected_positions.append(11.0)
        else:
            expected_positions.append(0.0)
    expected = torch.cos(torch.tensor(expected_positions) * inv_freq)
    torch.testing.assert_close(cos[0, 0, :half], expected)


def test_rms_norm_gives_unit_rms():
    x = torch.randn(4, 64) * 5
    y = RMSNorm(64)(x)
    torch.testing.assert_close(y.pow(2).mean(-1), torch.ones(4), atol=1e-4, rtol=0)


def _embeds(talker, length, batch=2):
    generator = torch.Generator().manual_seed(0)
    return torch.randn(batch, length, talker.config.hidden_size, generator=generator)


def test_kv_cache_steps_match_full_recomputation():
    talker = _model().talker
    x = _embeds(talker, 12)
    positions = torch.arange(12).expand(2, 12)
    with torch.inference_mode():
        full = talker(x, positions)
        cache = DynamicKVCache(len(talker.layers))
        stepped = [talker(x[:, :8], positions[:, :8], cache=cache)]
        for t in range(8, 12):
            stepped.append(talker(x[:, t:t + 1], positions[:, t:t + 1], cache=cache))
    assert cache.length == 12
    torch.testing.assert_close(torch.cat(stepped, dim=1), full, atol=1e-5, rtol=1e-4)


def test_a_block_of_queries_after_a_cached_prefix_is_causal():
    talker = _model().talker
    x = _embeds(talker, 10, batch=1)
    positions = torch.arange(10).expand(1, 10)
    with torch.inference_mode():
        full = talker(x, positions)
        cache = DynamicKVCache(len(talker.layers))
        talker(x[:, :6], positions[:, :6], cache=cache)
        tail = talker(x[:, 6:], positions[:, 6:], cache=cache)
    torch.testing.assert_close(tail, full[:, 6:], atol=1e-5, rtol=1e-4)


def test_static_cache_step_matches_dynamic_cache_step():
    talker = _model().talker
    x = _embeds(talker, 9)
    with torch.inference_mode():
        static = StaticTalkerDecoder(talker, batch=2, max_length=32, capture=False)
        static_hidden = [static.prefill(x[:, :6])[:, -1]]
        static_logits = []
        for t in range(6, 9):
            hidden, logits = static.step(x[:, t:t + 1], t)
            static_hidden.append(hidden.clone())
            static_logits.append(logits.clone())
        cache = DynamicKVCache(len(talker.layers))
        positions = torch.arange(9).expand(2, 9)
        dynamic_hidden = [talker(x[:, :6], positions[:, :6], cache=cache)[:, -1]]
        for t in range(6, 9):
            dynamic_hidden.append(talker(x[:, t:t + 1], positions[:, t:t + 1], cache=cache)[:, -1])
        dynamic_logits = [talker.codec_head(h) for h in dynamic_hidden[1:]]
    torch.testing.assert_close(torch.stack(static_hidden), torch.stack(dynamic_hidden),
                               atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.stack(static_logits), torch.stack(dynamic_logits),
                               atol=1e-4, rtol=1e-4)


def test_static_cache_refuses_positions_past_its_end():
    talker = _model().talker
    static = StaticTalkerDecoder(talker, batch=1, max_length=8, capture=False)
    x = _embeds(talker, 1, batch=1)
    try:
        static.step(x, 8)
    except ValueError as error:
        assert "past the static cache" in str(error)
    else:
        raise AssertionError("step at position 8 of an 8-slot cache did not raise")


def test_graph_capture_on_cpu_is_refused_with_a_clear_error():
    talker = _model().talker
    try:
        StaticTalkerDecoder(talker, batch=1, max_length=8, capture=True)
    except ValueError as error:
        assert "CUDA" in str(error)
    else:
        raise AssertionError("capturing a CUDA graph on CPU did not raise")


def test_seeded_weights_are_reproducible_and_seed_dependent():
    first = build_model(TINY, device=torch.device("cpu"), dtype=torch.float32, seed=1)
    second = build_model(TINY, device=torch.device("cpu"), dtype=torch.float32, seed=1)
    other = build_model(TINY, device=torch.device("cpu"), dtype=torch.float32, seed=2)
    for (name, a), b, c in zip(first.state_dict().items(), second.state_dict().values(),
                               other.state_dict().values()):
        assert torch.equal(a, b), name
    assert not torch.equal(first.talker.codec_head.weight, other.talker.codec_head.weight)


def test_static_code_predictor_frame_matches_the_dynamic_one():
    model = _model()
    code_predictor = model.code_predictor
    generator = torch.Generator().manual_seed(4)
    hidden = torch.randn(2, 96, generator=generator)
    first_embed = model.talker.codec_embedding(torch.tensor([3, 9]))
    logits_seen = {"static": [], "dynamic": []}

    def greedy(into):
        def pick(logits, group):
            logits_seen[into].append(logits.clone())
            return logits.argmax(-1)
        return pick

    with torch.inference_mode():
        static = StaticCodePredictor(code_predictor, 2, greedy("static"), generator=None)
        static_codes = static.generate(hidden, first_embed)
        dynamic_codes = code_predictor.generate(hidden, first_embed, greedy("dynamic"))
    assert static_codes.shape == (2, 15)
    assert torch.equal(static_codes, dynamic_codes)
    torch.testing.assert_close(torch.stack(logits_seen["static"]),
                               torch.stack(logits_seen["dynamic"]), atol=1e-4, rtol=1e-4)
