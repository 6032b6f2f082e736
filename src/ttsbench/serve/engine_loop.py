"""The batch scheduler on two threads, fed from asyncio: one generates frames, one decodes.

``open_stream`` admits a request (``Overloaded`` beyond ``max_batch + max_queue`` in flight) and
returns an ``AudioStream``, an async iterator of 16-bit PCM chunks; closing it early (a client
that went away) cancels the request, which leaves the batch at the next frame. Decoding runs on
its own thread so a step of the batch never waits for another request's chunk; first chunks are
decoded right after the step that completes them, on the generating thread, so a new listener
never waits behind other requests' later chunks.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections import deque

import torch

from ttsbench.engine.batching import DECODE_GROUP, BatchScheduler, Chunk, StreamRequest
from ttsbench.serve.metrics import ServerMetrics

_END = object()
log = logging.getLogger(__name__)


class Overloaded(Exception):
    """Every slot and queue place is taken; retry later."""


class AudioStream:
    """Async iterator of ``bytes`` (PCM s16le) for one request; ``close`` cancels it."""

    def __init__(self, engine: EngineLoop, key: int) -> None:
        self._engine, self.key = engine, key
        self.queue: asyncio.Queue = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.started = time.perf_counter()
        self.first_audio: float | None = None  # when the first chunk was handed out
        self._audio_seen = False
        self.samples = 0
        self.finished = False
        self.failed = False  # the engine hit an error; the audio so far is all there is

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        item = await self.queue.get()
        if item is _END:
            self.finished = True
            raise StopAsyncIteration
        if not self._audio_seen:
            self._audio_seen = True
            self.first_audio = time.perf_counter()
        return item

    def close(self) -> None:
        """Cancel the request unless it already ended (idempotent)."""
        if not self.finished:
            self.finished = True
            self._engine.cancel(self.key)


class EngineLoop:
    """Owns a ``BatchScheduler``; ``start`` its threads, ``stop`` them (after draining)."""

    def __init__(self, scheduler: BatchScheduler, metrics: ServerMetrics, *,
                 max_queue: int = 48) -> None:
        self.scheduler, self.metrics = scheduler, metrics
        self.capacity = scheduler.max_batch + max_queue
        self._keys = itertools.count()
        self._lock = threading.Condition()
        self._inbox: list[tuple[str, int, StreamRequest | None]] = []
        self._streams: dict[int, AudioStream] = {}
        self._jobs: deque = deque()
        self._jobs_ready = threading.Condition()
        self._stopping = False
        self._threads = [threading.Thread(target=self._generate_forever, daemon=True,
                                          name="ttsbench-generate"),
                         threading.Thread(target=self._decode_forever, daemon=True,
                                          name="ttsbench-decode")]

    @property
    def in_flight(self) -> int:
        return len(self._streams)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop both threads (streams still open end without more audio)."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        with self._jobs_ready:
            self._jobs_ready.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def open_stream(self, request: StreamRequest) -> AudioStream:
        """Queue ``request``; ``Overloaded`` when at capacity (call from the event loop)."""
        with self._lock:
            if len(self._streams) >= self.capacity:
                raise Overloaded(f"{len(self._streams)} requests in flight")
            stream = AudioStream(self, next(self._keys))
            self._streams[stream.key] = stream
            self._inbox.append(("submit", stream.key, request))
            self._lock.notify()
        return stream

    def cancel(self, key: int) -> None:
        with self._lock:
            if self._streams.pop(key, None) is not None:
                self._inbox.append(("cancel", key, None))
                self._lock.notify()

    # -- threads ------------------------------------------------------------------------------

    def _generate_forever(self) -> None:
        torch.set_num_threads(1)
        scheduler = self.scheduler
        while True:
            with self._lock:
                while not self._stopping and not self._inbox and scheduler.idle:
                    self._lock.wait()
                if self._stopping:
                    return
                inbox, self._inbox = self._inbox, []
            for action, key, request in inbox:
                if action == "submit":
                    scheduler.submit(key, request)
                else:
                    scheduler.cancel(key)
            started = time.perf_counter()
            try:
                jobs = scheduler.generate()
            except Exception:  # a bug must not hang every open stream: end them, start afresh
                log.exception("frame generation failed; ending %d streams", len(self._streams))
                self._fail_all()
                continue
            if scheduler.active:
                self.metrics.step_seconds.observe(time.perf_counter() - started)
                self.metrics.batch_size.observe(len(scheduler.active))
            self.metrics.active.set(len(scheduler.active))
            self.metrics.queued.set(len(scheduler.waiting))
            firsts = [job for job in jobs if job.first]
            if firsts:  # a listener waits for these: decode now, not behind later chunks
                self._decode(firsts)
            later = [job for job in jobs if not job.first]
            if later:
                with self._jobs_ready:
                    self._jobs.extend(later)
                    self._jobs_ready.notify()

    def _decode_forever(self) -> None:
        torch.set_num_threads(1)
        while True:
            with self._jobs_ready:
                while not self._stopping and not self._jobs:
                    self._jobs_ready.wait()
                if self._stopping:
                    return
                jobs = self._take_jobs()
            self._decode(jobs)

    def _decode(self, jobs: list) -> None:
        """Decode ``jobs`` and hand out their chunks; a failure ends those streams."""
        try:
            chunks = self.scheduler.decode(jobs)
        except Exception:
            log.exception("decoding failed; ending %d streams", len(jobs))
            for job in jobs:
                self._end_failed(job.key)
            return
        for chunk in chunks:
            self._deliver(chunk)

    def _fail_all(self) -> None:
        with self._lock:
            keys = list(self._streams)
        for key in keys:
            self._end_failed(key)
        self.scheduler = BatchScheduler(self.scheduler.synth, self.scheduler.max_batch)

    def _end_failed(self, key: int) -> None:
        with self._lock:
            stream = self._streams.pop(key, None)
        if stream is not None:
            stream.failed = True
            stream.loop.call_soon_threadsafe(stream.queue.put_nowait, _END)

    def _take_jobs(self) -> list:
        """The oldest ``DECODE_GROUP`` jobs (FIFO, so a stream's chunks stay in order)."""
        return [self._jobs.popleft() for _ in range(min(DECODE_GROUP, len(self._jobs)))]

    def _deliver(self, chunk: Chunk) -> None:
        with self._lock:
            stream = self._streams.get(chunk.key)
            if stream is not None and chunk.last:
                del self._streams[chunk.key]
        if stream is None:  # cancelled meanwhile
            return
        pcm = (chunk.audio.clamp(-1, 1) * 32767).round().to(torch.int16).numpy().tobytes()
        stream.samples += chunk.audio.numel()
        if pcm:
            stream.loop.call_soon_threadsafe(stream.queue.put_nowait, pcm)
        if chunk.last:
            stream.loop.call_soon_threadsafe(stream.queue.put_nowait, _END)
