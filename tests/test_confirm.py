"""Tentative changes, `ttsbench confirm` verdicts and their store, read back by history.

The re-measurement itself is the PR gate's (``ttsbench.track.gate.measure_and_compare``, tested
with real asv runs in the gate's tests); here it is replaced by a function returning the rows
the gate would return, so the verdicts, the store and the command line are tested quickly.
"""

import json
import re
import shutil

import pandas as pd
import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.errors import TtsbenchError
from ttsbench.track import confirm, confirmations, gate
from ttsbench.track.compare import CompareRow
from ttsbench.track.config import TrackerConfig

SLOW = "bench_planted.TimeKernel.time_kernel_0"
STEP_AT, N_COMMITS = 40, 54


@pytest.fixture()
def planted(tmp_path, monkeypatch):
    """54 commits; kernel_0(size=10) regresses 20 % at commit 40; the last 9 results held back."""
    history = write_history(tmp_path, n_commits=N_COMMITS, samples=5,
                            steps={(SLOW, 10): [(STEP_AT, 1.2)]})
    held = tmp_path / "held"
    held.mkdir()
    for commit in history.commits[STEP_AT + 5:]:
        for path in history.results.glob(f"*/{commit[:8]}-*.json"):
            shutil.move(path, held / path.name)
    monkeypatch.chdir(history.repo)
    return history, held


