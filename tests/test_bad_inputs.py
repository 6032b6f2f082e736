"""Issue 10, items 2-6: each input a careless user or a broken runner produced, and its answer.

Nonsense values are ``invalid`` (never "unchanged"), a bad file is one warning line, bad usage
is one line and exit 2, and exit 1 means a real regression, nothing else.
"""

import json
import math
import os
import warnings

import pytest
from probes import BASE, HEAD, MACHINE, OTHER, make_results, read, result_path, write

import ttsbench.cli.compare as compare_command
from ttsbench.cli import main
from ttsbench.track import loader


@pytest.fixture
def planted(tmp_path):
    """Results whose HEAD holds a real +30 % regression of b.time_b."""
    return make_results(tmp_path, regression=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def compare(capsys, results, *extra, base=BASE, head=HEAD):
    return run(capsys, "compare", base, head, "--results", str(results), "--fail-on", "low",
               "--format", "json", *extra)


def kinds(out):
    return {(r["benchmark"], r["param_key"]): r["kind"] for r in json.loads(out)}


@pytest.mark.parametrize("value", [math.inf, 1e308, -1.0, 0.0, "12 ms"])
def test_nonsense_head_values_are_invalid_never_unchanged(capsys, planted, value):
    path = result_path(planted, HEAD)
    data = read(path)
    data["results"]["b.time_a"][0][0] = value
    write(path, data)
    code, out, err = compare(capsys, planted)
    rows = json.loads(out)
    bad = next(r for r in rows if r["benchmark"] == "b.time_a" and r["param_key"] == "n=1")
    assert bad["kind"] == "invalid" and "invalid at HEAD" in bad["note"]
    assert code == 1 and kinds(out)[("b.time_b", "")] == "regression"


def test_nothing_valid_at_head_exits_2(capsys, planted):
    path = result_path(planted, HEAD)
    data = read(path)
    for row in data["results"].values():
        row[0] = [math.inf] * len(row[0])
    write(path, data)
    code, out, err = compare(capsys, planted)
    assert code == 2 and out == "" and "measured nothing comparable" in err and "5 invalid" in err


@pytest.mark.parametrize("column", range(12))
def test_a_deleted_column_never_hides_the_regression_as_unchanged(capsys, planted, column):
    path = result_path(planted, HEAD)
    data = read(path)
    del data["results"]["b.time_b"][column]
    write(path, data)
    code, out, _ = compare(capsys, planted)
    assert kinds(out)[("b.time_b", "")] in ("invalid", "regression", "failed")
    assert code in (0, 1) and kinds(out)[("b.time_a", "n=1")] == "unchanged"


BROKEN_FILES = {
    "results is a list": lambda d: d.update(results=[1, 2]),
    "a one-column row": lambda d: d["results"].update({"b.time_b": [[1.0]]}),
    "params null": lambda d: d["results"]["b.time_a"].__setitem__(1, None),
    "a bare number": lambda d: d["results"]["b.time_b"].__setitem__(0, 0.5),
    "date yesterday": lambda d: d.update(date="yesterday"),
    "date 1e30": lambda d: d.update(date=1e30),
    "a bare number file": lambda d: 5,
}


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_a_broken_file_neither_commit_needs_is_harmless(capsys, planted, name):
    path = result_path(planted, OTHER)
    data = read(path)
    replaced = BROKEN_FILES[name](data)
    write(path, data if replaced is None else replaced)
    code, out, err = compare(capsys, planted)
    assert code == 1 and kinds(out)[("b.time_b", "")] == "regression"
    assert len(err.splitlines()) <= 1


def test_a_broken_head_file_is_named_not_an_unknown_commit(capsys, planted):
    result_path(planted, HEAD).write_text('{"results": {', encoding="utf-8")
    code, _, err = compare(capsys, planted)
    lines = err.splitlines()
    assert code == 2 and "unknown commit" not in err and "were not read" in lines[-1]
    assert len(lines) == 2 and "warning: skipped" in lines[0]


@pytest.mark.parametrize("content", [
    b"5", b'{"b.time_a": 7, "version": 2}', b'{"b.time_b": {"unit": 5}, "version": 2}', b"\xff\xfe\x00",
])
def test_bad_benchmarks_json_is_a_warning(capsys, planted, content):
    (planted / "benchmarks.json").write_bytes(content)
    code, out, err = compare(capsys, planted)
    assert code == 1 and kinds(out)[("b.time_b", "")] == "regression"
    assert len(err.splitlines()) == 1 and "benchmarks.json" in err


@pytest.mark.parametrize("content", [b"\x00\x01binary\xff", b"42"])
def test_bad_machine_json_is_a_warning(capsys, planted, content):
    (planted / MACHINE / "machine.json").write_bytes(content)
    code, _, err = compare(capsys, planted)
    assert code == 1 and len(err.splitlines()) == 1 and "machine.json" in err


def test_an_unreadable_machine_folder_is_a_warning(capsys, planted, monkeypatch):
    other = planted / "other"
    other.mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path) == str(other):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(loader.os, "scandir", scandir)
    code, _, err = compare(capsys, planted)
    assert code == 1 and "cannot list it" in err and len(err.splitlines()) == 1


