"""A/B claims (two values of a parameter at one commit) and bound claims, through `ttsbench claims`."""

import json
from pathlib import Path

import numpy as np
import pytest
from asvresults import bench, write_benchmarks, write_result
from claims_helpers import lognormal_run, run_claims, write_claims

from ttsbench.track.claims import load_claims

HEAD = "c3" * 20
SEED_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "claims.seed.toml"


@pytest.fixture
def results(tmp_path):
    """arch: unified 20 ms faster than separate; cuda_graphs: skipped (no GPU); first chunk 60 ms."""
    root = tmp_path / "results"
    names = ["preset", "arch", "cuda_graphs"]
    grid = [["'tiny'"], ["'unified'", "'separate'"], ["False", "True"]]
    write_benchmarks(root, {
        "t.Arch.time_synthesize": {"param_names": names, "params": grid},
        "t.First.time_first_chunk": {"param_names": ["chunk_frames"], "params": [["1", "4"]]},
    })
    unified, separate = lognormal_run(1, 0.100), lognormal_run(2, 0.120)
    values = [np.median(unified), np.nan, np.median(separate), np.nan]
    first, single = lognormal_run(3, 0.060), lognormal_run(4, 0.030)
    write_result(root, "box", HEAD, {
        "t.Arch.time_synthesize": bench(values, samples=[unified, None, separate, None],
                                        params=grid),
        "t.First.time_first_chunk": bench([np.median(single), np.median(first)],
                                          samples=[single, first], params=[["1", "4"]]),
    }, date=1)
    return root


def run(capsys, path, results, *extra):
    return run_claims(capsys, path, (HEAD[:8],), results, *extra)


AB = '[[claim]]\nname = "unified"\nbenchmark = "time_synthesize"\nab = "arch"\nbase = "separate"\nhead = "unified"\n'


def test_ab_claim_inside_its_range_is_validated_at_one_commit(capsys, tmp_path, results):
    body = AB + 'params = "cuda_graphs=False"\nchange = ["-25ms", "-15ms"]\n'
    path = write_claims(tmp_path, body)
    code, out, err = run(capsys, path, results)
    assert code == 0, out + err
    assert out.splitlines()[1].startswith("VALIDATED") and "estimate -19.9ms" in out


def test_ab_claim_outside_its_range_is_not_validated_and_recommended_on(capsys, tmp_path,
                                                                        results):
    path = write_claims(tmp_path, AB + 'params = "cuda_graphs=False"\nchange = ["-40%", "-30%"]\n')
    code, out, _ = run(capsys, path, results, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["claims"] == {"unified": "NOT VALIDATED"}
    assert "estimate -16.4% (CI -17.0% .. -16.0%)" in data["recommendations"][0]
    assert "the whole CI lies above the range" in data["recommendations"][0]


def test_ab_claim_on_skipped_series_is_no_data(capsys, tmp_path, results):
    body = ('[[claim]]\nname = "graphs"\nbenchmark = "time_synthesize"\nab = "cuda_graphs"\n'
            'base = false\nhead = true\nchange = ["-24.2%", "-9.1%"]\n')
    code, out, _ = run(capsys, write_claims(tmp_path, body), results)
    assert code == 2 and out.splitlines()[1].startswith("NO DATA")
    assert "skipped" in out


def test_bound_claim_is_judged_on_the_median_ci(capsys, tmp_path, results):
    body = ('[[claim]]\nname = "first audio"\nbenchmark = "time_first_chunk"\n'
            'params = "chunk_frames=4"\nbelow = "100ms"\n')
    code, out, _ = run(capsys, write_claims(tmp_path, body), results)
    assert code == 0 and "VALIDATED" in out.splitlines()[1] and "estimate +59.8ms" in out
    assert "Cliff" not in out
    body = body.replace("100ms", "50ms")
    code, out, _ = run(capsys, write_claims(tmp_path, body), results)
    assert code == 1 and "NOT VALIDATED" in out.splitlines()[1]
    assert "these measured series meet it: chunk_frames=1: median 30.0 ms" in out


@pytest.mark.parametrize(("body", "message"), [
    (AB.replace('ab = "arch"', 'ab = "colour"') + 'change = ["-25ms", "-15ms"]\n',
     "no benchmark matching 'time_synthesize' has a parameter 'colour'; its parameters are arch, "
     "cuda_graphs, preset"),
    (AB.replace('head = "unified"', 'head = "fused"') + 'change = ["-25ms", "-15ms"]\n',
     "head = 'fused' is not a value of 'arch' in these results; choose from 'unified', "
     "'separate'"),
    ('[[claim]]\nbenchmark = "x"\nab = "arch"\nchange = ["-1%", "1%"]\n', "an A/B claim needs"),
    ('[[claim]]\nbenchmark = "time_synthesize"\nchange = ["-1%", "1%"]\n', "give BASE and HEAD"),
])
def test_bad_ab_claims_are_one_line_and_exit_2(capsys, tmp_path, results, body, message):
    code, _, err = run(capsys, write_claims(tmp_path, body), results)
    assert code == 2 and err.count("\n") == 1 and message in err


def test_seed_claims_file_holds_the_five_given_claims():
    loaded, _ = load_claims(SEED_FILE)
    assert len(loaded) == 5
    kinds = sorted("bound" if c.below else "ab" if c.ab else "commits" for c in loaded)
    assert kinds == ["ab", "ab", "ab", "ab", "bound"]
