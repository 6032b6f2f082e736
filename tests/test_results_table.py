"""The cached results table: the same series as the loader's frame, cold, warm and incremental."""

import concurrent.futures
import errno
import json
import os
import shutil

import numpy as np
import pytest

from asvresults import bench, write_result
from history_fixtures import MACHINE, write_history
from ttsbench.track.history import build_series
from ttsbench.track.history_series import series_from_table
from ttsbench.track.loader import load_results
from ttsbench.track import results_cache
from ttsbench.track.results_cache import CACHE_FOLDER
from ttsbench.track.results_table import load_table

SLOW = "bench_planted.TimeKernel.time_kernel_0"


@pytest.fixture()
def planted(tmp_path):
    return write_history(tmp_path, n_commits=30, samples=4,
                         steps={(SLOW, 10): [(15, 1.3)]})


def series_via_table(history, cache):
    table = load_table(history.results, cache)
    return series_from_table(table, history.results, repo=history.repo)[0], table


def assert_same_series(expected, found):
    assert [s.ident for s in found] == [s.ident for s in expected]
    for want, got in zip(expected, found):
        assert (got.commits, got.params, got.unit, got.higher_is_better) == \
            (want.commits, want.params, want.unit, want.higher_is_better)
        for name in ("dates", "values", "ci_low", "ci_high"):
            assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name
        assert np.array_equal(got.samples.gathered(), want.samples.gathered())
        assert np.array_equal(got.samples.counts, want.samples.counts)


def loader_series(history):
    return build_series(load_results(history.results, repo=history.repo))


def test_table_series_equal_the_loaders_cold_and_warm(planted, tmp_path):
    expected = loader_series(planted)
    cold, _ = series_via_table(planted, tmp_path / "cache")
    warm, _ = series_via_table(planted, tmp_path / "cache")
    assert_same_series(expected, cold)
    assert_same_series(expected, warm)
    assert (tmp_path / "cache" / CACHE_FOLDER / "meta.json").is_file()


def test_a_new_file_is_appended_a_changed_or_removed_one_rewrites(planted, tmp_path):
    cache = tmp_path / "cache"
    newest = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    held = tmp_path / newest.name
    shutil.move(newest, held)
    series_via_table(planted, cache)
    values_file = cache / CACHE_FOLDER / "value.bin"
    before = values_file.stat().st_size
    shutil.move(held, newest)
    grown, _ = series_via_table(planted, cache)
    assert values_file.stat().st_size > before  # appended, not rebuilt smaller or equal
    assert_same_series(loader_series(planted), grown)
    # A changed file: its rows are replaced (a skipped and a failed result among them).
    data = json.loads(newest.read_text())
    write_result(planted.results, MACHINE, planted.commits[-1], {
        SLOW: bench([float("nan"), 0.5], samples=[[0.5, 0.5], [0.5, 0.51]], params=[["10", "20"]]),
        "bench_planted.TimeKernel.time_kernel_1": bench(None, params=[["10", "20"]]),
    }, date=data["date"])
    os.utime(newest, ns=(1, 1))
    changed, _ = series_via_table(planted, cache)
    assert_same_series(loader_series(planted), changed)
    newest.unlink()
    removed, _ = series_via_table(planted, cache)
    assert_same_series(loader_series(planted), removed)


def test_an_interrupted_cache_write_is_ignored(planted, tmp_path):
    cache = tmp_path / "cache"
    series_via_table(planted, cache)
    with open(cache / CACHE_FOLDER / "samples.bin", "ab") as out:
        out.write(b"\0" * 8)  # appended, meta.json not updated
    again, _ = series_via_table(planted, cache)
    assert_same_series(loader_series(planted), again)