def test_an_unreadable_results_root_is_one_line(capsys, planted, monkeypatch):
    def iterdir(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(loader.Path, "iterdir", iterdir)
    code, _, err = compare(capsys, planted)
    assert code == 2 and "cannot list" in err and len(err.splitlines()) == 1


def test_an_unwritable_cache_is_one_line(capsys, planted, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "history", "--results", str(planted), "--cache", str(blocker / "cache"))
    assert code in (0, 2) and len(err.splitlines()) == 1 and str(blocker) in err


@pytest.mark.parametrize("body, message", [
    ('params = 5\n[[claim]]\nbenchmark = "b"\nparams = 5\nchange = ["1%", "2%"]\n', "must be a string"),
    ('claim = "abc"\n', "[[claim]] tables"),
    ('alpha = "x"\n[[claim]]\nbenchmark = "b"\nchange = ["1%", "2%"]\n', "alpha = 'x'"),
    (b"\x89PNG\r\n\x1a\n\x00\xff", "UTF-8 TOML"),
])
def test_bad_claims_files_are_one_line_and_exit_2(capsys, planted, tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    code, _, err = run(capsys, "claims", str(path), BASE, HEAD, "--results", str(planted))
    assert code == 2 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("names", [[], ["n", "extra"]])
def test_param_names_that_do_not_match_never_merge_rows(planted, names):
    (planted / "benchmarks.json").write_text(json.dumps({
        "b.time_a": {"name": "b.time_a", "type": "time", "unit": "seconds", "param_names": names,
                     "params": [], "version": "v1"},
        "version": 2,
    }))
    frame = loader.load_results(planted)
    rows = frame[(frame.benchmark == "b.time_a") & (frame.commit == HEAD)]
    assert len(rows) == 2 and set(rows.status) == {"invalid"} and rows.param_key.nunique() == 2
    assert "param_names" in rows.iloc[0].reason


def test_a_fifo_named_json_is_skipped_without_opening(capsys, planted):
    os.mkfifo(planted / MACHINE / "zzzzzzzz-virtualenv-py3.11.json")
    code, out, _ = compare(capsys, planted)
    assert code == 1 and kinds(out)[("b.time_b", "")] == "regression"


def test_base_equal_to_head_is_a_usage_error(capsys, planted):
    code, out, err = compare(capsys, planted, head=BASE[:10])
    assert code == 2 and out == "" and "same commit" in err and len(err.splitlines()) == 1


def test_library_warnings_are_summarised_once(capsys, monkeypatch):
    def noisy(args):
        for _ in range(3):
            warnings.warn("invalid value encountered in divide", RuntimeWarning)
        return 0

    monkeypatch.setattr(compare_command, "run", noisy)
    code, _, err = run(capsys, "compare", "a", "b")
    assert code == 0 and err.count("\n") == 1 and "3 library warnings" in err


def test_an_unexpected_exception_is_one_line_and_exit_2(capsys, monkeypatch):
    def broken(args):
        raise KeyError("surprise")

    monkeypatch.setattr(compare_command, "run", broken)
    code, _, err = run(capsys, "compare", "a", "b")
    assert code == 2 and "internal error: KeyError" in err and len(err.splitlines()) == 1


def test_publish_prints_the_loaders_warnings(capsys, planted, tmp_path):
    broken = result_path(planted, OTHER)
    broken.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "publish", "--no-asv", "--results", str(planted), "--html-dir",
                       str(tmp_path / "html"), "--config", str(tmp_path / "absent.json"),
                       "--repo", str(tmp_path), "--cache", str(tmp_path / "cache"))
    assert code == 0 and err.count(f"warning: skipped {broken}") == 1
