"""`ttsbench claims` on results with known changes: validated, not validated, no data, bad files."""

import json
from pathlib import Path

import numpy as np
import pytest
from asvresults import bench, write_benchmarks, write_result
from claims_helpers import lognormal_run, run_claims, write_claims

from ttsbench.track.claims import load_claims

BASE, HEAD = "a1" * 20, "b2" * 20
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "claims.example.toml"


def timed(seed, scale):
    run = lognormal_run(seed, scale)
    return bench([float(np.median(run))], samples=[run])


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    write_benchmarks(root, {"b.peakmem_model": {"unit": "bytes"}, "b.track_tokens_per_s": {"unit": "tokens/s"}})
    write_result(root, "box", BASE, {
        "b.time_decode": timed(1, 0.100), "b.peakmem_model": timed(2, 1e9),
        "b.track_tokens_per_s": bench([100.0]),
    }, date=1)
    write_result(root, "box", HEAD, {
        "b.time_decode": timed(3, 0.080), "b.peakmem_model": timed(4, 0.9e9),
        "b.track_tokens_per_s": bench([130.0]),
    }, date=2)
    return root


def run(capsys, path, results, *extra):
    return run_claims(capsys, path, (BASE[:8], HEAD[:8]), results, *extra)


def test_claim_inside_its_range_is_validated(capsys, tmp_path, results):
    path = write_claims(tmp_path, '[[claim]]\nname = "decode"\nbenchmark = "time_decode"\nchange = ["-25ms", "-15ms"]\n')
    code, out, err = run(capsys, path, results)
    assert code == 0 and err == ""
    assert out.splitlines()[1].startswith("VALIDATED") and "confidence in range 100%" in out
    assert "estimate -20" in out


def test_claim_outside_its_range_is_not_validated_with_the_reason(capsys, tmp_path, results):
    path = write_claims(tmp_path, '[[claim]]\nname = "memory"\nbenchmark = "peakmem"\nchange = ["-30%", "-20%"]\n')
    code, out, _ = run(capsys, path, results, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["claims"] == {"memory": "NOT VALIDATED"}
    [check] = data["checks"]
    assert check["estimate"] == pytest.approx(-0.10, abs=0.01) and check["confidence"] == 0.0
    assert check["reasons"] == ["CI of the estimate not inside the expected range"]


def test_claim_on_a_benchmark_without_samples_has_no_data(capsys, tmp_path, results):
    path = write_claims(tmp_path, '[[claim]]\nname = "rate"\nbenchmark = "track_tokens"\nchange = ["+25%", "+40%"]\n')
    code, out, _ = run(capsys, path, results)
    assert code == 2 and "NO DATA" in out and "no samples on both sides" in out


@pytest.mark.parametrize("body, message", [
    ('[[claim]]\nbenchmark = "nothing_like_this"\nchange = ["-1%", "-2%"]\n', "no benchmark matches"),
    ('[[claim]]\nbenchmark = "peakmem"\nchange = ["-25ms", "-15ms"]\n', "is a time but the benchmark's unit is 'bytes'"),
    ('[[claim]]\nbenchmark = "time_decode"\nchange = ["-25 parsecs", "-1ms"]\n', "cannot read bound"),
    ('[[claim]\n', "cannot read claims file"),
    ('alpha = 0.05\n', "has no [[claim]] tables"),
])
def test_bad_claims_are_one_line_and_exit_2(capsys, tmp_path, results, body, message):
    code, _, err = run(capsys, write_claims(tmp_path, body), results)
    assert code == 2 and message in err and err.count("\n") == 1


def test_example_claims_file_parses():
    claims, settings = load_claims(FIXTURE)
    assert len(claims) == 3 and settings == {"alpha": 0.05, "min_effect": 0.2}
    assert [c.low for c in claims] == ["-25ms", "-30%", "+25%"]
