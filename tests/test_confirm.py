"""Tentative changes, `ttsbench confirm` verdicts and their store, read back by history.

The re-measurement itself is the PR gate's (``ttsbench.track.gate.measure_and_compare``, tested
with real asv runs in the gate's tests); here it is replaced by a function returning the rows
the gate would return, so the verdicts, the store and the command line are tested quickly.
"""

import json
import re
import shutil

import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.errors import TtsbenchError
from ttsbench.track import confirm, confirmations, gate
from ttsbench.track.compare import CompareRow

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


def gate_rows(kind):
    return [CompareRow(benchmark=SLOW, params={"size": 10}, param_key="size=10", machine="gate",
                       env="e", unit="seconds", higher_is_better=False, kind=kind, ratio=1.2,
                       ratio_ci_low=1.15, ratio_ci_high=1.25, p_value=1e-4)]


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
        benchmark, param_key, commit, kind = SLOW, "size=10", "c" * 40, "regression"

    def verdict(kind):
        return confirm.verdicts([Change()], gate_rows(kind), parent="p" * 40, machine="gate", rounds=10)

    assert verdict("regression")[0]["status"] == "confirmed"
    assert verdict("unchanged")[0]["status"] == "refuted"
    assert verdict("improvement")[0]["status"] == "refuted"
    assert verdict("failed") == []  # not measured: no verdict


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


def test_a_refuted_change_stays_refuted(planted, capsys, monkeypatch):
    history, _ = planted
    monkeypatch.setattr(gate, "measure_and_compare", lambda base, head, **kw: gate.GateResult(
        base, head, gate_rows("unchanged"), None, kw["workdir"], 1.0))
    assert main(["confirm", "--workdir", "w"]) == 0
    [row] = history_rows(capsys)
    assert row["status"] == "refuted"


def test_a_build_failure_is_not_a_verdict(planted, capsys, monkeypatch):
    history, _ = planted

    def broken(base, head, **kwargs):
        raise TtsbenchError(f"measured nothing comparable between {base[:12]} and {head[:12]}: "
                            f"HEAD {head[:12]} failed to build or to import the suite")

    monkeypatch.setattr(gate, "measure_and_compare", broken)
    capsys.readouterr()
    assert main(["confirm", history.commits[STEP_AT], "--workdir", "w"]) == 2
    err = capsys.readouterr().err.strip()
    assert "could not confirm: failed to build" in err and len(err.splitlines()) == 1
    assert not confirmations.store_path(history.results).exists()
    assert history_rows(capsys)[0]["status"] == "tentative"


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
