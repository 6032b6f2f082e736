"""`ttsbench e2e`: the JSON report's exact shape, its internal consistency, and bad options."""

import json
import re
from pathlib import Path

import pytest

from ttsbench.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESULT_KEYS = {"input", "wall_clock_ms", "time_to_first_chunk_ms", "peak_memory_mb",
               "tokens_per_second", "realtime_factor", "stages"}
STAGE_KEYS = {"talker_ms", "code_predictor_ms", "decoder_12hz_ms"}
FEATURE_KEYS = {"preset", "variant", "arch", "mode", "chunk_frames", "dtype", "cuda_graphs",
                "streaming", "torch", "device_name"}


@pytest.fixture(scope="module")
def streaming_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "report.json"
    code = main(["e2e", "--preset", "tiny", "--device", "cpu", "--iterations", "1", "--warmup", "0",
                 "--streaming", "--json-output", str(path)])
    assert code == 0
    return json.loads(path.read_text())


def test_report_has_exactly_the_documented_shape(streaming_report):
    report = streaming_report
    assert set(report) == {"commit", "device", "features", "results", "recommendations"}
    assert re.fullmatch(r"[0-9a-f]{40}", report["commit"])
    assert report["device"] == "cpu"
    assert set(report["features"]) == FEATURE_KEYS
    assert report["features"]["preset"] == "tiny"
    assert report["features"]["streaming"] is True
    assert report["features"]["cuda_graphs"] is False
    assert [row["input"] for row in report["results"]] == ["short", "medium", "long"]
    for row in report["results"]:
        assert set(row) == RESULT_KEYS
        assert set(row["stages"]) == STAGE_KEYS
        for key in RESULT_KEYS - {"input", "stages"}:
            assert isinstance(row[key], float) and row[key] > 0, key


def test_report_figures_are_consistent(streaming_report):
    for row in streaming_report["results"]:
        # tokens are 12.5 Hz frames, so tokens/s over RTF is the frame rate
        assert row["tokens_per_second"] / row["realtime_factor"] == pytest.approx(12.5, rel=1e-3)
        assert row["time_to_first_chunk_ms"] <= row["wall_clock_ms"]
        assert sum(row["stages"].values()) <= row["wall_clock_ms"] * 1.01
    short, _, long = streaming_report["results"]
    assert long["wall_clock_ms"] > short["wall_clock_ms"]


def test_table_states_the_rtf_convention(tmp_path, capsys):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    for name in ("short", "medium", "long"):
        (fixtures / f"{name}.txt").write_text("Hi.\n")
    assert main(["e2e", "--iterations", "1", "--warmup", "0", "--fixtures-dir", str(fixtures)]) == 0
    out = capsys.readouterr().out
    assert "RTF = seconds of audio / seconds of wall clock; above 1 is faster than real time" in out
    assert "short" in out and "long" in out


@pytest.mark.parametrize(("argv", "option"), [
    (["--iterations", "0"], "--iterations"),
    (["--warmup", "-1"], "--warmup"),
    (["--chunk-frames", "0"], "--chunk-frames"),
    (["--preset", "7b"], "--preset"),
    (["--variant", "7b-base"], "--variant"),
    (["--arch", "fused"], "--arch"),
    (["--mode", "sing"], "--mode"),
    (["--mode", "voice-clone", "--variant", "tiny-voicedesign"], "--mode"),
    (["--mode", "voice-clone", "--reference", str(FIXTURES / "short.txt")], "--reference"),
    (["--speaker", "bob", "--variant", "tiny-customvoice"], "--speaker"),
    (["--instruct", "Loud."], "--instruct"),
    (["--context-frames", "0"], "--context-frames"),
    (["--first-audio-target-ms", "0"], "--first-audio-target-ms"),
    (["--fixtures-dir", "/nonexistent-fixtures"], "--fixtures-dir"),
    (["--json-output", "/nonexistent-dir/r.json"], "--json-output"),
])
def test_bad_option_is_one_line_and_exit_2(capsys, argv, option):
    assert main(["e2e", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttsbench e2e: error:")
    assert option in err


@pytest.mark.parametrize(("argv", "mode"), [
    (["--variant", "tiny-base", "--mode", "voice-clone", "--reference",
      str(FIXTURES / "reference_3s.wav")], "voice-clone"),
    (["--variant", "tiny-customvoice", "--speaker", "ryan", "--mode", "continue",
      "--context-frames", "3"], "continue"),
    (["--variant", "tiny-voicedesign", "--arch", "separate"], "text"),
])
def test_modes_variants_and_arch_run_and_are_reported(tmp_path, argv, mode):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    for name in ("short", "medium", "long"):
        (fixtures / f"{name}.txt").write_text("Hi.\n")
    path = tmp_path / "r.json"
    assert main(["e2e", "--iterations", "1", "--warmup", "0", "--fixtures-dir", str(fixtures),
                 "--json-output", str(path), *argv]) == 0
    report = json.loads(path.read_text())
    assert report["features"]["mode"] == mode
    assert report["features"]["variant"] == argv[1]
    assert report["recommendations"]


def test_recommendations_cite_the_reported_figures(streaming_report):
    lines = streaming_report["recommendations"]
    first = streaming_report["results"][0]
    assert f"{first['time_to_first_chunk_ms']:.1f} ms" in lines[0]
    assert "12-frame chunks" in lines[0]
