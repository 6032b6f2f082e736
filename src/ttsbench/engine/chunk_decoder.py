"""Streaming chunk decoding that skips convolution work the chunk's samples cannot see.

``Decoder12Hz.decode_window`` runs the whole window (chunk plus ``left_context`` frames)
through the transformer and then the convolution stack, and keeps the chunk's samples. The
transformer needs the full context, but the causal convolution stack reads only
``conv_reach_frames`` latent frames before a sample, so ``decode_chunks`` runs the stack on the
chunk plus that many frames. The chunk's samples see the same inputs either way: equal to
``decode_window`` up to float rounding (different sequence lengths may pick different kernels).
"""

from __future__ import annotations

import math

import torch

from ttsbench.engine.decoder12hz import CausalConv1d, CausalConvTranspose1d, Decoder12Hz


def conv_reach_frames(decoder: Decoder12Hz) -> int:
    """Latent frames before a sample that the convolution stack after the transformer reads.

    Walks the stack in execution order: a causal convolution reads ``left_pad`` samples back at
    its rate, a transposed one ``kernel - 1`` samples back at its output rate; one frame is added
    for the rounding of samples to frames.
    """
    rate, reach = 1, 0.0  # samples per frame at the current stage; frames read so far
    stack = (decoder.latent_upsample, decoder.input_conv, decoder.blocks, decoder.output_conv)
    for module in (m for part in stack for m in part.modules()):
        if isinstance(module, CausalConv1d):
            reach += module.left_pad / rate
        elif isinstance(module, CausalConvTranspose1d):
            rate *= module.conv.stride[0]
            reach += (module.conv.kernel_size[0] - 1) / rate
    return math.ceil(reach) + 1


def decode_chunks(decoder: Decoder12Hz, windows: torch.Tensor, context: int) -> torch.Tensor:
    """Audio ``[B, (T - context) * samples_per_frame]`` of windows ``[B, 16, T]`` whose first
    ``context`` frames are left context (what ``decode_window`` returns for them)."""
    latent = decoder.transformer(decoder.pre_conv(decoder.dequantize(windows)))
    skip = max(0, context - conv_reach_frames(decoder))
    audio = decoder.waveform(latent[..., skip:])
    return audio[:, (context - skip) * decoder.config.samples_per_frame:]
