"""Generation with the 8-codebook delay pattern over a DualFFN decoder (Higgs-Audio style).

One decoder step emits one *column* of the delayed layout (``kernels.delay_pattern``): codebook
``k`` runs ``k`` frames behind codebook 0, so all 8 codebooks are predicted in parallel while
codebook ``k`` of a frame still sees codebooks ``< k`` of that frame. The slots the pattern fixes
(BOS before a codebook starts, PAD after it ends) are forced, the rest sampled; ``T`` frames take
``T + 7`` steps, and ``revert_delay_pattern`` restores the ``[B, 8, T]`` codes.

Inputs: the text prompt (byte-level ids, ``engine.tokenizer``) through the text path of every
``DualFFNDecoderLayer``, then one audio column per step (the sum of its 8 codebook embeddings)
through the audio path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.profiler import record_function

from ttsbench.engine.config import PRESETS, DecoderStackConfig, stack_of
from ttsbench.engine.dualffn import DualFFNDecoderLayer
from ttsbench.engine.kernels.delay_pattern import build_delay_pattern, revert_delay_pattern
from ttsbench.engine.kernels.sampling import SamplingOptions, sample
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.layers import RMSNorm, rotary_cos_sin
from ttsbench.engine.weights import initialize


@dataclass(frozen=True)
class DelayedLMConfig(DecoderStackConfig):
    """A DualFFN decoder over ``num_codebooks`` codebooks of ``codebook_size`` codes (+BOS, PAD)."""

    audio_intermediate_size: int
    num_codebooks: int = 8
    codebook_size: int = 1024
    text_vocab_size: int = 320

    @property
    def bos_id(self) -> int:
        return self.codebook_size

    @property
    def pad_id(self) -> int:
        return self.codebook_size + 1


DELAYED_PRESETS: dict[str, DelayedLMConfig] = {
    "tiny": DelayedLMConfig(
        hidden_size=96, num_layers=2, num_heads=4, num_kv_heads=2, head_dim=32,
        intermediate_size=256, audio_intermediate_size=256,
    ),
    # The 0.6B talker's dimensions with a DualFFN audio path in every layer.
    "0.6b": DelayedLMConfig(**stack_of(PRESETS["0.6b"].talker), audio_intermediate_size=3072),
}

# Audio codes: the sampler's defaults without the talker's penalty and control-id suppression.
DELAYED_SAMPLING = SamplingOptions(repetition_penalty=1.0, min_new_tokens=0, suppress_tokens=False)


class DelayedCodebookLM(nn.Module):
    """Text and per-codebook audio embeddings, DualFFN layers, one head per codebook."""

    def __init__(self, config: DelayedLMConfig) -> None:
        super().__init__()
        self.config = config
        vocab = config.codebook_size + 2
        self.text_embedding = nn.Embedding(config.text_vocab_size, config.hidden_size)
        self.audio_embeddings = nn.ModuleList(
            nn.Embedding(vocab, config.hidden_size) for _ in range(config.num_codebooks)
        )
        self.layers = nn.ModuleList(
            DualFFNDecoderLayer(
                config.hidden_size, config.num_heads, config.num_kv_heads, config.head_dim,
                config.intermediate_size, config.rms_norm_eps,
                audio_intermediate=config.audio_intermediate_size,
            )
            for _ in range(config.num_layers)
        )
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.audio_heads = nn.ModuleList(
            nn.Linear(config.hidden_size, vocab, bias=False) for _ in range(config.num_codebooks)
        )

    def embed_columns(self, columns: torch.Tensor) -> torch.Tensor:
        """Delayed-layout columns ``[B, K, L]`` to summed embeddings ``[B, L, H]``."""
        return sum(emb(columns[:, k]) for k, emb in enumerate(self.audio_embeddings))

    def forward(
        self, inputs_embeds: torch.Tensor, start: int, audio_mask: torch.Tensor | bool,
        cache: DynamicKVCache | None = None,
    ) -> torch.Tensor:
        """Final-normed hidden states ``[B, L, H]`` for positions ``start..start+L-1``."""
        batch, length, _ = inputs_embeds.shape
        positions = torch.arange(start, start + length, device=inputs_embeds.device)
        cos, sin = rotary_cos_sin(
            positions.expand(batch, length), self.config.head_dim, self.config.rope_theta,
            inputs_embeds.dtype,
        )
        x = inputs_embeds
        for index, layer in enumerate(self.layers):
            x = layer(x, cos, sin, audio_mask, cache=cache, layer=index)
        return self.norm(x)

    def audio_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Per-codebook logits ``[B, L, K, codebook_size + 2]`` of hidden states ``[B, L, H]``."""
        return torch.stack([head(hidden) for head in self.audio_heads], dim=2)


def build_delayed_lm(
    preset: str = "tiny", device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32, seed: int = 0,
) -> DelayedCodebookLM:
    """A ``DELAYED_PRESETS`` model with seeded random weights, eval mode, no grads."""
    if preset not in DELAYED_PRESETS:
        raise ValueError(f"unknown delayed-LM preset {preset!r}: choose one of "
                         f"{', '.join(DELAYED_PRESETS)}")
    device = torch.device(device)
    with torch.device("meta"):
        model = DelayedCodebookLM(DELAYED_PRESETS[preset])
    model = model.to(dtype=dtype).to_empty(device=device)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    initialize(model, generator)
    return model.eval().requires_grad_(False)


def generate_delayed(
    model: DelayedCodebookLM,
    text_ids: torch.Tensor,
    num_frames: int,
    *,
    sampling: SamplingOptions = DELAYED_SAMPLING,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Codes ``[B, K, num_frames]`` for text ids ``[B, L]``, generated column by column in the
    delay pattern (``num_frames + K - 1`` decoder steps after the prompt)."""
    if not isinstance(num_frames, int) or isinstance(num_frames, bool) or num_frames < 1:
        raise ValueError(f"num_frames={num_frames!r}: expected an integer >= 1")
    if not isinstance(text_ids, torch.Tensor) or text_ids.dim() != 2 or text_ids.numel() == 0:
        raise ValueError("text_ids: expected a non-empty LongTensor [batch, length]")
    cfg = model.config
    device = model.norm.weight.device
    batch, length = text_ids.shape
    shape = (batch, cfg.num_codebooks, num_frames)
    template = build_delay_pattern(
        torch.zeros(shape, dtype=torch.long, device=device),
        bos_token_id=cfg.bos_id, pad_token_id=cfg.pad_id,
    )
    sampled_slot = build_delay_pattern(
        torch.ones(shape, dtype=torch.long, device=device), bos_token_id=0, pad_token_id=0
    ).bool()
    delayed = template.clone()
    cache = DynamicKVCache(cfg.num_layers)
    with torch.inference_mode(), record_function("generate_delayed"):
        text = model.text_embedding(text_ids.to(device))
        model(text, 0, False, cache)
        column = torch.full((batch, cfg.num_codebooks, 1), cfg.bos_id, device=device)
        for step in range(delayed.shape[-1]):
            hidden = model(model.embed_columns(column), length + step, True, cache)
            logits = model.audio_logits(hidden)[:, -1]
            with record_function("sampling"):
                draws = sample(
                    logits[..., : cfg.codebook_size].reshape(batch * cfg.num_codebooks, -1),
                    sampling, generator=generator,
                ).view(batch, cfg.num_codebooks)
            delayed[:, :, step] = torch.where(
                sampled_slot[:, :, step], draws, template[:, :, step]
            )
            column = delayed[:, :, step : step + 1]
    return revert_delay_pattern(delayed)
