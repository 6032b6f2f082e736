"""Options shared by the commands that run the engine (synth, e2e) and their validation.

Validation happens in ``run`` rather than through argparse ``choices`` so that a bad value is one
line (what, where, what to do) and exit code 2, and so that ``ttsbench --help`` never imports torch.
"""

from __future__ import annotations

import argparse

from ttsbench.engine.options import DTYPES


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="tiny",
                        help="model preset: tiny, 0.6b or 1.7b (default tiny)")
    parser.add_argument("--device", default="cpu",
                        help="torch device: cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--dtype", default="float32",
                        help=f"weights and activations: {', '.join(DTYPES)} (default float32)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random weights (default 0)")
    parser.add_argument("--cuda-graphs", action="store_true",
                        help="replay the talker decode step as a CUDA graph (CUDA only)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: steady timings on shared runners; "
                        "0 = torch's default)")


def positive(value: int, option: str) -> int:
    """``value`` when >= 1, else a TtsbenchError naming ``option``."""
    from ttsbench.errors import TtsbenchError

    if value < 1:
        raise TtsbenchError(f"{option} {value}: must be at least 1")
    return value


def resolve_device(name: str):
    """The torch.device for ``--device``; TtsbenchError when unparsable or absent."""
    from ttsbench.engine.devices import resolve_device as engine_device
    from ttsbench.errors import TtsbenchError

    try:
        return engine_device(name)
    except ValueError as exc:
        raise TtsbenchError(f"--device: {exc}") from None


def build_synthesizer(args: argparse.Namespace):
    """A seeded Synthesizer for the parsed options, every bad value reported as one line."""
    import torch

    from ttsbench.engine.config import PRESETS
    from ttsbench.engine.synthesizer import Synthesizer
    from ttsbench.errors import TtsbenchError

    if args.preset not in PRESETS:
        raise TtsbenchError(
            f"--preset {args.preset!r} is unknown: choose one of {', '.join(PRESETS)}"
        )
    if args.dtype not in DTYPES:
        raise TtsbenchError(f"--dtype {args.dtype!r} is unknown: choose one of {', '.join(DTYPES)}")
    dev = resolve_device(args.device)
    if args.cuda_graphs and dev.type != "cuda":
        raise TtsbenchError("--cuda-graphs needs a CUDA device: pass --device cuda or drop it")
    if args.threads < 0:
        raise TtsbenchError(f"--threads {args.threads}: must be 0 (torch's default) or more")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return Synthesizer(args.preset, dev, args.dtype, args.seed, cuda_graphs=args.cuda_graphs)
    except ValueError as exc:
        raise TtsbenchError(f"cannot build the {args.preset} synthesizer: {exc}") from None
