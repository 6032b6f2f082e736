"""tools/calibrate_gate.py replays recorded gate runs through compare's own decision."""

import importlib.util
import json

import numpy as np
import pytest
from asvresults import bench, write_result
from toolfakes import TOOLS

COMMIT = "ab" * 20
CASES = ("t.time_a", "t.time_b")


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("calibrate_gate", TOOLS / "calibrate_gate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def recorded(tmp_path):
    """Three recorded A/A gate runs, 8 rounds a side, 1 % between-round noise."""
    rng = np.random.default_rng(5)
    for index in range(1, 4):
        run = tmp_path / f"run-{index:02d}"
        for side in ("base", "head"):
            for number in range(1, 9):
                entries = {}
                for case in CASES:
                    samples = list(np.exp(np.log(1e-3) + rng.normal(0, 0.01) + rng.normal(0, 0.01, 20)))
                    entries[case] = bench([float(np.median(samples))], samples=[samples])
                write_result(run / side / f"round-{number:02d}", "gate", COMMIT, entries, date=number)
        (run / "meta.json").write_text(json.dumps({"commit": COMMIT, "rounds": 8, "bench": "t", "wall_s": 60.0,
                                                   "load": [1.0, 2.0]}))
    return tmp_path


def test_replay_reports_aa_runs_and_power_per_shift(tool, recorded, capsys):
    assert tool.main(["--dir", str(recorded)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 recorded gate runs of identical code (8 rounds a side, t)")
    assert "  run-01: pass, 0 of 2 rows changed [], 60 s, load 1.5" in out
    assert "A/A: 0.00% of 6 rows called changed" in out and "0 of 3 gate runs failed" in out
    assert "0 of 2 gates failed" in out  # the cross-run pairs
    assert "| +20% | 100.0% | 100% |" in out


def test_shifted_scales_head_only(tool, recorded):
    from ttsbench.track.rounds import load_rounds

    measured = load_rounds(recorded / "run-01")
    scaled = tool.shifted(measured, 1.1)
    head = measured["side"] == "head"
    assert np.allclose(scaled.loc[head, "value"], 1.1 * measured.loc[head, "value"])
    assert np.allclose(scaled.loc[~head, "value"], measured.loc[~head, "value"])
    assert scaled.loc[head, "samples"].iloc[0][0] == pytest.approx(1.1 * measured.loc[head, "samples"].iloc[0][0])
