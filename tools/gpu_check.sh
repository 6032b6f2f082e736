#!/usr/bin/env bash
# Every CUDA path of the engine in at most 8 minutes on one GPU, as one JSON report.
#
#   tools/gpu_check.sh [REPORT.json]      (default gpu_check.json)
#
# Runs from the source tree (PYTHONPATH=src) on a bare GPU box with no network: PyTorch 2.11+
# with CUDA, numpy, scipy, pandas, jinja2, matplotlib, nvidia-ml-py, psutil and pytest; neither
# asv nor gitpython. Steps (tools/gpu_check.py): the CUDA tests, ttsbench e2e at 0.6b and 1.7b
# in bf16 with and without CUDA graphs for both arches, a quick pass over the tier-2 cases on
# cuda, and NVML's peak GPU memory over the whole check. Without a CUDA device it writes a
# report saying so and exits 0. Exit 1 when a step failed.
# Environment: PYTHON (default python3), GPU_CHECK_BUDGET seconds (default 480).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-python3}" tools/gpu_check.py --output "${1:-gpu_check.json}" \
    --budget "${GPU_CHECK_BUDGET:-480}"
