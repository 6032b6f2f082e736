"""Polyphase windowed-sinc resampling for rational rate ratios (12 kHz -> 24 kHz first of all).

The ratio new/orig is reduced to up/down. The anti-aliasing low-pass is a Kaiser-windowed sinc
(beta 5, cutoff at the lower Nyquist, 10 * max(up, down) taps each side, unit DC gain times
``up``), the classic design of ``scipy.signal.resample_poly``, and output sample m is centred on
input position m * down / up with zeros beyond both ends. The filter is split into its ``up``
phases and applied with one strided ``conv1d``, so no zero-stuffed signal is ever built and no
output that is later discarded is computed.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from ._checks import check_float_tensor, check_int

KAISER_BETA = 5.0
HALF_LENGTH_PER_RATE = 10


def rational_ratio(orig_sr: int, new_sr: int) -> tuple[int, int]:
    """(up, down) in lowest terms with new_sr / orig_sr == up / down."""
    check_int("orig_sr", orig_sr, 1)
    check_int("new_sr", new_sr, 1)
    common = math.gcd(orig_sr, new_sr)
    return new_sr // common, orig_sr // common


def lowpass_filter(up: int, down: int) -> np.ndarray:
    """The float64 prototype filter, length 2 * half_len + 1, centred, scaled by ``up``."""
    half_len = HALF_LENGTH_PER_RATE * max(up, down)
    taps = np.arange(-half_len, half_len + 1, dtype=np.float64)
    cutoff = 1.0 / max(up, down)  # as a fraction of the upsampled Nyquist
    h = cutoff * np.sinc(cutoff * taps) * np.kaiser(2 * half_len + 1, KAISER_BETA)
    return h * (up / h.sum())


@functools.lru_cache(maxsize=32)
def _polyphase_kernel(up: int, down: int, device: torch.device,
                      dtype: torch.dtype) -> tuple[torch.Tensor, int]:
    """conv1d weight [up, 1, width] and left padding for outputs m = q * up + r.

    y[q*up + r] = sum_i x[i] h[(q*up + r)*down - i*up + half_len]; with i = q*down + c this is
    a correlation over c of x (stride down) with a phase-r kernel indexed by c.
    """
    h = lowpass_filter(up, down)
    half_len = (len(h) - 1) // 2
    c_low = -((half_len + up * down) // up) - 1
    c_high = (half_len + up * down) // up + down + 1
    c = np.arange(c_low, c_high + 1)
    weight = np.zeros((up, 1, len(c)))
    for r in range(up):
        index = r * down - c * up + half_len
        valid = (index >= 0) & (index < len(h))
        weight[r, 0, valid] = h[index[valid]]
    used = np.flatnonzero(np.any(weight[:, 0] != 0, axis=0))
    weight = weight[:, :, used[0]:used[-1] + 1]
    left_pad = -(c_low + used[0])
    return torch.as_tensor(weight, dtype=dtype, device=device), left_pad


def resample(waveform: torch.Tensor, orig_sr: int, new_sr: int) -> torch.Tensor:
    """Resample ``waveform`` [samples] or [batch, samples] from ``orig_sr`` to ``new_sr`` Hz.

    Output length is ceil(samples * up / down); dtype and device follow the input.
    """
    check_float_tensor("waveform", waveform, (1, 2), "[samples] or [batch, samples]")
    up, down = rational_ratio(orig_sr, new_sr)
    if up == down:
        return waveform.clone()
    batched = waveform if waveform.dim() == 2 else waveform.unsqueeze(0)
    samples = batched.shape[1]
    out_len = -(-samples * up // down)
    blocks = -(-out_len // up)
    weight, left_pad = _polyphase_kernel(up, down, waveform.device, waveform.dtype)
    needed = (blocks - 1) * down + weight.shape[2]
    right_pad = max(0, needed - left_pad - samples)
    padded = torch.nn.functional.pad(batched.unsqueeze(1), (left_pad, right_pad))
    phases = torch.nn.functional.conv1d(padded, weight, stride=down)[:, :, :blocks]
    out = phases.transpose(1, 2).reshape(batched.shape[0], blocks * up)[:, :out_len]
    return out if waveform.dim() == 2 else out.squeeze(0)
