"""The pinned e2e inputs: fixture texts and the frame rule give about 1 s, 5 s and 20 s of audio."""

from pathlib import Path

import pytest

from ttsbench.errors import TtsbenchError
from ttsbench.workloads import INPUT_NAMES, frames_for_text, load_workloads

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_fixtures_come_to_about_1_5_and_20_seconds_of_audio():
    workloads = load_workloads(FIXTURES)
    assert [w.name for w in workloads] == list(INPUT_NAMES)
    for workload, target in zip(workloads, (1.0, 5.0, 20.0)):
        assert abs(workload.audio_seconds - target) <= 0.15 * target, workload
        assert workload.audio_seconds == workload.frames / 12.5


def test_frame_rule_counts_characters_at_15_per_second():
    assert frames_for_text("x" * 15) == 13  # 1 s = 12.5 frames, rounded up
    assert frames_for_text("  " + "x" * 75 + "\n") == 63  # surrounding blanks do not count
    assert frames_for_text("!") == 1


def test_missing_fixture_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "short.txt").write_text("Hi.\n")
    with pytest.raises(TtsbenchError, match=r"medium\.txt.*--fixtures-dir"):
        load_workloads(tmp_path)


def test_empty_fixture_is_rejected(tmp_path):
    (tmp_path / "short.txt").write_text("  \n")
    with pytest.raises(TtsbenchError, match="empty"):
        load_workloads(tmp_path, ("short",))
