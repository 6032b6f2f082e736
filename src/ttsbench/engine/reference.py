"""Reference clips for voice cloning: validation, seeded fixture clips, and their codec codes.

A reference clip is 24 kHz mono audio of at least ``MIN_SECONDS`` that is not silent. Its mel
(``kernels.mel.MEL_B``, the speaker encoder's) feeds the speaker encoder and, for in-context
cloning, ``ReferenceTokenizer``: a stand-in for the speech tokenizer's encoder (which this engine
does not model) that pools the mel to 12.5 Hz and picks each codebook's code with a seeded random
projection, so the clip's codes cost time in proportion to its length and are fixed per seed.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ttsbench.engine.audio import read_wav
from ttsbench.engine.config import FRAME_RATE_HZ, NUM_CODE_GROUPS, SAMPLE_RATE

MIN_SECONDS = 1.0
SILENCE_PEAK = 1e-3  # a clip whose peak stays below this is silent
FIXTURE_SECONDS = (3, 10)


def load_reference(reference: str | Path | torch.Tensor) -> torch.Tensor:
    """The validated clip (1-D float32 CPU) from a WAV path or a 1-D float tensor at 24 kHz.

    ValueError naming the problem: not audio, wrong rate, too short or silent.
    """
    if isinstance(reference, torch.Tensor):
        audio, rate = reference, SAMPLE_RATE
        if audio.dim() != 1 or not audio.is_floating_point():
            raise ValueError(f"reference: expected a 1-D float waveform at {SAMPLE_RATE} Hz, got "
                             f"a {audio.dim()}-D {audio.dtype} tensor")
    elif isinstance(reference, (str, Path)):
        audio, rate = read_wav(reference)
    else:
        raise ValueError(f"reference: expected a WAV path or a waveform tensor, got "
                         f"{type(reference).__name__}")
    if rate != SAMPLE_RATE:
        raise ValueError(f"reference clip is at {rate} Hz; the speaker encoder needs "
                         f"{SAMPLE_RATE} Hz: resample it")
    seconds = audio.numel() / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise ValueError(f"reference clip is {seconds:.2f} s long; give at least "
                         f"{MIN_SECONDS:g} s (3 s or more clones best)")
    audio = audio.detach().float().cpu()
    if not torch.isfinite(audio).all():
        raise ValueError("reference clip holds NaN or infinite samples: not audio")
    if float(audio.abs().max()) < SILENCE_PEAK:
        raise ValueError(f"reference clip is silent (peak below {SILENCE_PEAK:g}); give a clip "
                         "with speech in it")
    return audio


def seeded_clip(seconds: float, seed: int = 0) -> torch.Tensor:
    """A voice-like clip: a harmonic source with vibrato and a syllable-rate envelope, under
    seeded noise; float32 at 24 kHz, peak below 1. Fixture clips are these at seed 0."""
    generator = torch.Generator().manual_seed(seed)
    samples = int(round(seconds * SAMPLE_RATE))
    t = torch.arange(samples, dtype=torch.float64) / SAMPLE_RATE
    f0 = 140.0 + 20.0 * torch.sin(2 * math.pi * 0.7 * t) + 4.0 * torch.sin(2 * math.pi * 5.5 * t)
    phase = 2 * math.pi * torch.cumsum(f0, 0) / SAMPLE_RATE
    voice = sum(torch.sin(h * phase) / h for h in range(1, 9))
    envelope = 0.5 * (1 - torch.cos(2 * math.pi * 4.0 * t)).clamp(min=0.0)
    noise = torch.randn(samples, generator=generator, dtype=torch.float64)
    return (0.25 * voice * envelope + 0.02 * noise).to(torch.float32)


def fixture_path(fixtures_dir: str | Path, seconds: int) -> Path:
    """``<fixtures_dir>/reference_<seconds>s.wav``."""
    return Path(fixtures_dir) / f"reference_{seconds}s.wav"


class ReferenceTokenizer(nn.Module):
    """Mel ``[B, n_mels, F]`` -> codes ``[B, 16, frames]`` at 12.5 Hz (stand-in codec encoder)."""

    def __init__(self, n_mels: int, codebook_size: int) -> None:
        super().__init__()
        self.projection = nn.Linear(n_mels, NUM_CODE_GROUPS * codebook_size, bias=False)
        self.codebook_size = codebook_size

    def forward(self, mel: torch.Tensor, frames: int) -> torch.Tensor:
        pooled = F.adaptive_avg_pool1d(mel, frames).transpose(1, 2)  # [B, frames, n_mels]
        scores = self.projection(pooled).unflatten(-1, (NUM_CODE_GROUPS, self.codebook_size))
        return scores.argmax(-1).transpose(1, 2)


def frames_of(audio: torch.Tensor) -> int:
    """12.5 Hz codec frames covering ``audio`` (at least one)."""
    return max(1, round(audio.numel() / SAMPLE_RATE * FRAME_RATE_HZ))
