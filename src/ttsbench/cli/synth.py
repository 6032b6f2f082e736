"""Synthesize one text to a 24 kHz mono WAV with the engine's seeded random weights.

The weights are random, so the audio is noise-like: the command exists to exercise the whole
pipeline (text -> talker -> code predictor -> 12 Hz decoder -> waveform) from the shell. Without
--max-frames it generates as many frames as the text would take to speak (about 15 characters a
second, see ttsbench.workloads) and stops earlier only on EOS; --fixed-length ignores EOS.
The WAV is 16-bit PCM; samples outside [-1, 1] are clipped.
"""

from __future__ import annotations

import argparse
import wave
from pathlib import Path

from ttsbench.cli._engine_args import add_engine_arguments, build_synthesizer, positive
from ttsbench.errors import EXIT_OK, TtsbenchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text", required=True, help="the text to speak")
    parser.add_argument("--out", required=True, type=Path, help="the WAV file to write")
    add_engine_arguments(parser)
    parser.add_argument("--max-frames", type=int,
                        help="cap on 12.5 Hz codec frames (default: from the text length)")
    parser.add_argument("--fixed-length", action="store_true",
                        help="ignore EOS: generate exactly the maximum number of frames")


def write_wav(path: Path, audio, sample_rate: int) -> None:
    """Write a 1-D float tensor in [-1, 1] as 16-bit mono PCM."""
    pcm = (audio.detach().float().cpu().clamp(-1.0, 1.0) * 32767.0).round().short()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.numpy().astype("<i2").tobytes())


def run(args: argparse.Namespace) -> int:
    from ttsbench.workloads import frames_for_text

    if not args.text.strip():
        raise TtsbenchError("--text is empty: give the sentence to speak")
    if not args.out.parent.is_dir():
        raise TtsbenchError(f"--out {args.out}: directory {args.out.parent} does not exist")
    if args.max_frames is None:
        max_frames = frames_for_text(args.text)
    else:
        max_frames = positive(args.max_frames, "--max-frames")
    synthesizer = build_synthesizer(args)
    result = synthesizer.synthesize(args.text, max_frames, fixed_length=args.fixed_length)
    try:
        write_wav(args.out, result.audio, result.sample_rate)
    except OSError as exc:
        raise TtsbenchError(f"cannot write --out {args.out}: {exc.strerror}") from None
    timing = result.timing
    seconds = result.audio.numel() / result.sample_rate
    print(
        f"wrote {args.out}: {seconds:.2f} s at {result.sample_rate} Hz ({timing.frames} frames) "
        f"in {timing.total_ms:.0f} ms, {seconds / (timing.total_ms / 1000):.2f}x real time"
    )
    return EXIT_OK
