"""The one device and dtype check of the engine (the CLI and the benchmarks call it too).

``resolve_device`` turns a name into a ``torch.device`` that is present here, raising
``DeviceUnavailable`` (a ValueError) for a valid device this machine lacks, so callers can tell
"skip" (benchmarks) from "bad input" (everyone).
"""

from __future__ import annotations

from contextlib import ExitStack

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from ttsbench.engine.options import CPU_SDPA_BACKENDS, DTYPES, choose, device_type, dtype_name

TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
TORCH_SDPA_BACKENDS = {
    "math": SDPBackend.MATH,
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
}


class DeviceUnavailable(ValueError):
    """A valid device name whose hardware is absent on this machine."""


def resolve_device(device: str | torch.device) -> torch.device:
    """The present ``torch.device`` for ``device``; ValueError when invalid,
    ``DeviceUnavailable`` when absent here."""
    name = str(device)
    kind = device_type(name)
    parsed = torch.device(name)
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailable(f"device={name!r}: no CUDA device is visible here; use 'cpu'")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise DeviceUnavailable(f"device={name!r}: only {torch.cuda.device_count()} CUDA "
                                    "device(s) are visible")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailable(f"device={name!r}: no Metal (MPS) device here; use 'cpu'")
    return parsed


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """The torch dtype of a name, alias or torch dtype among ``options.DTYPES``."""
    if isinstance(dtype, torch.dtype):
        for name, value in TORCH_DTYPES.items():
            if value == dtype:
                return value
        raise ValueError(f"dtype={dtype!r} is unknown: choose one of {', '.join(DTYPES)}")
    return TORCH_DTYPES[dtype_name(dtype)]


def check_sdpa_backend(backend: str | None, device: torch.device) -> None:
    """ValueError unless ``backend`` is None or a backend with a kernel on ``device``."""
    if backend is None:
        return
    choose("sdpa_backend", backend, tuple(TORCH_SDPA_BACKENDS))
    if device.type == "cpu" and backend not in CPU_SDPA_BACKENDS:
        raise ValueError(f"sdpa_backend={backend!r} has no CPU kernel: choose "
                         f"{' or '.join(CPU_SDPA_BACKENDS)} on CPU, or None")


def inference_context(sdpa_backend: str | None) -> ExitStack:
    """inference_mode plus the pinned SDPA backend, if any."""
    stack = ExitStack()
    stack.enter_context(torch.inference_mode())
    if sdpa_backend is not None:
        stack.enter_context(sdpa_kernel(TORCH_SDPA_BACKENDS[sdpa_backend]))
    return stack


def synchronize(device: torch.device) -> None:
    """Wait for queued device work (no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
