"""Static-shape decoding captured in CUDA graphs: the talker step and the code predictor's frame.

Each talker decode step has the same shapes (one token against ``max_length`` masked cache
slots), so after a warm-up on a side stream the step (talker layers and codec head) is captured
once with ``torch.cuda.CUDAGraph`` and replayed with new inputs copied into its static buffers:
one launch instead of hundreds. The code predictor's whole frame (15 sequential steps on a
16-slot static cache, sampling included, its generator registered with the graph) is captured
the same way. Without capture (``capture=False``, any device) the same static-cache code runs
eagerly, which is how the CPU tests check it against the dynamic cache.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from ttsbench.engine.code_predictor import CodePredictor, SampleFn
from ttsbench.engine.kernels.sampling import SamplingOptions, sample
from ttsbench.engine.kv_cache import StaticKVCache
from ttsbench.engine.talker import Talker


class StaticTalkerDecoder:
    """Prefill and single-token steps of ``talker`` for a fixed batch on a static cache."""

    def __init__(self, talker: Talker, batch: int, max_length: int, *, capture: bool) -> None:
        cfg = talker.config
        weight = talker.codec_head.weight
        if capture and weight.device.type != "cuda":
            raise ValueError(
                f"CUDA-graph capture needs a CUDA device, the talker is on {weight.device}"
            )
        self.talker, self.batch, self.max_length = talker, batch, max_length
        self.cache = StaticKVCache(
            cfg.num_layers, batch, cfg.num_kv_heads, max_length, cfg.head_dim,
            dtype=weight.dtype, device=weight.device,
        )
        self.step_input = torch.zeros(batch, 1, cfg.hidden_size, dtype=weight.dtype,
                                      device=weight.device)
        self.step_position = torch.zeros(1, dtype=torch.long, device=weight.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.outputs: tuple[torch.Tensor, torch.Tensor] | None = None
        if capture:
            self._capture()

    def _forward_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        self.cache.positions = self.step_position
        hidden = self.talker(
            self.step_input, self.step_position.expand(self.batch, 1), cache=self.cache,
            attn_mask=self.cache.attention_mask(),
        )[:, -1]
        return hidden, self.talker.codec_head(hidden)

    def _capture(self) -> None:
        # Warm-up writes garbage into slot 0 only; every prefill overwrites it.
        self.graph, self.outputs = capture_graph(self._forward_step)

    def prefill(self, inputs_embeds: torch.Tensor) -> torch.Tensor:
        """Run the prompt ``[batch, L, H]`` eagerly into the cache; hidden states ``[B, L, H]``."""
        length = inputs_embeds.shape[1]
        if length >= self.max_length:
            raise ValueError(f"prompt of {length} positions does not fit a static cache of "
                             f"{self.max_length}")
        positions = torch.arange(length, device=inputs_embeds.device)
        self.cache.positions = positions
        return self.talker(
            inputs_embeds, positions.expand(self.batch, length), cache=self.cache,
            attn_mask=self.cache.attention_mask(),
        )

    def step(self, inputs_embeds: torch.Tensor, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One token ``[batch, 1, H]`` at ``position``: (hidden ``[B, H]``, logits ``[B, V]``).

        With a graph the returned tensors are its static outputs, overwritten by the next step.
        """
        if position >= self.max_length:
            raise ValueError(f"position {position} is past the static cache of {self.max_length} "
                             "slots; prefill with a larger max_new_frames")
        self.step_input.copy_(inputs_embeds)
        self.step_position.fill_(position)
        if self.graph is None:
            return self._forward_step()
        self.graph.replay()
        return self.outputs


class StaticCodePredictor:
    """The code predictor's frame (``CodePredictor.generate``) on a static 16-slot cache for a
    fixed batch, captured in a CUDA graph when ``generator`` is given (it is registered with the
    graph so each replay draws fresh random numbers) or run eagerly without capture."""

    def __init__(
        self, code_predictor: CodePredictor, batch: int, sample: SampleFn,
        generator: torch.Generator | None,
    ) -> None:
        cfg = code_predictor.config
        weight = code_predictor.lm_heads[0].weight
        talker_hidden = code_predictor.codec_embedding[0].embedding_dim
        self.code_predictor, self.sample = code_predictor, sample
        self.cache = StaticKVCache(
            cfg.num_layers, batch, cfg.num_kv_heads, cfg.num_residual_groups + 1, cfg.head_dim,
            dtype=weight.dtype, device=weight.device,
        )
        self.hidden = torch.zeros(batch, talker_hidden, dtype=weight.dtype, device=weight.device)
        self.first_embed = torch.zeros_like(self.hidden)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.codes: torch.Tensor | None = None
        if generator is not None:
            self.graph, self.codes = capture_graph(self._generate, generator)

    def _generate(self) -> torch.Tensor:
        return self.code_predictor.generate(self.hidden, self.first_embed, self.sample,
                                            self.cache)

    def generate(self, hidden: torch.Tensor, first_code_embed: torch.Tensor) -> torch.Tensor:
        """Residual codes ``[B, 15]`` (a fresh tensor) for one frame."""
        self.hidden.copy_(hidden)
        self.first_embed.copy_(first_code_embed)
        if self.graph is None:
            return self._generate()
        self.graph.replay()
        return self.codes.clone()


def capture_graph(
    fn, generator: torch.Generator | None = None, warmup: int = 3
) -> tuple[torch.cuda.CUDAGraph, object]:
    """Warm ``fn`` up on a side stream, then capture it: (graph, its static outputs)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    if generator is not None:
        graph.register_generator_state(generator)
    with torch.cuda.graph(graph):
        outputs = fn()
    return graph, outputs


class CapturedGraphs:
    """A synthesizer's captured static talker decoders and code-predictor frames, built once
    per shape; ``sampler`` draws residual codes from the synthesizer's generator."""

    def __init__(self, model, generator: torch.Generator,
                 context: Callable[[], AbstractContextManager]) -> None:
        self.model, self.generator, self.context = model, generator, context
        self._decoders: dict[tuple[int, int], StaticTalkerDecoder] = {}
        self._code_predictors: dict[tuple[int, SamplingOptions], StaticCodePredictor] = {}

    def sampler(self, sampling: SamplingOptions) -> SampleFn:
        def draw(logits: torch.Tensor, group: int) -> torch.Tensor:
            return sample(logits, sampling, generator=self.generator)
        return draw

    def talker_decoder(self, batch: int, needed: int) -> StaticTalkerDecoder:
        """The captured static decoder for ``batch`` with at least ``needed`` slots (power of 2)."""
        talker = self.model.talker
        length = min(talker.config.max_positions, 1 << max(8, math.ceil(math.log2(needed))))
        key = (batch, length)
        if key not in self._decoders:
            self._decoders[key] = StaticTalkerDecoder(talker, batch, length, capture=True)
        return self._decoders[key]

    def code_predictor(self, batch: int, sampling: SamplingOptions) -> StaticCodePredictor:
        """The captured code-predictor frame for ``batch`` and ``sampling`` (built once).

        Capture draws from the sampling generator during warm-up; callers that need
        reproducible draws build it before re-seeding (``FrameGenerator`` does).
        """
        key = (batch, sampling)
        if key not in self._code_predictors:
            with self.context():
                self._code_predictors[key] = StaticCodePredictor(
                    self.model.code_predictor, batch, self.sampler(sampling), self.generator,
                )
        return self._code_predictors[key]
