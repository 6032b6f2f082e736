"""Serving under load: `ttsbench serve` in a subprocess, closed-loop load at 1, 4, 16 (and, on
CUDA, 64) concurrent streamed requests of the medium fixture."""

import os
import signal
import socket
import subprocess
import sys
import time

from .. import common
from . import models

LEVELS = [1, 4, 16, 64]
CPU_LEVELS = (1, 4, 16)
MAX_BATCH = 16
START_TIMEOUT_S = 120
CLI = "import sys; from ttsbench.cli import main; sys.exit(main())"


def requests_at(concurrency: int) -> int:
    """Requests per level: two rounds of every client, at least eight."""
    return max(8, 2 * concurrency)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    dtype = "bfloat16" if common.DEVICE == "cuda" else "float32"
    command = [sys.executable, "-c", CLI, "serve", "--preset", "tiny", "--port", str(port),
               "--device", common.DEVICE, "--dtype", dtype, "--threads", str(common.THREADS),
               "--max-batch", str(MAX_BATCH), "--max-queue", str(max(LEVELS))]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))


def _wait_ready(server: subprocess.Popen, url: str) -> None:
    import httpx

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise NotImplementedError(f"ttsbench serve exited: {server.stderr.read()[-300:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.25)
    raise RuntimeError(f"ttsbench serve did not answer /health within {START_TIMEOUT_S} s")


class Serving:
    """Per level: p50 and p95 time to first audio, audio seconds per second, RTF p50.

    The server starts once, in ``setup_cache``, and every level runs against it in turn (after
    one warm-up request); the ``track_`` methods report from those runs.
    """

    params = LEVELS
    param_names = ["concurrency"]
    timeout = 1800

    def setup_cache(self):
        try:
            common.device()
            common.require("serve.app", "create_app")
            settings_class = common.require("serve.loadgen", "LoadSettings")
            run_load = common.require("serve.loadgen", "run_load")
            summarize = common.require("serve.load_report", "summarize")
        except NotImplementedError as skip:
            return {level: str(skip) for level in LEVELS}
        levels = [lv for lv in LEVELS if common.DEVICE == "cuda" or lv in CPU_LEVELS]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = _start_server(port)
        try:
            _wait_ready(server, url)
            settings = settings_class(url, models.workload("medium").text, timeout_s=600)
            figures = {}
            for level in levels:
                result = run_load(settings, [level], requests_at(level), warmup=1)[0]
                figures[level] = summarize(result)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for level in LEVELS:
            figures.setdefault(level, f"{level} concurrent requests run only with "
                               "TTSBENCH_DEVICE=cuda")
        return figures

    def setup(self, figures, concurrency):
        if isinstance(figures[concurrency], str):
            raise NotImplementedError(figures[concurrency])
        self.figures = figures[concurrency]
        if self.figures["errors"]:
            raise RuntimeError(f"requests failed at concurrency {concurrency}: "
                               f"{self.figures['errors']}")

    def track_time_to_first_audio_p50(self, figures, concurrency):
        return self.figures["ttfa_ms"]["p50"]

    track_time_to_first_audio_p50.unit = "ms"

    def track_time_to_first_audio_p95(self, figures, concurrency):
        return self.figures["ttfa_ms"]["p95"]

    track_time_to_first_audio_p95.unit = "ms"

    def track_audio_seconds_per_second(self, figures, concurrency):
        return self.figures["audio_seconds_per_second"]

    track_audio_seconds_per_second.unit = "x realtime"

    def track_realtime_factor_p50(self, figures, concurrency):
        return self.figures["rtf_p50"]

    track_realtime_factor_p50.unit = "x realtime"
