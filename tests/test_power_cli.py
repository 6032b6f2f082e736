"""`ttsbench power`: MDE and rounds needed per case, over a gate work dir or a stored history."""

import json

import numpy as np
import pytest
from asvresults import bench, write_result

from ttsbench.cli import main
from ttsbench.track.power import mde, rounds_needed

COMMIT = "c0ffee" * 6 + "abcd"
QUIET, NOISY = "t.time_quiet", "t.time_noisy"
SPREAD = {QUIET: 0.005, NOISY: 0.08}  # sd of a round's level


def samples(rng, level):
    return list(np.exp(np.log(1e-3) + level + rng.normal(0, 0.01, 30)))


@pytest.fixture
def gate_dir(tmp_path):
    rng = np.random.default_rng(3)
    for side in ("base", "head"):
        for number in range(1, 7):
            entries = {}
            for name, spread in SPREAD.items():
                run = samples(rng, rng.normal(0, spread))
                entries[name] = bench([float(np.median(run))], samples=[run])
            write_result(tmp_path / side / f"round-{number:02d}", "gate", COMMIT, entries, date=number)
    return tmp_path


def power(capsys, *args):
    code = main(["power", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_gate_dir_names_the_case_that_cannot_see_the_target(capsys, gate_dir):
    code, out, err = power(capsys, "--results", str(gate_dir), "--target", "5%")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("1 of 2 cases see 5% at alpha 0.05") and "gate run" in lines[0]
    assert lines[-1].startswith(f"{NOISY}(): cannot see 5% with 6 rounds; ") and lines[-1].endswith("rounds would")
    assert not any(line.startswith(QUIET) for line in lines)


def test_json_rows_agree_with_the_power_formulas(capsys, gate_dir):
    code, out, _ = power(capsys, "--results", str(gate_dir), "--format", "json", "--target", "0.05")
    rows = {r["benchmark"]: r for r in json.loads(out)}
    noisy = rows[NOISY]
    assert noisy["rounds"] == 6 and noisy["runs"] == 12
    assert noisy["mde"] == pytest.approx(mde(noisy["sd_round"], 6))
    assert noisy["needed"] == rounds_needed(noisy["sd_round"], 0.05) and noisy["needed"] > 6
    assert rows[QUIET]["mde"] < 0.05 < noisy["mde"]


def test_a_history_gives_power_for_the_gate_rounds(capsys, tmp_path):
    rng = np.random.default_rng(4)
    for index in range(8):
        commit = f"{index:02d}" * 20
        entries = {name: bench([float(np.median(run))], samples=[run])
                   for name, spread in SPREAD.items() for run in [samples(rng, rng.normal(0, spread))]}
        write_result(tmp_path, "box", commit, entries, date=index)
    code, out, err = power(capsys, "--results", str(tmp_path), "--rounds", "4")
    assert code == 0, err
    assert "history" in out.splitlines()[0] and "4 rounds a side" in out.splitlines()[0]
    assert f"{NOISY}(): cannot see 5% with 4 rounds" in out


@pytest.mark.parametrize("target", ["0%", "150%", "five"])
def test_a_bad_target_is_one_line(capsys, gate_dir, target):
    code, out, err = power(capsys, "--results", str(gate_dir), "--target", target)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--target" in err
