"""Higgs-Audio-style RVQ delay pattern: codebook k is shifted right by k frames.

``build_delay_pattern`` maps codes [B, K, T] to [B, K, T + K - 1] with BOS filling the k leading
slots of codebook k and PAD the K - 1 - k trailing ones; ``revert_delay_pattern`` is its exact
inverse.
"""

from __future__ import annotations

import torch

from ._checks import check_int, check_int_tensor


def _shifted_index(num_codebooks: int, frames: int, batch: int,
                   device: torch.device) -> torch.Tensor:
    """index[b, k, t] = t + k: where frame t of codebook k lands in the delayed layout."""
    shift = torch.arange(num_codebooks, device=device)[:, None]
    index = torch.arange(frames, device=device) + shift
    return index.expand(batch, num_codebooks, frames)


def build_delay_pattern(codes: torch.Tensor, *, bos_token_id: int,
                        pad_token_id: int) -> torch.Tensor:
    """codes [B, K, T] -> [B, K, T + K - 1], codebook k delayed by k frames."""
    check_int_tensor("codes", codes, (3,), "[batch, codebooks, frames]")
    check_int("bos_token_id", bos_token_id, 0)
    check_int("pad_token_id", pad_token_id, 0)
    batch, num_codebooks, frames = codes.shape
    if num_codebooks == 0:
        raise ValueError("codes: expected at least one codebook, got shape "
                         f"{tuple(codes.shape)}")
    width = frames + num_codebooks - 1
    position = torch.arange(width, device=codes.device)
    shift = torch.arange(num_codebooks, device=codes.device)[:, None]
    fill = torch.where(position < shift, bos_token_id, pad_token_id).to(codes.dtype)
    delayed = fill.expand(batch, num_codebooks, width).clone()
    return delayed.scatter_(2, _shifted_index(num_codebooks, frames, batch, codes.device), codes)


def revert_delay_pattern(delayed: torch.Tensor) -> torch.Tensor:
    """[B, K, T + K - 1] -> codes [B, K, T]: undo ``build_delay_pattern``."""
    check_int_tensor("delayed", delayed, (3,), "[batch, codebooks, frames + codebooks - 1]")
    batch, num_codebooks, width = delayed.shape
    frames = width - num_codebooks + 1
    if num_codebooks == 0 or frames < 0:
        raise ValueError(f"delayed: shape {tuple(delayed.shape)} is too short for "
                         f"{num_codebooks} codebooks (needs at least {num_codebooks - 1} frames)")
    return delayed.gather(2, _shifted_index(num_codebooks, frames, batch, delayed.device))
