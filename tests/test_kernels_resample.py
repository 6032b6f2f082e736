"""Polyphase resampling against scipy.signal.resample_poly.

Bound: the same filter design (Kaiser beta 5, 10 * max(up, down) taps each side) applied by a
different algorithm; float64 output agrees to 1e-12 absolute and float32 output keeps an SNR of
at least 120 dB against scipy's float64 result, for every ratio and length tested.
"""

import numpy as np
import pytest
import scipy.signal
import torch

from ttsbench.engine.kernels.resample import rational_ratio, resample

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
RATES = [(12000, 24000), (24000, 12000), (24000, 16000), (16000, 24000), (44100, 24000),
         (22050, 24000)]


def snr_db(reference, estimate):
    return 10 * np.log10(np.sum(reference ** 2) / np.sum((estimate - reference) ** 2))


@pytest.mark.parametrize("orig_sr, new_sr", RATES)
@pytest.mark.parametrize("length", [1, 7, 240, 12001])
def test_float64_matches_resample_poly(orig_sr, new_sr, length):
    x = np.random.default_rng(length).standard_normal((2, length))
    up, down = rational_ratio(orig_sr, new_sr)
    want = scipy.signal.resample_poly(x, up, down, axis=1)
    got = resample(torch.tensor(x), orig_sr, new_sr).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("orig_sr, new_sr", RATES)
def test_float32_snr_against_resample_poly(device, orig_sr, new_sr):
    t = np.arange(orig_sr // 2) / orig_sr
    x = np.sin(2 * np.pi * 440 * t) + 0.3 * np.random.default_rng(0).standard_normal(t.size)
    want = scipy.signal.resample_poly(x, *rational_ratio(orig_sr, new_sr))
    got = resample(torch.tensor(x, dtype=torch.float32, device=device), orig_sr, new_sr)
    assert got.dtype == torch.float32 and got.device.type == device and got.dim() == 1
    assert snr_db(want, got.cpu().double().numpy()) >= 120


def test_batch_rows_are_independent():
    x = torch.randn(3, 500, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    batched = resample(x, 12000, 24000)
    for row in range(3):
        torch.testing.assert_close(batched[row], resample(x[row], 12000, 24000))


def test_upsampling_by_two_keeps_a_passband_tone():
    t = torch.arange(12000, dtype=torch.float64) / 12000
    tone = torch.sin(2 * torch.pi * 1000 * t)
    out = resample(tone, 12000, 24000)
    expected = torch.sin(2 * torch.pi * 1000 * torch.arange(24000, dtype=torch.float64) / 24000)
    middle = slice(2000, 22000)  # away from the zero-padded ends
    assert (out[middle] - expected[middle]).abs().max() < 1e-2


def test_same_rate_is_a_copy():
    x = torch.randn(100)
    out = resample(x, 24000, 24000)
    assert torch.equal(out, x) and out.data_ptr() != x.data_ptr()


@pytest.mark.parametrize("args, name", [
    ((torch.zeros(10), 0, 24000), "orig_sr"),
    ((torch.zeros(10), 12000, -1), "new_sr"),
    ((torch.zeros(10), 12000.0, 24000), "orig_sr"),
    ((torch.zeros(10, dtype=torch.long), 12000, 24000), "waveform"),
    ((torch.zeros(1, 2, 10), 12000, 24000), "waveform"),
])
def test_bad_input_raises_value_error(args, name):
    with pytest.raises(ValueError, match=name):
        resample(*args)
