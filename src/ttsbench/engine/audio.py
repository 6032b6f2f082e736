"""16-bit PCM mono WAV files in and out (the engine's 24 kHz audio, reference clips)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import torch


def write_wav(path: str | Path, audio: torch.Tensor, sample_rate: int) -> None:
    """Write a 1-D float tensor in [-1, 1] as 16-bit mono PCM (samples outside are clipped)."""
    pcm = (audio.detach().float().cpu().clamp(-1.0, 1.0) * 32767.0).round().short()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.numpy().astype("<i2").tobytes())


def read_wav(path: str | Path) -> tuple[torch.Tensor, int]:
    """(float32 samples in [-1, 1], sample rate) of a 16-bit PCM WAV; channels are averaged.

    ValueError naming the file when it is not a readable 16-bit PCM WAV.
    """
    try:
        with wave.open(str(path), "rb") as source:
            channels, width, rate = (source.getnchannels(), source.getsampwidth(),
                                     source.getframerate())
            data = source.readframes(source.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise ValueError(f"{path} is not a readable WAV file ({exc})") from None
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit samples; expected 16-bit PCM")
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767.0
    samples = samples.reshape(-1, channels).mean(axis=1)
    return torch.from_numpy(np.ascontiguousarray(samples)), rate
