"""Options shared by the commands that run the engine (synth, e2e) and their validation.

Validation happens in ``run`` rather than through argparse ``choices`` so that a bad value is one
line (what, where, what to do) and exit code 2, and so that ``ttsbench --help`` never imports torch.
"""

from __future__ import annotations

import argparse

from pathlib import Path

from ttsbench.engine.options import ARCHS, DTYPES, MODES

DEFAULT_REFERENCE = Path("fixtures") / "reference_3s.wav"


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="tiny",
                        help="model preset: tiny, 0.6b or 1.7b (default tiny)")
    parser.add_argument("--variant",
                        help="model variant, e.g. 1.7b-customvoice (default: PRESET-base)")
    parser.add_argument("--arch", default="unified",
                        help=f"engine layout: {' or '.join(ARCHS)} (default unified)")
    parser.add_argument("--mode", default="text",
                        help=f"generation mode: {', '.join(MODES)} (default text)")
    parser.add_argument("--reference", type=Path,
                        help="voice-clone reference clip, 24 kHz WAV "
                        f"(default {DEFAULT_REFERENCE})")
    parser.add_argument("--reference-text",
                        help="voice-clone: the reference clip's words (puts its codes in context)")
    parser.add_argument("--speaker", help="customvoice variants: preset speaker name")
    parser.add_argument("--instruct",
                        help="customvoice: style instruction; voicedesign: the voice description")
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

    from ttsbench.engine.variants import VARIANTS, default_variant

    if args.preset not in PRESETS:
        raise TtsbenchError(
            f"--preset {args.preset!r} is unknown: choose one of {', '.join(PRESETS)}"
        )
    if args.variant is None:
        args.variant = default_variant(args.preset)
    elif args.variant not in VARIANTS:
        raise TtsbenchError(
            f"--variant {args.variant!r} is unknown: choose one of {', '.join(VARIANTS)}")
    args.preset = VARIANTS[args.variant].preset
    if args.arch not in ARCHS:
        raise TtsbenchError(f"--arch {args.arch!r} is unknown: choose one of {', '.join(ARCHS)}")
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
        return Synthesizer(None, dev, args.dtype, args.seed, cuda_graphs=args.cuda_graphs,
                           variant=args.variant, arch=args.arch)
    except ValueError as exc:
        raise TtsbenchError(f"cannot build the {args.variant} synthesizer: {exc}") from None


def conditioning(args: argparse.Namespace, synthesizer, codes=None) -> dict:
    """The synthesize() keywords of the mode options, each bad value one line naming its option.

    ``codes`` are the codes a ``continue`` run resumes from (the caller's ``--codes``).
    """
    from ttsbench.engine.reference import load_reference
    from ttsbench.errors import TtsbenchError

    variant = synthesizer.variant
    if args.mode not in MODES:
        raise TtsbenchError(f"--mode {args.mode!r} is unknown: choose one of {', '.join(MODES)}")
    if args.mode not in variant.modes:
        raise TtsbenchError(f"--mode {args.mode}: variant {variant.name} has no speaker encoder; "
                            f"choose --mode {' or '.join(variant.modes)} or a -base --variant")
    fields = {"mode": args.mode, "speaker": args.speaker, "instruct": args.instruct,
              "codes": codes}
    if args.mode == "voice-clone":
        reference = args.reference or DEFAULT_REFERENCE
        try:
            fields["reference"] = load_reference(reference)
        except ValueError as exc:
            raise TtsbenchError(f"--reference {reference}: {exc}") from None
        fields["reference_text"] = args.reference_text
    elif args.reference is not None or args.reference_text is not None:
        raise TtsbenchError("--reference and --reference-text need --mode voice-clone")
    if args.speaker is not None:
        try:
            variant.speaker_id(args.speaker)
        except ValueError as exc:
            raise TtsbenchError(f"--speaker: {exc}") from None
    if args.instruct is not None and variant.kind == "base":
        raise TtsbenchError(f"--instruct: variant {variant.name} takes no instruction; use a "
                            "-customvoice or -voicedesign --variant")
    if args.mode == "continue" and codes is None:
        raise TtsbenchError("--mode continue needs codes to continue from: pass --codes FILE.npy")
    return {key: value for key, value in fields.items() if value is not None}
