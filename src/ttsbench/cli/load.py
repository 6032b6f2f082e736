"""Load-test a speech server: latency and throughput at several concurrency levels.

Sends streamed OpenAI-style POST /v1/audio/speech requests (response_format pcm, 24 kHz 16-bit
mono unless --sample-rate says otherwise) to --url, --requests per level from as many workers as
the level's concurrency, each worker sending one request after another. Works against any
server with this API (ttsbench serve, vLLM-Omni, SGLang-Omni). Per level: time to first audio
p50/p95/p99, audio seconds per second, RTF p50, playback underruns and errors by kind
(refused, timeout, http_<status>, non_audio, disconnected); after a 503 a worker waits out its
Retry-After before its next request. Exit 2 when no request of any level
returned audio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ttsbench.errors import EXIT_OK, TtsbenchError

DEFAULT_TEXT = ("The quick brown fox jumps over the lazy dog, "
                "while the five boxing wizards jump quickly.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True,
                        help="server root, e.g. http://127.0.0.1:8000 (the API path is added)")
    parser.add_argument("--concurrency", default="1,8,16,64",
                        help="comma-separated concurrency levels (default 1,8,16,64)")
    parser.add_argument("--requests", type=int, default=32,
                        help="requests per level (default 32)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured requests before the first level (default 1)")
    parser.add_argument("--input", default=DEFAULT_TEXT, help="text of every request")
    parser.add_argument("--model", default="tiny", help="the request's model field (default tiny)")
    parser.add_argument("--voice", default="alloy", help="the request's voice (default alloy)")
    parser.add_argument("--sample-rate", type=int, default=24_000,
                        help="sample rate of the server's pcm output (default 24000)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a request may take (default 60)")
    parser.add_argument("--json-output", type=Path, help="write one object per level as JSON")
    parser.add_argument("--csv-output", type=Path, help="write one line per level as CSV")
    parser.add_argument("--plot", type=Path,
                        help="write a PNG of first-audio p95 and audio s/s against concurrency")


def parse_levels(text: str) -> list[int]:
    """``"1,8,16"`` -> ``[1, 8, 16]``; TtsbenchError on anything but positive integers."""
    try:
        levels = [int(part) for part in text.split(",")]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise TtsbenchError(f"--concurrency {text!r}: give positive integers separated by "
                            "commas, e.g. 1,8,16,64")
    return levels


def _check_args(args: argparse.Namespace) -> list[int]:
    import httpx

    levels = parse_levels(args.concurrency)
    for option, value in (("--requests", args.requests), ("--sample-rate", args.sample_rate)):
        if value < 1:
            raise TtsbenchError(f"{option} {value}: must be at least 1")
    if args.warmup < 0:
        raise TtsbenchError(f"--warmup {args.warmup}: must be 0 or more")
    if args.timeout <= 0:
        raise TtsbenchError(f"--timeout {args.timeout}: must be more than 0 seconds")
    try:
        url = httpx.URL(args.url)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise TtsbenchError(f"--url {args.url!r}: give an http(s) URL such as "
                            "http://127.0.0.1:8000")
    for option in ("json_output", "csv_output", "plot"):
        path = getattr(args, option)
        if path is not None and not path.parent.is_dir():
            raise TtsbenchError(f"--{option.replace('_', '-')} {path}: directory "
                                f"{path.parent} does not exist")
    return levels


def run(args: argparse.Namespace) -> int:
    from ttsbench.serve import load_report
    from ttsbench.serve.loadgen import LoadSettings, run_load

    levels = _check_args(args)
    settings = LoadSettings(args.url, args.input, args.model, args.voice, args.sample_rate,
                            args.timeout)
    rows = [load_report.summarize(level)
            for level in run_load(settings, levels, args.requests, args.warmup)]
    load_report.print_table(rows, args.url)
    writers = ((args.json_output, load_report.write_json), (args.csv_output, load_report.write_csv),
               (args.plot, lambda rows, path: load_report.write_plot(rows, path, args.url)))
    for path, write in writers:
        if path is not None:
            try:
                write(rows, path)
            except OSError as exc:
                raise TtsbenchError(f"cannot write {path}: {exc.strerror}") from None
            print(f"wrote {path}")
    if not any(row["ok"] for row in rows):
        raise TtsbenchError(f"nothing measured: no request to {args.url} returned audio "
                            "(errors by kind above); check the URL and that the server is up")
    return EXIT_OK