def test_an_unwritable_cache_is_one_warning(planted, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    found, table = series_via_table(planted, blocker)
    assert_same_series(loader_series(planted), found)
    assert len([w for w in table.warnings if "not written" in w]) == 1


def test_the_results_dir_is_only_read(planted, tmp_path):
    before = sorted((p.relative_to(planted.results), p.stat().st_mtime_ns)
                    for p in planted.results.rglob("*"))
    series_via_table(planted, tmp_path / "cache")
    after = sorted((p.relative_to(planted.results), p.stat().st_mtime_ns)
                   for p in planted.results.rglob("*"))
    assert before == after


def test_a_warm_table_maps_the_cache_read_only(planted, tmp_path):
    series_via_table(planted, tmp_path / "cache")
    _, table = series_via_table(planted, tmp_path / "cache")
    assert not table.rows["samples"].flags.writeable  # mapped from the cache file, not copied
    with pytest.raises(ValueError):
        table.rows["value"][0] = 1.0


def test_an_append_cut_short_still_gives_every_row_and_the_next_run_rebuilds(planted, tmp_path,
                                                                           monkeypatch):
    cache = tmp_path / "cache"
    newest = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    held = tmp_path / newest.name
    shutil.move(newest, held)
    series_via_table(planted, cache)
    shutil.move(held, newest)

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    # The columns are appended, then meta.json cannot be written (nor the whole table after it).
    monkeypatch.setattr(results_cache, "write_atomic", full_disk)
    grown, table = series_via_table(planted, cache)
    assert_same_series(loader_series(planted), grown)
    assert [w for w in table.warnings if "not written (No space left on device)" in w]
    monkeypatch.undo()
    again, table = series_via_table(planted, cache)
    assert_same_series(loader_series(planted), again)
    assert table.rows["value"].flags.writeable  # the columns did not add up: rebuilt


ODD_ROWS = {  # what is written into one file's row of SLOW -> what the loader makes of it
    "negative time": lambda row, columns: row[columns.index("result")].__setitem__(0, -0.5),
    "string value": lambda row, columns: row[columns.index("result")].__setitem__(1, "0.5"),
    "bool value": lambda row, columns: row[columns.index("result")].__setitem__(0, True),
    "null value": lambda row, columns: row[columns.index("result")].__setitem__(0, None),
    "negative sample": lambda row, columns: row[columns.index("samples")][1].__setitem__(0, -1.0),
    "string sample": lambda row, columns: row[columns.index("samples")][0].__setitem__(0, "x"),
    "short stats": lambda row, columns: row[columns.index("stats_ci_99_a")].pop(),
    "string stat": lambda row, columns: row[columns.index("stats_q_75")].__setitem__(1, "0.5"),
    "number for a stat": lambda row, columns: row.__setitem__(columns.index("stats_q_25"), 0.5),
    "number for samples": lambda row, columns: row[columns.index("samples")].__setitem__(0, 5),
    "huge stat": lambda row, columns: row[columns.index("stats_q_25")].__setitem__(0, 1e300),
    "short samples": lambda row, columns: row[columns.index("samples")].pop(),
    "number param": lambda row, columns: row[columns.index("params")][0].__setitem__(0, 10),
    "short values": lambda row, columns: row[columns.index("result")].pop(),
    "a column too many": lambda row, columns: row.extend([None] * (len(columns) - len(row)) + [1.0]),
    "numeric version": lambda row, columns: row.__setitem__(columns.index("version"), 3),
}


@pytest.mark.parametrize("oddity", sorted(ODD_ROWS))
def test_an_odd_row_gets_the_loaders_verdict(planted, tmp_path, oddity):
    """The table's fast path checks a file's numbers in bulk; a row it must not take as plain
    gives exactly the loader's series (the row dropped, or the file read row by row)."""
    path = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    data = json.loads(path.read_text())
    ODD_ROWS[oddity](data["results"][SLOW], data["result_columns"])
    path.write_text(json.dumps(data))
    expected = loader_series(planted)
    found, _ = series_via_table(planted, tmp_path / "cache")
    assert_same_series(expected, found)
    slow = [s for s in found if s.benchmark == SLOW]
    assert sum(planted.commits[-1] in s.commits for s in slow) < 2, "the odd row was taken as it stands"


class CountingPool(concurrent.futures.ProcessPoolExecutor):
    shares: list = []

    def submit(self, fn, files, *args, **kwargs):
        self.shares.append(len(files))
        return super().submit(fn, files, *args, **kwargs)


def test_files_parsed_by_other_processes_give_the_serial_table(tmp_path, monkeypatch):
    """Many new files are shared out to forked processes; their string codes are mapped back,
    so rows, codes, file order and warnings are those of one process reading them all."""
    from ttsbench.track import results_parse

    history = write_history(tmp_path, n_commits=24, samples=3, steps={(SLOW, 10): [(12, 1.3)]})
    paths = sorted(history.results.glob("*/*-*.json"))
    early = json.loads(paths[0].read_text())  # a benchmark only the first share has, coded first
    early["results"] = {"bench_planted.TimeKernel.only_early": early["results"][SLOW], **early["results"]}
    paths[0].write_text(json.dumps(early))
    odd = json.loads(paths[12].read_text())  # read row by row, in the second share
    odd["results"][SLOW][odd["result_columns"].index("result")][0] = None
    paths[12].write_text(json.dumps(odd))
    paths[20].write_text("{broken")  # skipped, with a warning, in the last share
    serial = load_table(history.results, None)
    monkeypatch.setattr(results_parse, "FILES_PER_PROCESS", 6)
    monkeypatch.setattr(results_parse.forked, "cores", lambda: 3)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    CountingPool.shares = []
    parallel = load_table(history.results, None)
    assert CountingPool.shares == [8, 8]  # two other processes, a third of the files each
    assert (parallel.files, parallel.combos, parallel.versions, parallel.warnings) == \
        (serial.files, serial.combos, serial.versions, serial.warnings)
    assert any("skipped" in line for line in serial.warnings)
    for name in serial.rows:
        assert np.array_equal(np.asarray(parallel.rows[name]), np.asarray(serial.rows[name]), equal_nan=True), name


def test_a_row_shorter_than_its_neighbours_reads_as_the_loader_reads_it(planted, tmp_path):
    """asv leaves out trailing columns it has nothing for; one row doing so (its samples here)
    is read as without them, as the loader reads it, not refused."""
    path = next(planted.results.glob(f"*/{planted.commits[-1][:8]}-*.json"))
    data = json.loads(path.read_text())
    row = data["results"][SLOW]
    del row[data["result_columns"].index("samples"):]
    path.write_text(json.dumps(data))
    found, _ = series_via_table(planted, tmp_path / "cache")
    assert_same_series(loader_series(planted), found)
    slow = [s for s in found if s.benchmark == SLOW]
    assert all(s.commits[-1] == planted.commits[-1] and s.samples[len(s.commits) - 1] is None for s in slow)


PARENT = os.getpid()
REAL_PARSE_APART = None


def parse_apart_dying_in_workers(*args):
    if os.getpid() != PARENT:
        os._exit(1)  # a worker killed for memory
    return REAL_PARSE_APART(*args)


def test_a_share_whose_worker_died_is_parsed_here(tmp_path, monkeypatch):
    global REAL_PARSE_APART
    from ttsbench.track import results_parse

    history = write_history(tmp_path, n_commits=24, samples=3)
    serial = load_table(history.results, None)
    REAL_PARSE_APART = results_parse._parse_apart
    monkeypatch.setattr(results_parse, "_parse_apart", parse_apart_dying_in_workers)
    monkeypatch.setattr(results_parse, "FILES_PER_PROCESS", 6)
    monkeypatch.setattr(results_parse.forked, "cores", lambda: 3)
    table = load_table(history.results, None)
    assert (table.files, table.combos) == (serial.files, serial.combos)
    for name in serial.rows:
        assert np.array_equal(np.asarray(table.rows[name]), np.asarray(serial.rows[name]), equal_nan=True), name
