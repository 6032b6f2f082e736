"""A DualFFN decoder layer: shared attention, separate norms and feed-forward for audio tokens.

As in Higgs-Audio's DualFFN: audio positions go through their own input norm, post-attention
norm and SwiGLU FFN; text positions through the shared (text) ones; every position attends over
the whole sequence through the one shared attention. The audio path adds parameters, not
per-token compute: each token still passes one norm pair and one FFN.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ttsbench.engine.kv_cache import KVCache
from ttsbench.engine.layers import Attention, RMSNorm, SwiGLU


class DualFFNDecoderLayer(nn.Module):
    """Pre-norm layer routing each position to the text or the audio norms and FFN.

    ``audio_mask`` is a bool tensor ``[B, L]`` (True = audio position), or a plain ``True`` /
    ``False`` when every position is audio (e.g. a decode step) or text (a text prompt); the plain
    forms route without any indexing.
    """

    def __init__(
        self, hidden: int, num_heads: int, num_kv_heads: int, head_dim: int, intermediate: int,
        eps: float = 1e-6, *, audio_intermediate: int | None = None,
    ) -> None:
        super().__init__()
        self.self_attn = Attention(hidden, num_heads, num_kv_heads, head_dim, eps)
        self.input_layernorm = RMSNorm(hidden, eps)
        self.post_attention_layernorm = RMSNorm(hidden, eps)
        self.mlp = SwiGLU(hidden, intermediate)
        self.audio_input_layernorm = RMSNorm(hidden, eps)
        self.audio_post_attention_layernorm = RMSNorm(hidden, eps)
        self.audio_mlp = SwiGLU(hidden, audio_intermediate or intermediate)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        audio_mask: torch.Tensor | bool,
        *,
        cache: KVCache | None = None,
        layer: int = 0,
        attn_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        normed = _route(x, audio_mask, self.input_layernorm, self.audio_input_layernorm)
        x = x + self.self_attn(normed, cos, sin, cache=cache, layer=layer, attn_mask=attn_mask)
        return x + _route(x, audio_mask, self._text_ffn, self._audio_ffn)

    def _text_ffn(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.post_attention_layernorm(x))

    def _audio_ffn(self, x: torch.Tensor) -> torch.Tensor:
        return self.audio_mlp(self.audio_post_attention_layernorm(x))


def _route(
    x: torch.Tensor,
    audio_mask: torch.Tensor | bool,
    text_fn: Callable[[torch.Tensor], torch.Tensor],
    audio_fn: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """``audio_fn`` on audio positions, ``text_fn`` on the others, each on its positions only."""
    if isinstance(audio_mask, bool):
        return audio_fn(x) if audio_mask else text_fn(x)
    if audio_mask.shape != x.shape[:2] or audio_mask.dtype != torch.bool:
        raise ValueError(f"audio_mask: expected a bool tensor {tuple(x.shape[:2])}, got "
                         f"{audio_mask.dtype} {tuple(audio_mask.shape)}")
    out = torch.empty_like(x)
    out[audio_mask] = audio_fn(x[audio_mask])
    text = ~audio_mask
    out[text] = text_fn(x[text])
    return out
