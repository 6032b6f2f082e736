"""Continuous batching: every in-flight request advances one frame per batched step.

``BatchScheduler.step()`` admits waiting requests (each prefilled on its own, then given a
``SlotKVCache`` slot), runs one talker step for all requests together, samples each request's
first code from its own generator with its own options and history, runs the code predictor
for the whole batch (``batch_sampling``: distributions batched, draws per request), and decodes
the chunks that are due, windows of equal shape batched (``chunk_decoder.decode_chunks``: the
convolution stack skips the left context its samples cannot see). Requests join and leave
only between steps. ``generate`` and ``decode`` are the two halves of ``step``, so a server can decode on
another thread while the next frame is generated.

A request alone replays ``Synthesizer.synthesize_streaming`` of a synthesizer seeded with the
request's seed exactly: the same prefill, the same draws in the same order, the same attention
(no mask when no row is shorter), the same chunk windows; the decoder's shortened convolution
input and, in a batch, matrix products over more rows make the audio agree to float rounding
rather than bit for bit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from contextlib import ExitStack
from dataclasses import dataclass

import torch

from ttsbench.engine.batch_sampling import first_codes, residual_sampler
from ttsbench.engine.chunk_decoder import decode_chunks
from ttsbench.engine.config import NUM_CODE_GROUPS
from ttsbench.engine.devices import inference_context
from ttsbench.engine.frames import RESIDUAL_SAMPLING, talker_options
from ttsbench.engine.kernels.sampling import SamplingOptions
from ttsbench.engine.prompts import GenerationRequest
from ttsbench.engine.slot_cache import SlotKVCache
from ttsbench.engine.synthesizer import Synthesizer
from ttsbench.workloads import frames_for_text

DECODE_GROUP = 2  # windows per decoder call: on CPU larger batches cost more per window


@dataclass(frozen=True)
class StreamRequest:
    """One utterance to stream: text, sampling seed and the ``synthesize_streaming`` knobs."""

    text: str
    seed: int = 0
    max_frames: int | None = None
    sampling: SamplingOptions | None = None
    fixed_length: bool = False
    chunk_frames: int = 12
    left_context: int = 25


@dataclass
class Chunk:
    """Audio (1-D float32 CPU, maybe empty) for request ``key``; ``last`` ends its stream."""

    key: Hashable
    audio: torch.Tensor
    last: bool


@dataclass
class DecodeJob:
    """Codes ``[1, 16, n]`` of one chunk's window; the first ``context`` frames are context."""

    key: Hashable
    window: torch.Tensor
    context: int
    last: bool
    first: bool


class _Stream:
    """Generation state of one admitted request (its slot is its index in the batch)."""

    def __init__(self, key: Hashable, request: StreamRequest, synth: Synthesizer) -> None:
        self.key, self.request = key, request
        self.max_frames = request.max_frames or frames_for_text(request.text)
        self.options = talker_options(synth.config.talker, request.sampling, self.max_frames,
                                      request.fixed_length)
        self.generator = torch.Generator(device=synth.device)
        self.generator.manual_seed(request.seed)
        self.codes = torch.zeros(1, NUM_CODE_GROUPS, self.max_frames, dtype=torch.long,
                                 device=synth.device)
        self.seen = torch.zeros(1, synth.config.talker.codec_vocab_size, dtype=torch.bool,
                                device=synth.device)  # first codes so far (repetition penalty)
        self.count = self.decoded = 0
        self.done = False
        self.pending: tuple[torch.Tensor, torch.Tensor] | None = None  # prefill hidden, logits


