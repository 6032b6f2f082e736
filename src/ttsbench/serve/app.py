"""The ASGI app: ``POST /v1/audio/speech``, ``GET /health``, ``GET /metrics`` (starlette).

Over capacity a speech request gets 503 with ``Retry-After``; so does every request once the
server is draining (``draining()`` true: SIGTERM received), while the streams already in
flight finish. A streamed response that loses its client closes its ``AudioStream``, which
takes the request out of the batch at the next frame.
"""

from __future__ import annotations

import struct
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ttsbench.engine.batching import StreamRequest
from ttsbench.engine.config import SAMPLE_RATE
from ttsbench.serve.engine_loop import AudioStream, EngineLoop, Overloaded
from ttsbench.serve.metrics import CONTENT_TYPE_LATEST, ServerMetrics
from ttsbench.serve.speech_request import BadRequest, SpeechRequest, parse_speech_request

RETRY_AFTER_S = 1
MEDIA_TYPES = {"pcm": "audio/pcm", "wav": "audio/wav"}
_STREAMING_SIZE = 0xFFFFFFFF  # WAV size fields of a stream of unknown length


def wav_header(data_bytes: int = _STREAMING_SIZE) -> bytes:
    """A 44-byte header for mono 16-bit PCM at ``SAMPLE_RATE`` holding ``data_bytes``."""
    riff = min(data_bytes + 36, _STREAMING_SIZE)
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))


def create_app(engine: EngineLoop, metrics: ServerMetrics, *, max_input_chars: int = 1000,
               chunk_frames: int = 12, left_context: int = 25,
               draining: Callable[[], bool] = lambda: False) -> Starlette:
    """The app serving ``engine`` (streams of ``chunk_frames`` frames decoded with
    ``left_context`` frames before them); ``draining`` says when to turn new requests away."""

    def unavailable(message: str) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": "server_unavailable"}},
                            status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    async def speech(request: Request) -> Response:
        received = time.perf_counter()
        if draining():
            metrics.requests.labels("rejected").inc()
            return unavailable("server is shutting down; retry on another instance")
        try:
            parsed = parse_speech_request(await request.body(), max_input_chars)
            job = StreamRequest(parsed.input, seed=parsed.seed, chunk_frames=chunk_frames,
                                left_context=left_context)
            engine.scheduler.check(job)
        except BadRequest as exc:
            metrics.requests.labels("bad_request").inc()
            return JSONResponse(exc.as_json(), status_code=400)
        except ValueError as exc:
            metrics.requests.labels("bad_request").inc()
            return JSONResponse(BadRequest("input", str(exc)).as_json(), status_code=400)
        try:
            stream = engine.open_stream(job)
        except Overloaded as exc:
            metrics.requests.labels("rejected").inc()
            return unavailable(f"server at capacity ({exc}); retry later")
        stream.started = received
        media_type = MEDIA_TYPES[parsed.response_format]
        if parsed.stream:
            return StreamingResponse(_stream_body(stream, parsed, metrics), media_type=media_type)
        pcm = b"".join([chunk async for chunk in _audio(stream, metrics)])
        if stream.failed:
            return JSONResponse({"error": {"message": "synthesis failed; see the server log",
                                           "type": "server_error"}}, status_code=500)
        header = wav_header(len(pcm)) if parsed.response_format == "wav" else b""
        return Response(header + pcm, media_type=media_type)

    async def health(request: Request) -> JSONResponse:
        body = {"status": "draining" if draining() else "ok", "in_flight": engine.in_flight,
                "capacity": engine.capacity}
        return JSONResponse(body, status_code=503 if draining() else 200)

    async def prometheus(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[
        Route("/v1/audio/speech", speech, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ])


async def _stream_body(stream: AudioStream, parsed: SpeechRequest,
                       metrics: ServerMetrics) -> AsyncIterator[bytes]:
    if parsed.response_format == "wav":
        yield wav_header()
    async for chunk in _audio(stream, metrics):
        yield chunk


async def _audio(stream: AudioStream, metrics: ServerMetrics) -> AsyncIterator[bytes]:
    """The stream's PCM chunks; records its outcome and latencies, cancels it if abandoned."""
    try:
        async for chunk in stream:
            if stream.first_audio is not None:
                metrics.time_to_first_audio.observe(stream.first_audio - stream.started)
                stream.first_audio = None  # observed once
            yield chunk
    finally:
        if not stream.finished:
            stream.close()
            metrics.requests.labels("cancelled").inc()
        elif stream.failed:
            metrics.requests.labels("failed").inc()
        else:
            metrics.requests.labels("ok").inc()
            metrics.request_duration.observe(time.perf_counter() - stream.started)
            metrics.audio_seconds.inc(stream.samples / SAMPLE_RATE)
