"""Closed-loop load on an OpenAI-compatible speech endpoint (async httpx).

At each concurrency level, that many workers send streamed ``POST /v1/audio/speech`` requests
(``response_format: pcm``) back to back until the level's request count is reached. Per request
it records the time to the first audio byte, the total time, the audio received, and playback
underruns: playback starts with the first audio; a piece of audio arriving after everything
received so far would have finished playing is an underrun (playback then waits for it).
Failures are sorted by kind: ``refused``, ``timeout``, ``http_<status>``, ``non_audio``,
``disconnected``. A worker told to retry later (``Retry-After`` on a 503) waits that long before
its next request, as a well-behaved client would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

SPEECH_PATH = "/v1/audio/speech"
AUDIO_TYPES = ("audio/", "application/octet-stream")


@dataclass(frozen=True)
class LoadSettings:
    """What each request sends and how long it may take."""

    url: str
    text: str
    model: str = "tiny"
    voice: str = "alloy"
    sample_rate: int = 24_000
    timeout_s: float = 60.0


@dataclass
class RequestResult:
    """One request: ``error`` is None when audio came back."""

    error: str | None = None
    ttfa_s: float | None = None
    total_s: float = 0.0
    audio_s: float = 0.0
    underruns: int = 0
    retry_after_s: float = 0.0  # a 503's Retry-After, which the worker waits out


@dataclass
class LevelResult:
    """Every request of one concurrency level and the level's wall time."""

    concurrency: int
    wall_s: float
    requests: list[RequestResult] = field(default_factory=list)


async def measure_request(client: httpx.AsyncClient, settings: LoadSettings) -> RequestResult:
    """Send one streamed request and time its audio."""
    body = {"model": settings.model, "input": settings.text, "voice": settings.voice,
            "response_format": "pcm", "stream": True}
    result = RequestResult()
    bytes_per_second = 2 * settings.sample_rate
    start = time.perf_counter()
    received = 0
    playback_start = None
    try:
        async with client.stream("POST", settings.url.rstrip("/") + SPEECH_PATH,
                                 json=body) as response:
            if response.status_code != 200:
                result.error = f"http_{response.status_code}"
                result.retry_after_s = _seconds(response.headers.get("retry-after"))
                return result
            if not response.headers.get("content-type", "").startswith(AUDIO_TYPES):
                result.error = "non_audio"
                return result
            async for piece in response.aiter_raw():
                if not piece:
                    continue
                now = time.perf_counter()
                if playback_start is None:
                    playback_start = now
                    result.ttfa_s = now - start
                elif now - playback_start > received / bytes_per_second:
                    result.underruns += 1
                    playback_start = now - received / bytes_per_second  # playback waited
                received += len(piece)
    except httpx.ConnectError:
        result.error = "refused"
    except httpx.TimeoutException:
        result.error = "timeout"
    except (httpx.RemoteProtocolError, httpx.ReadError):
        result.error = "disconnected"
    except httpx.HTTPError as exc:
        result.error = type(exc).__name__
    result.total_s = time.perf_counter() - start
    if result.error is None and received == 0:
        result.error = "non_audio"
    result.audio_s = received / bytes_per_second
    return result


async def run_level(settings: LoadSettings, concurrency: int, requests: int) -> LevelResult:
    """``requests`` requests from ``concurrency`` workers, each sending one after another."""
    remaining = iter(range(requests))
    results: list[RequestResult] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(settings.timeout_s)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def worker() -> None:
            for _ in remaining:
                results.append(await measure_request(client, settings))
                await asyncio.sleep(results[-1].retry_after_s)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return LevelResult(concurrency, wall, results)


def _seconds(header: str | None) -> float:
    """Retry-After in seconds (the delay form; dates and junk count as no delay), at most 60."""
    try:
        return min(max(float(header), 0.0), 60.0)
    except (TypeError, ValueError):
        return 0.0


def run_load(settings: LoadSettings, levels: list[int], requests: int,
             warmup: int = 1) -> list[LevelResult]:
    """Each level in turn, after ``warmup`` unmeasured requests."""

    async def main() -> list[LevelResult]:
        if warmup:
            await run_level(settings, 1, warmup)
        return [await run_level(settings, level, requests) for level in levels]

    return asyncio.run(main())
