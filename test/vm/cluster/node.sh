#!/bin/bash
# node.sh - the script every cluster guest runs (start-cluster.sh boots each
# guest with run-guest.sh ... node.sh [NODE_SCRIPT ARGS...]).
#
# 1. network: virtio_net, 192.168.77.<id>/24 on the emulated segment (udp-hub);
# 2. corosync (knet, crypto none, token 1000, votequorum; two_node for 2 nodes),
#    wait until quorate with all $DMLOG_NODES nodes' votes;
# 3. configfs, dlm module, /dev/misc -> /dev, /etc/dlm/dlm.conf
#    (enable_fencing=0, protocol=tcp), dlm_controld, wait for `dlm_tool status`;
# 4. state "ready"; NODE_SCRIPT ARGS (if given) starts as command 0, and the
#    command loop serves the host (cluster-lib.sh) until it asks to stop.
#
# Coordination with the host, all in this node's results share (/results):
#   state            one line: booting|network|corosync|quorate|dlm|ready|
#                    stopping|stopped|failed: <why>   (rewritten atomically)
#   timings          "<phase> <guest uptime seconds>" per phase reached
#   cmd/<n>.sh       written by the host (n = 1, 2, ...; 0 = NODE_SCRIPT):
#                    bash code, run in the background in its own session
#                    (cwd /results), so several may run at once
#   cmd/<n>.out      its stdout+stderr, written as it runs
#   cmd/<n>.rc       its exit status, written (atomically) when it ends
#   cmd/stop         written by the host: kill what still runs, exit 0
#   corosync.log, dlm_controld.log (-D debug output unless DMLOG_DLM_DEBUG=0),
#   and the usual run-guest.sh files (console.log, output.log, ...).
# Exit status: 0 after a stop, 1 if the cluster could not be set up.
set -uo pipefail

id=${DMLOG_NODE_ID:?DMLOG_NODE_ID not set (start-cluster.sh sets it)}
nodes=${DMLOG_NODES:?DMLOG_NODES not set}
net=${DMLOG_CLUSTER_NET:-192.168.77}
mac=${DMLOG_NODE_MAC:-}
R=${DMLOG_RESULTS:-/results}
CMD=$R/cmd
export DMLOG_NODE_IP=$net.$id

uptime_s() { local u; read -r u _ </proc/uptime; printf '%s\n' "$u"; }
set_state() { # STATE...: append to timings, then atomically rewrite $R/state
    printf '%s %s\n' "${1%%:*}" "$(uptime_s)" >>"$R/timings"
    printf '%s\n' "$*" >"$R/state.tmp" && mv -f "$R/state.tmp" "$R/state"
    printf 'node%s: %s (uptime %ss)\n' "$id" "$*" "$(uptime_s)"
}
die() {
    set_state "failed: $*"
    for f in corosync.log dlm_controld.log; do
        [[ -s $R/$f ]] && { echo "--- tail of $f"; tail -n 15 "$R/$f"; }
    done
    exit 1
}
# A sleep without fork+exec (each exec costs several ms under TCG).
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }

: >"$R/timings"
set_state booting
mkdir -p "$CMD" || die "cannot create $CMD"
hostname "node$id"

# ---------------------------------------------------------------- network
modprobe virtio_net || die "modprobe virtio_net"
ifc=''
for _ in $(seq 50); do
    for d in /sys/class/net/*; do
        [[ -e $d/device && $(<"$d/address") == "${mac:-}"* ]] && { ifc=${d##*/}; break 2; }
    done
    nap 0.1
done
[[ -n $ifc ]] || die "no virtio network interface (with mac ${mac:-any}) appeared"
ip addr add "$DMLOG_NODE_IP/24" dev "$ifc" || die "ip addr add $DMLOG_NODE_IP/24 dev $ifc"
ip link set "$ifc" up || die "ip link set $ifc up"
set_state network "$ifc $DMLOG_NODE_IP"

# ---------------------------------------------------------------- corosync
mkdir -p /etc/corosync /var/lib/corosync /var/log/cluster
{
    cat <<EOF
totem {
    version: 2
    cluster_name: dmlogtest
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: ${DMLOG_COROSYNC_TOKEN:-1000}
}
nodelist {
EOF
    for ((i = 1; i <= nodes; i++)); do
        # one key per line: corosync rejects "node { ring0_addr: ... }" on one line
        printf '    node {\n        ring0_addr: %s.%d\n        nodeid: %d\n        name: node%d\n    }\n' \
            "$net" "$i" "$i" "$i"
    done
    cat <<EOF
}
quorum {
    provider: corosync_votequorum
EOF
    ((nodes == 2)) && echo '    two_node: 1'
    cat <<EOF
}
logging {
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: $R/corosync.log
    timestamp: hires
}
EOF
} >/etc/corosync/corosync.conf
cp /etc/corosync/corosync.conf "$R/corosync.conf"
corosync -f </dev/null >>"$R/corosync.log" 2>&1 &
corosync_pid=$!
deadline=$((SECONDS + ${DMLOG_FORM_TIMEOUT:-90})) # for quorum and dlm_controld
set_state corosync

