"""Special-token suppression: the talker may not emit the last ``num_special`` ids, except EOS.

The mask is built once per (vocab, eos, num_special, device) and reused for every frame.
"""

from __future__ import annotations

import functools

import torch

from ._checks import check_float_tensor, check_int

NUM_SPECIAL_TOKENS = 1024


@functools.lru_cache(maxsize=64)
def _cached_mask(vocab: int, eos_token_id: int | None, num_special: int,
                 device: torch.device) -> torch.Tensor:
    mask = torch.zeros(vocab, dtype=torch.bool, device=device)
    mask[vocab - num_special:] = True
    if eos_token_id is not None and eos_token_id < vocab:
        mask[eos_token_id] = False
    return mask


def _canonical(device: torch.device | str) -> torch.device:
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def suppression_mask(vocab: int, eos_token_id: int | None, *, device: torch.device | str = "cpu",
                     num_special: int = NUM_SPECIAL_TOKENS) -> torch.Tensor:
    """Bool [vocab]: True for ids in [vocab - num_special, vocab) other than ``eos_token_id``.

    The returned tensor is cached and shared: treat it as read-only.
    """
    check_int("vocab", vocab, 1)
    check_int("num_special", num_special, 1)
    if num_special > vocab:
        raise ValueError(f"num_special={num_special}: larger than vocab={vocab}")
    if eos_token_id is not None:
        check_int("eos_token_id", eos_token_id, 0)
    return _cached_mask(vocab, eos_token_id, num_special, _canonical(device))


def suppress_special_tokens(logits: torch.Tensor, eos_token_id: int | None, *,
                            num_special: int = NUM_SPECIAL_TOKENS) -> torch.Tensor:
    """Return ``logits`` [..., vocab] with the suppressed ids set to -inf (out of place)."""
    check_float_tensor("logits", logits, (1, 2, 3), "[..., vocab]")
    mask = suppression_mask(logits.shape[-1], eos_token_id, device=logits.device,
                            num_special=num_special)
    return logits.masked_fill(mask, float("-inf"))

