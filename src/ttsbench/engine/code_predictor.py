"""The code predictor: a small decoder that fills in a frame's 15 residual codebooks.

For each frame it reads two positions, the talker's last hidden state and the embedding of the
frame's first code, then emits residual code ``g`` from head ``g`` and feeds that code's
embedding back, 15 heads in all. Its embeddings live at the talker width (they also form the
talker's frame input); a talker wider than the predictor goes through an input projection
(the 1.7B's 2048 -> 1024).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.profiler import record_function

from ttsbench.engine.config import CodePredictorConfig
from ttsbench.engine.kv_cache import DynamicKVCache, StaticKVCache
from ttsbench.engine.layers import RMSNorm, decoder_layers, rotary_cos_sin

SampleFn = Callable[[torch.Tensor, int], torch.Tensor]
"""``sample(logits [B, V], group) -> ids [B]``: draws residual code ``group`` (1..15)."""


class CodePredictor(nn.Module):
    """Residual-codebook embeddings and heads around ``num_layers`` decoder layers."""

    def __init__(self, config: CodePredictorConfig, talker_hidden: int) -> None:
        super().__init__()
        self.config = config
        groups = config.num_residual_groups
        self.codec_embedding = nn.ModuleList(
            nn.Embedding(config.vocab_size, talker_hidden) for _ in range(groups)
        )
        self.input_projection = (
            nn.Linear(talker_hidden, config.hidden_size)
            if talker_hidden != config.hidden_size else nn.Identity()
        )
        self.layers = decoder_layers(config)
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.lm_heads = nn.ModuleList(
            nn.Linear(config.hidden_size, config.vocab_size, bias=False) for _ in range(groups)
        )

    def rotary(
        self, batch: int, length: int, like: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """RoPE tables ``[batch, length, head_dim]`` for positions ``0..length-1``."""
        positions = torch.arange(length, device=like.device).expand(batch, length)
        return rotary_cos_sin(positions, self.config.head_dim, self.config.rope_theta, like.dtype)

    def forward(
        self, inputs_embeds: torch.Tensor, start: int, cache: DynamicKVCache | StaticKVCache,
        attn_mask: torch.Tensor | None = None,
        rotary: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Hidden states for talker-width ``inputs_embeds`` ``[B, L, H]`` at positions
        ``start..start+L-1``; ``rotary`` is a table from ``self.rotary`` covering them."""
        batch, length, _ = inputs_embeds.shape
        if rotary is None:
            rotary = self.rotary(batch, start + length, inputs_embeds)
        cos, sin = (table[:, start:start + length] for table in rotary)
        x = self.input_projection(inputs_embeds)
        for index, layer in enumerate(self.layers):
            x = layer(x, cos, sin, cache=cache, layer=index, attn_mask=attn_mask)
        return self.norm(x)

    def generate(
        self, talker_hidden: torch.Tensor, first_code_embed: torch.Tensor, sample: SampleFn,
        cache: StaticKVCache | None = None,
    ) -> torch.Tensor:
        """Residual codes ``[B, 15]`` for one frame from the talker state ``[B, H]`` and the
        embedding of its first code ``[B, H]``; a ``StaticKVCache`` of at least 16 slots keeps
        every shape fixed (for CUDA-graph capture), otherwise a dynamic cache is used."""
        kv = DynamicKVCache(len(self.layers)) if cache is None else cache
        inputs = torch.stack((talker_hidden, first_code_embed), dim=1)
        rotary = self.rotary(inputs.shape[0], self.config.num_residual_groups + 1, inputs)
        codes = []
        position = 0
        for group in range(self.config.num_residual_groups):
            length = inputs.shape[1]
            attn_mask = None
            if cache is not None:
                cache.positions = torch.arange(position, position + length, device=inputs.device)
                attn_mask = cache.attention_mask()
            hidden = self(inputs, position, kv, attn_mask, rotary)
            position += length
            logits = self.lm_heads[group](hidden[:, -1])
            with record_function("sampling"):
                code = sample(logits, group + 1)
            codes.append(code)
            if group + 1 < self.config.num_residual_groups:
                inputs = self.codec_embedding[group](code)[:, None]
        return torch.stack(codes, dim=1)
