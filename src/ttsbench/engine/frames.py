"""Frame generation: the per-frame loop shared by whole-utterance, streaming and batched decoding.

Per frame (12.5 Hz): the talker's logits give the first code (sampled with the talker options,
special ids suppressed), the code predictor fills in the 15 residual codes, and the frame's 16
code embeddings (summed) plus the text pad embedding become the talker's next input.
``FrameGenerator`` owns one utterance's (or one batch's) state and code buffer; it drives a
``Synthesizer``'s stage methods (``prefill``, ``talker_step``, ``predict_residual_codes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.profiler import record_function

from ttsbench.engine.config import SAMPLE_RATE
from ttsbench.engine.cuda_graphs import StaticTalkerDecoder
from ttsbench.engine.kernels.sampling import SamplingOptions, sample
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.options import check_positive_int
from ttsbench.engine.timing import StageClock, SynthesisTiming

if TYPE_CHECKING:
    from ttsbench.engine.synthesizer import Synthesizer

# Residual codebooks: Qwen3-TTS's sub-talker settings (no penalty, no control ids to suppress).
RESIDUAL_SAMPLING = SamplingOptions(
    temperature=0.9, top_k=50, top_p=1.0, repetition_penalty=1.0, min_new_tokens=0,
    suppress_tokens=False,
)
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


class FrameGenerator:
    """Generates one frame per ``next_frame()`` into a preallocated code buffer.

    ``prompt()`` returns ``(embeds, context)``: the talker's prefill input ``[batch, L, H]``,
    speech-start position included (``Synthesizer.text_embeds`` or a mode's prompt), and the
    codec codes ``[1, 16, T0]`` already in the stream (None for none: they are the decoder's left
    context). It runs inside the timed prefill stage. The ``batch`` sequences decode together.
    With ``separate=True`` the talker and the code predictor run as two engines that hand their
    tensors through host memory every frame; otherwise the frame stays on the device.
    """

    def __init__(
        self, synth: Synthesizer, prompt: Callable[[], torch.Tensor], max_frames: int,
        sampling: SamplingOptions | None, fixed_length: bool, batch: int = 1,
        *, separate: bool = False,
    ) -> None:
        check_positive_int("max_frames", max_frames)
        check_positive_int("batch_size", batch)
        if not isinstance(fixed_length, bool):
            raise ValueError(f"fixed_length={fixed_length!r}: expected True or False")
        self.synth, self.max_frames, self.fixed_length = synth, max_frames, fixed_length
        self.options = synth.talker_options(sampling, max_frames, fixed_length)
        self.residual_options = dataclasses.replace(
            RESIDUAL_SAMPLING, do_sample=self.options.do_sample
        )
        cfg = synth.config.talker
        if synth.cuda_graphs:  # capture first: its warm-up draws must not shift the seed
            synth.graphs.code_predictor(batch, self.residual_options)
        synth.generator.manual_seed(synth.seed)
        self.clock = StageClock(synth.device)
        with self.clock.stage("prefill"):
            embeds, self.context = prompt()
            if embeds.shape[0] != batch:
                raise ValueError(f"prompt has batch {embeds.shape[0]}, expected {batch}")
            self.state = synth.prefill_embeds(embeds, max_new_frames=max_frames)
        self.buffer = torch.zeros(batch, cfg.num_code_groups, max_frames, dtype=torch.long,
                                  device=synth.device)
        self.count = 0
        self.done = False
        self.separate = separate

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
            hidden = state.hidden
            if self.separate:
                hidden, first = _through_host(hidden), _through_host(first)
            residual = synth.predict_residual_codes(hidden, first, self.residual_options)
            if self.separate:
                residual = _through_host(residual)
        self.buffer[:, 0, step] = first
        self.buffer[:, 1:, step] = residual
        self.count += 1
        return True

    def codes(self) -> torch.Tensor:
        """Codes generated so far ``[B, 16, count]``."""
        return self.buffer[:, :, : self.count]

    def decodable(self) -> tuple[torch.Tensor, int]:
        """(context codes then the generated ones ``[B, 16, T0 + count]``, T0)."""
        if self.context is None:
            return self.codes(), 0
        context = self.context.to(self.buffer.device).expand(self.buffer.shape[0], -1, -1)
        return torch.cat((context, self.codes()), dim=2), context.shape[2]

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


def _through_host(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` copied to host memory and back onto its device (one engine handing its output
    to the next through the host, as separate engines must): same values, a real round trip."""
    return tensor.to("cpu", copy=True).to(tensor.device, copy=True)


def talker_options(
    config, sampling: SamplingOptions | None, max_frames: int, fixed_length: bool
) -> SamplingOptions:
    """The first-code options for a talker ``config``: EOS id and suppression forced; EOS
    masked throughout when ``fixed_length``."""
    if sampling is None:
        sampling = SamplingOptions()
    elif not isinstance(sampling, SamplingOptions):
        raise ValueError(f"sampling: expected SamplingOptions or None, got "
                         f"{type(sampling).__name__}")
    changes = {"eos_token_id": config.codec_eos_id, "suppress_tokens": True}
    if fixed_length:
        changes["min_new_tokens"] = max_frames
    return dataclasses.replace(sampling, **changes)
