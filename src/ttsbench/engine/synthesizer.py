"""Text to 24 kHz audio through Talker -> CodePredictor -> Decoder12Hz, with stage timing.

Per frame (12.5 Hz): the talker's logits give the first code (sampled with the talker options,
special ids suppressed), the code predictor fills in the 15 residual codes, and the frame's 16
code embeddings (summed) plus the text pad embedding become the talker's next input. The codec
decoder turns the codes into audio, all at once (``synthesize``) or in chunks with left context
(``synthesize_streaming``).

Profiler spans (``torch.profiler.record_function``): ``prefill``, ``generate_frames``,
``talker_step``, ``code_predictor``, ``sampling``, ``decode``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.profiler import record_function

from ttsbench.engine import tokenizer
from ttsbench.engine.config import SAMPLE_RATE, get_preset
from ttsbench.engine.cuda_graphs import StaticCodePredictor, StaticTalkerDecoder
from ttsbench.engine.kernels.sampling import SamplingOptions, sample
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.timing import StageClock, SynthesisTiming
from ttsbench.engine.weights import build_model
from ttsbench.workloads import frames_for_text

DTYPES = {
    "float32": torch.float32, "fp32": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16,
}
SDPA_BACKENDS = {
    "math": SDPBackend.MATH,
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
}
# Residual codebooks: Qwen3-TTS's sub-talker settings (no penalty, no control ids to suppress).
RESIDUAL_SAMPLING = SamplingOptions(
    temperature=0.9, top_k=50, top_p=1.0, repetition_penalty=1.0, min_new_tokens=0,
    suppress_tokens=False,
)
CPU_SDPA_BACKENDS = ("math", "flash")  # PyTorch's CPU kernels; the others are CUDA-only
DEFAULT_STATIC_FRAMES = 256


@dataclass
class SynthesisResult:
    """Audio (float32 on CPU; 1-D for batch 1, ``[B, N]`` otherwise), codes ``[B, 16, T]``."""

    audio: torch.Tensor
    codes: torch.Tensor
    timing: SynthesisTiming
    sample_rate: int = SAMPLE_RATE


@dataclass
class GenerationState:
    """Talker decoding state after ``prefill``: cache, position and the latest outputs.

    ``next_input`` ``[B, 1, H]`` is what ``talker_step`` feeds next; after ``prefill`` it is the
    embedding of an all-zero frame, so ``talker_step`` can be timed on its own.
    """

    cache: DynamicKVCache | StaticTalkerDecoder
    position: int
    hidden: torch.Tensor
    logits: torch.Tensor
    next_input: torch.Tensor
    pad_embed: torch.Tensor


class Synthesizer:
    """A preset's pipeline with seeded random weights on one device and dtype.

    ``cuda_graphs=True`` decodes the talker on a static KV cache with its decode step captured in
    a CUDA graph, and runs each frame's code predictor as one captured graph too (CUDA only:
    ValueError elsewhere). ``sdpa_backend`` (``math``, ``flash``,
    ``efficient``, ``cudnn`` or None for PyTorch's choice) pins the attention kernel.
    """

    def __init__(
        self,
        preset: str = "tiny",
        device: str | torch.device = "cpu",
        dtype: str | torch.dtype = "float32",
        seed: int = 0,
        *,
        cuda_graphs: bool = False,
        sdpa_backend: str | None = None,
    ) -> None:
        self.config = get_preset(preset)
        self.device = _parse_device(device)
        self.dtype = _parse_dtype(dtype)
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed={seed!r}: expected a non-negative integer")
        if cuda_graphs and self.device.type != "cuda":
            raise ValueError(f"cuda_graphs=True needs a CUDA device, got device={self.device}; "
                             "pass cuda_graphs=False on CPU")
        if sdpa_backend is not None and sdpa_backend not in SDPA_BACKENDS:
            raise ValueError(f"sdpa_backend={sdpa_backend!r}: choose one of "
                             f"{', '.join(SDPA_BACKENDS)} or None")
        if sdpa_backend is not None and self.device.type == "cpu" and (
                sdpa_backend not in CPU_SDPA_BACKENDS):
            raise ValueError(f"sdpa_backend={sdpa_backend!r} has no CPU kernel: choose "
                             f"{' or '.join(CPU_SDPA_BACKENDS)} on CPU, or None")
        self.seed = seed
        self.cuda_graphs = cuda_graphs
        self.sdpa_backend = sdpa_backend
        self.model = build_model(self.config, device=self.device, dtype=self.dtype, seed=seed)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)
        self._static_decoders: dict[tuple[int, int], StaticTalkerDecoder] = {}
        self._static_code_predictors: dict[tuple[int, SamplingOptions], StaticCodePredictor] = {}
        self.last_timing: SynthesisTiming | None = None

    # -- stage access -------------------------------------------------------------------------

    def prompt_ids(self, length: int) -> torch.Tensor:
        """Seeded random byte-level text ids ``[1, length]`` (the same for a given seed)."""
        _check_positive_int("length", length)
        generator = torch.Generator().manual_seed(self.seed)
        return torch.randint(0, 256, (1, length), generator=generator)

    def prefill(
        self, input_ids: torch.Tensor, *, max_new_frames: int = DEFAULT_STATIC_FRAMES
    ) -> GenerationState:
        """Run the talker over text ids ``[B, L]`` (plus the speech-start position).

        ``max_new_frames`` sizes the static cache when ``cuda_graphs`` is on.
        """
        if (not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2
                or input_ids.numel() == 0 or input_ids.is_floating_point()):
            raise ValueError("input_ids: expected a non-empty LongTensor [batch, length]")
        talker = self.model.talker
        cfg = talker.config
        batch, length = input_ids.shape
        if length + 1 + max_new_frames > cfg.max_positions:
            raise ValueError(f"{length} prompt ids + {max_new_frames} frames exceed the talker's "
                             f"{cfg.max_positions} positions; shorten the text or max_frames")
        with self._context(), record_function("prefill"):
            ids = input_ids.to(self.device)
            codec = talker.codec_embedding
            special = torch.tensor([[tokenizer.TTS_BOS, tokenizer.TTS_PAD]], device=self.device)
            bos_text, pad_text = talker.embed_text(special).unbind(1)
            pad_codec, bos_codec = codec(
                torch.tensor([cfg.codec_pad_id, cfg.codec_bos_id], device=self.device)
            ).unbind(0)
            speech_start = (bos_text + bos_codec)[:, None].expand(batch, 1, -1)
            embeds = torch.cat((talker.embed_text(ids) + pad_codec, speech_start), dim=1)
            if self.cuda_graphs:
                cache = self._static_decoder(batch, length + 1 + max_new_frames)
                hidden = cache.prefill(embeds)[:, -1]
            else:
                cache = DynamicKVCache(cfg.num_layers)
                positions = torch.arange(length + 1, device=self.device).expand(batch, -1)
                hidden = talker(embeds, positions, cache=cache)[:, -1]
            logits = talker.codec_head(hidden)
            pad_embed = pad_text[:, None]
            zeros = torch.zeros(batch, cfg.num_code_groups, dtype=torch.long, device=self.device)
            next_input = self.model.frame_embedding(zeros)[:, None] + pad_embed
        return GenerationState(cache, length + 1, hidden, logits, next_input, pad_embed)

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
                graphed = self._static_code_predictor(hidden.shape[0], sampling)
                return graphed.generate(hidden, first_embed)
            return self.model.code_predictor.generate(
                hidden, first_embed, self._residual_sampler(sampling)
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
    ) -> SynthesisResult:
        """Synthesize ``text``; ``batch_size`` copies of it decode together (throughput runs).

        ``max_frames`` defaults to the speaking-time estimate of ``workloads.frames_for_text``;
        ``fixed_length`` ignores EOS so exactly ``max_frames`` frames are generated.
        """
        _check_positive_int("batch_size", batch_size)
        frames = _FrameGenerator(self, text, max_frames, sampling, fixed_length, batch_size)
        with self._context():
            with record_function("generate_frames"):
                while frames.next_frame():
                    pass
            codes = frames.codes()
            with frames.clock.stage("decoder"):
                audio = self.decode(codes) if codes.shape[-1] else codes.new_zeros(
                    (batch_size, 0), dtype=self.dtype)
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
    ) -> Iterator[torch.Tensor]:
        """Audio chunks (1-D float32 CPU) of ``chunk_frames`` frames each (the last may be
        shorter), each decoded with ``left_context`` earlier frames of context. The timing of
        the finished stream is left in ``last_timing``."""
        _check_positive_int("chunk_frames", chunk_frames)
        if not isinstance(left_context, int) or isinstance(left_context, bool) or left_context < 0:
            raise ValueError(f"left_context={left_context!r}: expected an integer >= 0")
        frames = _FrameGenerator(self, text, max_frames, sampling, fixed_length, 1)
        return self._stream(frames, chunk_frames, left_context)

    def _stream(
        self, frames: _FrameGenerator, chunk_frames: int, left_context: int
    ) -> Iterator[torch.Tensor]:
        # Contexts are entered per chunk and left before each yield, so nothing leaks into the
        # consumer's code between chunks.
        first_audio_ms = None
        decoded = 0
        more = True
        while more:
            with self._context():
                with record_function("generate_frames"):
                    while more and frames.count - decoded < chunk_frames:
                        more = frames.next_frame()
                if frames.count == decoded:
                    break
                with frames.clock.stage("decoder"), record_function("decode"):
                    chunk = self.model.decoder.decode_window(
                        frames.codes(), decoded, frames.count, left_context
                    )
                chunk = chunk[0].float().cpu()
            decoded = frames.count
            if first_audio_ms is None:
                first_audio_ms = frames.clock.wall_ms()
            yield chunk
        total = frames.clock.wall_ms()
        self.last_timing = frames.timing(
            time_to_first_audio_ms=total if first_audio_ms is None else first_audio_ms,
            total_ms=total,
        )

    # -- internals ----------------------------------------------------------------------------

    def _context(self) -> ExitStack:
        """inference_mode plus the pinned SDPA backend, if any."""
        stack = ExitStack()
        stack.enter_context(torch.inference_mode())
        if self.sdpa_backend is not None:
            stack.enter_context(sdpa_kernel(SDPA_BACKENDS[self.sdpa_backend]))
        return stack

    def _static_decoder(self, batch: int, needed: int) -> StaticTalkerDecoder:
        """The captured static decoder for ``batch`` with at least ``needed`` slots (power of 2)."""
        length = min(self.config.talker.max_positions, 1 << max(8, math.ceil(math.log2(needed))))
        key = (batch, length)
        if key not in self._static_decoders:
            self._static_decoders[key] = StaticTalkerDecoder(
                self.model.talker, batch, length, capture=True
            )
        return self._static_decoders[key]

    def _residual_sampler(self, sampling: SamplingOptions):
        def draw(logits: torch.Tensor, group: int) -> torch.Tensor:
            return sample(logits, sampling, generator=self.generator)
        return draw

    def _static_code_predictor(
        self, batch: int, sampling: SamplingOptions
    ) -> StaticCodePredictor:
        """The captured code-predictor frame for ``batch`` and ``sampling`` (built once).

        Capture draws from the sampling generator during warm-up; callers that need
        reproducible draws build it before re-seeding (``_FrameGenerator`` does).
        """
        key = (batch, sampling)
        if key not in self._static_code_predictors:
            with self._context():
                self._static_code_predictors[key] = StaticCodePredictor(
                    self.model.code_predictor, batch, self._residual_sampler(sampling),
                    self.generator,
                )
        return self._static_code_predictors[key]

    def talker_options(
        self, sampling: SamplingOptions | None, max_frames: int, fixed_length: bool
    ) -> SamplingOptions:
        """The first-code options: EOS id and suppression forced; EOS masked throughout when
        ``fixed_length``."""
        if sampling is None:
            sampling = SamplingOptions()
        elif not isinstance(sampling, SamplingOptions):
            raise ValueError(f"sampling: expected SamplingOptions or None, got "
                             f"{type(sampling).__name__}")
        changes = {"eos_token_id": self.config.talker.codec_eos_id, "suppress_tokens": True}
        if fixed_length:
            changes["min_new_tokens"] = max_frames
        return dataclasses.replace(sampling, **changes)


class _FrameGenerator:
    """Generates one frame per ``next_frame()`` into a preallocated code buffer."""

    def __init__(
        self, synth: Synthesizer, text: str, max_frames: int | None,
        sampling: SamplingOptions | None, fixed_length: bool, batch: int,
    ) -> None:
        ids = tokenizer.encode(text)
        if max_frames is None:
            max_frames = frames_for_text(text)
        _check_positive_int("max_frames", max_frames)
        if not isinstance(fixed_length, bool):
            raise ValueError(f"fixed_length={fixed_length!r}: expected True or False")
        self.synth, self.max_frames, self.fixed_length = synth, max_frames, fixed_length
        self.options = synth.talker_options(sampling, max_frames, fixed_length)
        self.residual_options = dataclasses.replace(
            RESIDUAL_SAMPLING, do_sample=self.options.do_sample
        )
        cfg = synth.config.talker
        if synth.cuda_graphs:  # capture first: its warm-up draws must not shift the seed
            synth._static_code_predictor(batch, self.residual_options)
        synth.generator.manual_seed(synth.seed)
        self.clock = StageClock(synth.device)
        with self.clock.stage("prefill"):
            self.state = synth.prefill(ids.expand(batch, -1), max_new_frames=max_frames)
        self.buffer = torch.zeros(batch, cfg.num_code_groups, max_frames, dtype=torch.long,
                                  device=synth.device)
        self.count = 0
        self.done = False

    def next_frame(self) -> bool:
        """Generate the next frame; False (and nothing generated) once finished."""
        if self.done or self.count == self.max_frames:
            self.done = True
            return False
        synth, state, step = self.synth, self.state, self.count
        eos = synth.config.talker.codec_eos_id
        with self.clock.stage("talker_decode"):
            if step:
                embed = synth.model.frame_embedding(self.buffer[:, :, step - 1])
                state.next_input = embed[:, None] + state.pad_embed
                synth.talker_step(state)
            with record_function("sampling"):
                first = sample(state.logits, self.options, previous_tokens=self.buffer[:, 0, :step],
                               step=step, generator=synth.generator)
        if not self.fixed_length:
            ended = first == eos
            if bool(ended.all()):
                self.done = True
                return False
            first = first.masked_fill(ended, 0)
        with self.clock.stage("code_predictor"):
            residual = synth.predict_residual_codes(state.hidden, first, self.residual_options)
        self.buffer[:, 0, step] = first
        self.buffer[:, 1:, step] = residual
        self.count += 1
        return True

    def codes(self) -> torch.Tensor:
        """Codes generated so far ``[B, 16, count]``."""
        return self.buffer[:, :, : self.count]

    def timing(self, *, time_to_first_audio_ms: float, total_ms: float) -> SynthesisTiming:
        clock = self.clock
        return SynthesisTiming(
            prefill_ms=clock.stage_ms("prefill"),
            talker_decode_ms=clock.stage_ms("talker_decode"),
            code_predictor_ms=clock.stage_ms("code_predictor"),
            decoder_ms=clock.stage_ms("decoder"),
            frames=self.count,
            time_to_first_audio_ms=time_to_first_audio_ms,
            total_ms=total_ms,
        )


def _parse_device(device: str | torch.device) -> torch.device:
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r}: expected 'cpu' or 'cuda[:N]'") from None
    if parsed.type not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r}: expected 'cpu' or 'cuda[:N]'")
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: no CUDA device is available here; use 'cpu'")
    return parsed


def _parse_dtype(dtype: str | torch.dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in DTYPES:
        return DTYPES[dtype]
    raise ValueError(f"dtype={dtype!r}: choose one of float32, bfloat16, float16")


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r}: expected an integer >= 1")
