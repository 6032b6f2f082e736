"""`ttsbench serve` as a process: SIGTERM stops intake and drains the stream in flight;
bad options are one line and exit 2."""

import signal
import threading

import httpx
import pytest

from serve_helpers import ServeProcess
from ttsbench.cli import main

SPEECH = "/v1/audio/speech"
BODY = {"model": "tiny", "voice": "coral", "response_format": "pcm",
        "input": "Long enough to still be streaming when the signal arrives. " * 2}


def test_sigterm_refuses_new_requests_and_finishes_the_stream_in_flight():
    server = ServeProcess("--max-batch", "4")
    try:
        server.wait_ready()
        alone = httpx.post(server.url + SPEECH, json=BODY, timeout=60).content
        first_audio = threading.Event()
        received, errors = [], []

        def listen():
            try:
                with httpx.stream("POST", server.url + SPEECH, json=dict(BODY, stream=True),
                                  timeout=60) as response:
                    for piece in response.iter_bytes():
                        received.append(piece)
                        first_audio.set()
            except httpx.HTTPError as exc:
                errors.append(exc)
            first_audio.set()

        listener = threading.Thread(target=listen)
        listener.start()
        assert first_audio.wait(60)
        server.process.send_signal(signal.SIGTERM)
        try:
            late = httpx.post(server.url + SPEECH, json=BODY, timeout=10)
            assert late.status_code == 503 and late.headers["retry-after"] == "1"
        except httpx.ConnectError:
            pass  # the listening socket is already closed
        listener.join(60)
        assert not errors and b"".join(received) == alone  # drained, complete
        assert server.process.wait(60) == 0
    finally:
        output = server.stop()
    assert "ttsbench serve: stopped" in output


@pytest.mark.parametrize("option,value", [
    ("--port", "70000"), ("--max-batch", "0"), ("--max-queue", "-1"),
    ("--max-input-chars", "0"), ("--preset", "huge"), ("--chunk-frames", "0"),
    ("--left-context", "-1"), ("--mode", "voice-clone"), ("--cuda-graphs", ""),
])
def test_bad_options_are_one_line_and_exit_2(capsys, option, value):
    assert main(["serve", option, value] if value else ["serve", option]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err
