"""Seeded, cached engine fixtures for the tier-2 benchmarks, and the preset/device rules.

Presets: ``tiny`` runs on the device under test (CPU by default); ``0.6b`` and ``1.7b`` run only
with ``TTSBENCH_DEVICE=cuda`` and are skipped with "needs ~X GB" on a GPU too small for them.
Engine APIs are looked up with ``common.require`` from inside ``setup``: running today's suite
on a commit that predates an API records the case as skipped (NotImplementedError) rather than
failed.
Weights come from seed 0, inputs from seeded generators, texts from the repository's
``fixtures/*.txt`` (only ever appended to). asv re-runs ``setup`` before every timed sample, so
everything costly is built once per process here (``lru_cache``) and ``setup`` stays cheap.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import torch

from .. import common

PRESETS = ["tiny", "0.6b", "1.7b"]
# The engine's variants and modes (engine.variants / engine.options), listed here so the suite's
# parameters do not depend on the commit under test.
VARIANTS = ["tiny-base", "tiny-customvoice", "tiny-voicedesign", "0.6b-base", "1.7b-base",
            "1.7b-customvoice", "1.7b-voicedesign"]
MODES = ["text", "voice-clone", "continue"]
ARCHS = ["unified", "separate"]
CONTEXT_FRAMES = 25  # codes a continue run resumes from (2 s)
# GPU memory a preset needs for the tier-2 cases (bf16 weights, caches, batch-16 activations).
VRAM_GB = {"tiny": 1, "0.6b": 4, "1.7b": 8}
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
SEED = 0


# The one lookup is common.require; this name stays for serving.py (helper "serve"'s module).
engine_api = common.require


def device_for(preset: str) -> torch.device:
    """The device a preset runs on here; NotImplementedError when it must be skipped."""
    dev = common.device()
    if preset != "tiny":
        if dev.type != "cuda":
            raise NotImplementedError(f"preset {preset} runs only with TTSBENCH_DEVICE=cuda")
        common.require_vram(VRAM_GB[preset], dev)
    return dev


def dtype_for(dev: torch.device) -> torch.dtype:
    """float32 on CPU, bfloat16 on CUDA (the dtype the GPU presets are served in)."""
    return torch.bfloat16 if dev.type == "cuda" else torch.float32


@lru_cache(maxsize=4)
def synthesizer(preset: str, cuda_graphs: bool = False, *, variant: str | None = None,
                arch: str = "unified", dtype: str | None = None, sdpa_backend: str | None = None):
    """The seeded Synthesizer for ``preset`` (or ``variant``) on the device under test, built
    and warmed up; options beyond preset and CUDA graphs need a commit that has variants."""
    dev = device_for(preset)
    if cuda_graphs and dev.type != "cuda":
        raise NotImplementedError("CUDA graphs need TTSBENCH_DEVICE=cuda")
    synthesizer_class = common.require("engine.synthesizer", "Synthesizer")
    options = {"cuda_graphs": cuda_graphs}
    if variant is not None or arch != "unified" or sdpa_backend is not None:
        common.require("engine.variants", "VARIANTS")
        options.update(variant=variant, arch=arch, sdpa_backend=sdpa_backend)
    if variant is not None:
        preset = None
    try:
        built = synthesizer_class(preset, dev, dtype or dtype_for(dev), SEED, **options)
    except ValueError as exc:  # e.g. an SDPA backend without a kernel for this device/dtype
        raise NotImplementedError(str(exc)) from None
    built.synthesize("Warm up.", 2, fixed_length=True)
    common.synchronize(dev)
    return built


@lru_cache(maxsize=None)
def workload(name: str):
    """The fixture ``name`` (short, medium, long) with its pinned frame count."""
    load_workloads = common.require("workloads", "load_workloads")
    return load_workloads(FIXTURES_DIR, (name,))[0]


@lru_cache(maxsize=4)
def random_codes(preset: str, frames: int) -> torch.Tensor:
    """Seeded codes ``[1, 16, frames]`` over the preset's codebooks, on the device under test."""
    decoder = common.require("engine.config", "PRESETS")[preset].decoder
    codes = torch.randint(decoder.codebook_size, (1, decoder.num_quantizers, frames),
                          generator=common.generator(SEED))
    return codes.to(device_for(preset))


