"""The tier-1 asv suite without asv: every case runs once, cuda cases skip, fixtures stay pinned."""

import hashlib
import importlib
import inspect
import itertools
import pkgutil

import numpy as np
import pytest
import torch

import benchmarks.tier1
from benchmarks import common, fixtures

MODULES = [importlib.import_module(f"benchmarks.tier1.{info.name}")
           for info in pkgutil.iter_modules(benchmarks.tier1.__path__)]
CLASSES = [cls for module in MODULES for _, cls in inspect.getmembers(module, inspect.isclass)
           if cls.__module__ == module.__name__ and hasattr(cls, "params")]
CASES = [(cls, combo) for cls in CLASSES for combo in itertools.product(*cls.params)]


def timed_methods(cls):
    return [name for name in dir(cls) if name.startswith("time_")]


def test_suite_covers_the_issue_grid():
    assert {cls.__name__ for cls in CLASSES} >= {
        "TopK", "TopP", "Temperature", "RepetitionPenalty", "Sampler", "Suppression",
        "CodesToTensor", "MelSpectrogram", "Resample", "DelayPattern"}
    assert len(CASES) >= 45
    for cls in CLASSES:
        assert cls.version and len(cls.param_names) == len(cls.params) and timed_methods(cls)


@pytest.mark.parametrize("cls, combo", CASES, ids=[f"{c.__name__}{p}" for c, p in CASES])
def test_every_case_runs_on_cpu(monkeypatch, cls, combo):
    monkeypatch.setattr(common, "DEVICE", "cpu")
    bench = cls()
    bench.setup(*combo)
    for name in timed_methods(cls):
        getattr(bench, name)(*combo)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_cases_skip_in_setup_without_a_gpu(monkeypatch):
    monkeypatch.setattr(common, "DEVICE", "cuda")
    for cls, combo in CASES:
        with pytest.raises(NotImplementedError):
            cls().setup(*combo)


def test_missing_kernel_is_a_skip_not_a_failure():
    with pytest.raises(NotImplementedError, match="not in this commit"):
        common.require("engine.kernels.sampling", "no_such_filter")
    with pytest.raises(NotImplementedError, match="not in this commit"):
        common.require("engine.kernels.no_such_module", "anything")


def digest(value) -> str:
    array = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


# Fixtures are append-only: a changed digest means history is no longer comparable. Add a new
# fixture (and bump the benchmarks' version) instead of editing these.
PINNED = {
    "logits(1, 1024)": (lambda: fixtures.logits(1, 1024), "4eb146d38d324e9e"),
    "previous_tokens(1, 100, 32000)": (lambda: fixtures.previous_tokens(1, 100, 32000),
                                       "c47ca14d96d9566f"),
    "frames(60)": (lambda: fixtures.frames(60), "60b4ea7a8b4be455"),
    "waveform(0.5, 24000)": (lambda: fixtures.waveform(0.5, 24000), "e558e6de44fc3869"),
    "codes(1, 8, 100)": (lambda: fixtures.codes(1, 8, 100), "f32df80b5a6bf4c2"),
}


@pytest.mark.parametrize("name", PINNED)
def test_fixtures_are_pinned(name):
    build, want = PINNED[name]
    assert digest(build()) == want
