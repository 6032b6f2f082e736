"""The 12 Hz codec decoder: 16 codebook indices per frame to 1920 samples of 24 kHz audio.

Pipeline: residual-VQ dequantisation (1 semantic + 15 acoustic codebooks, each group summed and
projected) -> causal conv to the latent width -> sliding-window transformer -> two causal
transposed-conv + ConvNeXt stages (x2, x2) -> a causal conv stack upsampling x8, x5, x4, x3 with
Snake activations -> one waveform channel clamped to [-1, 1].

Every convolution is causal (left padding; transposed convolutions trimmed on the right), so a
sample never depends on later frames. Streaming (``decode_window``) re-decodes a chunk together
with ``left_context`` earlier frames and keeps only the chunk's samples; the result equals
whole-utterance decoding once the left context covers the receptive field (the attention window
of every layer plus the convolution kernels), and differs slightly when it does not.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ttsbench.engine.config import Decoder12HzConfig
from ttsbench.engine.layers import DecoderLayer, RMSNorm, rotary_cos_sin


RESIDUAL_BRANCH_GAIN = 0.1
OUTPUT_GAIN = 0.2  # random weights then give a waveform RMS of about 0.3, mostly unclipped


class CausalConv1d(nn.Module):
    """Stride-1 convolution padded on the left only."""

    def __init__(
        self, in_ch: int, out_ch: int, kernel: int, *, dilation: int = 1, groups: int = 1
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_ch, out_ch, kernel, dilation=dilation, groups=groups)
        self.left_pad = (kernel - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (self.left_pad, 0)))


class CausalConvTranspose1d(nn.Module):
    """Transposed convolution upsampling by ``stride``, its overhang trimmed on the right."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose1d(in_ch, out_ch, kernel, stride=stride)
        self.trim = kernel - stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y[..., : y.shape[-1] - self.trim] if self.trim else y


