"""The results loader on asv-format dirs with known content, on real shared history, on bad input."""

import math

import git
import pytest
from asvresults import NAN, bench, write_benchmarks, write_result
from conftest import shared_history

from ttsbench.errors import TtsbenchError
from ttsbench.track.loader import COLUMNS, decode_param, load_results, resolve_commit

BLAS, needs_blas = shared_history()
A, B, C = "a" * 40, "b" * 40, "c" * 40


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    write_benchmarks(root, {
        "bench.Kernel.time_topk": {"param_names": ["vocab", "kind"], "params": [["1024", "4096"], ["'fast'"]]},
        "bench.track_rate": {"unit": "tokens/s"},
        "bench.time_broken": {},
        "bench.time_cuda": {},
    })
    entries = {
        "bench.Kernel.time_topk": bench([1e-3, 2e-3], samples=[[1e-3, 1.1e-3, 0.9e-3], [2e-3, 2.1e-3, 1.9e-3]],
                                        params=[["1024", "4096"], ["'fast'"]]),
        "bench.track_rate": bench([250.0]),
        "bench.time_broken": bench(None),
        "bench.time_cuda": bench([NAN]),
    }
    write_result(root, "box", B, entries, date=2_000)
    write_result(root, "box", A, entries, date=1_000)
    return root


def test_one_row_per_commit_benchmark_and_param_combination(results):
    frame = load_results(results)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 2 * 5
    topk = frame[(frame.commit == A) & (frame.benchmark == "bench.Kernel.time_topk")]
    assert list(topk.param_key) == ["vocab=1024, kind='fast'", "vocab=4096, kind='fast'"]
    assert topk.iloc[1].params == {"vocab": 4096, "kind": "fast"}
    assert topk.iloc[1].samples == [2e-3, 2.1e-3, 1.9e-3]
    assert topk.iloc[0].ci_low <= topk.iloc[0].value <= topk.iloc[0].ci_high
    assert topk.iloc[0]["repeat"] == 3 and topk.iloc[0]["number"] == 1
    assert str(topk.iloc[0].date) == "1970-01-01 00:00:01+00:00"


def test_status_unit_direction_and_version(results):
    frame = load_results(results).set_index("benchmark")
    rows = frame[frame.commit == A]
    assert rows.loc["bench.time_broken", "status"] == "failed"
    assert rows.loc["bench.time_cuda", "status"] == "skipped"
    assert math.isnan(rows.loc["bench.time_cuda", "value"])
    assert rows.loc["bench.track_rate", "higher_is_better"]
    assert rows.loc["bench.track_rate", "samples"] is None
    assert not rows.loc["bench.time_cuda", "higher_is_better"]
    assert rows.loc["bench.track_rate", "version"] == "v1"


def test_order_by_stored_date_without_repo(results):
    frame = load_results(results)
    assert frame.groupby("commit")["order"].first().to_dict() == {A: 0, B: 1}


def test_order_by_git_topology_when_repo_given(tmp_path):
    repo = git.Repo.init(tmp_path / "repo")
    actor = git.Actor("t", "t@t.invalid")
    hashes = [repo.index.commit(f"c{i}", author=actor, committer=actor).hexsha for i in range(2)]
    root = tmp_path / "results"
    # stored dates contradict history: the newer commit was benchmarked first
    write_result(root, "box", hashes[1], {"b.time_x": bench([1.0])}, date=1_000)
    write_result(root, "box", hashes[0], {"b.time_x": bench([1.0])}, date=2_000)
    assert load_results(root).set_index("commit")["order"].to_dict() == {hashes[1]: 0, hashes[0]: 1}
    assert load_results(root, repo=repo).set_index("commit")["order"].to_dict() == {hashes[0]: 0, hashes[1]: 1}


def test_machine_and_env_filters(results):
    write_result(results, "other", C, {"bench.track_rate": bench([1.0])}, date=3_000, env="conda-py3.12")
    assert set(load_results(results, machine="other").commit) == {C}
    assert set(load_results(results, env="conda-py3.12").machine) == {"other"}
    with pytest.raises(TtsbenchError, match="no readable results .* machine 'nope'"):
        load_results(results, machine="nope")


