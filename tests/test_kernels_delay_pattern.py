"""RVQ delay pattern: layout checked against the definition, revert(build(x)) == x."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ttsbench.engine.kernels.delay_pattern import build_delay_pattern, revert_delay_pattern

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
BOS, PAD = 1024, 1025


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 9), st.integers(0, 30), st.integers(0, 2**31))
def test_revert_inverts_build(batch, codebooks, frames, seed):
    codes = torch.randint(0, 1024, (batch, codebooks, frames),
                          generator=torch.Generator().manual_seed(seed))
    delayed = build_delay_pattern(codes, bos_token_id=BOS, pad_token_id=PAD)
    assert delayed.shape == (batch, codebooks, frames + codebooks - 1)
    assert torch.equal(revert_delay_pattern(delayed), codes)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 12), st.integers(0, 2**31))
def test_layout_matches_definition(codebooks, frames, seed):
    codes = torch.randint(0, 1024, (2, codebooks, frames),
                          generator=torch.Generator().manual_seed(seed))
    delayed = build_delay_pattern(codes, bos_token_id=BOS, pad_token_id=PAD)
    for b in range(2):
        for k in range(codebooks):
            want = [BOS] * k + codes[b, k].tolist() + [PAD] * (codebooks - 1 - k)
            assert delayed[b, k].tolist() == want


@pytest.mark.parametrize("device", DEVICES)
def test_follows_input_device_and_dtype(device):
    codes = torch.arange(24, dtype=torch.int32, device=device).reshape(1, 4, 6)
    delayed = build_delay_pattern(codes, bos_token_id=BOS, pad_token_id=PAD)
    assert delayed.device == codes.device and delayed.dtype == torch.int32
    assert torch.equal(revert_delay_pattern(delayed), codes)


@pytest.mark.parametrize("call, name", [
    (lambda: build_delay_pattern(torch.zeros(2, 3), bos_token_id=1, pad_token_id=2), "codes"),
    (lambda: build_delay_pattern(torch.zeros(1, 2, 3), bos_token_id=1, pad_token_id=2), "codes"),
    (lambda: build_delay_pattern(torch.zeros(1, 0, 3, dtype=torch.long), bos_token_id=1,
                                 pad_token_id=2), "codes"),
    (lambda: build_delay_pattern(torch.zeros(1, 2, 3, dtype=torch.long), bos_token_id=-1,
                                 pad_token_id=2), "bos_token_id"),
    (lambda: build_delay_pattern(torch.zeros(1, 2, 3, dtype=torch.long), bos_token_id=1,
                                 pad_token_id=None), "pad_token_id"),
    (lambda: revert_delay_pattern(torch.zeros(1, 8, 3, dtype=torch.long)), "delayed"),
    (lambda: revert_delay_pattern(torch.zeros(8, 3, dtype=torch.long)), "delayed"),
])
def test_bad_input_raises_value_error(call, name):
    with pytest.raises(ValueError, match=name):
        call()
