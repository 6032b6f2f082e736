#!/usr/bin/env bash
# Tier-2 (end-to-end) benchmarks of the 0.6B and 1.7B presets on a CUDA machine.
#
#   tools/gpu_benchmarks.sh [RANGE]     RANGE as for asv run (default HEAD^!)
#
# Runs asv with TTSBENCH_DEVICE=cuda over the tier-2 cases whose first parameter (preset or
# variant) is a 0.6b or 1.7b one (asv matches --bench against "name(param, ...)"), with samples
# recorded, then prints `ttsbench compare` of HEAD against its first parent when both have
# results. Exit code: asv's failure to run (2) or, when comparing, `ttsbench compare`'s code.
#
# Environment: ASV (default asv), TTSBENCH (default ttsbench), ASV_MACHINE (default gpu-runner),
# BENCH (default: the 0.6b/1.7b tier-2 cases), FAIL_ON (default high).
set -euo pipefail

asv=${ASV:-asv}
ttsbench=${TTSBENCH:-ttsbench}
machine=${ASV_MACHINE:-gpu-runner}
bench=${BENCH:-"^tier2\\..*\\('(0\\.6b|1\\.7b)"}
range=${1:-HEAD^!}
export TTSBENCH_DEVICE=cuda

if ! nvidia-smi -L > /dev/null 2>&1; then
    echo "no CUDA device (nvidia-smi -L failed): tier 2 at 0.6B/1.7B needs a GPU runner" >&2
    exit 2
fi
"$asv" machine --yes --machine "$machine"
"$asv" run "$range" --record-samples --show-stderr --machine "$machine" --bench "$bench"
if git rev-parse --verify --quiet HEAD^ > /dev/null; then
    status=0
    "$ttsbench" compare HEAD^ HEAD --machine "$machine" --fail-on "${FAIL_ON:-high}" || status=$?
    if [[ $status -eq 2 ]]; then
        echo "no results for HEAD^ on $machine yet: nothing to compare"
        status=0
    fi
    exit "$status"
fi