class BatchScheduler:
    """Runs up to ``max_batch`` requests of one ``Synthesizer`` in lock-step frames.

    ``submit`` queues a request (it joins at the next ``step``), ``cancel`` drops one at the
    next step, ``step`` advances every active request one frame and returns the audio chunks
    that became ready. One thread drives ``submit``/``cancel``/``generate``; ``decode`` touches
    only its jobs (and the model, read-only), so it may run on another thread.
    """

    def __init__(self, synth: Synthesizer, max_batch: int = 16) -> None:
        if synth.cuda_graphs:
            raise ValueError("BatchScheduler runs the eager engine: build the Synthesizer "
                             "with cuda_graphs=False")
        if not isinstance(max_batch, int) or isinstance(max_batch, bool) or max_batch < 1:
            raise ValueError(f"max_batch={max_batch!r}: expected an integer >= 1")
        self.synth, self.max_batch = synth, max_batch
        talker = synth.config.talker
        self.cache = SlotKVCache(talker.num_layers, talker.num_kv_heads, talker.head_dim,
                                 dtype=synth.dtype, device=synth.device)
        self.waiting: deque[tuple[Hashable, StreamRequest]] = deque()
        self.active: list[_Stream] = []
        self._cancelled: set[Hashable] = set()
        self._pad_embed: torch.Tensor | None = None  # the text pad embedding, from a prefill

    def submit(self, key: Hashable, request: StreamRequest) -> None:
        """Queue ``request`` under ``key``; ValueError on bad text or knobs."""
        self.check(request)
        self.waiting.append((key, request))

    def check(self, request: StreamRequest) -> None:
        """ValueError naming what is wrong with ``request`` (text, knobs, length)."""
        for name in ("chunk_frames", "max_frames"):
            value = getattr(request, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name}={value!r}: expected an integer >= 1")
        if not isinstance(request.left_context, int) or request.left_context < 0:
            raise ValueError(f"left_context={request.left_context!r}: expected an integer >= 0")
        needed = self.positions_needed(request)
        limit = self.synth.config.talker.max_positions
        if needed > limit:
            raise ValueError(f"text: {needed} talker positions needed, the model has {limit}; "
                             "shorten the text or max_frames")

    def cancel(self, key: Hashable) -> None:
        """Drop request ``key`` (waiting or active) at the next step; no chunk follows."""
        self._cancelled.add(key)

    def positions_needed(self, request: StreamRequest) -> int:
        """Talker positions ``request`` occupies: its prompt (as prefilled) and its frames."""
        frames = request.max_frames or frames_for_text(request.text)
        return self._prompt(request)[0].shape[1] + frames

    def _prompt(self, request: StreamRequest) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The Synthesizer's prefill input for ``request`` (text mode) and its context codes."""
        generation = GenerationRequest(request.text)
        self.synth.conditioner.check(generation)
        with self._context():
            return self.synth.conditioner.embeds(generation, 1)

    @property
    def idle(self) -> bool:
        return not self.active and not self.waiting

    def step(self) -> list[Chunk]:
        """``generate`` then ``decode``: one frame for everyone, the chunks that came due."""
        return self.decode(self.generate())

    def generate(self) -> list[DecodeJob]:
        """Admit, generate one frame for every active request; the decode jobs now due."""
        with self._context():
            self._drop_cancelled()
            self._admit()
            if not self.active:
                return []
            self._generate_frame()
            return self._due_jobs()

    # -- one step ---------------------------------------------------------------------------

    def _context(self) -> ExitStack:
        return inference_context(self.synth.sdpa_backend)

    def _drop_cancelled(self) -> None:
        if not self._cancelled:
            return
        self.waiting = deque(item for item in self.waiting if item[0] not in self._cancelled)
        for index in reversed(range(len(self.active))):
            if self.active[index].key in self._cancelled:
                self._release(index)
        self._cancelled.clear()

    def _release(self, index: int) -> None:
        self.cache.release(index)
        last = self.active.pop()
        if index < len(self.active):
            self.active[index] = last

    def _admit(self) -> None:
        """Prefill waiting requests (batch 1 each) into new slots at the end of the batch."""
        while self.waiting and len(self.active) < self.max_batch:
            key, request = self.waiting.popleft()
            stream = _Stream(key, request, self.synth)
            embeds, _ = self._prompt(request)
            state = self.synth.prefill_embeds(embeds, max_new_frames=stream.max_frames)
            stream.pending = (state.hidden, state.logits)
            self._pad_embed = state.pad_embed
            self.cache.add(state.cache)
            self.active.append(stream)

    def _generate_frame(self) -> None:
        """One frame for every active request; those that hit EOS or max_frames are done."""
        stepping = sum(stream.count > 0 for stream in self.active)  # a prefix: joiners last
        hidden, logits = [], []
        if stepping:
            hidden, logits = self._talker_step(self.active[:stepping])
            hidden, logits = [hidden], [logits]
        for stream in self.active[stepping:]:
            hidden.append(stream.pending[0])
            logits.append(stream.pending[1])
            stream.pending = None
        hidden, logits = torch.cat(hidden), torch.cat(logits)
        firsts = first_codes(logits, self.active)
        eos = self.synth.config.talker.codec_eos_id
        ended = [code == eos and not stream.request.fixed_length
                 for code, stream in zip(firsts.tolist(), self.active)]
        rows = [row for row, end in enumerate(ended) if not end]
        for row, end in enumerate(ended):
            self.active[row].done = end
        if not rows:
            return
        continuing = [self.active[row] for row in rows]
        index = torch.tensor(rows, device=self.synth.device)
        first = firsts.index_select(0, index)
        residual = self.synth.model.code_predictor.generate(
            hidden.index_select(0, index), self.synth.model.talker.codec_embedding(first),
            residual_sampler(continuing, RESIDUAL_SAMPLING),
        )
        for i, stream in enumerate(continuing):
            stream.codes[0, 0, stream.count] = first[i]
            stream.codes[0, 1:, stream.count] = residual[i]
            stream.seen[0, first[i]] = True
            stream.count += 1
            stream.done = stream.count == stream.max_frames

    def _talker_step(self, streams: list[_Stream]) -> tuple[torch.Tensor, torch.Tensor]:
        """Feed each stream's latest frame through the talker at its own position."""
        model = self.synth.model
        previous = torch.cat([stream.codes[:, :, stream.count - 1] for stream in streams])
        inputs = model.frame_embedding(previous)[:, None] + self._pad_embed
        positions = torch.tensor(self.cache.lengths[:len(streams)], device=self.synth.device)
        self.cache.begin_step(len(streams))
        hidden = model.talker(inputs, positions[:, None], cache=self.cache,
                              attn_mask=self.cache.attention_mask())[:, -1]
        return hidden, model.talker.codec_head(hidden)

    def _due_jobs(self) -> list[DecodeJob]:
        """A job for every stream with a full chunk (or a finished tail); finished streams
        leave the batch."""
        jobs = []
        for stream in self.active:
            if (stream.count - stream.decoded >= stream.request.chunk_frames
                    or (stream.done and stream.count > stream.decoded)):
                first = max(0, stream.decoded - stream.request.left_context)
                jobs.append(DecodeJob(stream.key, stream.codes[:, :, first:stream.count].clone(),
                                      stream.decoded - first, stream.done, stream.decoded == 0))
                stream.decoded = stream.count
            elif stream.done:  # EOS before any frame: an empty last chunk ends the stream
                jobs.append(DecodeJob(stream.key, stream.codes[:, :, :0], 0, True, True))
        for index in reversed(range(len(self.active))):
            if self.active[index].done:
                self._release(index)
        return jobs

    def decode(self, jobs: list[DecodeJob]) -> list[Chunk]:
        """The jobs' audio in job order: windows of equal length and context are decoded
        together, ``DECODE_GROUP`` per ``decode_chunks`` call (no padding)."""
        audio: dict[int, torch.Tensor] = {}
        groups: dict[tuple[int, int], list[int]] = {}
        for index, job in enumerate(jobs):
            groups.setdefault((job.window.shape[-1], job.context), []).append(index)
        for (width, context), members in groups.items():
            for at in range(0, len(members), DECODE_GROUP):
                rows = members[at:at + DECODE_GROUP]
                if not width:
                    audio.update((row, torch.zeros(0)) for row in rows)
                    continue
                with self._context():
                    windows = torch.cat([jobs[row].window for row in rows]).to(self.synth.device)
                    decoded = decode_chunks(self.synth.model.decoder, windows, context)
                    audio.update(zip(rows, decoded.float().cpu()))
        return [Chunk(job.key, audio[index], job.last) for index, job in enumerate(jobs)]
