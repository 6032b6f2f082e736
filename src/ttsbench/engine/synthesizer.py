"""Text to 24 kHz audio through Talker -> CodePredictor -> Decoder12Hz, with stage timing.

``Synthesizer`` holds a preset's model with seeded random weights and exposes the stages
(``prefill``, ``talker_step``, ``predict_residual_codes``, ``decode``) and whole utterances:
``synthesize`` decodes all frames at once, ``synthesize_streaming`` in chunks with left context.
The frame loop lives in ``engine.frames``, chunked decoding in ``engine.streaming`` (re-exported).

Profiler spans (``torch.profiler.record_function``): ``prefill``, ``generate_frames``,
``talker_step``, ``code_predictor``, ``sampling``, ``decode``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import ExitStack

import torch
from torch.profiler import record_function

from ttsbench.engine import tokenizer
from ttsbench.engine.conditioning import Conditioner
from ttsbench.engine.config import get_preset
from ttsbench.engine.cuda_graphs import CapturedGraphs, StaticTalkerDecoder
from ttsbench.engine.devices import TORCH_SDPA_BACKENDS as SDPA_BACKENDS
from ttsbench.engine.devices import check_sdpa_backend, inference_context
from ttsbench.engine.devices import resolve_device, resolve_dtype
from ttsbench.engine.frames import DEFAULT_STATIC_FRAMES, RESIDUAL_SAMPLING, FrameGenerator
from ttsbench.engine.frames import GenerationState, SynthesisResult, talker_options
from ttsbench.engine.kernels.sampling import SamplingOptions
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.options import ARCHS, check_positive_int, choose
from ttsbench.engine.prompts import GenerationRequest
from ttsbench.engine.streaming import stream_chunks
from ttsbench.engine.timing import SynthesisTiming
from ttsbench.engine.variants import default_variant, get_variant
from ttsbench.engine.weights import build_model
from ttsbench.workloads import frames_for_text

DECODE_LEFT_CONTEXT = 25  # frames of context codes the decoder sees before new audio
CONDITIONING = tuple(f.name for f in dataclasses.fields(GenerationRequest) if f.name != "text")
__all__ = ["DEFAULT_STATIC_FRAMES", "RESIDUAL_SAMPLING", "SDPA_BACKENDS", "FrameGenerator",
           "GenerationState", "SynthesisResult", "Synthesizer"]


class Synthesizer:
    """A model variant's pipeline with seeded random weights on one device and dtype.

    ``variant`` (``engine.variants.VARIANTS``; default ``<preset>-base``) decides the prompt
    layout and the modes: ``text``, ``voice-clone`` (Base variants) and ``continue``
    (``engine.prompts``). ``arch="unified"`` runs each frame on the device with no host
    round-trip; ``arch="separate"`` runs the talker and the code predictor as two engines that
    hand their tensors through host memory every frame (same outputs for the same seed).

    ``cuda_graphs=True`` decodes the talker on a static KV cache with its decode step captured in
    a CUDA graph, and runs each frame's code predictor as one captured graph too (CUDA only).
    ``sdpa_backend`` (``options.SDPA_BACKENDS`` or None for PyTorch's choice) pins attention.
    """

    def __init__(
        self,
        preset: str | None = None,
        device: str | torch.device = "cpu",
        dtype: str | torch.dtype = "float32",
        seed: int = 0,
        *,
        cuda_graphs: bool = False,
        sdpa_backend: str | None = None,
        variant: str | None = None,
        arch: str = "unified",
    ) -> None:
        if variant is None:
            variant = default_variant(get_preset(preset or "tiny").name)
        self.variant = get_variant(variant)
        if preset is not None and preset != self.variant.preset:
            raise ValueError(f"preset={preset!r} does not match variant={variant!r} (a "
                             f"{self.variant.preset} model): drop preset or pick a matching one")
        self.config = get_preset(self.variant.preset)
        self.arch = choose("arch", arch, ARCHS)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype)
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed={seed!r}: expected a non-negative integer")
        if cuda_graphs and self.device.type != "cuda":
            raise ValueError(f"cuda_graphs=True needs a CUDA device, got device={self.device}; "
                             "pass cuda_graphs=False on CPU")
        check_sdpa_backend(sdpa_backend, self.device)
        self.seed = seed
        self.cuda_graphs = cuda_graphs
        self.sdpa_backend = sdpa_backend
        self.model = build_model(self.config, device=self.device, dtype=self.dtype, seed=seed)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)
        self.conditioner = Conditioner(self.variant, self.model, seed)
        self.graphs = CapturedGraphs(self.model, self.generator, self._context)
        self.last_timing: SynthesisTiming | None = None

    # -- stage access -------------------------------------------------------------------------

    def prompt_ids(self, length: int) -> torch.Tensor:
        """Seeded random byte-level text ids ``[1, length]`` (the same for a given seed)."""
        check_positive_int("length", length)
        generator = torch.Generator().manual_seed(self.seed)
        return torch.randint(0, 256, (1, length), generator=generator)

    def text_embeds(self, input_ids: torch.Tensor) -> torch.Tensor:
        """The talker's prefill input for text ids ``[B, L]``: each text embedding plus the
        codec pad embedding, then the speech-start position; ``[B, L + 1, H]``."""
        if (not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2
                or input_ids.numel() == 0 or input_ids.is_floating_point()):
            raise ValueError("input_ids: expected a non-empty LongTensor [batch, length]")
        talker = self.model.talker
        cfg = talker.config
        with self._context():
            ids = input_ids.to(self.device)
            special = torch.tensor([[tokenizer.TTS_BOS, tokenizer.TTS_PAD]], device=self.device)
            bos_text, _ = talker.embed_text(special).unbind(1)
            pad_codec, bos_codec = talker.codec_embedding(
                torch.tensor([cfg.codec_pad_id, cfg.codec_bos_id], device=self.device)
            ).unbind(0)
            speech_start = (bos_text + bos_codec)[:, None].expand(ids.shape[0], 1, -1)
            return torch.cat((talker.embed_text(ids) + pad_codec, speech_start), dim=1)

    def prefill(
        self, input_ids: torch.Tensor, *, max_new_frames: int = DEFAULT_STATIC_FRAMES
    ) -> GenerationState:
        """Run the talker over text ids ``[B, L]`` (plus the speech-start position).

        ``max_new_frames`` sizes the static cache when ``cuda_graphs`` is on.
        """
        return self.prefill_embeds(self.text_embeds(input_ids), max_new_frames=max_new_frames)

    def prefill_embeds(
        self, embeds: torch.Tensor, *, max_new_frames: int = DEFAULT_STATIC_FRAMES
    ) -> GenerationState:
        """Run the talker over a prefill input ``[B, L, H]`` (``text_embeds`` or a mode's)."""
        talker = self.model.talker
        cfg = talker.config
        batch, length, _ = embeds.shape
        if length + max_new_frames > cfg.max_positions:
            raise ValueError(f"{length - 1} prompt positions + {max_new_frames} frames exceed the "
                             f"talker's {cfg.max_positions} positions; shorten the text or "
                             "max_frames")
        with self._context(), record_function("prefill"):
            if self.cuda_graphs:
                cache = self.graphs.talker_decoder(batch, length + max_new_frames)
                hidden = cache.prefill(embeds)[:, -1]
            else:
                cache = DynamicKVCache(cfg.num_layers)
                positions = torch.arange(length, device=self.device).expand(batch, -1)
                hidden = talker(embeds, positions, cache=cache)[:, -1]
            logits = talker.codec_head(hidden)
            pad_text = talker.embed_text(
                torch.tensor([[tokenizer.TTS_PAD]], device=self.device))
            zeros = torch.zeros(batch, cfg.num_code_groups, dtype=torch.long, device=self.device)
            next_input = self.model.frame_embedding(zeros)[:, None] + pad_text
        return GenerationState(cache, length, hidden, logits, next_input, pad_text)

    def talker_step(self, state: GenerationState) -> torch.Tensor:
        """Feed ``state.next_input`` through the talker; the next first-code logits ``[B, V]``."""
        talker = self.model.talker
        with self._context(), record_function("talker_step"):
            if isinstance(state.cache, StaticTalkerDecoder):
                hidden, logits = state.cache.step(state.next_input, state.position)
            else:
                if state.position >= talker.config.max_positions:
                    raise ValueError(f"position {state.position} is past the talker's "
                                     f"{talker.config.max_positions} positions")
                positions = torch.full((state.next_input.shape[0], 1), state.position,
                                       device=self.device)
                hidden = talker(state.next_input, positions, cache=state.cache)[:, -1]
                logits = talker.codec_head(hidden)
        state.position += 1
        state.hidden, state.logits = hidden, logits
        return logits

    def predict_residual_codes(
        self, hidden: torch.Tensor, first_code: torch.Tensor,
        sampling: SamplingOptions = RESIDUAL_SAMPLING,
    ) -> torch.Tensor:
        """The 15 residual codes ``[B, 15]`` of a frame from the talker hidden state ``[B, H]``
        and the frame's first code ``[B]``."""
        with self._context(), record_function("code_predictor"):
            first_embed = self.model.talker.codec_embedding(first_code)
            if self.cuda_graphs:
                graphed = self.graphs.code_predictor(hidden.shape[0], sampling)
                return graphed.generate(hidden, first_embed)
            return self.model.code_predictor.generate(
                hidden, first_embed, self.graphs.sampler(sampling)
            )

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, 16, T]`` to audio ``[B, T * 1920]`` on the model's device and dtype."""
        with self._context(), record_function("decode"):
            return self.model.decoder(codes.to(self.device))

    # -- whole utterances ---------------------------------------------------------------------

    def synthesize(
        self,
        text: str,
        max_frames: int | None = None,
        *,
        sampling: SamplingOptions | None = None,
        fixed_length: bool = False,
        batch_size: int = 1,
        **conditioning,
    ) -> SynthesisResult:
        """Synthesize ``text``; ``batch_size`` copies of it decode together (throughput runs).

        ``max_frames`` defaults to the speaking-time estimate of ``workloads.frames_for_text``;
        ``fixed_length`` ignores EOS so exactly ``max_frames`` frames are generated.
        ``conditioning``: the ``GenerationRequest`` fields ``mode``, ``reference``,
        ``reference_text``, ``codes``, ``speaker``, ``instruct``. The result holds the new
        frames' codes and audio (context frames serve as the decoder's left context).
        """
        check_positive_int("batch_size", batch_size)
        frames = self._frames(text, max_frames, sampling, fixed_length, batch_size, conditioning)
        with self._context():
            with record_function("generate_frames"):
                while frames.next_frame():
                    pass
            codes = frames.codes()
            with frames.clock.stage("decoder"):
                if not codes.shape[-1]:
                    audio = codes.new_zeros((batch_size, 0), dtype=self.dtype)
                elif frames.context is None:
                    audio = self.decode(codes)
                else:  # the new frames, decoded after up to DECODE_LEFT_CONTEXT context frames
                    with record_function("decode"):
                        everything, offset = frames.decodable()
                        audio = self.model.decoder.decode_window(
                            everything, offset, offset + frames.count, DECODE_LEFT_CONTEXT)
        total = frames.clock.wall_ms()
        timing = frames.timing(time_to_first_audio_ms=total, total_ms=total)
        self.last_timing = timing
        audio = audio.float().cpu()
        return SynthesisResult(audio[0] if batch_size == 1 else audio, codes.cpu(), timing)

    def synthesize_streaming(
        self,
        text: str,
        chunk_frames: int = 12,
        left_context: int = 25,
        max_frames: int | None = None,
        *,
        sampling: SamplingOptions | None = None,
        fixed_length: bool = False,
        **conditioning,
    ) -> Iterator[torch.Tensor]:
        """Audio chunks (1-D float32 CPU) of ``chunk_frames`` frames each (the last may be
        shorter), each decoded with ``left_context`` earlier frames of context. The timing of
        the finished stream is left in ``last_timing``. ``conditioning`` as for
        ``synthesize``."""
        check_positive_int("chunk_frames", chunk_frames)
        if not isinstance(left_context, int) or isinstance(left_context, bool) or left_context < 0:
            raise ValueError(f"left_context={left_context!r}: expected an integer >= 0")
        frames = self._frames(text, max_frames, sampling, fixed_length, 1, conditioning)
        return stream_chunks(frames, self.model.decoder, chunk_frames, left_context,
                             self._context, self._finished)

    # -- internals ----------------------------------------------------------------------------

    def _context(self) -> ExitStack:
        """inference_mode plus the pinned SDPA backend, if any."""
        return inference_context(self.sdpa_backend)

    def talker_options(self, sampling: SamplingOptions | None, max_frames: int,
                       fixed_length: bool) -> SamplingOptions:
        """``frames.talker_options`` for this model's talker (EOS id, suppression)."""
        return talker_options(self.config.talker, sampling, max_frames, fixed_length)

    def _finished(self, timing: SynthesisTiming) -> None:
        self.last_timing = timing

    def _frames(self, text: str, max_frames: int | None, sampling: SamplingOptions | None,
                fixed_length: bool, batch: int, conditioning: dict) -> FrameGenerator:
        """A frame generator for ``batch`` copies of the request (checked before any work)."""
        try:
            request = GenerationRequest(text, **conditioning)
        except TypeError as exc:
            raise ValueError(f"{exc}; conditioning takes {', '.join(CONDITIONING)}") from None
        self.conditioner.check(request)
        if max_frames is None:
            max_frames = frames_for_text(text)
        check_positive_int("max_frames", max_frames)

        def prompt():
            with self._context():
                return self.conditioner.embeds(request, batch)

        return FrameGenerator(self, prompt, max_frames, sampling, fixed_length, batch,
                              separate=self.arch == "separate")
