"""tools/gpu_benchmarks.sh with stand-ins for nvidia-smi, asv and ttsbench."""

from __future__ import annotations

import re

from toolfakes import calls, checkout_with_origin, fake_command, run_tool

# The asv stand-in records the device the benchmarks would see.
FAKE_ASV = 'echo "device=$TTSBENCH_DEVICE" >> "$(dirname "$0")/calls.log"'


def test_without_a_gpu_it_stops_before_asv(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "nvidia-smi", "exit 9")
    fake_command(bin_dir, "asv")
    done = run_tool("gpu_benchmarks.sh", work, bin_dir)
    assert done.returncode == 2 and "no CUDA device" in done.stderr
    assert not any(c.startswith("asv") for c in calls(bin_dir))


def test_runs_tier2_at_the_large_presets_on_cuda_and_compares_with_the_parent(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "nvidia-smi")
    fake_command(bin_dir, "asv", FAKE_ASV)
    fake_command(bin_dir, "ttsbench", "exit 1")
    done = run_tool("gpu_benchmarks.sh", work, bin_dir)
    assert done.returncode == 1  # ttsbench compare found a regression
    run = next(c for c in calls(bin_dir) if c.startswith("asv run"))
    assert run.startswith("asv run HEAD^! --record-samples")
    regex = run.split("--bench ", 1)[1]
    assert "device=cuda" in calls(bin_dir)
    names = [
        "tier2.decoder.Decode.time_decode('0.6b', 12)",
        "tier2.synthesize.Synthesize.time_synthesize('1.7b', 'short')",
        "tier2.decoder.Decode.time_decode('tiny', 12)",
        "tier1.sampling.TopK.time_top_k(1024, 50)",
        "tier2.modes.FirstFrame.time_first_frame('1.7b-customvoice', 'text')",
        "tier2.modes.FirstFrame.time_first_frame('tiny-base', 'text')",
    ]
    assert [bool(re.search(regex, name)) for name in names] == [True, True, False, False, True,
                                                                False]
    assert calls(bin_dir)[-1].startswith("ttsbench compare HEAD^ HEAD --machine gpu-runner")


def test_no_results_for_the_parent_yet_is_not_a_failure(tmp_path):
    work = checkout_with_origin(tmp_path)
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "nvidia-smi")
    fake_command(bin_dir, "asv")
    fake_command(bin_dir, "ttsbench", "exit 2")
    done = run_tool("gpu_benchmarks.sh", work, bin_dir)
    assert done.returncode == 0 and "nothing to compare" in done.stdout
