"""Chunk decoding with the convolution stack's context trimmed to its reach: the chunk's audio
is ``decode_window``'s, and a reach a few frames short would not be (with the stack's small
residual gains raised, so earlier frames are audible)."""

import copy

import pytest
import torch

from ttsbench.engine.chunk_decoder import conv_reach_frames, decode_chunks
from ttsbench.engine.synthesizer import Synthesizer

ATOL = 1e-5  # float rounding: the convolutions see shorter inputs


@pytest.fixture(scope="module")
def decoder():
    decoder = copy.deepcopy(Synthesizer("tiny", "cpu", "float32", 3).model.decoder)
    with torch.no_grad():  # make the convolution branches matter (ConvNeXt gamma starts at 1e-6)
        for name, param in decoder.named_parameters():
            if name.endswith("gamma"):
                param.fill_(1.0)
    return decoder


@pytest.fixture(scope="module")
def codes():
    return torch.randint(0, 256, (3, 16, 64), generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("start,left_context", [(0, 25), (12, 25), (40, 25), (40, 5), (40, 0)])
def test_decode_chunks_returns_decode_windows_audio(decoder, codes, start, left_context):
    first = max(0, start - left_context)
    with torch.inference_mode():
        want = decoder.decode_window(codes, start, start + 12, left_context)
        got = decode_chunks(decoder, codes[:, :, first:start + 12], start - first)
    assert got.shape == want.shape == (3, 12 * decoder.config.samples_per_frame)
    assert torch.allclose(got, want, rtol=0, atol=ATOL)


def test_the_reach_is_needed_a_shorter_context_changes_the_audio(decoder, codes, monkeypatch):
    loud = copy.deepcopy(decoder)
    with torch.no_grad():  # residual branches x10: earlier frames' influence is far above rounding
        for name, param in loud.named_parameters():
            if name.endswith("conv2.conv.weight"):
                param.mul_(10)
    reach = conv_reach_frames(loud)
    assert 0 < reach < 25

    def error(frames: int) -> float:
        monkeypatch.setattr("ttsbench.engine.chunk_decoder.conv_reach_frames", lambda _: frames)
        with torch.inference_mode():
            short = decode_chunks(loud, codes[:, :, 15:52], 25)
            return (short - loud.decode_window(codes, 40, 52, 25)).abs().max().item()

    assert error(reach) < 1e-3 < 1e-2 < error(reach - 3)


def test_conv_reach_grows_with_the_kernels(decoder):
    wider = copy.deepcopy(decoder)
    wider.input_conv.left_pad += 4 * 8  # eight more frames at the input conv's rate (x4)
    assert conv_reach_frames(wider) == conv_reach_frames(decoder) + 8
