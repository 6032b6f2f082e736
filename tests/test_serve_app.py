"""The speech server over real HTTP (uvicorn on 127.0.0.1): audio, streaming, bad input,
overload, disconnects, metrics."""

import asyncio
import struct
import time

import httpx
import pytest

from serve_helpers import ThreadedServer
from ttsbench.engine.batching import BatchScheduler
from ttsbench.engine.synthesizer import Synthesizer
from ttsbench.serve.app import create_app
from ttsbench.serve.engine_loop import EngineLoop
from ttsbench.serve.metrics import ServerMetrics

SPEECH = "/v1/audio/speech"
BODY = {"model": "tiny", "input": "Hello, everyone.", "voice": "ash"}
LONG = "A sentence long enough to keep the batch busy for a good while. " * 3
TIMEOUT = httpx.Timeout(60)


@pytest.fixture(scope="module")
def served():
    metrics = ServerMetrics()
    engine = EngineLoop(BatchScheduler(Synthesizer("tiny"), 2), metrics, max_queue=1)
    engine.start()
    with ThreadedServer(create_app(engine, metrics, max_input_chars=300)) as url:
        yield url, engine
    engine.stop()


def metric(url, name):
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def test_health_and_metrics(served):
    url, _ = served
    health = httpx.get(url + "/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "in_flight": 0, "capacity": 3}
    text = httpx.get(url + "/metrics").text
    assert "process_resident_memory_bytes" in text and "ttsbench_frame_step_seconds" in text


def test_streamed_pcm_equals_the_whole_wav_body(served):
    url, _ = served
    whole = httpx.post(url + SPEECH, json=BODY, timeout=TIMEOUT)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    header, pcm = whole.content[:44], whole.content[44:]
    assert header[:4] == b"RIFF" and header[8:16] == b"WAVEfmt "
    assert struct.unpack("<I", header[24:28])[0] == 24_000
    assert struct.unpack("<I", header[40:44])[0] == len(pcm) > 0
    assert len(pcm) % (2 * 1920) == 0  # whole frames of 16-bit samples
    pieces = []
    with httpx.stream("POST", url + SPEECH, timeout=TIMEOUT,
                      json=dict(BODY, response_format="pcm", stream=True)) as response:
        assert response.headers["content-type"] == "audio/pcm"
        pieces = list(response.iter_bytes())
    assert b"".join(pieces) == pcm  # same voice, alone: the same audio
    other = httpx.post(url + SPEECH, json=dict(BODY, voice="echo"), timeout=TIMEOUT)
    assert other.content[44:] != pcm
    assert metric(url, "ttsbench_audio_seconds_total") > 0


BAD = [
    (b"{not json", "body"),
    (b"[1, 2]", "body"),
    ({"input": "hi", "voice": "ash"}, "model"),
    (dict(BODY, model=7), "model"),
    (dict(BODY, input=""), "input"),
    (dict(BODY, input="   "), "input"),
    (dict(BODY, input="x" * 301), "input"),
    (dict(BODY, input=["hi"]), "input"),
    (dict(BODY, voice="darth"), "voice"),
    (dict(BODY, response_format="mp3"), "response_format"),
    (dict(BODY, stream="yes"), "stream"),
    (dict(BODY, seed=-1), "seed"),
    (dict(BODY, seed=True), "seed"),
]


@pytest.mark.parametrize("body,field", BAD)
def test_bad_requests_are_400_naming_the_field_and_the_server_goes_on(served, body, field):
    url, _ = served
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    response = httpx.post(url + SPEECH, timeout=TIMEOUT, **kwargs)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == field
    assert httpx.get(url + "/health").status_code == 200


def test_over_capacity_is_503_with_retry_after(served):
    url, engine = served

    async def burst():
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            return await asyncio.gather(*(
                client.post(url + SPEECH, json=dict(BODY, input=LONG)) for _ in range(5)))

    responses = asyncio.run(burst())
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 200, 503, 503]  # batch 2 + queue 1
    rejected = [r for r in responses if r.status_code == 503]
    assert all(r.headers["retry-after"] == "1" for r in rejected)
    assert engine.in_flight == 0


def test_a_client_that_disconnects_leaves_the_batch(served):
    url, engine = served
    before = metric(url, 'ttsbench_requests_total{outcome="cancelled"}')
    with httpx.stream("POST", url + SPEECH, timeout=TIMEOUT,
                      json=dict(BODY, input=LONG, stream=True)) as response:
        next(response.iter_raw())  # first audio, then hang up
    deadline = time.monotonic() + 30
    while engine.scheduler.active or engine.in_flight:
        assert time.monotonic() < deadline, "the abandoned request stayed in the batch"
        time.sleep(0.05)
    assert metric(url, 'ttsbench_requests_total{outcome="cancelled"}') == before + 1
    assert httpx.post(url + SPEECH, json=BODY, timeout=TIMEOUT).status_code == 200
