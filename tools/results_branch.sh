#!/usr/bin/env bash
# Keep asv's results on a git branch of their own (default: results), apart from the code.
#
#   tools/results_branch.sh restore DIR          fill DIR with the branch's files (none: empty DIR)
#   tools/results_branch.sh save DIR [MESSAGE]   commit DIR's files as the branch's tree and push
#
# Environment: REMOTE (default origin), RESULTS_BRANCH (default results). `save` commits only
# when something changed, and pushes without force: a concurrent push makes it fail rather than
# lose results (the publish workflow runs one at a time through its concurrency group).
set -euo pipefail

remote=${REMOTE:-origin}
branch=${RESULTS_BRANCH:-results}
usage="usage: $0 restore DIR | save DIR [MESSAGE]"
[[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }
action=$1 dir=$2

branch_exists() {
    git ls-remote --exit-code --heads "$remote" "$branch" > /dev/null 2>&1
}

fetch_branch() {
    git fetch --quiet --no-tags "$remote" "+refs/heads/$branch:refs/remotes/$remote/$branch"
}

case $action in
restore)
    mkdir -p "$dir"
    if branch_exists; then
        fetch_branch
        git archive "refs/remotes/$remote/$branch" | tar -x -C "$dir"
        echo "restored $(find "$dir" -name '*.json' | wc -l) result files from $remote/$branch"
    else
        echo "no branch $branch on $remote yet: starting with no results"
    fi
    ;;
save)
    [[ -d $dir ]] || { echo "no results directory $dir" >&2; exit 2; }
    message=${3:-"Benchmark results of $(git rev-parse --short HEAD)"}
    worktree=$(mktemp -d)
    trap 'git worktree remove --force "$worktree" > /dev/null 2>&1 || true; rm -rf "$worktree"' EXIT
    if branch_exists; then
        fetch_branch
        git worktree add --quiet --detach "$worktree" "refs/remotes/$remote/$branch"
    else
        git worktree add --quiet --detach "$worktree"
        git -C "$worktree" checkout --quiet --orphan "$branch-new"
    fi
    git -C "$worktree" rm -r --quiet --cached --ignore-unmatch . > /dev/null
    find "$worktree" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -R "$dir"/. "$worktree"/
    git -C "$worktree" add --all .
    if git -C "$worktree" diff --cached --quiet 2> /dev/null && branch_exists; then
        echo "results unchanged: nothing to push"
        exit 0
    fi
    git -C "$worktree" \
        -c user.name="${GIT_AUTHOR_NAME:-ttsbench results}" \
        -c user.email="${GIT_AUTHOR_EMAIL:-ttsbench-results@users.noreply.github.com}" \
        commit --quiet -m "$message"
    git -C "$worktree" push --quiet "$remote" "HEAD:refs/heads/$branch"
    echo "pushed $(git -C "$worktree" rev-parse --short HEAD) to $remote/$branch"
    ;;
*)
    echo "$usage" >&2
    exit 2
    ;;
esac
