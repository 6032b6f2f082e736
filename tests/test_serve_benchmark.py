"""The tier-2 serving benchmark: a real server subprocess, figures per level, skips."""

import pytest

from benchmarks import common
from benchmarks.tier2 import serving


@pytest.mark.skipif(common.DEVICE != "cpu", reason="the CPU series measures 1, 4 and 16")
def test_setup_cache_serves_and_measures_each_level(monkeypatch):
    monkeypatch.setattr(serving, "CPU_LEVELS", (1, 2))
    monkeypatch.setattr(serving, "LEVELS", [1, 2, 64])
    monkeypatch.setattr(serving, "requests_at", lambda concurrency: 2)
    figures = serving.Serving().setup_cache()
    bench = serving.Serving()
    for level in (1, 2):
        bench.setup(figures, level)
        assert figures[level]["ok"] == 2 and figures[level]["concurrency"] == level
        p50 = bench.track_time_to_first_audio_p50(figures, level)
        assert 0 < p50 <= bench.track_time_to_first_audio_p95(figures, level)
        assert bench.track_audio_seconds_per_second(figures, level) > 0
        assert bench.track_realtime_factor_p50(figures, level) > 0
    with pytest.raises(NotImplementedError, match="TTSBENCH_DEVICE=cuda"):
        bench.setup(figures, 64)


def test_failed_requests_fail_the_case_instead_of_reporting_a_figure():
    figures = {4: {"errors": {"http_503": 1}, "ttfa_ms": {}}}
    with pytest.raises(RuntimeError, match="http_503"):
        serving.Serving().setup(figures, 4)