def history_rows(capsys):
    capsys.readouterr()
    assert main(["history", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def release(planted):
    history, held = planted
    for path in held.iterdir():
        shutil.move(path, history.results / "planted-box" / path.name)


def gate_rows(kind, mde=0.05):
    return [CompareRow(benchmark=SLOW, params={"size": 10}, param_key="size=10", machine="gate",
                       env="e", unit="seconds", higher_is_better=False, kind=kind, ratio=1.2,
                       ratio_ci_low=1.15, ratio_ci_high=1.25, p_value=1e-4, mde=mde)]


def test_a_fresh_change_is_tentative_until_enough_commits_follow(planted, capsys):
    history, _ = planted
    [row] = history_rows(capsys)
    assert row["commit"] == history.commits[STEP_AT]
    assert (row["status"], row["commits_at_level"]) == ("tentative", 5)
    assert row["to_confirm"] == f"5 more commits at this level, or `ttsbench confirm {row['commit'][:12]}`"
    release(planted)
    [row] = history_rows(capsys)
    assert (row["status"], row["commits_at_level"], row["to_confirm"]) == ("confirmed", 14, None)


def test_verdicts_follow_the_gates_kind():
    class Change:
        benchmark, param_key, commit, kind, ratio = SLOW, "size=10", "c" * 40, "regression", 1.2

    def verdict(kind, mde=0.05):
        return confirm.verdicts([Change()], gate_rows(kind, mde), parent="p" * 40, machine="gate", rounds=10)

    assert verdict("regression")[0]["status"] == "confirmed"
    assert verdict("unchanged")[0]["status"] == "refuted"
    assert verdict("improvement")[0]["status"] == "refuted"
    assert verdict("failed") == []  # not measured: no verdict
    # rounds that could not see a change of the detected size (20 %) neither confirm nor refute
    assert verdict("unchanged", mde=0.35)[0]["status"] == "inconclusive"
    assert verdict("unchanged", mde=float("nan"))[0]["status"] == "inconclusive"
    assert verdict("improvement", mde=0.35)[0]["status"] == "refuted"


def test_confirm_stores_a_verdict_that_history_reads_back(planted, capsys, monkeypatch):
    history, _ = planted
    calls = []

    def measured(base, head, **kwargs):
        calls.append((base, head, kwargs["protocol"].bench))
        return gate.GateResult(base, head, gate_rows("regression"), None, kwargs["workdir"], 1.0)

    monkeypatch.setattr(gate, "measure_and_compare", measured)
    capsys.readouterr()
    assert main(["confirm", history.commits[STEP_AT][:10], "--workdir", "w"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"confirmed: regression of {SLOW}(size=10)")
    assert calls == [(history.commits[STEP_AT - 1], history.commits[STEP_AT], f"^({re.escape(SLOW)})$")]
    store = confirmations.store_path(history.results)
    assert store.parent != history.results and history.results not in store.parents
    [row] = history_rows(capsys)
    assert (row["status"], row["to_confirm"]) == ("confirmed", None)
    # Without COMMIT nothing tentative is left to confirm.
    assert main(["confirm"]) == 0
    assert "no tentative regression" in capsys.readouterr().out


def test_rounds_too_few_to_see_the_change_leave_it_tentative(planted, capsys, monkeypatch):
    history, _ = planted
    monkeypatch.setattr(gate, "measure_and_compare", lambda base, head, **kw: gate.GateResult(
        base, head, gate_rows("unchanged", mde=0.6), None, kw["workdir"], 1.0))
    capsys.readouterr()
    assert main(["confirm", "--workdir", "w"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"inconclusive: regression of {SLOW}(size=10)")
    assert "see only changes of 60% or more: not stored" in out
    assert confirmations.read(history.results) == {}
    [row] = history_rows(capsys)
    assert row["status"] == "tentative"


def test_a_refuted_change_stays_refuted(planted, capsys, monkeypatch):
    history, _ = planted
    monkeypatch.setattr(gate, "measure_and_compare", lambda base, head, **kw: gate.GateResult(
        base, head, gate_rows("unchanged"), None, kw["workdir"], 1.0))
    assert main(["confirm", "--workdir", "w"]) == 0
    [row] = history_rows(capsys)
    assert row["status"] == "refuted"


def rounds_without(side, status=None):
    """What measure_pair returns when ``side`` recorded no results (``status`` None) or only
    results of ``status``: the other side's rounds are fine."""
    rows = [{"side": s, "status": "ok" if s != side else status, "round": r}
            for s in ("base", "head") for r in (1, 2) if s != side or status is not None]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("side, status, reason", [
    ("head", None, "asv recorded no results"),
    ("base", "failed", "every benchmark failed"),
])
def test_a_side_that_measured_nothing_is_a_typed_build_failure_naming_its_commit(
        monkeypatch, tmp_path, side, status, reason):
    base, head = "b" * 40, "h" * 40
    monkeypatch.setattr(gate, "measure_pair", lambda *a, **kw: rounds_without(side, status))
    with pytest.raises(gate.BuildFailed) as raised:
        gate.measure_and_compare(base, head, asv_config=tmp_path / "asv.conf.json", workdir=tmp_path,
                                 config=TrackerConfig())
    failed = raised.value
    assert (failed.side, failed.commit, failed.reason) == (side, {"base": base, "head": head}[side], reason)
    assert failed.log == tmp_path / "asv.log"
    assert str(failed).startswith(f"measured nothing comparable between {base[:12]} and {head[:12]}: "
                                  f"{side.upper()} {failed.commit[:12]} failed to build")


def test_the_gate_command_keeps_one_line_and_exit_2_for_a_build_failure(planted, capsys, monkeypatch):
    history, _ = planted
    monkeypatch.setattr(gate, "measure_pair", lambda *a, **kw: rounds_without("head"))
    capsys.readouterr()
    assert main(["gate", history.commits[0], history.commits[1], "--workdir", "w"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert f"HEAD {history.commits[1][:12]} failed to build or to import the suite" in err


def test_a_build_failure_is_not_a_verdict(planted, capsys, monkeypatch):
    history, _ = planted
    monkeypatch.setattr(gate, "measure_pair", lambda *a, **kw: rounds_without("head"))
    capsys.readouterr()
    assert main(["confirm", history.commits[STEP_AT], "--workdir", "w"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"ttsbench confirm: error: could not confirm: failed to build "
                   f"({history.commits[STEP_AT][:12]}, the changed commit: asv recorded no results; "
                   "see w/asv.log)")
    # without COMMIT: the same line for that commit, the run goes on, exit 2, nothing stored
    assert main(["confirm", "--workdir", "w"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ttsbench confirm: {history.commits[STEP_AT][:12]}: could not confirm: failed to build")
    assert confirmations.read(history.results) == {}
    assert history_rows(capsys)[0]["status"] == "tentative"


def test_another_error_mentioning_failed_to_build_is_not_a_build_failure(planted, capsys, monkeypatch):
    history, _ = planted

    def broken(base, head, **kwargs):
        raise TtsbenchError("cannot read /ci/failed to build/asv.conf.json; pass the project's asv.conf.json")

    monkeypatch.setattr(gate, "measure_and_compare", broken)
    capsys.readouterr()
    assert main(["confirm", "--workdir", "w"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("ttsbench confirm: error: cannot read /ci/failed to build/asv.conf.json; "
                   "pass the project's asv.conf.json")
    assert confirmations.read(history.results) == {}


@pytest.mark.parametrize("args, message", [
    (["deadbeef"], "unknown commit"),
    (["--bench", "nothing-like-this"], "no benchmark"),
    ([0], "no change detected"),
])
def test_bad_input_is_one_line_and_exit_2(planted, capsys, args, message):
    history, _ = planted
    args = [history.commits[10] if a == 0 else a for a in args]
    capsys.readouterr()
    assert main(["confirm", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_publish_shows_the_stored_verdict(planted, capsys):
    """publish reads a snapshot of the results; the verdicts are those of the real results dir."""
    history, _ = planted
    confirmations.record(history.results, [{
        "benchmark": SLOW, "param_key": "size=10", "commit": history.commits[STEP_AT],
        "status": "refuted", "kind": "regression",
    }])
    assert main(["publish", "--no-asv", "--config", str(history.config), "--repo", str(history.repo),
                 "--cache", str(history.repo / ".asv" / "cache")]) == 0
    rows = json.loads((history.html / "ttsbench" / "changes.json").read_text())
    [row] = [r for r in rows if r["commit"] == history.commits[STEP_AT]]
    assert row["detection"] == "refuted"
