#!/usr/bin/env bash
# Benchmark the new commits of main, keep the results on the results branch, build the site.
#
#   tools/publish.sh
#
# 1. restore .asv/results from the results branch (tools/results_branch.sh restore);
# 2. asv run NEW --skip-existing: every commit of main since the last one with results (only
#    HEAD when there are none yet, rather than all of history);
# 3. push the results back (tools/results_branch.sh save), unless PUSH=0;
# 4. ttsbench publish: asv's site plus the tracker's pages in .asv/html.
#
# Environment: ASV (default asv), TTSBENCH (default ttsbench), ASV_MACHINE (default ci-runner),
# BENCH (asv regex, default ^tier1\.), PUSH (default 1), and REMOTE / RESULTS_BRANCH as for
# tools/results_branch.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
asv=${ASV:-asv}
ttsbench=${TTSBENCH:-ttsbench}
machine=${ASV_MACHINE:-ci-runner}
bench=${BENCH:-^tier1\\.}
results=.asv/results

"$here/results_branch.sh" restore "$results"
"$asv" machine --yes --machine "$machine"
if find "$results" -name '*.json' ! -name machine.json ! -name benchmarks.json | grep -q .; then
    range=NEW
else
    range=HEAD^!
fi
# A benchmark that fails is recorded as failed in the results; only a broken setup stops here.
asv_status=0
"$asv" run "$range" --skip-existing --record-samples --show-stderr --machine "$machine" \
    --bench "$bench" || asv_status=$?
echo "asv run $range exited $asv_status"
if [[ ${PUSH:-1} == 1 ]]; then
    "$here/results_branch.sh" save "$results" "Results of $(git rev-parse --short HEAD) on $machine"
fi
"$ttsbench" publish
