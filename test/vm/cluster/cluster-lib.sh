# shellcheck shell=bash
# cluster-lib.sh - host-side helpers for multi-guest (corosync + DLM) scenarios.
#
#   . "$DMLOG_VM_DIR/cluster/cluster-lib.sh"   (also sources guest-lib.sh for
#                                                pass/fail/check/summary)
#   cluster_start 3 "$DMLOG_RESULTS/cluster" --disk "$img" -- "$self" node
#   cluster_run 1 30 "$bin" incr /dev/vda 0 100      # argv, or one string of bash code
#   seq=$(cluster_cmd 2 'sleep 5; echo hi')          # asynchronous
#   cluster_wait 2 "$seq" 20; cluster_output 2 "$seq"
#   cluster_kill 3                                   # kill -9 its qemu
#   cluster_stop                                     # stop the others, reap, stop the hub
#
# Node numbers are 1..N. Command numbers are per node; 0 is the NODE_SCRIPT
# given to cluster_start (if any). Everything goes through files in the
# node's results share (see node.sh), so any host process can drive a
# cluster started by another one (cluster_attach WORKDIR; cluster-ctl.sh).
# Functions print diagnostics on stderr and return non-zero on failure; they
# never exit.

_cluster_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! declare -F relay_results >/dev/null; then
    # shellcheck source-path=SCRIPTDIR source=../guest-lib.sh
    . "$_cluster_lib_dir/../guest-lib.sh"
fi

CLUSTER_DIR=''
CLUSTER_N=0

_cl_err() { printf 'cluster: %s\n' "$*" >&2; }
_cl_now() { date +%s.%N; }
_cl_since() { awk -v a="$1" -v b="$(_cl_now)" 'BEGIN { printf "%.1f", b - a }'; } # START: seconds since

cluster_attach() { # WORKDIR: use the cluster started there
    local env=$1/cluster.env
    [[ -f $env ]] || { _cl_err "no cluster in $1 ($env missing)"; return 1; }
    # shellcheck disable=SC2034 # (set by cluster.env, for callers)
    CLUSTER_N='' CLUSTER_DIR='' CLUSTER_BASE='' CLUSTER_NET='' CLUSTER_STARTED='' CLUSTER_TIMEOUT=''
    # shellcheck source=/dev/null
    . "$env"
}

cluster_start() { # N WORKDIR [start-cluster.sh options] [-- NODE_SCRIPT ARGS...]
    # Boots the guests and waits until all are ready. First installs
    # EXIT/INT/TERM traps that kill whatever is left of the cluster if the
    # caller dies (e.g. run-all.sh's timeout), even during the boot.
    local rc=0
    mkdir -p "$2" || return 1
    CLUSTER_DIR=$(readlink -f "$2") CLUSTER_N=$1
    # shellcheck disable=SC2064
    trap "cluster_cleanup; trap - EXIT" EXIT
    trap 'cluster_cleanup; trap - EXIT; exit 143' TERM
    trap 'cluster_cleanup; trap - EXIT; exit 130' INT
    "$_cluster_lib_dir/start-cluster.sh" "$@" || rc=$?
    [[ -f $CLUSTER_DIR/cluster.env ]] && cluster_attach "$CLUSTER_DIR"
    return "$rc"
}

cluster_node_dir() { printf '%s/node%s\n' "$CLUSTER_DIR" "$1"; }
cluster_state() { cat "$CLUSTER_DIR/node$1/state" 2>/dev/null || echo none; } # K
cluster_form() { # N WORKDIR [cluster_start arguments...]: start the cluster
    # (a check line), note the formation time, re-report every node's setup
    # command (0); non-zero when it did not form
    local n=$1 k
    check "$n-node corosync + DLM cluster formed" cluster_start "$@" || return 1
    note "boot + formation: $(cluster_elapsed) s"
    for ((k = 1; k <= n; k++)); do
        cluster_wait "$k" 0 60
        cluster_relay "$k" 0 "node$k"
    done
}

cluster_elapsed() { _cl_since "$CLUSTER_STARTED"; } # seconds since start-cluster.sh began

