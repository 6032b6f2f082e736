"""Recommendations come only from the report's figures, and cite them."""

from ttsbench.track.recommend import e2e_recommendations


def _report(streaming, first_ms, wall_ms, rtf, chunk=4):
    row = {"input": "short", "wall_clock_ms": wall_ms, "time_to_first_chunk_ms": first_ms,
           "tokens_per_second": 12.5 * rtf, "realtime_factor": rtf, "peak_memory_mb": 300.0,
           "stages": {"talker_ms": 0.2 * wall_ms, "code_predictor_ms": 0.7 * wall_ms,
                      "decoder_12hz_ms": 0.1 * wall_ms}}
    return {"features": {"streaming": streaming, "chunk_frames": chunk if streaming else None},
            "results": [row]}


def test_streaming_chunk_advice_follows_the_first_chunk():
    lines = e2e_recommendations(_report(True, 80.0, 1000.0, 2.0), 100.0)
    assert lines[0] == ("short: first chunk 80.0 ms at 4-frame chunks meets the 100 ms target; "
                        "at 20.0 ms per frame of the first chunk (prefill included) chunks of up "
                        "to 5 frames should meet it")
    assert lines[-1] == "short: code predictor takes 700.0 ms of 1000.0 ms (70%); optimise it first"


def test_a_slow_run_is_called_below_real_time_with_its_figures():
    lines = e2e_recommendations(_report(False, 4000.0, 4000.0, 0.5), 100.0)
    assert "first audio 4000.0 ms without streaming (misses the 100 ms target)" in lines[0]
    assert any(line.startswith("short: RTF 0.50, below real time: a frame takes 160.0 ms")
               for line in lines)


def test_no_chunk_meets_an_unreachable_target():
    lines = e2e_recommendations(_report(True, 400.0, 1000.0, 2.0, chunk=1), 100.0)
    assert "no chunk size meets it" in lines[0]
