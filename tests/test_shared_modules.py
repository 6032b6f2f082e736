"""The shared pieces: the git module, the series names and the CLI options every command uses."""

import argparse
import json

import git
import pytest
from probes import BASE, HEAD, make_results

from ttsbench.cli import _options, main
from ttsbench.errors import TtsbenchError
from ttsbench.track import gitrepo
from ttsbench.track.series import series_ident, series_key, series_label, series_name


@pytest.fixture
def repo(tmp_path):
    made = git.Repo.init(tmp_path / "repo")
    actor = git.Actor("Ada", "ada@t.invalid")
    for i in range(3):
        made.index.commit(f"change {i}\n\nbody", author=actor, committer=actor)
    return made


def test_open_repo_finds_the_repository_above_and_nothing_outside(repo, tmp_path):
    (tmp_path / "repo" / "sub").mkdir()
    assert gitrepo.open_repo(tmp_path / "repo" / "sub").working_dir == repo.working_dir
    assert gitrepo.open_repo(tmp_path) is None
    with pytest.raises(TtsbenchError, match="no git repository"):
        gitrepo.require_repo(tmp_path)


def test_order_metadata_and_ranges(repo):
    hashes = [c.hexsha for c in reversed(list(repo.iter_commits()))]
    assert gitrepo.topo_positions(repo) == {h: i for i, h in enumerate(hashes)}
    assert gitrepo.topo_positions(None) == {}
    assert gitrepo.full_hash(repo, "HEAD~1") == hashes[1] and gitrepo.full_hash(repo, "nope") is None
    assert gitrepo.head_commit(repo) == hashes[2]
    meta = gitrepo.commit_metadata(repo, [hashes[0], "f" * 40])
    assert list(meta) == [hashes[0]] and meta[hashes[0]]["author"] == "Ada"
    assert meta[hashes[0]]["subject"] == "change 0"
    assert gitrepo.commits_between(repo, hashes[0], "HEAD") == hashes
    with pytest.raises(TtsbenchError, match="not an ancestor"):
        gitrepo.commits_between(repo, hashes[2], hashes[0])


def test_commit_metadata_is_kept_and_git_asked_only_for_new_commits(repo, tmp_path, monkeypatch):
    hashes = [c.hexsha for c in reversed(list(repo.iter_commits()))]
    cache = tmp_path / "cache"
    first = gitrepo.commit_metadata(repo, hashes[:2] + ["f" * 40], cache)
    assert sorted(first) == sorted(hashes[:2]) and first == gitrepo.commit_metadata(repo, hashes[:2])
    asked = []
    real = gitrepo._describe_commits
    monkeypatch.setattr(gitrepo, "_describe_commits", lambda r, c: asked.append(c) or real(r, c))
    again = gitrepo.commit_metadata(repo, hashes, cache)
    assert asked == [[hashes[2]]]  # (and the unknown one is not asked again: it was not wanted)
    assert again == gitrepo.commit_metadata(repo, hashes) and again[hashes[2]]["subject"] == "change 2"
    assert gitrepo.commit_metadata(None, hashes, cache) == {}
    (cache / gitrepo.COMMITS_CACHE).write_text("[not, json")
    assert gitrepo.commit_metadata(repo, hashes, cache) == again  # a broken cache is asked afresh


@pytest.mark.parametrize("url, web", [
    ("git@github.com:org/proj.git", "https://github.com/org/proj"),
    ("https://gitlab.com/org/proj.git", "https://gitlab.com/org/proj"),
    ("/srv/git/proj", None),
])
def test_remote_url_is_the_web_address(repo, url, web):
    repo.create_remote("origin", url)
    assert gitrepo.remote_url(repo) == web


def test_series_names_and_key():
    assert series_name("b.time_x", "n=1") == "b.time_x(n=1)" and series_name("b.time_x", "") == "b.time_x"
    assert series_ident("box", "py", "b.time_x", "n=1") == "box/py/b.time_x(n=1)"
    assert series_label("b.time_x", "n=1", "box", "py") == "b.time_x(n=1) box py"
    assert series_key("box", "py", "b.time_x", None) == ("box", "py", "b.time_x", "")


def parse(*argv):
    parser = argparse.ArgumentParser(prog="ttsbench test")
    _options.add_results_options(parser)
    _options.add_bench_option(parser)
    return parser.parse_args(argv)


def test_results_dir_comes_from_the_option_then_asv_conf_then_the_default(tmp_path):
    conf = tmp_path / "asv.conf.json"
    conf.write_text(json.dumps({"version": 1, "project": "p", "repo": ".", "results_dir": "out/r"}))
    assert _options.results_dir(parse("--results", "x", "--config", str(conf))).as_posix() == "x"
    assert _options.results_dir(parse("--config", str(conf))) == tmp_path / "out/r"
    assert _options.results_dir(parse("--config", str(tmp_path / "absent.json"))) == _options.DEFAULT_RESULTS


def test_results_dir_is_read_as_asv_reads_its_config(tmp_path):
    """Comments as asv allows them; no results_dir: asv's default; a broken file: asv's error."""
    from asv.config import Config

    conf = tmp_path / "asv.conf.json"
    conf.write_text('{\n  // a comment\n  "version": 1, "repo": ".",\n  "results_dir": "r/x", // why\n}\n')
    assert _options.results_dir(parse("--config", str(conf))) == tmp_path / "r/x"
    conf.write_text('{"version": 1, "repo": "."}')
    assert _options.results_dir(parse("--config", str(conf))) == tmp_path / Config().results_dir
    conf.write_text('{"version": 1, "repo": ".", "results_dir": "a"')
    with pytest.raises(TtsbenchError, match="cannot read .*asv.conf.json"):
        _options.results_dir(parse("--config", str(conf)))


def test_bench_regex_is_validated_once_and_the_old_name_warns(capsys):
    assert _options.bench_pattern(parse("-b", "time_.*")).pattern == "time_.*"
    assert _options.bench_pattern(parse()) is None
    args = parse("--benchmark", "time_(")
    assert "--benchmark is deprecated; use --bench" in capsys.readouterr().err
    with pytest.raises(TtsbenchError, match="not a regular expression"):
        _options.bench_pattern(args)


def test_compare_takes_a_pyproject_config_with_a_deprecation_line(capsys, tmp_path):
    results = make_results(tmp_path, regression=True)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.ttsbench]\nfail_on = 'critical'\nseverity = {critical = 0.9}\n")
    code = main(["compare", BASE, HEAD, "--results", str(results), "--config", str(pyproject)])
    err = capsys.readouterr().err
    # read: with the default settings the +30 % regression would exit 1
    assert code == 0 and err.count("\n") == 1 and "--config PYPROJECT.toml is deprecated" in err