_cl_pid_of() { # FILE PATTERN: print the pid in FILE if that process runs and its command line matches PATTERN
    local p cmdline
    p=$(cat "$1" 2>/dev/null) || return 1
    [[ $p =~ ^[0-9]+$ ]] || return 1
    cmdline=$( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || return 1
    [[ $cmdline == *$2* ]] || return 1 # (a recycled pid is someone else)
    printf '%s\n' "$p"
}
_cl_qemu_pid() { _cl_pid_of "$CLUSTER_DIR/node$1/qemu.pid" "qemu-system"; } # K
_cl_hub_pid() { _cl_pid_of "$CLUSTER_DIR/hub.pid" "udp-hub"; }

cluster_alive() { _cl_qemu_pid "$1" >/dev/null; } # K: its qemu is running

_cl_guest_ended() { [[ -f $CLUSTER_DIR/node$1/run-guest.rc ]]; } # K

cluster_wait_ready() { # [TIMEOUT=120]: every node "ready"; prints a timing line per node
    local timeout=${1:-120} start=$SECONDS i st all t
    while :; do
        all=1
        for ((i = 1; i <= CLUSTER_N; i++)); do
            st=$(cluster_state "$i")
            case $st in
            ready) ;;
            failed*)
                _cl_err "node$i: $st"
                _cl_tail "$i"
                return 1
                ;;
            *)
                all=0
                if _cl_guest_ended "$i"; then
                    _cl_err "node$i: guest ended (run-guest.sh status $(<"$CLUSTER_DIR/node$i/run-guest.rc")) in state '$st'"
                    _cl_tail "$i"
                    return 1
                fi
                ;;
            esac
        done
        ((all)) && break
        if ((SECONDS - start >= timeout)); then
            for ((i = 1; i <= CLUSTER_N; i++)); do
                _cl_err "node$i: state '$(cluster_state "$i")' after ${timeout}s"
                [[ $(cluster_state "$i") == ready ]] || _cl_tail "$i"
            done
            return 1
        fi
        sleep 0.2
    done
    t=$(cluster_elapsed)
    for ((i = 1; i <= CLUSTER_N; i++)); do
        # timings: "<phase> <uptime>" lines written by node.sh
        printf '# node%s ready, guest uptime: %s\n' "$i" \
            "$(awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $1, $2 }' "$CLUSTER_DIR/node$i/timings")"
    done
    printf '# cluster of %s ready %ss after start-cluster.sh began\n' "$CLUSTER_N" "$t"
}

_cl_tail() { # K: recent diagnostics of node K on stderr
    local d=$CLUSTER_DIR/node$1 f
    for f in run-guest.log output.log corosync.log dlm_controld.log; do
        [[ -s $d/$f ]] || continue
        printf '  --- node%s %s (tail)\n' "$1" "$f" >&2
        tail -n 8 "$d/$f" | sed 's/^/    /' >&2
    done
    if [[ -s $d/console.log && ! -s $d/output.log ]]; then
        printf '  --- node%s console.log (tail)\n' "$1" >&2
        tail -n 8 "$d/console.log" | sed 's/^/    /' >&2
    fi
}

