#!/bin/bash
# start-cluster.sh - boot N qemu guests forming a corosync + DLM cluster.
# See test/vm/cluster/README.md.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 125; }
usage() {
    cat <<EOF
usage: $prog N WORKDIR [options] [-- NODE_SCRIPT [ARGS...]]

Boot N guests (run-guest.sh, in the background) on one emulated Ethernet
segment (udp-hub on 127.0.0.1), each running node.sh: IP ${DMLOG_CLUSTER_NET:-192.168.77}.<i>,
corosync (knet, token 1000), dlm_controld (fencing off, tcp), then
NODE_SCRIPT ARGS (if given) as command 0 and a command loop for the host.
Waits until every node is ready (unless --no-wait), prints one line per node,
and returns; the guests keep running. Drive and stop them with the functions
of cluster-lib.sh (cluster_run, cluster_kill, cluster_stop ...).

WORKDIR gets: cluster.env, hub.{pid,log,port}, node<i>/ (that guest's
--results directory, /results inside it; cmd/ is the command channel),
node<i>/qemu.pid, node<i>/run-guest.{pid,log,rc}. WORKDIR is also shared
read-only into every guest at the same path (put binaries there).

options:
  --disk IMG         raw image attached to EVERY guest (cache=none,
                     file.locking=off; /dev/vda, vdb ... in order); repeatable
  --mem MB           guest memory (default 768)
  --timeout SEC      lifetime of each guest and of the hub (default 300)
  --ready-timeout S  give up waiting for "ready" after S seconds (default 120)
  --share DIR        extra read-only share (see run-guest.sh); repeatable
  --env NAME=VALUE   passed to every guest (repeatable)
  --run-guest-arg A  extra run-guest.sh argument (repeatable)
  --no-wait          return right after launching the guests
  --keep             on failure, leave the guests running (debugging)
  -h, --help         this text

exit status: 0 all ready; 1 a node failed or was not ready in time (the
cluster is stopped unless --keep); 125 harness failure; 2 usage.
EOF
}

