"""Synthesize one text to a 24 kHz mono WAV with the engine's seeded random weights.

The weights are random, so the audio is noise-like: the command exists to exercise the whole
pipeline (text -> talker -> code predictor -> 12 Hz decoder -> waveform) from the shell. Without
--max-frames it generates as many frames as the text would take to speak (about 15 characters a
second, see ttsbench.workloads) and stops earlier only on EOS; --fixed-length ignores EOS.
The WAV is 16-bit PCM; samples outside [-1, 1] are clipped. --variant, --mode and their inputs
(--reference, --speaker, --instruct, --codes) choose what is generated; --codes-out saves the
generated codes (a [1, 16, T] int64 .npy) for a later --mode continue --codes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ttsbench.cli._engine_args import (
    add_engine_arguments,
    build_synthesizer,
    conditioning,
    positive,
)
from ttsbench.errors import EXIT_OK, TtsbenchError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text", required=True, help="the text to speak")
    parser.add_argument("--out", required=True, type=Path, help="the WAV file to write")
    add_engine_arguments(parser)
    parser.add_argument("--max-frames", type=int,
                        help="cap on 12.5 Hz codec frames (default: from the text length)")
    parser.add_argument("--fixed-length", action="store_true",
                        help="ignore EOS: generate exactly the maximum number of frames")
    parser.add_argument("--codes", type=Path,
                        help="--mode continue: the codes so far, a [1, 16, T] integer .npy")
    parser.add_argument("--codes-out", type=Path, help="also save the generated codes (.npy)")


def load_codes(path: Path):
    """The int64 codes tensor of a ``.npy`` file; TtsbenchError naming --codes otherwise."""
    import numpy as np
    import torch

    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise TtsbenchError(f"--codes {path}: cannot read a .npy array ({exc})") from None
    if array.dtype.kind not in "iu":
        raise TtsbenchError(f"--codes {path}: {array.dtype} values; expected integer codes")
    return torch.from_numpy(array.astype("int64"))


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
    if args.codes_out is not None and not args.codes_out.parent.is_dir():
        raise TtsbenchError(f"--codes-out {args.codes_out}: directory {args.codes_out.parent} "
                            "does not exist")
    synthesizer = build_synthesizer(args)
    codes = load_codes(args.codes) if args.codes is not None else None
    if codes is not None and args.mode != "continue":
        raise TtsbenchError("--codes needs --mode continue")
    keywords = conditioning(args, synthesizer, codes)
    try:
        result = synthesizer.synthesize(args.text, max_frames, fixed_length=args.fixed_length,
                                        **keywords)
    except ValueError as exc:
        raise TtsbenchError(f"--mode {args.mode}: {exc}") from None
    if args.codes_out is not None:
        import numpy as np

        np.save(args.codes_out, result.codes.numpy())
    try:
        from ttsbench.engine.audio import write_wav  # torch: only when synthesizing

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
