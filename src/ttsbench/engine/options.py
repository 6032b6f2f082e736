"""The engine's choices by name, torch-free: the CLI, the benchmarks and ``gpu_check`` read them
without importing torch.

One home for each list: dtypes (with their short aliases), SDPA backends (and which have CPU
kernels), device types, generation modes and engine architectures. ``choose`` is the one check
of a name against its choices.
"""

from __future__ import annotations

DTYPES = ("float32", "bfloat16", "float16")
DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
SDPA_BACKENDS = ("math", "flash", "efficient", "cudnn")
CPU_SDPA_BACKENDS = ("math", "flash")  # PyTorch's CPU kernels; the others are CUDA-only
DEVICE_TYPES = ("cpu", "cuda", "mps")
MODES = ("text", "voice-clone", "continue")
ARCHS = ("unified", "separate")


def choose(what: str, value, choices) -> str:
    """``value`` when it is one of ``choices``; ValueError naming ``what`` and the choices."""
    if value not in choices:
        raise ValueError(f"{what}={value!r} is unknown: choose one of {', '.join(choices)}")
    return value


def dtype_name(value: str) -> str:
    """The canonical dtype name of ``value`` (an alias such as ``bf16`` or a canonical name)."""
    return choose("dtype", DTYPE_ALIASES.get(value, value), DTYPES)


def device_type(name: str) -> str:
    """The device type of ``cpu``, ``cuda``, ``cuda:N`` or ``mps``; ValueError otherwise."""
    kind, _, index = str(name).partition(":")
    if kind not in DEVICE_TYPES or (index and not index.isdigit()):
        raise ValueError(f"device={name!r} is not a device: use {', '.join(DEVICE_TYPES[:2])}, "
                         f"cuda:N or {DEVICE_TYPES[2]}")
    return kind


def check_positive_int(name: str, value) -> None:
    """ValueError unless ``value`` is an integer >= 1 (bools are not integers here)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r}: expected an integer >= 1")