class SnakeBeta(nn.Module):
    """``x + sin^2(alpha x) / beta`` per channel, alpha and beta stored as logarithms."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def init_extra_parameters(self) -> None:
        """Log-scale parameters start at 0 (alpha = beta = 1)."""
        nn.init.zeros_(self.alpha)
        nn.init.zeros_(self.beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha.exp()[None, :, None]
        beta = self.beta.exp()[None, :, None]
        return x + torch.sin(x * alpha).pow(2) / (beta + 1e-9)


class ConvNeXtBlock(nn.Module):
    """Causal depthwise conv, LayerNorm, pointwise MLP (x4, GELU), layer-scaled residual."""

    def __init__(self, dim: int, layer_scale: float = 1e-6) -> None:
        super().__init__()
        self.dwconv = CausalConv1d(dim, dim, 7, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), layer_scale))
        self.layer_scale_init = layer_scale

    def init_extra_parameters(self) -> None:
        nn.init.constant_(self.gamma, self.layer_scale_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.dwconv(x).transpose(1, 2))
        y = self.pwconv2(F.gelu(self.pwconv1(y))) * self.gamma
        return x + y.transpose(1, 2)


class ResidualUnit(nn.Module):
    """Snake, dilated causal conv (kernel 7), Snake, pointwise conv, residual."""

    def __init__(self, dim: int, dilation: int) -> None:
        super().__init__()
        self.act1 = SnakeBeta(dim)
        self.conv1 = CausalConv1d(dim, dim, 7, dilation=dilation)
        self.act2 = SnakeBeta(dim)
        self.conv2 = CausalConv1d(dim, dim, 1)

    def init_extra_parameters(self) -> None:
        """Start the residual branch small (x0.1) so random weights keep a bounded signal."""
        self.conv2.conv.weight.mul_(RESIDUAL_BRANCH_GAIN)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act2(self.conv1(self.act1(x))))


class DecoderBlock(nn.Module):
    """Snake, causal transposed conv upsampling by ``rate``, residual units (dilation 1, 3, 9)."""

    def __init__(self, in_dim: int, out_dim: int, rate: int) -> None:
        super().__init__()
        self.act = SnakeBeta(in_dim)
        self.upsample = CausalConvTranspose1d(in_dim, out_dim, 2 * rate, rate)
        self.units = nn.Sequential(*(ResidualUnit(out_dim, d) for d in (1, 3, 9)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.units(self.upsample(self.act(x)))


class Decoder12Hz(nn.Module):
    """Codes ``[B, 16, T]`` to audio ``[B, T * samples_per_frame]``."""

    def __init__(self, config: Decoder12HzConfig) -> None:
        super().__init__()
        self.config = config
        cfg = config
        self.codebooks = nn.ModuleList(
            nn.Embedding(cfg.codebook_size, cfg.codebook_dim) for _ in range(cfg.num_quantizers)
        )
        self.semantic_proj = nn.Conv1d(cfg.codebook_dim, cfg.codebook_dim, 1)
        self.acoustic_proj = nn.Conv1d(cfg.codebook_dim, cfg.codebook_dim, 1)
        self.pre_conv = CausalConv1d(cfg.codebook_dim, cfg.latent_dim, 3)
        self.input_proj = nn.Linear(cfg.latent_dim, cfg.hidden_size)
        self.layers = nn.ModuleList(
            DecoderLayer(
                cfg.hidden_size, cfg.num_heads, cfg.num_heads, cfg.head_dim,
                cfg.intermediate_size, cfg.rms_norm_eps, qk_norm=False,
                layer_scale=cfg.layer_scale,
            )
            for _ in range(cfg.num_layers)
        )
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.output_proj = nn.Linear(cfg.hidden_size, cfg.latent_dim)
        self.latent_upsample = nn.Sequential(*(
            nn.Sequential(
                CausalConvTranspose1d(cfg.latent_dim, cfg.latent_dim, rate, rate),
                ConvNeXtBlock(cfg.latent_dim),
            )
            for rate in cfg.latent_upsample_rates
        ))
        dims = [cfg.decoder_dim // 2**i for i in range(len(cfg.upsample_rates) + 1)]
        self.input_conv = CausalConv1d(cfg.latent_dim, dims[0], 7)
        self.blocks = nn.Sequential(*(
            DecoderBlock(dims[i], dims[i + 1], rate) for i, rate in enumerate(cfg.upsample_rates)
        ))
        self.output_act = SnakeBeta(dims[-1])
        self.output_conv = CausalConv1d(dims[-1], 1, 7)

    def init_extra_parameters(self) -> None:
        """Scale the output convolution so the random-weight waveform stays mostly in range."""
        self.output_conv.conv.weight.mul_(OUTPUT_GAIN)

    def dequantize(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, Q, T]`` to the summed, projected codebook vectors ``[B, dim, T]``."""
        semantic = self.config.num_semantic_quantizers
        vectors = [book(codes[:, q]) for q, book in enumerate(self.codebooks)]
        semantic_sum = torch.stack(vectors[:semantic]).sum(0).transpose(1, 2)
        acoustic_sum = torch.stack(vectors[semantic:]).sum(0).transpose(1, 2)
        return self.semantic_proj(semantic_sum) + self.acoustic_proj(acoustic_sum)

    def transformer(self, latent: torch.Tensor) -> torch.Tensor:
        """Sliding-window causal transformer over frames, ``[B, latent, T]`` in and out."""
        cfg = self.config
        frames = latent.shape[-1]
        x = self.input_proj(latent.transpose(1, 2))
        positions = torch.arange(frames, device=x.device).expand(x.shape[0], frames)
        cos, sin = rotary_cos_sin(positions, cfg.head_dim, cfg.rope_theta, x.dtype)
        query = torch.arange(frames, device=x.device)[:, None]
        key = torch.arange(frames, device=x.device)[None, :]
        mask = (key <= query) & (key > query - cfg.sliding_window)
        for layer in self.layers:
            x = layer(x, cos, sin, attn_mask=mask)
        return self.output_proj(self.norm(x)).transpose(1, 2)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        if codes.dim() != 3 or codes.shape[1] != self.config.num_quantizers:
            raise ValueError(
                f"codes must be [B, {self.config.num_quantizers}, T], got {tuple(codes.shape)}"
            )
        return self.waveform(self.transformer(self.pre_conv(self.dequantize(codes))))

    def waveform(self, latent: torch.Tensor) -> torch.Tensor:
        """The causal convolution stack: transformer output ``[B, latent, T]`` to audio."""
        latent = self.latent_upsample(latent)
        audio = self.output_conv(self.output_act(self.blocks(self.input_conv(latent))))
        return audio.squeeze(1).clamp(-1.0, 1.0)

    def decode_window(
        self, codes: torch.Tensor, start: int, end: int, left_context: int
    ) -> torch.Tensor:
        """Audio ``[B, (end - start) * samples_per_frame]`` for frames ``start..end-1``,
        decoded with up to ``left_context`` earlier frames as context."""
        first = max(0, start - left_context)
        audio = self(codes[:, :, first:end])
        return audio[:, (start - first) * self.config.samples_per_frame:]
