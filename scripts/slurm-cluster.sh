#!/usr/bin/env bash
# A real single-node Slurm cluster on 127.0.0.1 for regime's own tests (make
# test): munged, slurmctld and slurmd from Debian's slurm-wlm and munge, with
# every file — configuration, key, state, spool, pid files, logs — in DIR.
#
#   scripts/slurm-cluster.sh start DIR   start it; prints `export SLURM_CONF=…`
#   scripts/slurm-cluster.sh stop DIR    cancel every job, stop each daemon by
#                                        the PID in its pid file (never by name)
#
# Measured facts behind the configuration (Debian 12, no systemd, no cgroups
# usable in the sandbox): SlurmctldHost must be the real short hostname,
# proctrack/linuxproc and task/none (the cgroup plugins fail every step),
# cons_tres with CR_Core, CPUs and memory from `slurmd -C`; munged refuses a
# key or socket directory that others can write.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 64; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemon() {
    local file=$1 name=$2
    pid_alive "$file" || return 0
    local pid
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "slurm-cluster: $name ($pid) ignored SIGTERM; killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
}

case "$command" in
start)
    for tool in slurmctld slurmd munged mungekey sbatch scontrol; do
        command -v "$tool" >/dev/null || { echo "slurm-cluster: $tool is missing (scripts/deps.sh installs slurm-wlm and munge)" >&2; exit 1; }
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chmod 755 "$dir"
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
    chown munge:munge "$dir/munge"
    chmod 711 "$dir/munge"   # clients need to reach the socket; the key stays 0600
    if [ ! -f "$dir/munge/munge.key" ]; then
        mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
        chown munge:munge "$dir/munge/munge.key"
        chmod 600 "$dir/munge/munge.key"
    fi
    if ! pid_alive "$dir/munge/munged.pid"; then
        # Every daemon's standard streams go to a file: a caller reading this
        # script's output to its end must not wait for the daemons.
        runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
            --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
            </dev/null >>"$dir/munge/munged.out" 2>&1
    fi

    host=$(hostname -s)
    # "CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24000"
    hardware=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //; s/ UpTime=.*//')
    memory=$(echo "$hardware" | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    topology=$(echo "$hardware" | sed "s/RealMemory=[0-9]*/RealMemory=$((memory * 95 / 100))/")
    cat > "$dir/slurm.conf" <<EOF
ClusterName=regime-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=${REGIME_SLURMCTLD_PORT:-16817}
SlurmdPort=${REGIME_SLURMD_PORT:-16818}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
SchedulerParameters=defer_batch=0
SchedulerTimeSlice=5
NodeName=$host NodeAddr=127.0.0.1 $topology State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    pid_alive "$dir/slurmctld.pid" || slurmctld -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.out" 2>&1
    pid_alive "$dir/slurmd.pid" || slurmd -f "$SLURM_CONF" -N "$host" </dev/null >>"$dir/log/slurmd.out" 2>&1
    for _ in $(seq 150); do
        if scontrol ping 2>/dev/null | grep -q "is UP" \
            && sinfo -h -o %T 2>/dev/null | grep -qE "^(idle|mixed|allocated)"; then
            echo "export SLURM_CONF=$SLURM_CONF"
            exit 0
        fi
        sleep 0.2
    done
    echo "slurm-cluster: the cluster did not come up in 30 s; its logs:" >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/munge/munged.log" >&2 2>/dev/null || true
    "$0" stop "$dir" || true
    exit 1
    ;;
stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    export SLURM_CONF="$dir/slurm.conf"
    if pid_alive "$dir/slurmctld.pid"; then
        scancel --quiet --full --user="$(id -un)" 2>/dev/null || true
        # Let the cancelled steps end before slurmd goes (slurmstepd outlives a killed slurmd).
        for _ in $(seq 100); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
    stop_daemon "$dir/slurmd.pid" slurmd
    stop_daemon "$dir/slurmctld.pid" slurmctld
    stop_daemon "$dir/munge/munged.pid" munged
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 64
    ;;
esac
