"""A talker KV cache with one slot (batch row) per in-flight request, each at its own length.

Slots ``0..n-1`` are the occupied ones: a request that leaves hands its slot to the last one
(``release``), so a batched decode step always reads the prefix ``[:n]`` of the buffers as a
view, without gathering rows. Buffers grow (doubling) when a request needs more positions or
more slots. Before each batched forward, ``begin_step(positions)`` names the position each
row's new key goes to; ``update`` writes there and returns keys and values up to the longest
row, and ``attention_mask`` hides each row's unwritten tail (None when every row is full
length, so a batch of one runs the same attention as ``DynamicKVCache``).
"""

from __future__ import annotations

import torch

from ttsbench.engine.kv_cache import DynamicKVCache


class SlotKVCache:
    """Per-layer ``[slots, H_kv, length, D]`` key/value buffers shared by a batch."""

    def __init__(self, num_layers: int, num_kv_heads: int, head_dim: int, *,
                 dtype: torch.dtype, device: torch.device, slots: int = 4,
                 length: int = 256) -> None:
        self.num_layers = num_layers
        self._shape = (num_kv_heads, head_dim)
        self._dtype, self._device = dtype, device
        self.keys = [self._empty(slots, length) for _ in range(num_layers)]
        self.values = [self._empty(slots, length) for _ in range(num_layers)]
        self.lengths: list[int] = []  # filled positions per occupied slot
        self._rows = torch.zeros(0, dtype=torch.long, device=device)
        self._positions = self._rows
        self._visible = 0

    def _empty(self, slots: int, length: int) -> torch.Tensor:
        return torch.zeros((slots, self._shape[0], length, self._shape[1]),
                           dtype=self._dtype, device=self._device)

    @property
    def occupied(self) -> int:
        """Number of slots in use (``0..occupied-1``)."""
        return len(self.lengths)

    def _reserve(self, slots: int, length: int) -> None:
        """Grow every buffer (doubling) to hold at least ``slots`` x ``length``."""
        have_slots, _, have_length, _ = self.keys[0].shape
        if slots <= have_slots and length <= have_length:
            return
        new_slots, new_length = have_slots, have_length
        while new_slots < slots:
            new_slots *= 2
        while new_length < length:
            new_length *= 2
        for buffers in (self.keys, self.values):
            for layer, old in enumerate(buffers):
                grown = self._empty(new_slots, new_length)
                grown[:have_slots, :, :have_length] = old
                buffers[layer] = grown

    def add(self, prefix: DynamicKVCache) -> int:
        """Copy a batch-1 prefill cache into a new slot; its index."""
        slot, length = self.occupied, prefix.length
        self._reserve(slot + 1, length + 1)
        for layer in range(self.num_layers):
            self.keys[layer][slot, :, :length] = prefix.keys[layer][0]
            self.values[layer][slot, :, :length] = prefix.values[layer][0]
        self.lengths.append(length)
        return slot

    def release(self, slot: int) -> None:
        """Free ``slot``; the last occupied slot moves into it (callers mirror the move)."""
        last = self.occupied - 1
        if slot != last:
            for buffers in (self.keys, self.values):
                for layer in buffers:
                    layer[slot, :, : self.lengths[last]] = layer[last, :, : self.lengths[last]]
            self.lengths[slot] = self.lengths[last]
        self.lengths.pop()

    def begin_step(self, rows: int) -> None:
        """Prepare a forward of one new position for slots ``0..rows-1`` (at their lengths)."""
        positions = self.lengths[:rows]
        self._reserve(self.occupied, max(positions) + 1)
        self._rows = torch.arange(rows, device=self._device)
        self._positions = torch.tensor(positions, dtype=torch.long, device=self._device)
        self._visible = max(positions) + 1
        self._ragged = min(positions) != max(positions)
        for row in range(rows):
            self.lengths[row] += 1

    def attention_mask(self) -> torch.Tensor | None:
        """``[rows, 1, 1, visible]`` True where a row's key is written; None if all are."""
        if not self._ragged:
            return None
        slots = torch.arange(self._visible, device=self._device)
        return (slots[None, :] <= self._positions[:, None])[:, None, None, :]

    def update(self, layer: int, key: torch.Tensor, value: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Write the step's ``[rows, H_kv, 1, D]`` keys/values; return ``[:rows, :, :visible]``."""
        rows = key.shape[0]
        self.keys[layer][self._rows, :, self._positions] = key[:, :, 0]
        self.values[layer][self._rows, :, self._positions] = value[:, :, 0]
        return (self.keys[layer][:rows, :, : self._visible],
                self.values[layer][:rows, :, : self._visible])