disks=() shares=() envs=() rgargs=() pos=() node_script=()
mem=768 timeout=300 ready_timeout=120 nowait=0 keep=0
while (($#)); do
    case $1 in
    --disk) (($# >= 2)) || { usage >&2; exit 2; }; disks+=("$(readlink -f "$2")"); shift 2 ;;
    --mem) (($# >= 2)) || { usage >&2; exit 2; }; mem=$2; shift 2 ;;
    --timeout) (($# >= 2)) || { usage >&2; exit 2; }; timeout=$2; shift 2 ;;
    --ready-timeout) (($# >= 2)) || { usage >&2; exit 2; }; ready_timeout=$2; shift 2 ;;
    --share) (($# >= 2)) || { usage >&2; exit 2; }; shares+=("$2"); shift 2 ;;
    --env) (($# >= 2)) || { usage >&2; exit 2; }; envs+=("$2"); shift 2 ;;
    --run-guest-arg) (($# >= 2)) || { usage >&2; exit 2; }; rgargs+=("$2"); shift 2 ;;
    --no-wait) nowait=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; node_script=("$@"); break ;;
    -*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage >&2; exit 2 ;;
    *) pos+=("$1"); shift ;;
    esac
done
((${#pos[@]} == 2)) || { usage >&2; exit 2; }
n=${pos[0]} work=${pos[1]}

[[ $n =~ ^[1-9]$ ]] || die "N must be 1..9 (2 or 3 are the tested sizes), got '$n'"
[[ $mem =~ ^[0-9]+$ && $timeout =~ ^[0-9]+$ && $ready_timeout =~ ^[0-9]+$ ]] ||
    die "--mem, --timeout and --ready-timeout want numbers"
for d in "${disks[@]}"; do [[ -f $d || -b $d ]] || die "disk image $d not found"; done
for c in corosync corosync-quorumtool dlm_controld dlm_tool; do
    command -v "$c" >/dev/null 2>&1 || [[ -x /usr/sbin/$c ]] ||
        die "$c not found: apt-get install corosync dlm-controld"
done
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 not found (udp-hub needs it)"
run_guest=${DMLOG_RUN_GUEST:-$here/../run-guest.sh}
[[ -x $run_guest ]] || die "$run_guest not found"

mkdir -p "$work" || die "cannot create $work"
work=$(readlink -f "$work")
[[ $work != *[[:space:],]* ]] || die "WORKDIR must not contain white space or commas: $work"
if [[ -f $work/hub.pid ]] && kill -0 "$(<"$work/hub.pid")" 2>/dev/null; then
    die "a cluster seems to run in $work already (hub pid $(<"$work/hub.pid")): cluster_stop it first"
fi
rm -f "$work"/{cluster.env,hub.pid,hub.port,hub.log,hub.ready,hub.control}
for ((i = 1; i <= n; i++)); do
    rm -rf "$work/node$i"
    mkdir -p "$work/node$i/cmd"
done

# ---- the hub: pick a free port range BASE..BASE+N on loopback -------------------
port_free() { # PORT: nothing bound to it on UDP (any address)
    ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q .
}
base=''
for _ in $(seq 20); do
    b=$((20000 + (RANDOM % 3500) * 10))
    ok=1
    for ((i = 0; i <= n; i++)); do port_free $((b + i)) || { ok=0; break; }; done
    ((ok)) || continue
    /usr/bin/python3 "$here/udp-hub" "$b" "$n" --lifetime $((timeout + 30)) \
        --control "$work/hub.control" --ready "$work/hub.ready" </dev/null >>"$work/hub.log" 2>&1 &
    hubpid=$!
    for _ in $(seq 50); do
        [[ -f $work/hub.ready ]] && break
        kill -0 "$hubpid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -f $work/hub.ready ]]; then
        base=$b
        break
    fi
    kill "$hubpid" 2>/dev/null || true
done
[[ -n $base ]] || die "could not start udp-hub (see $work/hub.log)"
echo "$hubpid" >"$work/hub.pid"
echo "$base" >"$work/hub.port"

{
    printf 'CLUSTER_N=%s\n' "$n"
    printf 'CLUSTER_DIR=%q\n' "$work"
    printf 'CLUSTER_BASE=%s\n' "$base"
    printf 'CLUSTER_NET=%s\n' "${DMLOG_CLUSTER_NET:-192.168.77}"
    printf 'CLUSTER_STARTED=%s\n' "$(date +%s.%N)"
    printf 'CLUSTER_TIMEOUT=%s\n' "$timeout"
} >"$work/cluster.env"

# ---- the guests -------------------------------------------------------------------
for ((i = 1; i <= n; i++)); do
    nd=$work/node$i
    mac=$(printf '52:54:00:77:00:%02x' "$i")
    args=(--results "$nd" --pidfile "$nd/qemu.pid" --mem "$mem" --timeout "$timeout"
        --share "$work"
        --env "DMLOG_NODE_ID=$i" --env "DMLOG_NODES=$n" --env "DMLOG_NODE_MAC=$mac"
        --env "DMLOG_CLUSTER_DIR=$work"
        --env "DMLOG_CLUSTER_NET=${DMLOG_CLUSTER_NET:-192.168.77}"
        --qemu-arg -netdev
        --qemu-arg "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$((base + i)),remote.type=inet,remote.host=127.0.0.1,remote.port=$base"
        --qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,mac=$mac")
    for d in "${disks[@]}"; do args+=(--disk "$d"); done
    for s in "${shares[@]}"; do args+=(--share "$s"); done
    for e in "${envs[@]}"; do args+=(--env "$e"); done
    args+=("${rgargs[@]}")
    (
        rc=0
        "$run_guest" "${args[@]}" "$here/node.sh" "${node_script[@]}" || rc=$?
        echo "$rc" >"$nd/run-guest.rc"
    ) </dev/null >"$nd/run-guest.log" 2>&1 &
    echo $! >"$nd/run-guest.pid"
done
printf '# %s: %d guests booting in %s (hub 127.0.0.1:%s, pid %s)\n' "$prog" "$n" "$work" "$base" "$hubpid"
((nowait)) && exit 0

# ---- wait until every node is ready ----------------------------------------------------
# shellcheck source-path=SCRIPTDIR source=cluster-lib.sh
. "$here/cluster-lib.sh"
cluster_attach "$work"
# Interrupted while waiting: take the guests down (they are not in our
# process group's reach: run-guest.sh's timeout gives qemu its own).
((keep)) || trap 'cluster_cleanup; exit 143' TERM
((keep)) || trap 'cluster_cleanup; exit 130' INT
if cluster_wait_ready "$ready_timeout"; then
    exit 0
fi
if ((keep)); then
    printf '%s: --keep: guests left running; stop them with: %s/cluster-ctl.sh %s stop\n' "$prog" "$here" "$work" >&2
else
    cluster_stop 5 >/dev/null 2>&1 || true
fi
exit 1
