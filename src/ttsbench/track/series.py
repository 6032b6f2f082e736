"""One name for a result series: benchmark, parameter combination, machine and env.

Code that matches series (plots finding their changes, the history cache, bisect) uses
:func:`series_key`, a tuple; text shown to people uses :func:`series_name` (asv's
``benchmark(params)``), :func:`series_ident` (``machine/env/benchmark(params)``, the cache
and plot key) or :func:`series_label` (``benchmark(params) machine env``). Rebuilding these
strings elsewhere lets two copies drift and markers vanish without an error.
"""

from __future__ import annotations

from typing import NamedTuple


class SeriesKey(NamedTuple):
    """The identity of one stored series."""

    machine: str
    env: str
    benchmark: str
    param_key: str


def series_key(machine: str, env: str, benchmark: str, param_key: str) -> SeriesKey:
    """The tuple that identifies a series (compare these, never formatted names)."""
    return SeriesKey(machine, env, benchmark, param_key or "")


def series_name(benchmark: str, param_key: str | None) -> str:
    """``benchmark(params)`` as asv prints it; just the benchmark when it has no parameters."""
    return f"{benchmark}({param_key})" if param_key else benchmark


def series_ident(machine: str, env: str, benchmark: str, param_key: str | None) -> str:
    """``machine/env/benchmark(params)``: the series' key in caches and plots."""
    return f"{machine}/{env}/{series_name(benchmark, param_key)}"


def series_label(benchmark: str, param_key: str | None, machine: str | None = None,
                 env: str | None = None) -> str:
    """``benchmark(params) machine env`` for people; parts not given are left out."""
    return " ".join(part for part in (series_name(benchmark, param_key), machine, env) if part)


__all__ = ["SeriesKey", "series_ident", "series_key", "series_label", "series_name"]
