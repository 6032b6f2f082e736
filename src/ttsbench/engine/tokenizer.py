"""A deterministic byte-level text tokenizer.

The weights are random, so a learned vocabulary would add nothing: text is encoded as its UTF-8
bytes (ids 0-255, one per byte), and three control ids follow the bytes: ``TTS_PAD`` (256),
``TTS_BOS`` (257) and ``TTS_EOS`` (258). Every preset's text vocabulary is at least this large.
Sequence lengths therefore equal UTF-8 byte counts.
"""

from __future__ import annotations

import torch

TTS_PAD = 256
TTS_BOS = 257
TTS_EOS = 258
VOCAB_SIZE = 259


def encode(text: str) -> torch.Tensor:
    """Token ids ``[1, len(text.encode("utf-8"))]`` (int64) of ``text``."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty: give at least one character to synthesize")
    return torch.tensor([list(text.encode("utf-8"))], dtype=torch.long)


def decode(ids: torch.Tensor) -> str:
    """Text of byte ids (control ids dropped; invalid UTF-8 replaced)."""
    data = bytes(int(i) for i in ids.flatten().tolist() if 0 <= int(i) < 256)
    return data.decode("utf-8", errors="replace")