@lru_cache(maxsize=2)
def frame_inputs(preset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The talker hidden state ``[1, H]`` after a seeded 32-token prefill and a seeded first
    code ``[1]``: the code predictor's inputs for one frame."""
    built = synthesizer(preset)
    state = built.prefill(built.prompt_ids(32))
    codebook_size = common.require("engine.config", "PRESETS")[preset].talker.codebook_size
    first_code = torch.randint(codebook_size, (1,), generator=common.generator(SEED))
    return state.hidden, first_code.to(device_for(preset))


def text_ids(length: int) -> torch.Tensor:
    """Seeded byte-level text ids ``[1, length]`` (CPU)."""
    return torch.randint(0, 256, (1, length), generator=common.generator(SEED))


@lru_cache(maxsize=1)
def delayed_lm(preset: str):
    """The seeded DualFFN delay-pattern LM of ``preset`` on the device under test."""
    dev = device_for(preset)
    build = common.require("engine.delayed", "build_delayed_lm")
    return build(preset, dev, dtype_for(dev), SEED)


@lru_cache(maxsize=1)
def dualffn_layer(preset: str, tokens: int, text_share: float):
    """A seeded DualFFN layer with the delayed-LM ``preset``'s dimensions and its inputs,
    ``(layer, (x, cos, sin, audio_mask))``: ``tokens`` positions, the first ``text_share`` text."""
    dev = device_for(preset)
    dtype = dtype_for(dev)
    config = common.require("engine.delayed", "DELAYED_PRESETS")[preset]
    layer_class = common.require("engine.dualffn", "DualFFNDecoderLayer")
    rotary_cos_sin = common.require("engine.layers", "rotary_cos_sin")
    initialize = common.require("engine.weights", "initialize")
    with torch.device("meta"):
        layer = layer_class(
            config.hidden_size, config.num_heads, config.num_kv_heads, config.head_dim,
            config.intermediate_size, config.rms_norm_eps,
            audio_intermediate=config.audio_intermediate_size,
        )
    layer = layer.to(dtype=dtype).to_empty(device=dev)
    initialize(layer, common.generator(SEED, dev))
    layer.eval().requires_grad_(False)
    x = torch.randn(1, tokens, config.hidden_size, generator=common.generator(SEED))
    positions = torch.arange(tokens, device=dev)[None]
    cos, sin = rotary_cos_sin(positions, config.head_dim, config.rope_theta, dtype)
    audio_mask = positions >= int(tokens * text_share)
    return layer, (x.to(dev, dtype), cos, sin, audio_mask)


def timed(dev: torch.device, call) -> float:
    """Seconds of wall clock for ``call()``, the device synchronized before reading the clock."""
    common.synchronize(dev)
    start = time.perf_counter()
    call()
    common.synchronize(dev)
    return time.perf_counter() - start


def median_of(runs: int, measure) -> float:
    """The median of ``runs`` calls of ``measure()`` (for ``track_`` benchmarks)."""
    values = sorted(measure() for _ in range(runs))
    return values[len(values) // 2]


def preset_of(variant: str) -> str:
    """The size preset a variant name starts with."""
    return variant.split("-", 1)[0]


@lru_cache(maxsize=8)
def mode_inputs(variant: str, mode: str, reference_seconds: int = 3,
                in_context: bool = False) -> dict:
    """The synthesize() keywords of ``mode`` for ``variant``; NotImplementedError (skipped)
    for a combination the variant lacks. Voice-clone uses the seeded fixture clip of
    ``reference_seconds``; continue resumes from CONTEXT_FRAMES seeded codes."""
    spec = common.require("engine.variants", "VARIANTS")[variant]
    if mode not in spec.modes:
        raise NotImplementedError(f"{variant} has no {mode} mode")
    if mode == "voice-clone":
        load = common.require("engine.reference", "load_reference")
        path = FIXTURES_DIR / f"reference_{reference_seconds}s.wav"
        keywords = {"mode": mode, "reference": load(path)}
        if in_context:
            keywords["reference_text"] = workload("short").text
        return keywords
    if mode == "continue":
        built = synthesizer(preset_of(variant), variant=variant)
        codes = built.synthesize(workload("short").text, CONTEXT_FRAMES, fixed_length=True).codes
        return {"mode": mode, "codes": codes}
    return {"mode": mode}
