"""Transformer building blocks shared by the talker, the code predictor and the codec decoder.

Qwen3-style: pre-norm RMSNorm, grouped-query attention with per-head RMS "QK-norm", rotary
position embedding (optionally the interleaved multimodal variant), SwiGLU feed-forward.
Attention runs through ``torch.nn.functional.scaled_dot_product_attention``; the backend is chosen
by the caller with ``torch.nn.attention.sdpa_kernel`` (``Synthesizer(sdpa_backend=...)``).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from ttsbench.engine.kv_cache import KVCache


class RMSNorm(nn.Module):
    """Root-mean-square layer norm with a learned scale, computed in float32."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32:
            return F.rms_norm(x, (x.shape[-1],), self.weight, self.eps)
        normed = F.rms_norm(x.float(), (x.shape[-1],), eps=self.eps)
        return self.weight * normed.to(x.dtype)


class SwiGLU(nn.Module):
    """``down(silu(gate(x)) * up(x))``, no biases; gate and up share one fused projection."""

    def __init__(self, hidden: int, intermediate: int) -> None:
        super().__init__()
        self.gate_up_proj = nn.Linear(hidden, 2 * intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(F.silu(gate) * up)


def rotary_cos_sin(
    positions: torch.Tensor,
    head_dim: int,
    theta: float,
    dtype: torch.dtype,
    mrope_section: tuple[int, ...] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables ``[B, L, head_dim]`` for ``positions``.

    ``positions`` is ``[B, L]`` for plain RoPE, or ``[3, B, L]`` (temporal, height, width streams)
    with ``mrope_section`` for the interleaved multimodal RoPE: frequency ``j`` uses the height
    stream when ``j % 3 == 1`` and ``j < 3 * section[1]``, the width stream when ``j % 3 == 2``
    and ``j < 3 * section[2]``, the temporal stream otherwise.
    """
    half = head_dim // 2
    inv_freq = _inverse_frequencies(half, theta, positions.device)
    if mrope_section is None:
        freqs = positions.float()[..., None] * inv_freq
    else:
        if sum(mrope_section) != half:
            raise ValueError(f"mrope_section {mrope_section} must sum to head_dim/2 = {half}")
        per_stream = positions.float()[..., None] * inv_freq  # [3, B, L, half]
        freqs = per_stream[0].clone()
        for stream in (1, 2):
            index = slice(stream, 3 * mrope_section[stream], 3)
            freqs[..., index] = per_stream[stream][..., index]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


@functools.lru_cache(maxsize=32)
def _inverse_frequencies(half: int, theta: float, device: torch.device) -> torch.Tensor:
    """``theta ** (-i / half)`` for ``i < half`` (float32, cached per device; read-only)."""
    exponents = torch.arange(0, half, dtype=torch.float64) / half
    return (theta ** -exponents).to(device=device, dtype=torch.float32)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` ``[B, H, L, D]`` by the tables ``[B, L, D]`` (rotate-half convention)."""
    cos, sin = cos[:, None], sin[:, None]
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-second, first), dim=-1) * sin


class Attention(nn.Module):
    """Grouped-query self-attention with QK-norm and rotary embedding, optionally cached.

    The query, key and value projections are one fused linear layer (same parameters as three).
    """

    def __init__(
        self, hidden: int, num_heads: int, num_kv_heads: int, head_dim: int, eps: float,
        qk_norm: bool = True,
    ) -> None:
        super().__init__()
        if num_heads % num_kv_heads:
            raise ValueError(f"num_heads {num_heads} not a multiple of num_kv_heads {num_kv_heads}")
        self.num_heads, self.num_kv_heads, self.head_dim = num_heads, num_kv_heads, head_dim
        self.split = (num_heads * head_dim, num_kv_heads * head_dim, num_kv_heads * head_dim)
        self.qkv_proj = nn.Linear(hidden, sum(self.split), bias=False)
        self.o_proj = nn.Linear(num_heads * head_dim, hidden, bias=False)
        self.q_norm = RMSNorm(head_dim, eps) if qk_norm else nn.Identity()
        self.k_norm = RMSNorm(head_dim, eps) if qk_norm else nn.Identity()

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        *,
        cache: KVCache | None = None,
        layer: int = 0,
        attn_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        batch, length, _ = x.shape
        q, k, v = self.qkv_proj(x).split(self.split, dim=-1)
        q = self.q_norm(q.reshape(batch, length, self.num_heads, self.head_dim))
        k = self.k_norm(k.reshape(batch, length, self.num_kv_heads, self.head_dim))
        v = v.reshape(batch, length, self.num_kv_heads, self.head_dim)
        q = apply_rotary(q.transpose(1, 2), cos, sin)
        k = apply_rotary(k.transpose(1, 2), cos, sin)
        v = v.transpose(1, 2)
        if cache is not None:
            k, v = cache.update(layer, k, v)
        out = _grouped_attention(q, k, v, attn_mask)
        return self.o_proj(out.transpose(1, 2).reshape(batch, length, -1))


