"""Seeded random ("dummy") weights and parameter counting without allocation.

Performance work does not need trained weights (vLLM's ``--load-format dummy``,
optimum-benchmark's ``no_weights``): the model is built on the meta device, materialised directly
on the target device and dtype, then filled from one seeded ``torch.Generator`` in module order,
so a seed always gives the same weights on a given device.

Initialisation keeps activations at unit scale: linear and convolution weights are normal with
std ``1/sqrt(fan_in)``, embeddings normal with std 1, biases zero, norms one; modules with other
parameters (layer scales, Snake) reset them in ``init_extra_parameters``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ttsbench.engine.config import ModelConfig, get_preset
from ttsbench.engine.layers import DecoderLayer, RMSNorm
from ttsbench.engine.model import Qwen3TTSModel


def build_on_meta(config: ModelConfig) -> Qwen3TTSModel:
    """The model with every tensor on the meta device (shapes only, nothing allocated)."""
    with torch.device("meta"):
        return Qwen3TTSModel(config)


def count_parameters(preset: str | ModelConfig) -> dict[str, int]:
    """Parameter counts by part, on the meta device: ``talker`` (incl. text embedding and
    projection), ``code_predictor``, ``decoder``, ``checkpoint`` (talker + code predictor, the
    published talker-checkpoint size) and ``total``."""
    config = get_preset(preset) if isinstance(preset, str) else preset
    model = build_on_meta(config)
    counts = {
        name: sum(p.numel() for p in getattr(model, name).parameters())
        for name in ("talker", "code_predictor", "decoder")
    }
    counts["checkpoint"] = counts["talker"] + counts["code_predictor"]
    counts["total"] = counts["checkpoint"] + counts["decoder"]
    return counts


def initialize(module: nn.Module, generator: torch.Generator) -> None:
    """Fill every parameter of ``module`` in place, drawing from ``generator`` in module order."""
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, nn.Linear):
                sub.weight.normal_(0.0, 1.0 / math.sqrt(sub.in_features), generator=generator)
                if sub.bias is not None:
                    sub.bias.zero_()
            elif isinstance(sub, (nn.Conv1d, nn.ConvTranspose1d)):
                fan_in = sub.in_channels // sub.groups * sub.kernel_size[0]
                if isinstance(sub, nn.ConvTranspose1d):
                    fan_in //= sub.stride[0]
                sub.weight.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)
                if sub.bias is not None:
                    sub.bias.zero_()
            elif isinstance(sub, nn.Embedding):
                sub.weight.normal_(0.0, 1.0, generator=generator)
            elif isinstance(sub, (RMSNorm, nn.LayerNorm)):
                sub.weight.fill_(1.0)
                if getattr(sub, "bias", None) is not None:
                    sub.bias.zero_()
        # Second pass, so that a module may rescale what its children just drew.
        for sub in module.modules():
            if isinstance(sub, DecoderLayer) and sub.attn_scale is not None:
                sub.attn_scale.fill_(sub.layer_scale_init)
                sub.mlp_scale.fill_(sub.layer_scale_init)
            if hasattr(sub, "init_extra_parameters"):
                sub.init_extra_parameters()


def build_model(
    config: ModelConfig, *, device: torch.device, dtype: torch.dtype, seed: int
) -> Qwen3TTSModel:
    """The model on ``device`` in ``dtype`` with seeded random weights, in eval mode, no grads."""
    model = build_on_meta(config).to(dtype=dtype).to_empty(device=device)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    initialize(model, generator)
    model.eval().requires_grad_(False)
    return model


def count_variant_parameters(variant: str) -> dict[str, int]:
    """``count_parameters`` of the variant's preset plus ``speaker_encoder`` (0 without one),
    counted into ``checkpoint`` and ``total`` as the Base checkpoints ship it; meta device."""
    from ttsbench.engine.speaker_encoder import SpeakerEncoder
    from ttsbench.engine.variants import get_variant

    spec = get_variant(variant)
    counts = count_parameters(spec.preset)
    counts["speaker_encoder"] = 0
    if spec.speaker_encoder is not None:
        with torch.device("meta"):
            encoder = SpeakerEncoder(spec.speaker_encoder)
        counts["speaker_encoder"] = sum(p.numel() for p in encoder.parameters())
    counts["checkpoint"] += counts["speaker_encoder"]
    counts["total"] += counts["speaker_encoder"]
    return counts
