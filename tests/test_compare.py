"""`ttsbench compare` on asv results dirs with known truth: kinds, severities, formats, exit codes."""

import csv
import io
import json

import numpy as np
import pytest
from asvresults import NAN, bench, write_benchmarks, write_result
from conftest import shared_history

from ttsbench.cli import main
from ttsbench.track.report import MARKDOWN_MARKER

BASE, HEAD, TWIN, BROKEN = "a1" * 20, "b2" * 20, "c3" * 20, "d4" * 20


def samples(seed, scale, n=20):
    return list(np.random.default_rng(seed).lognormal(np.log(scale), 0.02, n))


def timed(seed, scale, **kwargs):
    run = samples(seed, scale)
    return bench([float(np.median(run))], samples=[run], **kwargs)


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    write_benchmarks(root, {"b.track_rate": {"unit": "tokens/s"}, "b.time_versioned": {"version": "v2"}})
    base = {
        "b.time_slow": timed(1, 1e-3), "b.time_mid": timed(2, 1e-3), "b.time_fast": timed(3, 1e-3),
        "b.time_same": timed(4, 1e-3), "b.track_rate": bench([100.0]),
        "b.time_nosamples": timed(5, 1e-3, keep_samples=False), "b.time_failed": timed(6, 1e-3),
        "b.time_skipped": bench([NAN]), "b.time_gone": timed(7, 1e-3),
        "b.time_versioned": timed(8, 1e-3, version="v1"),
    }
    head = {
        "b.time_slow": timed(11, 1.4e-3), "b.time_mid": timed(12, 1.2e-3), "b.time_fast": timed(13, 0.6e-3),
        "b.time_same": timed(14, 1e-3), "b.track_rate": bench([80.0]),
        "b.time_nosamples": timed(15, 1.5e-3, keep_samples=False), "b.time_failed": bench(None),
        "b.time_skipped": bench([NAN]), "b.time_added": timed(17, 1e-3),
        "b.time_versioned": timed(18, 1e-3, version="v2"),
    }
    twin = {name: timed(100 + i, 1e-3) for i, name in enumerate(["b.time_slow", "b.time_mid", "b.time_same"])}
    write_result(root, "box", BASE, base, date=1_000)
    write_result(root, "box", HEAD, head, date=2_000)
    write_result(root, "box", TWIN, {**twin, "b.track_rate": bench([100.0])}, date=3_000)
    write_result(root, "box", BROKEN, {name: bench(None) for name in base}, date=4_000)
    return root


def compare(capsys, results, *args):
    code = main(["compare", *args, "--results", str(results)])
    out, err = capsys.readouterr()
    return code, out, err


def by_name(out):
    return {row["benchmark"]: row for row in json.loads(out)}


def test_known_changes_get_their_kind_severity_and_statistics(capsys, results):
    code, out, err = compare(capsys, results, BASE[:8], HEAD[:8], "--format", "json")
    assert code == 1 and err == ""
    rows = by_name(out)
    expected = {
        "b.time_slow": ("regression", "critical"), "b.time_mid": ("regression", "high"),
        "b.time_fast": ("improvement", "critical"), "b.time_same": ("unchanged", None),
        "b.track_rate": ("regression", "high"), "b.time_nosamples": ("regression", "critical"),
        "b.time_failed": ("failed", None), "b.time_skipped": ("skipped", None),
        "b.time_gone": ("missing", None), "b.time_added": ("new", None),
        "b.time_versioned": ("new", None),
    }
    assert {name: (r["kind"], r["severity"]) for name, r in rows.items()} == expected
    slow = rows["b.time_slow"]
    assert slow["method"] == "mann-whitney" and slow["n_base"] == slow["n_head"] == 20
    assert slow["ratio_ci_low"] < 1.4 < slow["ratio_ci_high"] and slow["p_value"] < 1e-6
    assert slow["effect_size"] == 1.0
    assert rows["b.time_nosamples"]["method"] == "ci-overlap" and rows["b.time_nosamples"]["p_value"] is None
    assert "no samples" in rows["b.time_nosamples"]["note"]
    assert rows["b.track_rate"]["method"] == "no-stats" and rows["b.track_rate"]["higher_is_better"]
    assert "version changed" in rows["b.time_versioned"]["note"]
    assert {"base", "head", "ratio", "params", "machine", "env", "unit"} <= set(slow)


