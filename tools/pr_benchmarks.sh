#!/usr/bin/env bash
# Tier-1 benchmarks of a pull request: asv continuous BASE vs HEAD, then ttsbench compare.
#
#   tools/pr_benchmarks.sh BASE HEAD OUT_DIR
#
# Writes OUT_DIR/report.md (the markdown comparison, or why there is none), OUT_DIR/asv.log and,
# when PR_NUMBER is set, OUT_DIR/pr_number for the job that posts the comment. Exits with
# `ttsbench compare`'s code: 0 fine, 1 a regression at or above FAIL_ON, 2 nothing measured. asv's
# own exit code mixes "regressed" with "failed to run", so it is logged and not used.
#
# Environment: ASV (default: asv), TTSBENCH (default: ttsbench), BENCH (asv regex, default
# ^tier1\.), FAIL_ON (default high), ASV_MACHINE (default: ci-runner), PR_NUMBER.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 BASE HEAD OUT_DIR" >&2
    exit 2
fi
base=$1 head=$2 out=$3
asv=${ASV:-asv}
ttsbench=${TTSBENCH:-ttsbench}
bench=${BENCH:-^tier1\\.}
fail_on=${FAIL_ON:-high}
machine=${ASV_MACHINE:-ci-runner}

mkdir -p "$out"
base_hash=$(git rev-parse --verify "$base^{commit}")
head_hash=$(git rev-parse --verify "$head^{commit}")
if [[ -n "${PR_NUMBER:-}" ]]; then
    if [[ ! "$PR_NUMBER" =~ ^[0-9]+$ ]]; then
        echo "PR_NUMBER must be a number, got '$PR_NUMBER'" >&2
        exit 2
    fi
    printf '%s\n' "$PR_NUMBER" > "$out/pr_number"
fi

"$asv" machine --yes --machine "$machine" > "$out/asv.log" 2>&1
# Samples are recorded by default; rounds interleave base and head so drift hits both alike.
asv_status=0
"$asv" continuous --interleave-rounds --show-stderr --machine "$machine" \
    --bench "$bench" "$base_hash" "$head_hash" >> "$out/asv.log" 2>&1 || asv_status=$?
echo "asv continuous exited $asv_status (not used: the gate is ttsbench compare)" >> "$out/asv.log"

status=0
"$ttsbench" compare "$base_hash" "$head_hash" --machine "$machine" --format markdown \
    --fail-on "$fail_on" > "$out/report.md" 2> "$out/compare.err" || status=$?
if [[ $status -ge 2 ]]; then
    {
        echo "### Benchmarks: no comparison"
        echo
        echo "\`ttsbench compare\` measured nothing to compare (exit $status):"
        echo
        echo '```'
        tail -n 20 "$out/compare.err"
        echo '```'
    } > "$out/report.md"
fi
cat "$out/report.md"
exit "$status"
