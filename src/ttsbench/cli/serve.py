"""Serve the engine over HTTP: OpenAI-compatible POST /v1/audio/speech, batched, streamed.

Concurrent requests share one batched frame step (ttsbench.engine.batching); each streams its
audio as it is decoded (``"stream": true``) or gets it whole. GET /health says ok or draining,
GET /metrics gives Prometheus metrics. At most --max-batch requests run at once and --max-queue
more wait; beyond that requests get 503 with Retry-After. SIGTERM (or Ctrl-C) stops intake
(503 for new requests, the listening socket closes) and lets the streams in flight finish.
Listens on 127.0.0.1 unless --host says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import signal

from ttsbench.cli._engine_args import add_engine_arguments, build_synthesizer, positive
from ttsbench.errors import EXIT_OK, TtsbenchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--max-batch", type=int, default=16,
                        help="requests generated together in one frame step (default 16)")
    parser.add_argument("--max-queue", type=int, default=48,
                        help="requests waiting for a batch slot before 503s (default 48)")
    parser.add_argument("--max-input-chars", type=int, default=1000,
                        help="longest accepted input text (default 1000)")
    parser.add_argument("--chunk-frames", type=int, default=12,
                        help="frames per streamed chunk (default 12, as ttsbench e2e)")
    parser.add_argument("--left-context", type=int, default=25,
                        help="earlier frames decoded with each chunk (default 25, as the "
                        "engine's streaming)")
    parser.add_argument("--drain-timeout", type=float, default=120.0,
                        help="seconds SIGTERM waits for streams in flight (default 120)")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ttsbench.engine.batching import BatchScheduler
    from ttsbench.serve.app import create_app
    from ttsbench.serve.engine_loop import EngineLoop
    from ttsbench.serve.metrics import ServerMetrics

    if not 0 <= args.port <= 65535:
        raise TtsbenchError(f"--port {args.port}: choose a TCP port between 0 and 65535")
    max_batch = positive(args.max_batch, "--max-batch")
    max_input = positive(args.max_input_chars, "--max-input-chars")
    chunk_frames = positive(args.chunk_frames, "--chunk-frames")
    if args.left_context < 0:
        raise TtsbenchError(f"--left-context {args.left_context}: must be 0 or more")
    if args.max_queue < 0:
        raise TtsbenchError(f"--max-queue {args.max_queue}: must be 0 or more")
    if args.cuda_graphs:
        raise TtsbenchError("--cuda-graphs: the batched server runs the eager engine; drop it")
    if args.mode != "text":
        raise TtsbenchError(f"--mode {args.mode}: the server speaks text mode only (a voice "
                            "names a sampling seed); drop --mode")
    synthesizer = build_synthesizer(args)
    metrics = ServerMetrics()
    engine = EngineLoop(BatchScheduler(synthesizer, max_batch), metrics, max_queue=args.max_queue)
    holder: dict = {}
    app = create_app(engine, metrics, max_input_chars=max_input, chunk_frames=chunk_frames,
                     left_context=args.left_context,
                     draining=lambda: holder["server"].should_exit)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                            access_log=False, lifespan="off",
                            timeout_graceful_shutdown=args.drain_timeout)
    server = holder["server"] = _draining_server_class()(config)
    engine.start()
    print(f"ttsbench serve: {args.preset} on http://{args.host}:{args.port} "
          f"(batch {max_batch}, queue {args.max_queue})", flush=True)
    try:
        server.run()
    finally:
        engine.stop()
    print("ttsbench serve: stopped", flush=True)
    return EXIT_OK


def _draining_server_class():
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn's server, except that a drained shutdown exits normally (uvicorn re-raises
        SIGTERM/SIGINT once it has stopped, which would kill the process with the signal)."""

        @contextlib.contextmanager
        def capture_signals(self):
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return DrainingServer
