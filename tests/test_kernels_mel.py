"""Mel spectrograms against librosa's Slaney filterbank and a numpy STFT reference.

Bounds: the float64 filterbank equals librosa.filters.mel(htk=False, norm="slaney") to 1e-8
absolute (librosa returns float32); the float32 spectrogram is within 1e-5 of the reference's
maximum (config A, power) and, for the log config B, within 1e-4 absolute in log units.
"""

import librosa
import numpy as np
import pytest
import torch

from ttsbench.engine.kernels.mel import MEL_A, MEL_B, MelConfig, mel_filterbank, mel_spectrogram

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def reference_mel(x, config):
    """numpy: reflect pad, periodic Hann frames, rfft, |.|^power, librosa filterbank, log."""
    if config.padding == "center":
        pad = config.n_fft // 2
    else:
        pad = (config.n_fft - config.hop_length) // 2
    padded = np.pad(x, (pad, pad), mode="reflect")
    n_frames = 1 + (len(padded) - config.n_fft) // config.hop_length
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(config.n_fft) / config.n_fft)
    frames = np.stack([padded[i * config.hop_length:i * config.hop_length + config.n_fft]
                       for i in range(n_frames)], axis=1)
    spectrum = np.abs(np.fft.rfft(frames * window[:, None], axis=0)) ** config.power
    basis = librosa.filters.mel(sr=config.sample_rate, n_fft=config.n_fft, n_mels=config.n_mels,
                                fmin=config.fmin, fmax=config.fmax, htk=False, norm="slaney",
                                dtype=np.float64)
    mel = basis @ spectrum
    return np.log(np.maximum(mel, config.log_floor)) if config.log_floor else mel


@pytest.mark.filterwarnings("ignore:Empty filters")
@pytest.mark.parametrize("config", [MEL_A, MEL_B], ids=["A", "B"])
def test_filterbank_matches_librosa_slaney(config):
    want = librosa.filters.mel(sr=config.sample_rate, n_fft=config.n_fft, n_mels=config.n_mels,
                               fmin=config.fmin, fmax=config.fmax, htk=False, norm="slaney",
                               dtype=np.float64)
    np.testing.assert_allclose(mel_filterbank(config), want, atol=1e-8, rtol=0)


@pytest.mark.filterwarnings("ignore:Empty filters")
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("config", [MEL_A, MEL_B], ids=["A", "B"])
@pytest.mark.parametrize("samples", [1000, 24000])
def test_spectrogram_matches_numpy_reference(device, config, samples):
    x = 0.1 * np.random.default_rng(samples).standard_normal(samples)
    got = mel_spectrogram(torch.tensor(x, dtype=torch.float32, device=device), config)
    want = reference_mel(x, config)
    assert got.shape == want.shape and got.device.type == device
    if config.log_floor:
        np.testing.assert_allclose(got.cpu().numpy(), want, atol=1e-4, rtol=0)
    else:
        np.testing.assert_allclose(got.cpu().numpy(), want, atol=1e-5 * want.max(), rtol=0)


def test_frame_counts():
    x = torch.zeros(24000)
    assert mel_spectrogram(x, MEL_A).shape == (128, 24000 // 160 + 1)
    assert mel_spectrogram(x, MEL_B).shape == (128, 24000 // 256)


def test_log_floor_applies_to_silence():
    out = mel_spectrogram(torch.zeros(4096), MEL_B)
    assert torch.allclose(out, torch.full_like(out, np.log(1e-5)))


def test_batch_rows_match_single_rows():
    x = torch.randn(3, 4800, generator=torch.Generator().manual_seed(2))
    batched = mel_spectrogram(x, MEL_B)
    for row in range(3):
        torch.testing.assert_close(batched[row], mel_spectrogram(x[row], MEL_B))


@pytest.mark.parametrize("args, name", [
    ((torch.zeros(100, dtype=torch.int16), MEL_A), "waveform"),
    ((torch.zeros(2, 2, 1000), MEL_A), "waveform"),
    ((torch.zeros(100), MEL_A), "waveform"),
    ((torch.zeros(1000), "A"), "config"),
    ((torch.zeros(1000), MelConfig(24000, 400, 160, 800, 128)), "config"),
    ((torch.zeros(1000), MelConfig(24000, 400, 160, 400, 128, fmax=20000.0)), "config"),
])
def test_bad_input_raises_value_error(args, name):
    with pytest.raises(ValueError, match=name):
        mel_spectrogram(*args)
