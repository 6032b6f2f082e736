#!/usr/bin/env bash
# Benchmark the new commits of main, keep the results on the results branch, build the site.
#
#   tools/publish.sh
#
# 1. restore .asv/results from the results branch (tools/results_branch.sh restore);
# 2. asv run NEW --skip-existing: every commit of main since the last one with results (only
#    HEAD when there are none yet, rather than all of history);
# 3. push the results back (tools/results_branch.sh save), unless PUSH=0;
# 4. ttsbench confirm: every tentative regression is re-measured against the commit before it
#    (the gate's protocol, CONFIRM_ROUNDS rounds a side, default 10) and marked confirmed or
#    refuted, so the feed announces only confirmed ones; the verdicts are kept on their own
#    branch (CONFIRMATIONS_BRANCH, default confirmations) like the results;
# 5. ttsbench publish: asv's site plus the tracker's pages in .asv/html.
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
verdicts=.asv/ttsbench-confirmations  # beside the results, never inside them

"$here/results_branch.sh" restore "$results"
RESULTS_BRANCH=${CONFIRMATIONS_BRANCH:-confirmations} "$here/results_branch.sh" restore "$verdicts"
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
# Exit 1 means a regression was confirmed (it goes to the feed); 2: a build failed or bad input,
# said on stderr; neither stops the publishing.
confirm_status=0
"$ttsbench" confirm --machine "$machine" --rounds "${CONFIRM_ROUNDS:-10}" --gate-machine "$machine-confirm" \
    || confirm_status=$?
echo "ttsbench confirm exited $confirm_status"
if [[ ${PUSH:-1} == 1 && -n $(ls -A "$verdicts") ]]; then
    RESULTS_BRANCH=${CONFIRMATIONS_BRANCH:-confirmations} "$here/results_branch.sh" save "$verdicts" \
        "Confirmations of $(git rev-parse --short HEAD) on $machine"
fi
"$ttsbench" publish
