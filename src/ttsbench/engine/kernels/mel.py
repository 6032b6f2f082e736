"""Mel spectrograms in the two configurations the pipeline uses.

* ``MEL_A`` (codec/ASR-style features): sr 24000, n_fft 400, hop 160, Hann 400, 128 mels, Slaney
  scale and area norm, power spectrum, frames centred (reflect padding n_fft // 2), no log.
* ``MEL_B`` (speaker encoder): sr 24000, n_fft 1024, hop 256, Hann 1024, 128 mels up to 12 kHz,
  magnitude spectrum, reflect padding (n_fft - hop) // 2 without centring (HiFi-GAN style),
  natural log of max(mel, 1e-5).

The filterbank is computed here in float64 from the Slaney formulas (linear below 1 kHz, log
above; each triangle scaled to unit area, 2 / bandwidth) and cached per (config, device, dtype).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from ._checks import check_float_tensor

_SLANEY_F_SP = 200.0 / 3  # Hz per mel below the break
_SLANEY_MIN_LOG_HZ = 1000.0
_SLANEY_LOGSTEP = np.log(6.4) / 27.0


@dataclass(frozen=True)
class MelConfig:
    """One mel-spectrogram recipe; ``fmax=None`` means sample_rate / 2."""

    sample_rate: int
    n_fft: int
    hop_length: int
    win_length: int
    n_mels: int
    fmin: float = 0.0
    fmax: float | None = None
    power: Literal[1, 2] = 2
    padding: Literal["center", "hifigan"] = "center"
    log_floor: float | None = None


MEL_A = MelConfig(sample_rate=24000, n_fft=400, hop_length=160, win_length=400, n_mels=128,
                  power=2, padding="center")
MEL_B = MelConfig(sample_rate=24000, n_fft=1024, hop_length=256, win_length=1024, n_mels=128,
                  fmax=12000.0, power=1, padding="hifigan", log_floor=1e-5)
CONFIGS = {"A": MEL_A, "B": MEL_B}


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear up to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _SLANEY_F_SP
    log_part = (_SLANEY_MIN_LOG_HZ / _SLANEY_F_SP
                + np.log(np.maximum(hz, _SLANEY_MIN_LOG_HZ) / _SLANEY_MIN_LOG_HZ) / _SLANEY_LOGSTEP)
    return np.where(hz >= _SLANEY_MIN_LOG_HZ, log_part, linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Inverse of ``hz_to_mel``."""
    mel = np.asarray(mel, dtype=np.float64)
    min_log_mel = _SLANEY_MIN_LOG_HZ / _SLANEY_F_SP
    log_part = _SLANEY_MIN_LOG_HZ * np.exp(_SLANEY_LOGSTEP * (mel - min_log_mel))
    return np.where(mel >= min_log_mel, log_part, mel * _SLANEY_F_SP)


def mel_filterbank(config: MelConfig) -> np.ndarray:
    """Slaney-normalised triangular filters, float64 [n_mels, n_fft // 2 + 1]."""
    fmax = config.sample_rate / 2 if config.fmax is None else config.fmax
    fft_hz = np.linspace(0, config.sample_rate / 2, config.n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(config.fmin), hz_to_mel(fmax), config.n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (fft_hz - lower) / (centre - lower)
    falling = (upper - fft_hz) / (upper - centre)
    triangles = np.maximum(0, np.minimum(rising, falling))
    return triangles * (2.0 / (edges[2:] - edges[:-2]))[:, None]


@functools.lru_cache(maxsize=16)
def _cached_tensors(config: MelConfig, device: torch.device,
                    dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    window = torch.hann_window(config.win_length, periodic=True, dtype=dtype, device=device)
    basis = torch.as_tensor(mel_filterbank(config), dtype=dtype, device=device)
    return window, basis


def _check_config(config) -> None:
    if not isinstance(config, MelConfig):
        raise ValueError(f"config: expected a MelConfig (MEL_A or MEL_B), got {config!r}")
    if not 0 < config.win_length <= config.n_fft or config.hop_length <= 0 or config.n_mels <= 0:
        raise ValueError(f"config: inconsistent sizes in {config!r}")
    fmax = config.sample_rate / 2 if config.fmax is None else config.fmax
    if not 0 <= config.fmin < fmax <= config.sample_rate / 2:
        raise ValueError(f"config: need 0 <= fmin < fmax <= sample_rate / 2, got {config!r}")


def mel_spectrogram(waveform: torch.Tensor, config: MelConfig = MEL_A) -> torch.Tensor:
    """``waveform`` [samples] or [batch, samples] -> [(batch,) n_mels, frames], on its device."""
    check_float_tensor("waveform", waveform, (1, 2), "[samples] or [batch, samples]")
    _check_config(config)
    batched = waveform if waveform.dim() == 2 else waveform.unsqueeze(0)
    if config.padding == "center":
        pad = config.n_fft // 2
    else:
        pad = (config.n_fft - config.hop_length) // 2
    if batched.shape[1] <= pad:
        raise ValueError(f"waveform: {batched.shape[1]} samples; reflect padding needs more "
                         f"than {pad}")
    padded = torch.nn.functional.pad(batched.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window, basis = _cached_tensors(config, waveform.device, waveform.dtype)
    spectrum = torch.stft(padded, config.n_fft, hop_length=config.hop_length,
                          win_length=config.win_length, window=window, center=False,
                          return_complex=True).abs()
    if config.power == 2:
        spectrum = spectrum.square()
    mel = torch.matmul(basis, spectrum)
    if config.log_floor is not None:
        mel = torch.log(torch.clamp(mel, min=config.log_floor))
    return mel if waveform.dim() == 2 else mel.squeeze(0)
