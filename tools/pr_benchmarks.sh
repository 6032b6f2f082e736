#!/usr/bin/env bash
# Tier-1 benchmarks of a pull request: `ttsbench gate BASE HEAD`, its markdown report kept.
#
#   tools/pr_benchmarks.sh BASE HEAD OUT_DIR
#
# The gate runs asv in independent rounds per side, interleaved base/head, into OUT_DIR/rounds
# (never into .asv/results, which it only reads for main's run-to-run spread when the job restored
# it), and decides on rounds as clusters (docs/statistics.md). Writes OUT_DIR/report.md (the
# markdown report, or why there is none), OUT_DIR/gate.log (progress and errors; asv's own output
# is OUT_DIR/rounds/asv.log) and, when PR_NUMBER is set, OUT_DIR/pr_number for the job that posts
# the comment. Exits with the gate's code: 0 fine, 1 a regression at or above FAIL_ON, 2 nothing
# measured (e.g. a commit that fails to build) or bad input.
#
# Environment: TTSBENCH (default: ttsbench), BENCH (asv regex, default ^tier1\.), ROUNDS (rounds
# per side, default: the gate's), FAIL_ON (default medium), ASV_MACHINE (default: ci-runner),
# PR_NUMBER.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 BASE HEAD OUT_DIR" >&2
    exit 2
fi
base=$1 head=$2 out=$3
ttsbench=${TTSBENCH:-ttsbench}
bench=${BENCH:-^tier1\\.}
fail_on=${FAIL_ON:-medium}
machine=${ASV_MACHINE:-ci-runner}

base_hash=$(git rev-parse --verify "$base^{commit}")
head_hash=$(git rev-parse --verify "$head^{commit}")
if [[ -n "${PR_NUMBER:-}" && ! "$PR_NUMBER" =~ ^[0-9]+$ ]]; then
    echo "PR_NUMBER must be a number, got '$PR_NUMBER'" >&2
    exit 2
fi
mkdir -p "$out"
[[ -n "${PR_NUMBER:-}" ]] && printf '%s\n' "$PR_NUMBER" > "$out/pr_number"

rounds=()
[[ -n "${ROUNDS:-}" ]] && rounds=(--rounds "$ROUNDS")
status=0
"$ttsbench" gate "$base_hash" "$head_hash" --machine "$machine" --bench "$bench" "${rounds[@]}" \
    --workdir "$out/rounds" --format markdown --fail-on "$fail_on" \
    > "$out/report.md" 2> "$out/gate.log" || status=$?
if [[ $status -ge 2 ]]; then
    {
        echo "### Benchmarks: no comparison"
        echo
        echo "\`ttsbench gate\` measured nothing to compare (exit $status):"
        echo
        echo '```'
        tail -n 20 "$out/gate.log"
        echo '```'
    } > "$out/report.md"
fi
cat "$out/report.md"
exit "$status"
