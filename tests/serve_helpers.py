"""Servers for the serve/load tests: uvicorn in a thread or `ttsbench serve` in a subprocess,
always on 127.0.0.1 on a free port, always stopped by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

HOST = "127.0.0.1"
CLI = "import sys; from ttsbench.cli import main; sys.exit(main())"
SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class ThreadedServer:
    """``with ThreadedServer(app) as url:`` serves ``app`` until the block ends."""

    def __init__(self, app) -> None:
        config = uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning",
                                lifespan="off", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start in 30 s"
            time.sleep(0.05)
        return f"http://{HOST}:{self.server.config.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class ServeProcess:
    """``ttsbench serve`` in a subprocess (so it can be sent SIGTERM)."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(SRC))
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", "--port", str(self.port), *options],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = f"http://{HOST}:{self.port}"

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read()
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"ttsbench serve not ready in {seconds} s")

    def stop(self) -> str:
        """Kill if still running; the output."""
        if self.process.poll() is None:
            self.process.kill()
        out, _ = self.process.communicate(timeout=30)
        return out
