"""`ttsbench load` against our server (JSON, CSV, plot) and against servers that refuse, time
out, return non-audio or stream too slowly; bad options are one line and exit 2."""

import asyncio
import csv
import json
import socket

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, StreamingResponse
from starlette.routing import Route

from serve_helpers import HOST, ThreadedServer, free_port
from ttsbench.cli import main
from ttsbench.engine.batching import BatchScheduler
from ttsbench.engine.synthesizer import Synthesizer
from ttsbench.serve.app import create_app
from ttsbench.serve.engine_loop import EngineLoop
from ttsbench.serve.loadgen import LoadSettings, run_load
from ttsbench.serve.metrics import ServerMetrics

SHORT = ["--input", "Hello there.", "--timeout", "60"]


@pytest.fixture(scope="module")
def tts_url():
    metrics = ServerMetrics()
    engine = EngineLoop(BatchScheduler(Synthesizer("tiny"), 4), metrics, max_queue=4)
    engine.start()
    with ThreadedServer(create_app(engine, metrics)) as url:
        yield url
    engine.stop()


def test_load_reports_each_level_as_json_csv_and_plot(tts_url, tmp_path, capsys):
    paths = {name: tmp_path / name for name in ("out.json", "out.csv", "out.png")}
    code = main(["load", "--url", tts_url, "--concurrency", "1,3", "--requests", "3", *SHORT,
                 "--json-output", str(paths["out.json"]), "--csv-output", str(paths["out.csv"]),
                 "--plot", str(paths["out.png"])])
    assert code == 0
    rows = json.loads(paths["out.json"].read_text())
    assert [row["concurrency"] for row in rows] == [1, 3]
    for row in rows:
        assert row["ok"] == row["requests"] == 3 and row["errors"] == {}
        assert 0 < row["ttfa_ms"]["p50"] <= row["ttfa_ms"]["p95"] <= row["ttfa_ms"]["p99"]
        assert row["ttfa_ms"]["p99"] <= row["total_ms"]["p99"]
        assert row["audio_seconds_per_second"] > 0 and row["rtf_p50"] > 0
    lines = list(csv.DictReader(paths["out.csv"].open()))
    assert [line["concurrency"] for line in lines] == ["1", "3"]
    assert float(lines[1]["ttfa_ms_p95"]) == rows[1]["ttfa_ms"]["p95"]
    assert paths["out.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ttsbench load" in capsys.readouterr().out


def _app(route_handler):
    return Starlette(routes=[Route("/v1/audio/speech", route_handler, methods=["POST"])])


async def _html(request):
    return HTMLResponse("<html>not audio</html>")


async def _bad_gateway(request):
    return HTMLResponse("upstream down", status_code=502)


async def _busy(request):
    return HTMLResponse("busy", status_code=503, headers={"Retry-After": "0.2"})


def test_a_worker_waits_out_retry_after_before_its_next_request():
    with ThreadedServer(_app(_busy)) as url:
        level = run_load(LoadSettings(url, "Hi."), [1], 3, warmup=0)[0]
    assert [r.error for r in level.requests] == ["http_503"] * 3
    assert all(r.retry_after_s == 0.2 for r in level.requests)
    assert level.wall_s >= 3 * 0.2  # a lower bound: slowness cannot break it


def _dripping(pieces, pause_s):
    async def handler(request):
        async def body():
            for _ in range(pieces):
                yield b"\0" * 480  # 10 ms of 24 kHz 16-bit audio
                await asyncio.sleep(pause_s)
        return StreamingResponse(body(), media_type="audio/pcm")
    return handler


def _run_load(url, capsys, *extra):
    code = main(["load", "--url", url, "--concurrency", "1,2", "--requests", "2",
                 "--warmup", "0", *SHORT, *extra])
    return code, capsys.readouterr()


def test_refused_timeouts_and_non_audio_are_one_line_per_kind_and_exit_2(capsys):
    code, out = _run_load(f"http://{HOST}:{free_port()}", capsys)
    assert code == 2 and "concurrency 1: 2 x refused" in out.out
    assert "nothing measured" in out.err and len(out.err.strip().splitlines()) == 1
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind((HOST, 0))
        silent.listen(8)
        code, out = _run_load(f"http://{HOST}:{silent.getsockname()[1]}", capsys,
                              "--timeout", "0.3")
    assert code == 2 and "concurrency 2: 2 x timeout" in out.out
    for handler, kind in ((_html, "non_audio"), (_bad_gateway, "http_502")):
        with ThreadedServer(_app(handler)) as url:
            code, out = _run_load(url, capsys)
        assert code == 2 and f"concurrency 1: 2 x {kind}" in out.out


def test_underruns_count_audio_arriving_after_playback_ran_dry(tmp_path, capsys):
    report = tmp_path / "r.json"
    with ThreadedServer(_app(_dripping(4, 0.15))) as url:
        assert _run_load(url, capsys, "--json-output", str(report))[0] == 0
    slow = json.loads(report.read_text())
    assert all(row["underruns"] >= 2 * row["ok"] > 0 for row in slow)
    with ThreadedServer(_app(_dripping(1, 0))) as url:  # all audio in one piece
        assert _run_load(url, capsys, "--json-output", str(report))[0] == 0
    assert all(row["underruns"] == 0 for row in json.loads(report.read_text()))


@pytest.mark.parametrize("option,value", [
    ("--concurrency", "1,x"), ("--concurrency", "0"), ("--requests", "0"),
    ("--url", "ftp://127.0.0.1"), ("--url", "nonsense"), ("--timeout", "0"),
    ("--json-output", "/nonexistent/dir/out.json"),
])
def test_bad_options_are_one_line_and_exit_2(capsys, option, value):
    args = {"--url": f"http://{HOST}:1", option: value}
    argv = ["load"] + [item for pair in args.items() for item in pair]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err