def test_an_aa_pair_is_unchanged_and_exits_0(capsys, results):
    code, out, _ = compare(capsys, results, BASE, TWIN, "--format", "json")
    assert code == 0
    assert {r["kind"] for r in json.loads(out) if r["benchmark"] in ("b.time_slow", "b.time_mid", "b.time_same", "b.track_rate")} == {"unchanged"}


def test_fail_on_sets_the_threshold(capsys, results, tmp_path):
    only_mid = tmp_path / "mid"
    write_result(only_mid, "box", BASE, {"b.time_mid": timed(2, 1e-3)}, date=1)
    write_result(only_mid, "box", HEAD, {"b.time_mid": timed(12, 1.2e-3)}, date=2)
    assert compare(capsys, only_mid, BASE, HEAD, "--fail-on", "critical")[0] == 0
    assert compare(capsys, only_mid, BASE, HEAD, "--fail-on", "high")[0] == 1


def test_table_reads_like_asv_compare(capsys, results):
    code, out, _ = compare(capsys, results, BASE[:8], HEAD[:8])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL: 4 regression(s) at or above medium; worst b.time_nosamples x1.522")
    assert lines[1].startswith(f"BASE {BASE[:12]}  HEAD {HEAD[:12]}")
    assert "1 skipped: skipped at HEAD" in lines and "1 failed: failed at HEAD" in lines
    assert any(line.lstrip().startswith("+") and "b.time_slow" in line and "critical" in line for line in lines)
    assert "Ratio [CI]" in out and "p (BH)" in out and "20/20" in out
    assert lines[-1].startswith("4 regression, 1 improvement, 1 unchanged, 1 failed, 2 new, 1 missing, 1 skipped")


def test_markdown_starts_with_the_sticky_marker(capsys, results):
    _, out, _ = compare(capsys, results, BASE, HEAD, "--format", "markdown")
    assert out.splitlines()[0] == MARKDOWN_MARKER
    assert "| regression |" in out and "<details>" in out


