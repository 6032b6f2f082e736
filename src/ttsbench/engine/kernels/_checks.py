"""Argument checks shared by the kernels: each failure is a ValueError naming parameter, value."""

from __future__ import annotations

import math

import torch


def describe(value) -> str:
    """Short description of a value for an error message."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", "?")
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {dtype}"
    return repr(value) if isinstance(value, (int, float, str)) else type(value).__name__


def check_int(name: str, value, minimum: int) -> None:
    """``value`` must be a Python int (not bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}={value!r}: expected an integer >= {minimum}")


def check_positive_float(name: str, value) -> None:
    """``value`` must be a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r}: expected a finite number > 0")


def check_float_tensor(name: str, value, dims: tuple[int, ...], layout: str) -> None:
    """``value`` must be a floating torch tensor with one of ``dims`` dimensions."""
    if (not isinstance(value, torch.Tensor) or not value.is_floating_point()
            or value.dim() not in dims):
        raise ValueError(f"{name}: expected a floating tensor {layout}, got {describe(value)}")


def check_int_tensor(name: str, value, dims: tuple[int, ...], layout: str) -> None:
    """``value`` must be an integer (non-bool) torch tensor with one of ``dims`` dimensions."""
    if (not isinstance(value, torch.Tensor) or value.is_floating_point() or value.is_complex()
            or value.dtype == torch.bool or value.dim() not in dims):
        raise ValueError(f"{name}: expected an integer tensor {layout}, got {describe(value)}")


def check_ids_in_range(name: str, ids: torch.Tensor, upper: int) -> None:
    """Every id must lie in [0, upper)."""
    if ids.numel() == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= upper:
        bad = low if low < 0 else high
        raise ValueError(f"{name}: id {bad} out of range [0, {upper})")
