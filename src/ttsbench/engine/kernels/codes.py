"""Packing of generated frames into the codec decoder's input layout."""

from __future__ import annotations

import numpy as np
import torch

from ._checks import check_ids_in_range, check_int, describe

NUM_CODEBOOKS = 16
CODEBOOK_SIZE = 2048


def codes_to_tensor(frames, *, num_codebooks: int = NUM_CODEBOOKS,
                    codebook_size: int = CODEBOOK_SIZE,
                    device: torch.device | str = "cpu") -> torch.Tensor:
    """Frames [T][num_codebooks] (nested lists or an integer array) -> int64 [1, num_codebooks, T].

    The result is codebook-major: ``out[0, k, t] == frames[t][k]``. Every id must lie in
    [0, codebook_size).
    """
    check_int("num_codebooks", num_codebooks, 1)
    check_int("codebook_size", codebook_size, 1)
    array = _as_int_array(frames)
    if array.ndim != 2 or array.shape[1] != num_codebooks:
        raise ValueError(f"frames: expected shape [T, {num_codebooks}], got {describe(array)}")
    packed = torch.from_numpy(np.ascontiguousarray(array.T, dtype=np.int64)).unsqueeze(0)
    check_ids_in_range("frames", packed, codebook_size)
    return packed.to(device)


def _as_int_array(frames) -> np.ndarray:
    if isinstance(frames, torch.Tensor):
        frames = frames.detach().cpu().numpy()
    try:
        array = np.asarray(frames)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"frames: expected a rectangular [T, codebooks] array ({exc})") from None
    if array.size == 0:  # an empty list carries no dtype
        array = array.astype(np.int64)
    if array.dtype == object or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"frames: expected integer ids, got {describe(array)}")
    return array