cluster_cmd() { # K ARGS...: start a command on node K; prints its number
    # One argument: bash code. Several: a command line (each argument quoted).
    local k=$1 d n fd
    shift
    d=$CLUSTER_DIR/node$k/cmd
    [[ -d $d ]] || { _cl_err "no node $k in $CLUSTER_DIR"; return 1; }
    (($# > 0)) || { _cl_err "cluster_cmd: no command"; return 1; }
    exec {fd}>>"$d/.lock"
    flock "$fd"
    n=$(cat "$d/.next" 2>/dev/null || echo 1)
    echo $((n + 1)) >"$d/.next"
    flock -u "$fd"
    exec {fd}>&-
    {
        if (($# == 1)); then
            printf '%s\n' "$1"
        else
            printf '%q ' "$@"
            echo
        fi
    } >"$d/.$n.sh.tmp" && mv -f "$d/.$n.sh.tmp" "$d/$n.sh"
    printf '%s\n' "$n"
}

cluster_output_file() { printf '%s/node%s/cmd/%s.out\n' "$CLUSTER_DIR" "$1" "$2"; } # K SEQ
cluster_output() { cat "$CLUSTER_DIR/node$1/cmd/$2.out" 2>/dev/null; } # K SEQ

cluster_wait() { # K SEQ [TIMEOUT=60]: wait for command SEQ on node K; returns its status
    # (124: not finished in time; 125: the node died or ended first)
    local k=$1 n=$2 timeout=${3:-60} d start=$SECONDS
    d=$CLUSTER_DIR/node$k/cmd
    while [[ ! -f $d/$n.rc ]]; do
        if ! cluster_alive "$k" && [[ ! -f $d/$n.rc ]]; then
            _cl_err "node$k died before command $n ended"
            return 125
        fi
        if ((SECONDS - start >= timeout)); then
            _cl_err "node$k: command $n not finished after ${timeout}s"
            return 124
        fi
        sleep 0.05
    done
    return "$(<"$d/$n.rc")"
}

cluster_wait_output() { # K SEQ REGEX [TIMEOUT=60]: wait until command's output matches (grep -E)
    local k=$1 n=$2 re=$3 timeout=${4:-60} f start=$SECONDS
    f=$(cluster_output_file "$k" "$n")
    until grep -Eq -- "$re" "$f" 2>/dev/null; do
        if [[ -f $CLUSTER_DIR/node$k/cmd/$n.rc ]] && ! grep -Eq -- "$re" "$f" 2>/dev/null; then
            _cl_err "node$k: command $n ended (status $(<"$CLUSTER_DIR/node$k/cmd/$n.rc")) without printing /$re/"
            return 1
        fi
        if ((SECONDS - start >= timeout)); then
            _cl_err "node$k: command $n did not print /$re/ within ${timeout}s"
            return 124
        fi
        sleep 0.05
    done
}

cluster_run() { # K TIMEOUT ARGS...: run, wait, print its output; returns its status
    local k=$1 timeout=$2 n rc=0
    shift 2
    n=$(cluster_cmd "$k" "$@") || return 1
    cluster_wait "$k" "$n" "$timeout" || rc=$?
    cluster_output "$k" "$n"
    return "$rc"
}

cluster_run_on() { # "K1 K2 ..." TIMEOUT ARGS...: the same command on several nodes at once
    # Output: each node's, prefixed "nodeK: ". Status: the first non-zero one.
    local nodes=$1 timeout=$2 k rc=0 r
    shift 2
    local -A seq=()
    for k in $nodes; do seq[$k]=$(cluster_cmd "$k" "$@") || return 1; done
    for k in $nodes; do
        r=0
        cluster_wait "$k" "${seq[$k]}" "$timeout" || r=$?
        cluster_output "$k" "${seq[$k]}" | sed "s/^/node$k: /"
        ((rc == 0)) && rc=$r
    done
    return "$rc"
}

cluster_relay() { # K SEQ PREFIX: re-report the PASS/FAIL lines a command printed
    relay_results "$3" "$(cluster_output_file "$1" "$2")"
}

cluster_kill() { # K: pull the plug (kill -9 its qemu); waits until it is gone
    local k=$1 p i
    p=$(_cl_qemu_pid "$k") || { _cl_err "node$k: its qemu is not running"; return 1; }
    _cl_now >"$CLUSTER_DIR/node$k/killed-at"
    kill -9 "$p" || return 1
    for ((i = 0; i < 100; i++)); do
        kill -0 "$p" 2>/dev/null || return 0
        sleep 0.05
    done
    _cl_err "node$k: qemu pid $p still there 5 s after SIGKILL"
    return 1
}

cluster_partition() { # [K...]: the hub drops all frames of these nodes (none: heal)
    printf '%s\n' "$*" >"$CLUSTER_DIR/hub.control.tmp" && mv -f "$CLUSTER_DIR/hub.control.tmp" "$CLUSTER_DIR/hub.control"
}

cluster_stop() { # [TIMEOUT=20]: ask living nodes to stop, reap every guest, stop the hub
    # Returns non-zero if a node that was not killed by cluster_kill ended
    # with a status other than 0 (its line says why).
    local timeout=${1:-20} i start=$SECONDS rc=0 r p
    [[ -n $CLUSTER_DIR ]] || { _cl_err "cluster_stop: no cluster"; return 1; }
    for ((i = 1; i <= CLUSTER_N; i++)); do
        cluster_alive "$i" && : >"$CLUSTER_DIR/node$i/cmd/stop"
    done
    for ((i = 1; i <= CLUSTER_N; i++)); do
        while ! _cl_guest_ended "$i" && ((SECONDS - start < timeout)); do sleep 0.1; done
        if ! _cl_guest_ended "$i"; then
            _cl_err "node$i did not stop within ${timeout}s: killing it"
            p=$(_cl_qemu_pid "$i") && kill -9 "$p" 2>/dev/null
            rc=1
        fi
    done
    for ((i = 1; i <= CLUSTER_N; i++)); do
        for ((p = 0; p < 100; p++)); do _cl_guest_ended "$i" && break; sleep 0.1; done
        r=$(cat "$CLUSTER_DIR/node$i/run-guest.rc" 2>/dev/null || echo '?')
        if [[ -f $CLUSTER_DIR/node$i/killed-at ]]; then
            printf '# node%s: killed by cluster_kill (run-guest.sh status %s)\n' "$i" "$r"
        else
            printf '# node%s: guest exited with status %s (state: %s)\n' "$i" "$r" "$(cluster_state "$i")"
            [[ $r == 0 ]] || rc=1
        fi
    done
    if p=$(_cl_hub_pid); then
        kill "$p" 2>/dev/null
        for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    fi
    return "$rc"
}

cluster_cleanup() { # kill everything left of the cluster at once (for traps)
    local i p f
    [[ -n $CLUSTER_DIR && -d $CLUSTER_DIR && $CLUSTER_N =~ ^[0-9]+$ ]] || return 0
    for ((i = 1; i <= CLUSTER_N; i++)); do
        if p=$(_cl_qemu_pid "$i"); then
            kill -9 "$p" 2>/dev/null
            continue
        fi
        # Killed before qemu wrote its pidfile: find the qemu whose command
        # line names this node's pidfile (an exact path, nobody else's).
        for f in /proc/[0-9]*/cmdline; do
            [[ $( { tr '\0' ' ' <"$f"; } 2>/dev/null) == *qemu-system*" -pidfile $CLUSTER_DIR/node$i/qemu.pid "* ]] || continue
            p=${f#/proc/}
            kill -9 "${p%/cmdline}" 2>/dev/null
        done
    done
    p=$(_cl_hub_pid) && kill "$p" 2>/dev/null
    return 0
}
