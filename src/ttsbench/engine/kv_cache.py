"""Key/value caches for incremental decoding.

``DynamicKVCache`` grows by concatenation (simple, allocation per step). ``StaticKVCache``
preallocates ``max_length`` slots and writes new keys at device-side positions, so a decode step
has fixed shapes and can be captured in a CUDA graph; its readers mask the unwritten slots.
"""

from __future__ import annotations

from typing import Protocol

import torch


class KVCache(Protocol):
    """What an attention layer needs from a cache."""

    def update(
        self, layer: int, key: torch.Tensor, value: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new ``[B, H_kv, L, D]`` keys/values; return everything visible so far."""


class DynamicKVCache:
    """Per-layer keys and values concatenated along the sequence axis."""

    def __init__(self, num_layers: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * num_layers
        self.values: list[torch.Tensor | None] = [None] * num_layers

    @property
    def length(self) -> int:
        """Number of cached positions."""
        return 0 if self.keys[0] is None else self.keys[0].shape[2]

    def update(
        self, layer: int, key: torch.Tensor, value: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.keys[layer] is not None:
            key = torch.cat((self.keys[layer], key), dim=2)
            value = torch.cat((self.values[layer], value), dim=2)
        self.keys[layer], self.values[layer] = key, value
        return key, value


class StaticKVCache:
    """Fixed ``[B, H_kv, max_length, D]`` buffers written at ``positions`` (a device tensor).

    Assign ``positions`` (``[L]`` int64, the slots the next forward's queries occupy) before each
    forward; ``attention_mask()`` then lets each query see the slots at or before its own.
    A CUDA-graph step keeps one ``positions`` buffer and updates it in place.
    """

    def __init__(
        self, num_layers: int, batch: int, num_kv_heads: int, max_length: int, head_dim: int,
        *, dtype: torch.dtype, device: torch.device | str,
    ) -> None:
        shape = (batch, num_kv_heads, max_length, head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(num_layers)]
        self.values = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(num_layers)]
        self.max_length = max_length
        self.slots = torch.arange(max_length, device=device)
        self.positions = torch.zeros(1, dtype=torch.long, device=device)

    def attention_mask(self) -> torch.Tensor:
        """``[L, max_length]`` boolean: slot visible to query ``i`` iff ``slot <= positions[i]``."""
        return self.slots[None, :] <= self.positions[:, None]

    def update(
        self, layer: int, key: torch.Tensor, value: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        self.keys[layer].index_copy_(2, self.positions, key)
        self.values[layer].index_copy_(2, self.positions, value)
        return self.keys[layer], self.values[layer]
