"""The talker: a Qwen3 decoder over codec frames that predicts each frame's first codebook.

Inputs are embeddings, not ids: text tokens are embedded at ``text_hidden_size`` and projected to
the talker width by a two-layer MLP; a codec frame enters as the sum of its 16 codebook embeddings
(``Qwen3TTSModel.frame_embedding``). Positions use the interleaved multimodal RoPE with all three
position streams equal, as Qwen3-TTS does for speech.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ttsbench.engine.config import TalkerConfig
from ttsbench.engine.kv_cache import KVCache
from ttsbench.engine.layers import RMSNorm, decoder_layers, rotary_cos_sin


class TextProjection(nn.Module):
    """``fc2(silu(fc1(x)))`` with biases: text embedding width to talker width."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int) -> None:
        super().__init__()
        self.linear_fc1 = nn.Linear(in_dim, hidden)
        self.linear_fc2 = nn.Linear(hidden, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_fc2(F.silu(self.linear_fc1(x)))


class Talker(nn.Module):
    """Codec/text embeddings, ``num_layers`` Qwen3 decoder layers, final norm and codec head."""

    def __init__(self, config: TalkerConfig) -> None:
        super().__init__()
        self.config = config
        self.codec_embedding = nn.Embedding(config.codec_vocab_size, config.hidden_size)
        self.text_embedding = nn.Embedding(config.text_vocab_size, config.text_hidden_size)
        self.text_projection = TextProjection(
            config.text_hidden_size, config.text_hidden_size, config.hidden_size
        )
        self.layers = decoder_layers(config)
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.codec_head = nn.Linear(config.hidden_size, config.codec_vocab_size, bias=False)

    def embed_text(self, ids: torch.Tensor) -> torch.Tensor:
        """Text token ids ``[B, L]`` to talker-width embeddings ``[B, L, hidden]``."""
        return self.text_projection(self.text_embedding(ids))

    def forward(
        self,
        inputs_embeds: torch.Tensor,
        positions: torch.Tensor,
        *,
        cache: KVCache | None = None,
        attn_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Final-normed hidden states ``[B, L, hidden]`` for ``inputs_embeds`` at ``positions``
        (``[B, L]``, shared by the three multimodal RoPE streams)."""
        cfg = self.config
        streams = positions.unsqueeze(0).expand(3, *positions.shape)
        cos, sin = rotary_cos_sin(
            streams, cfg.head_dim, cfg.rope_theta, inputs_embeds.dtype, cfg.mrope_section
        )
        x = inputs_embeds
        for index, layer in enumerate(self.layers):
            x = layer(x, cos, sin, cache=cache, layer=index, attn_mask=attn_mask)
        return self.norm(x)
