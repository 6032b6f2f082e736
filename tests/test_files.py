"""write_atomic: the one way the tracker replaces its own files (caches, verdicts)."""

import pytest

from ttsbench.files import write_atomic


def test_write_atomic_creates_and_replaces(tmp_path):
    path = tmp_path / "new" / "cache.json"
    write_atomic(path, "{}")
    write_atomic(path, b"[1]")
    assert path.read_bytes() == b"[1]"
    assert [p.name for p in path.parent.iterdir()] == ["cache.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "cache.json"
    write_atomic(path, "old")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ttsbench.files.os.replace", refuse)
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]
