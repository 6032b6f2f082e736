"""The tier-2 asv suite's rules: units on every track_, a timeout per class, history-safe skips."""

import importlib
import inspect
import pkgutil

import pytest

import benchmarks.tier2 as tier2
from benchmarks import common

RATE_UNITS = {"tokens/s", "x realtime"}


def _benchmark_classes():
    for info in pkgutil.iter_modules(tier2.__path__):
        module = importlib.import_module(f"benchmarks.tier2.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and not name.startswith("_"):
                methods = [m for m in dir(cls) if m.startswith(("time_", "track_"))]
                if methods:
                    yield cls, methods


CLASSES = list(_benchmark_classes())


def test_suite_covers_every_area_of_the_issue():
    names = {cls.__name__ for cls, _ in CLASSES}
    assert names == {
        "Prefill", "TalkerStep", "TalkerStepCudaGraphs", "CodePredictorFrame", "Decode",
        "Synthesize", "Streaming", "PeakGpuMemory", "PeakDeviceMemory", "PeakHostMemory",
        "BatchThroughput", "DualFFNLayer", "DelayPatternGeneration",
        "FirstFrame", "ModeSynthesize", "VoiceClonePrefill", "Arch", "ConcurrentRequests",
        "FirstChunk", "SdpaTalkerStep", "PeakGpuMemoryByDtype", "Serving",
    }


@pytest.mark.parametrize(("cls", "methods"), CLASSES, ids=[c.__name__ for c, _ in CLASSES])
def test_every_class_has_a_timeout_and_every_track_a_unit(cls, methods):
    assert getattr(cls, "timeout", None), f"{cls.__name__} has no timeout"
    for name in methods:
        if name.startswith("track_"):
            unit = getattr(getattr(cls, name), "unit", None)
            assert unit in RATE_UNITS | {"ms", "MB"}, f"{cls.__name__}.{name}: unit {unit!r}"
            if "per_second" in name or "realtime" in name:
                assert unit in RATE_UNITS  # the tracker reads rates as higher-is-better


def test_an_api_missing_at_an_old_commit_skips_instead_of_failing():
    with pytest.raises(NotImplementedError, match="not in this commit"):
        common.require("engine.synthesizer", "NotYetWritten")
    with pytest.raises(NotImplementedError, match="not in this commit"):
        common.require("engine.not_a_module", "Anything")


@pytest.mark.skipif(common.DEVICE != "cpu", reason="the CPU series skips the large presets")
@pytest.mark.parametrize(("cls", "methods"), CLASSES, ids=[c.__name__ for c, _ in CLASSES])
def test_large_presets_skip_in_setup_on_cpu(cls, methods):
    params = cls.params if isinstance(cls.params, tuple) else (cls.params,)
    for preset in ("0.6b", "1.7b"):
        if preset not in params[0]:
            continue
        args = [preset] + [values[0] for values in params[1:]]
        instance = cls()
        with pytest.raises(NotImplementedError):
            if hasattr(cls, "setup_cache"):
                instance.setup({preset: "skipped"}, *args)
            else:
                instance.setup(*args)


@pytest.mark.skipif(common.DEVICE != "cpu", reason="the CPU series skips the large variants")
@pytest.mark.parametrize(("cls", "args"), [
    ("FirstFrame", ("1.7b-customvoice", "text")),
    ("ModeSynthesize", ("0.6b-base", "voice-clone")),
    ("VoiceClonePrefill", ("1.7b-base", 10, True)),
])
def test_large_variants_skip_in_setup_on_cpu(cls, args):
    from benchmarks.tier2 import modes

    with pytest.raises(NotImplementedError, match="runs only with TTSBENCH_DEVICE=cuda"):
        getattr(modes, cls)().setup(*args)


def test_a_mode_the_variant_lacks_is_a_skip_saying_so():
    from benchmarks.tier2 import modes

    with pytest.raises(NotImplementedError, match="tiny-customvoice has no voice-clone mode"):
        modes.FirstFrame().setup("tiny-customvoice", "voice-clone")


@pytest.mark.skipif(common.DEVICE != "cpu", reason="CPU kernels only")
def test_device_matrix_skips_backends_without_a_cpu_kernel_and_restores_onednn():
    import torch

    from benchmarks.tier2 import device_matrix

    skipped = device_matrix.SdpaTalkerStep()
    with pytest.raises(NotImplementedError, match="no CPU kernel"):
        skipped.setup("tiny", True, "float32", "efficient")
    skipped.teardown("tiny", True, "float32", "efficient")  # asv tears skipped cases down too
    case = device_matrix.SdpaTalkerStep()
    case.setup("tiny", False, "float32", "math")
    assert torch.backends.mkldnn.enabled is False
    case.time_talker_step("tiny", False, "float32", "math")
    case.teardown("tiny", False, "float32", "math")
    assert torch.backends.mkldnn.enabled is True


def test_mps_is_accepted_and_skipped_without_a_metal_device(monkeypatch):
    import torch

    monkeypatch.setattr(common, "DEVICE", "mps")
    if torch.backends.mps.is_available():
        assert common.device().type == "mps"
    else:
        with pytest.raises(NotImplementedError, match="no Metal"):
            common.device()
    monkeypatch.setattr(common, "DEVICE", "tpu")
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'mps'"):
        common.device()
