"""End-to-end latency, throughput and memory of the engine over the short/medium/long fixtures.

Runs each fixture text (fixtures/short.txt, medium.txt, long.txt: about 1 s, 5 s and 20 s of
audio) --warmup times untimed, then --iterations times timed, generating a fixed number of frames
per text (EOS ignored; see ttsbench.workloads). Reports medians over the timed iterations and the
peak memory over them (host RSS on CPU; the CUDA allocator's reserved peak on CUDA).

RTF = seconds of audio / seconds of wall clock: above 1 is faster than real time.
tokens/s counts talker tokens, one per 12.5 Hz codec frame (each frame carries 16 codes).
With --streaming the audio is produced chunk by chunk and time to first chunk is the latency
of the first chunk; without it the first audio is the whole utterance.

--variant, --arch and --mode pick what runs: ``voice-clone`` conditions on --reference (default
FIXTURES_DIR/reference_3s.wav), ``continue`` resumes from --context-frames frames generated once,
untimed, from the short fixture. The report ends with recommendations drawn from its own
figures (ttsbench.track.recommend), each citing the numbers it rests on.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from ttsbench.cli._engine_args import (
    add_engine_arguments,
    build_synthesizer,
    conditioning,
    positive,
)
from ttsbench.errors import EXIT_OK, TtsbenchError
from ttsbench.workloads import INPUT_NAMES

RTF_CONVENTION = "RTF = seconds of audio / seconds of wall clock; above 1 is faster than real time"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser)
    parser.add_argument("--iterations", type=int, default=3,
                        help="timed runs per input (default 3)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed runs per input before the timed ones (default 1)")
    parser.add_argument("--streaming", action="store_true", help="synthesize chunk by chunk")
    parser.add_argument("--chunk-frames", type=int, default=12,
                        help="frames per streamed chunk (default 12)")
    parser.add_argument("--json-output", type=Path,
                        help="also write the results as JSON to this file")
    parser.add_argument("--fixtures-dir", type=Path, default=Path("fixtures"),
                        help="where short.txt, medium.txt and long.txt are (default ./fixtures)")
    parser.add_argument("--inputs", default=",".join(INPUT_NAMES),
                        help="comma-separated fixtures to run (default short,medium,long)")
    parser.add_argument("--context-frames", type=int, default=25,
                        help="--mode continue: frames of codes to resume from (default 25, 2 s)")
    parser.add_argument("--first-audio-target-ms", type=float, default=100.0,
                        help="first-audio target the recommendations judge against (default 100)")


@dataclass
class Measurement:
    """One timed run of one input."""

    wall_clock_ms: float
    time_to_first_chunk_ms: float
    peak_memory_mb: float
    talker_ms: float
    code_predictor_ms: float
    decoder_12hz_ms: float
    frames: int
    audio_seconds: float


def _measure(synthesizer, workload, dev, streaming: bool, chunk_frames: int,
             keywords: dict) -> Measurement:
    import torch

    from ttsbench.engine.config import SAMPLE_RATE
    from ttsbench.engine.memory import track_peak_memory

    with track_peak_memory(dev) as memory:
        start = time.perf_counter()
        if streaming:
            first_chunk_ms = None
            samples = 0
            stream = synthesizer.synthesize_streaming(
                workload.text, chunk_frames, max_frames=workload.frames, fixed_length=True,
                **keywords,
            )
            for chunk in stream:
                if first_chunk_ms is None:
                    first_chunk_ms = (time.perf_counter() - start) * 1000
                samples += chunk.numel()
            timing = synthesizer.last_timing
        else:
            result = synthesizer.synthesize(workload.text, workload.frames, fixed_length=True,
                                            **keywords)
            samples = result.audio.numel()
            timing = result.timing
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        wall_ms = (time.perf_counter() - start) * 1000
    return Measurement(
        wall_clock_ms=wall_ms,
        time_to_first_chunk_ms=first_chunk_ms if streaming else wall_ms,
        peak_memory_mb=memory.result.peak_mb,
        talker_ms=timing.prefill_ms + timing.talker_decode_ms,
        code_predictor_ms=timing.code_predictor_ms,
        decoder_12hz_ms=timing.decoder_ms,
        frames=timing.frames,
        audio_seconds=samples / SAMPLE_RATE,
    )


def summarize(name: str, runs: list[Measurement]) -> dict:
    """One entry of ``results``: medians over the timed runs, the peak memory over all of them."""

    def median(field: str) -> float:
        return round(statistics.median(getattr(run, field) for run in runs), 3)

    wall_s = statistics.median(run.wall_clock_ms for run in runs) / 1000
    return {
        "input": name,
        "wall_clock_ms": median("wall_clock_ms"),
        "time_to_first_chunk_ms": median("time_to_first_chunk_ms"),
        "peak_memory_mb": round(max(run.peak_memory_mb for run in runs), 1),
        "tokens_per_second": round(runs[0].frames / wall_s, 6),
        "realtime_factor": round(runs[0].audio_seconds / wall_s, 6),
        "stages": {
            "talker_ms": median("talker_ms"),
            "code_predictor_ms": median("code_predictor_ms"),
            "decoder_12hz_ms": median("decoder_12hz_ms"),
        },
    }


def current_commit() -> str | None:
    """HEAD of the git repository around the working directory, or None outside one."""
    from ttsbench.track import gitrepo

    try:
        return gitrepo.head_commit(gitrepo.open_repo())
    except ImportError:  # a bare GPU box (tools/gpu_check.sh) has no gitpython
        return None


def device_name(dev) -> str:
    """The GPU's marketing name, or the CPU model from /proc/cpuinfo (platform name as fallback)."""
    import torch

    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def print_table(report: dict, iterations: int, warmup: int) -> None:
    """The headline figures per input, then the per-stage split, then how to read them."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    features = report["features"]
    results = report["results"]
    headline = Table(
        "input", "wall ms", "first chunk ms", "RTF", "tokens/s", "peak MB", box=box.SIMPLE_HEAD,
        title=f"ttsbench e2e: {features['variant']} {features['mode']} {features['arch']} "
        f"{features['dtype']} on {report['device']} "
        f"({features['device_name']}){', streaming' if features['streaming'] else ''}",
    )
    for row in results:
        headline.add_row(
            row["input"], f"{row['wall_clock_ms']:.1f}", f"{row['time_to_first_chunk_ms']:.1f}",
            f"{row['realtime_factor']:.2f}x", f"{row['tokens_per_second']:.1f}",
            f"{row['peak_memory_mb']:.0f}",
        )
    stages = Table("input", "talker ms", "code predictor ms", "decoder 12 Hz ms",
                   box=box.SIMPLE_HEAD, title="time per stage (talker = prefill + decode steps)")
    for row in results:
        split = row["stages"]
        stages.add_row(row["input"], f"{split['talker_ms']:.1f}",
                       f"{split['code_predictor_ms']:.1f}", f"{split['decoder_12hz_ms']:.1f}")
    for table in (headline, stages):
        for column in table.columns[1:]:
            column.justify = "right"
    console = Console()
    console.print(headline, stages)
    console.print(
        f"{RTF_CONVENTION}.\ntokens/s: talker tokens (one per 12.5 Hz codec frame) per second.\n"
        f"Medians of {iterations} timed run(s) after {warmup} warm-up run(s); "
        "peak memory is the maximum over the timed runs.",
        soft_wrap=True,
    )
    console.print("Recommendations (from the figures above):", soft_wrap=True)
    for line in report["recommendations"]:
        console.print(f"- {line}", soft_wrap=True, markup=False)


def run(args: argparse.Namespace) -> int:
    import torch

    from ttsbench.track.recommend import e2e_recommendations
    from ttsbench.workloads import load_workloads

    iterations = positive(args.iterations, "--iterations")
    if args.warmup < 0:
        raise TtsbenchError(f"--warmup {args.warmup}: must be 0 or more")
    chunk_frames = positive(args.chunk_frames, "--chunk-frames")
    if args.json_output is not None and not args.json_output.parent.is_dir():
        raise TtsbenchError(f"--json-output {args.json_output}: directory "
                            f"{args.json_output.parent} does not exist")
    context_frames = positive(args.context_frames, "--context-frames")
    if args.first_audio_target_ms <= 0:
        raise TtsbenchError(f"--first-audio-target-ms {args.first_audio_target_ms}: must be > 0")
    names = tuple(name.strip() for name in args.inputs.split(",") if name.strip())
    unknown = [name for name in names if name not in INPUT_NAMES] or ([] if names else [""])
    if unknown:
        raise TtsbenchError(f"--inputs {args.inputs!r}: {unknown[0]!r} is not a fixture; choose "
                            f"from {', '.join(INPUT_NAMES)}")
    workloads = load_workloads(args.fixtures_dir, names)
    synthesizer = build_synthesizer(args)
    codes = None
    if args.mode == "continue":
        codes = synthesizer.synthesize(workloads[0].text, context_frames, fixed_length=True).codes
    if args.mode == "voice-clone" and args.reference is None:
        args.reference = args.fixtures_dir / "reference_3s.wav"
    keywords = conditioning(args, synthesizer, codes)
    dev = synthesizer.device
    results = []
    for workload in workloads:
        for _ in range(args.warmup):
            _measure(synthesizer, workload, dev, args.streaming, chunk_frames, keywords)
        runs = [_measure(synthesizer, workload, dev, args.streaming, chunk_frames, keywords)
                for _ in range(iterations)]
        results.append(summarize(workload.name, runs))
    report = {
        "commit": current_commit(),
        "device": str(dev),
        "features": {
            "preset": args.preset,
            "variant": args.variant,
            "arch": args.arch,
            "mode": args.mode,
            "chunk_frames": chunk_frames if args.streaming else None,
            "dtype": args.dtype,
            "cuda_graphs": args.cuda_graphs,
            "streaming": args.streaming,
            "torch": torch.__version__,
            "device_name": device_name(dev),
        },
        "results": results,
    }
    report["recommendations"] = e2e_recommendations(report, args.first_audio_target_ms)
    print_table(report, iterations, args.warmup)
    if args.json_output is not None:
        try:
            args.json_output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise TtsbenchError(
                f"cannot write --json-output {args.json_output}: {exc.strerror}"
            ) from None
        print(f"wrote {args.json_output}")
    return EXIT_OK