def _grouped_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attn_mask: torch.Tensor | None
) -> torch.Tensor:
    """SDPA of ``q`` ``[B, H, L, D]`` over ``k, v`` ``[B, H_kv, S, D]`` (``H`` a multiple of
    ``H_kv``), causal when no mask is given.

    A single query (a decode step) folds the query heads of each group into its query axis,
    so every backend sees plain multi-head attention without copying keys; a query block with an
    explicit mask expands the keys (the fused kernels do not all take GQA with a mask); a causal
    block without one uses ``enable_gqa``.
    """
    batch, heads, length, dim = q.shape
    kv_heads = k.shape[1]
    groups = heads // kv_heads
    if length == 1:
        folded = q.view(batch, kv_heads, groups, dim)
        out = F.scaled_dot_product_attention(folded, k, v, attn_mask=attn_mask)
        return out.view(batch, heads, 1, dim)
    if attn_mask is None and k.shape[2] != length:
        # A block after cached positions: causal within the block, everything before visible.
        attn_mask = _prefix_causal_mask(length, k.shape[2], q.device)
    if attn_mask is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=groups > 1)
    if groups > 1:
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)


def _prefix_causal_mask(q_len: int, k_len: int, device: torch.device) -> torch.Tensor:
    """Boolean mask letting the last ``q_len`` of ``k_len`` positions attend causally."""
    offset = k_len - q_len
    rows = torch.arange(q_len, device=device)[:, None] + offset
    return torch.arange(k_len, device=device)[None, :] <= rows


class DecoderLayer(nn.Module):
    """Pre-norm transformer layer: ``x + attn(norm(x))`` then ``x + mlp(norm(x))``.

    ``layer_scale`` (the codec decoder's) multiplies each residual branch by a learned
    per-channel scale initialised to that value.
    """

    def __init__(
        self, hidden: int, num_heads: int, num_kv_heads: int, head_dim: int, intermediate: int,
        eps: float, *, qk_norm: bool = True, layer_scale: float | None = None,
    ) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(hidden, eps)
        self.self_attn = Attention(hidden, num_heads, num_kv_heads, head_dim, eps, qk_norm)
        self.post_attention_layernorm = RMSNorm(hidden, eps)
        self.mlp = SwiGLU(hidden, intermediate)
        self.layer_scale_init = layer_scale
        if layer_scale is None:
            self.attn_scale = self.mlp_scale = None
        else:
            self.attn_scale = nn.Parameter(torch.full((hidden,), layer_scale))
            self.mlp_scale = nn.Parameter(torch.full((hidden,), layer_scale))

    def forward(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, *,
        cache: KVCache | None = None, layer: int = 0, attn_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        attn = self.self_attn(
            self.input_layernorm(x), cos, sin, cache=cache, layer=layer, attn_mask=attn_mask
        )
        x = x + (attn if self.attn_scale is None else attn * self.attn_scale)
        mlp = self.mlp(self.post_attention_layernorm(x))
        return x + (mlp if self.mlp_scale is None else mlp * self.mlp_scale)


def decoder_layers(config) -> nn.ModuleList:
    """``config.num_layers`` Qwen3 decoder layers of a talker or code-predictor config."""
    return nn.ModuleList(
        DecoderLayer(
            config.hidden_size, config.num_heads, config.num_kv_heads, config.head_dim,
            config.intermediate_size, config.rms_norm_eps,
        )
        for _ in range(config.num_layers)
    )