def test_truncated_file_is_skipped_and_named(results):
    bad = results / "box" / f"{C[:8]}-virtualenv-py3.11.json"
    bad.write_text('{"commit_hash": "ccc", "results": {', encoding="utf-8")
    frame = load_results(results)
    assert set(frame.commit) == {A, B}
    [warning] = frame.attrs["warnings"]
    assert str(bad) in warning and "\n" not in warning


def test_nothing_readable_is_an_error(tmp_path):
    with pytest.raises(TtsbenchError, match="no results directory"):
        load_results(tmp_path / "absent")
    (tmp_path / "r" / "box").mkdir(parents=True)
    (tmp_path / "r" / "box" / "x-env.json").write_text("{", encoding="utf-8")
    with pytest.raises(TtsbenchError, match="no readable results.*x-env.json"):
        load_results(tmp_path / "r")


def test_decode_param_falls_back_to_text():
    assert decode_param("1024") == 1024
    assert decode_param("'d'") == "d"
    assert decode_param("(1, 2)") == (1, 2)
    assert decode_param("<function f at 0x1>") == "<function f at 0x1>"


def test_resolve_commit_by_prefix_and_errors():
    commits = [A, B, "ab" + "0" * 38]
    assert resolve_commit("bbbb", commits) == B
    assert resolve_commit(A, commits) == A
    with pytest.raises(TtsbenchError, match="ambiguous"):
        resolve_commit("a", commits)
    with pytest.raises(TtsbenchError, match="unknown commit 'ffff'"):
        resolve_commit("ffff", commits)


def test_resolve_commit_through_git(tmp_path):
    repo = git.Repo.init(tmp_path / "repo")
    actor = git.Actor("t", "t@t.invalid")
    hashes = [repo.index.commit(f"c{i}", author=actor, committer=actor).hexsha for i in range(3)]
    assert resolve_commit("HEAD~1", hashes, repo) == hashes[1]
    with pytest.raises(TtsbenchError, match="no results for HEAD"):
        resolve_commit("HEAD", hashes[:2], repo)


@needs_blas
def test_reads_a_real_history_from_another_project():
    frame = load_results(BLAS)
    assert set(frame.machine) == {"gha-aws-graviton", "gha-aws-skylake", "gha-ubuntu-noble"}
    assert frame.groupby("machine")["commit"].nunique().min() > 80
    assert frame["benchmark"].nunique() == 18
    assert frame["samples"].isna().all()
    assert (frame["status"] == "ok").all() and (frame["unit"] == "seconds").all()
    nrm2 = frame[frame.benchmark == "benchmarks.Nrm2.time_nrm2"].iloc[0]
    assert nrm2.params == {"size": 100, "variant": "d"} and nrm2.param_key == "size=100, variant='d'"
    by_commit = frame.groupby("commit").agg(order=("order", "first"), date=("date", "min")).sort_values("order")
    assert by_commit["date"].is_monotonic_increasing
    assert not frame.attrs["warnings"]


def test_higher_is_better_patterns_mark_named_benchmarks(results):
    frame = load_results(results, higher_is_better=[r"time_topk$"]).set_index("benchmark")
    assert frame.loc["bench.Kernel.time_topk", "higher_is_better"].all()
    assert not frame.loc["bench.time_broken", "higher_is_better"].any()


def test_format_versions_are_asvs():
    """The loader reads asv's files without importing asv; its format versions must be asv's."""
    from asv.benchmarks import Benchmarks
    from asv.machine import Machine
    from asv.results import Results

    from ttsbench.track import loader

    assert (loader.RESULTS_FORMAT, loader.BENCHMARKS_FORMAT, loader.MACHINE_FORMAT) == (
        Results.api_version, Benchmarks.api_version, Machine.api_version)


@pytest.mark.parametrize("text, message", [
    ('{"version": 1, "results": {}}', "old file format"),
    ('{"version": 3}', "newer than"),
    ('{"results": {}}', "No version specified"),
    ('{"version": 2, "a": NaN}', None),  # json reads NaN (orjson does not): asv's reader takes it
])
def test_files_orjson_refuses_get_asvs_verdict(tmp_path, text, message):
    from ttsbench.track import loader, validation

    path = tmp_path / "r.json"
    path.write_text(text)
    if message is None:
        assert math.isnan(loader._read_json(path, loader.RESULTS_FORMAT)["a"])
        return
    with pytest.raises(validation.InvalidFile, match=message):
        loader._read_json(path, loader.RESULTS_FORMAT)