# ---------------------------------------------------------------- dlm (prepared while corosync forms)
modprobe configfs || die "modprobe configfs"
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || die "mount configfs"
modprobe dlm || die "modprobe dlm"
# debugfs: `dlm_tool lockdebug LOCKSPACE` reads /sys/kernel/debug/dlm/
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug || true
# No udev: libdlm opens /dev/misc/dlm-control and /dev/misc/dlm_<lockspace>.
[[ -e /dev/misc ]] || ln -s /dev /dev/misc
mkdir -p /etc/dlm
printf '%s\n' 'enable_fencing=0' 'protocol=tcp' >/etc/dlm/dlm.conf
quorate() { # quorate and every configured node's vote counted
    local out
    out=$(corosync-quorumtool -s 2>/dev/null) || true
    [[ $out == *'Quorate:'*Yes* ]] || return 1
    [[ $out =~ Total\ votes:\ +([0-9]+) ]] && ((BASH_REMATCH[1] >= nodes))
}
all_members_logged() { # corosync's last "[QUORUM] Members[n]" line has n = all nodes
    local -a log
    local i
    mapfile -t log 2>/dev/null <"$R/corosync.log" || return 1 # (a builtin: no exec)
    for ((i = ${#log[@]} - 1; i >= 0; i--)); do
        [[ ${log[i]} == *'[QUORUM] Members['* ]] || continue
        [[ ${log[i]} == *"Members[$nodes]:"* ]]
        return
    done
    return 1
}
# Each corosync-quorumtool costs ~0.2 s of guest CPU under TCG, CPU that
# corosync needs while it forms (a starved node misses tokens and the
# membership re-forms): ask it when the log says everybody is in, and
# otherwise only every 2 s (the log is read every 0.25 s).
polls=0
until { all_members_logged || ((++polls % 8 == 0)); } && quorate; do
    kill -0 "$corosync_pid" 2>/dev/null || die "corosync exited"
    ((SECONDS < deadline)) || die "no quorum with $nodes votes after ${DMLOG_FORM_TIMEOUT:-90}s: $(corosync-quorumtool -s 2>&1 | grep -E '^(Nodes|Quorate|Total votes):' | tr -s ' \n' ' ')"
    nap 0.25
done
set_state quorate

# ---------------------------------------------------------------- dlm_controld
# -D: debug lines on stderr (a few dozen per node; the recovery story after a kill)
if [[ ${DMLOG_DLM_DEBUG:-1} == 1 ]]; then dbg=(-D 1); else dbg=(--foreground 1); fi
dlm_controld "${dbg[@]}" </dev/null >>"$R/dlm_controld.log" 2>&1 &
dlm_pid=$!
until dlm_tool status >/dev/null 2>&1; do
    kill -0 "$dlm_pid" 2>/dev/null || die "dlm_controld exited"
    ((SECONDS < deadline)) || die "dlm_tool status still failing"
    nap 0.5
done
set_state dlm
[[ -c /dev/misc/dlm-control ]] || die "/dev/misc/dlm-control missing"

# ---------------------------------------------------------------- serve the host
declare -A running=() # command number -> pid
start_cmd() { # N: run cmd/N.sh in the background, its own session
    local n=$1
    (
        cd "$R" || exit 125
        rc=0
        setsid bash "$CMD/$n.sh" </dev/null >"$CMD/$n.out" 2>&1 &
        echo $! >"$CMD/$n.pid"
        wait $! || rc=$?
        echo "$rc" >"$CMD/$n.rc.tmp" && mv -f "$CMD/$n.rc.tmp" "$CMD/$n.rc"
    ) &
    running[$n]=$!
}

if (($# > 0)); then
    # NODE_SCRIPT ARGS...: command 0
    printf 'exec %s\n' "$(printf '%q ' "$@")" >"$CMD/0.sh"
    start_cmd 0
fi
set_state ready
next=1
while [[ ! -e $CMD/stop ]]; do
    if [[ -e $CMD/$next.sh ]]; then
        start_cmd "$next"
        next=$((next + 1))
        continue
    fi
    for n in "${!running[@]}"; do
        kill -0 "${running[$n]}" 2>/dev/null || { wait "${running[$n]}"; unset "running[$n]"; }
    done
    nap 0.1
done

set_state stopping
cmds_running() { # true if a command's wrapper is still alive
    local n
    for n in "${!running[@]}"; do kill -0 "${running[$n]}" 2>/dev/null && return 0; done
    return 1
}
for n in "${!running[@]}"; do
    kill -0 "${running[$n]}" 2>/dev/null || continue
    if [[ -f $CMD/$n.pid ]]; then
        kill -TERM -- "-$(<"$CMD/$n.pid")" 2>/dev/null
        printf 'node%s: command %s still running at stop: SIGTERM\n' "$id" "$n"
    fi
done
for _ in $(seq 30); do cmds_running || break; nap 0.1; done
for n in "${!running[@]}"; do
    [[ -f $CMD/$n.pid ]] && kill -KILL -- "-$(<"$CMD/$n.pid")" 2>/dev/null
done
for n in "${!running[@]}"; do wait "${running[$n]}" 2>/dev/null; done
# Leave corosync politely (the others then need no token timeout to notice).
# dlm_controld refuses SIGTERM while lockspaces exist; the power-off ends it.
kill -TERM "$dlm_pid" 2>/dev/null
kill -TERM "$corosync_pid" 2>/dev/null
for _ in $(seq 30); do kill -0 "$corosync_pid" 2>/dev/null || break; nap 0.1; done
set_state stopped
exit 0
