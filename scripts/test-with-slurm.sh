#!/usr/bin/env bash
# make test: runs the test command beside a real single-node Slurm cluster
# (scripts/slurm-cluster.sh), started here in a fresh directory and stopped by
# PID when the command ends, however it ends; the Slurm tests find it through
# REGIME_TEST_SLURM_CONF. The command's exit status is this script's.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/regime-test-slurm-XXXXXX)
# Quietly: the test runner's summary stays the last thing printed.
stop() {
    scripts/slurm-cluster.sh stop "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if scripts/slurm-cluster.sh start "$dir" >/dev/null; then
    export REGIME_TEST_SLURM_CONF="$dir/slurm.conf"
else
    echo "test-with-slurm: the cluster did not start; the Slurm tests will fail" >&2
fi
"$@"
