#!/usr/bin/env bash
# Runs every study in pipelines/ with two builds of regime — a given commit's
# and the working tree's — and compares every dataset of their results files
# bit for bit (Tests/interop/h5_compare.py: shape, dtype and bytes; attributes
# such as `created` are not compared). For refactorings that must not change a
# single result.
#
#   scripts/compare-studies.sh REV        REV: the commit to compare with
#
# The commit is checked out into a temporary git worktree and built into
# .build-baseline (release). Exit 0 when every dataset of every results file is
# identical, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rev=${1:?usage: scripts/compare-studies.sh REV}
work=$(mktemp -d)
cleanup() {
    git worktree remove --force "$work/baseline" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

git worktree add --detach "$work/baseline" "$rev" >/dev/null
echo "compare: building $rev and the working tree (release)"
swift build -c release --product regime --package-path "$work/baseline" --scratch-path "$root/.build-baseline" >/dev/null
swift build -c release --product regime >/dev/null

for side in baseline current; do
    binary=$root/.build/release/regime
    [ "$side" = baseline ] && binary=$root/.build-baseline/release/regime
    mkdir -p "$work/$side"
    cp -r "$root/pipelines" "$root/data" "$work/$side/"
    for pipeline in "$work/$side"/pipelines/*.yaml; do
        start=$(date +%s.%N)
        "$binary" run "$pipeline" --quiet
        printf 'compare: %-8s %-22s %5.1f s\n' "$side" "$(basename "$pipeline")" "$(echo "$(date +%s.%N) - $start" | bc)"
    done
done

status=0
for result in "$work/baseline/results/"*.h5; do
    name=$(basename "$result")
    verdict=$("$root/.venv/bin/python" "$root/Tests/interop/h5_compare.py" "$result" "$work/current/results/$name")
    datasets=$(echo "$verdict" | "$root/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["datasets"])')
    different=$(echo "$verdict" | "$root/.venv/bin/python" -c 'import json,sys; print(" ".join(json.load(sys.stdin)["different"]))')
    if [ -z "$different" ]; then
        printf 'compare: %-22s %4d datasets, bit-identical\n' "$name" "$datasets"
    else
        printf 'compare: %-22s %4d datasets, DIFFERENT: %s\n' "$name" "$datasets" "$different"
        status=1
    fi
done
exit $status