def test_csv_has_one_row_per_benchmark(capsys, results):
    _, out, _ = compare(capsys, results, BASE, HEAD, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 11 and {"p_value", "ratio_ci_low", "severity", "kind"} <= set(rows[0])


def test_measured_nothing_exits_2_never_fine(capsys, results):
    code, out, err = compare(capsys, results, BASE, BROKEN)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "measured nothing comparable" in err


@pytest.mark.parametrize("args, message", [
    (["ffff0000", HEAD], "unknown commit 'ffff0000'"),
    ([BASE, HEAD, "--alpha", "2"], "--alpha 2.0 is not between 0 and 1"),
    ([BASE, HEAD, "--machine", "nowhere"], "no readable results"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, results, args, message):
    code, _, err = compare(capsys, results, *args)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_results_dir_is_exit_2(capsys, tmp_path):
    code, _, err = compare(capsys, tmp_path / "none", BASE, HEAD)
    assert code == 2 and "no results directory" in err


def test_truncated_file_is_named_and_the_rest_compared(capsys, results):
    broken = results / "box" / "eeeeeeee-virtualenv-py3.11.json"
    broken.write_text('{"results": {"b.time_slow": [0.001, ', encoding="utf-8")
    code, out, err = compare(capsys, results, BASE, HEAD, "--format", "json")
    assert code == 1 and f"warning: skipped {broken}" in err and err.count("\n") == 1
    assert by_name(out)["b.time_slow"]["kind"] == "regression"


def test_outlier_removal_only_on_request(capsys, tmp_path):
    root = tmp_path / "r"
    spiky = samples(1, 1e-3) + [5e-3]
    write_result(root, "box", BASE, {"b.time_x": bench([1e-3], samples=[samples(2, 1e-3)])}, date=1)
    write_result(root, "box", HEAD, {"b.time_x": bench([1e-3], samples=[spiky])}, date=2)
    _, out, _ = compare(capsys, root, BASE, HEAD, "--format", "json")
    row = json.loads(out)[0]
    assert row["n_head"] == 21 and row["outliers_head"]["iqr"] >= 1
    _, out, _ = compare(capsys, root, BASE, HEAD, "--format", "json", "--remove-outliers", "iqr")
    assert json.loads(out)[0]["n_head"] == 21 - row["outliers_head"]["iqr"]


BLAS, needs_blas = shared_history()


@needs_blas
def test_real_history_without_samples_finds_what_asv_published(capsys):
    # gh-pages/regressions.json of that history: gbmv regressions between these two commits
    code, out, _ = compare(capsys, BLAS, "0c1d2e75", "9893c99c", "--machine", "gha-aws-skylake", "--format", "json")
    rows = {(r["benchmark"], r["param_key"]): r for r in json.loads(out)}
    assert code == 1
    for key in ("size=400, variant='s', kl=3", "size=400, variant='d', kl=2", "size=600, variant='s', kl=1"):
        row = rows[("benchmarks.gbmv.time_gbmv", key)]
        assert row["kind"] == "regression" and row["method"] == "ci-overlap" and row["p_value"] is None
    assert {r["method"] for r in rows.values()} == {"ci-overlap"}


# Run-to-run drift: 8 earlier commits of unchanged code whose run medians wander by about 1.4 %
# from one commit to the next (run-to-run spread ~2 %), each run's samples tight (0.5 %), so the
# within-run tests call any two runs different.
DRIFT = [1.000, 1.014, 1.000, 0.986, 1.000, 1.013, 0.999, 1.012]


def drifting_history(root, base_level, head_level, history=DRIFT):
    commits = [f"{i:02x}" * 20 for i in range(len(history) + 2)]
    levels = [*history, base_level, head_level]
    for i, (commit, level) in enumerate(zip(commits, levels)):
        run = list(np.random.default_rng(i).lognormal(np.log(level * 1e-3), 0.005, 20))
        write_result(root, "box", commit, {"b.time_x": bench([float(np.median(run))], samples=[run])}, date=1_000 * (i + 1))
    return commits[-2], commits[-1]


def test_aa_drift_within_the_history_noise_is_not_flagged(capsys, tmp_path):
    base, head = drifting_history(tmp_path / "r", 0.98, 1.02)  # identical code, runs 4 % apart
    code, out, _ = compare(capsys, tmp_path / "r", base, head, "--format", "json")
    row = json.loads(out)[0]
    assert code == 0 and row["kind"] == "unchanged" and row["p_value"] < 1e-6, row
    assert row["history_n"] == len(DRIFT) and 0.015 < row["run_spread"] < 0.025
    assert "within run-to-run noise" in row["note"]
    # the same pair without the history: only the within-run tests, which call it a regression
    short = drifting_history(tmp_path / "short", 0.98, 1.02, history=DRIFT[:2])
    code, out, _ = compare(capsys, tmp_path / "short", *short, "--format", "json")
    row = json.loads(out)[0]
    assert code == 0 and row["kind"] == "regression" and row["severity"] == "low"
    assert "run-to-run noise unknown (history of 2 other commits" in row["note"]


def test_real_step_beyond_the_history_noise_is_flagged(capsys, tmp_path):
    base, head = drifting_history(tmp_path / "r", 0.98, 0.98 * 1.10)
    code, out, _ = compare(capsys, tmp_path / "r", base, head, "--format", "json")
    row = json.loads(out)[0]
    assert code == 1 and (row["kind"], row["severity"]) == ("regression", "medium"), row
    assert row["history_n"] == len(DRIFT) and "run-to-run" not in row["note"]


def test_history_of_another_benchmark_version_is_not_used(capsys, tmp_path):
    root = tmp_path / "r"
    base, head = drifting_history(root, 0.98, 1.02)
    for i in range(len(DRIFT)):  # rewrite the history under an older benchmark version
        run = list(np.random.default_rng(i).lognormal(np.log(1e-3), 0.005, 20))
        write_result(root, "box", f"{i:02x}" * 20, {"b.time_x": bench([float(np.median(run))], samples=[run], version="v0")},
                     date=1_000 * (i + 1))
    _, out, _ = compare(capsys, root, base, head, "--format", "json")
    row = json.loads(out)[0]
    assert row["history_n"] == 0 and row["kind"] == "regression"


def test_short_history_note_keeps_the_inconclusive_note(capsys, tmp_path):
    root = tmp_path / "r"
    base = [1e-3 * (1 + 0.001 * i) for i in range(10)] + [2e-3 * (1 + 0.001 * i) for i in range(10)]
    head = [1.03 * v for v in base]  # bimodal: U test significant, the median's CI spans both modes
    write_result(root, "box", BASE, {"b.time_x": bench([float(np.median(base))], samples=[base])}, date=1)
    write_result(root, "box", HEAD, {"b.time_x": bench([float(np.median(head))], samples=[head])}, date=2)
    _, out, _ = compare(capsys, root, BASE, HEAD, "--format", "json")
    row = json.loads(out)[0]
    assert row["kind"] == "unchanged" and row["p_value"] < 0.05 and row["ratio_ci_low"] < 1, row
    assert "run-to-run noise unknown" in row["note"] and "inconclusive" in row["note"]
