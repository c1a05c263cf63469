# shellcheck shell=bash
# mirror-lib.sh - shared parts of the cluster mirror scenarios
# (test/vm/scenarios/cluster-mirror-*.sh other than cluster-mirror-basic.sh):
# the guest-side phases a scenario runs on a node through `"$self" PHASE
# ARGS`, and host-side helpers that read what the guests leave in WORKDIR.
#
# A scenario sources it in both places:
#   case ${1:-host} in host) ;; *) . "$here/../cluster/mirror-lib.sh"; mirror_phase "$@"; exit ;; esac
#   . "$here/../cluster/cluster-lib.sh"; . "$here/../cluster/mirror-lib.sh"
#
# Every node runs dmlogd with lock_manager = "dlm" and log_level = "info";
# its log is /results/dmlogd.log, i.e. WORKDIR/node<k>/dmlogd.log on the
# host (the 9p share has no cache: the host reads it live).

MIRROR_CONF=/run/dmlog-cluster.conf
MIRROR_PIDFILE=/run/dmlogd/dmlogd.pid
# shellcheck disable=SC2034 # used by the scenarios
MIRROR_WRITER=$(dirname "${BASH_SOURCE[0]}")/mirror-writer.py

# ---- guest side ------------------------------------------------------------------
_mirror_guest_env() {
    # shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
    . "$DMLOG_GUEST_LIB"
    DMLOGD_LOG=/results/dmlogd.log
}

mirror_phase() { # PHASE ARGS...: run one guest-side phase; exits with its status
    _mirror_guest_env
    local phase=$1
    shift
    case $phase in
    node) # NODE_SCRIPT (command 0): modules, dmlogd's configuration
        check "dm modules load" load_dm_modules
        printf 'dmlogd {\n  lock_manager = "dlm"\n  log_level = "info"\n}\n' >$MIRROR_CONF
        check "/dev/misc/dlm-control" test -c /dev/misc/dlm-control
        summary
        ;;
    dmlogd) # the daemon, in the foreground, for as long as its command runs
        mkdir -p /run/dmlogd
        printf '=== dmlogd start %s\n' "$(cut -d' ' -f1 /proc/uptime)" >>"$DMLOGD_LOG"
        exec "$DMLOGD_BIN" -f -c $MIRROR_CONF -p $MIRROR_PIDFILE \
            -s /run/dmlogd/dmlogd.sock </dev/null >>"$DMLOGD_LOG" 2>&1
        ;;
    dmlogd-ready) # wait for the daemon's socket (a restart removes and re-creates it)
        wait_until 30 test -S /run/dmlogd/dmlogd.sock || { tail "$DMLOGD_LOG"; return 1; }
        ;;
    create) # NAME UUID SECTORS REGION_SECTORS LEG0 LEG1 LOGDEV [nosync]
        local name=$1 uuid=$2 sectors=$3 region=$4 leg0=$5 leg1=$6 logdev=$7 extra=${8:-}
        local n=4
        [[ -n $extra ]] && n=5
        dmsetup create "$name" --table "0 $sectors mirror userspace $n $uuid clustered-disk $logdev $region${extra:+ $extra} 2 $leg0 0 $leg1 0 1 handle_errors" ||
            return 1
        dm_dev "$name" >/dev/null || return 1
        dmsetup table "$name"
        ;;
    sync) # NAME TIMEOUT: wait until n/n in sync; prints the status
        wait_sync "$1" "$2" || return 1
        dmsetup status "$1"
        ;;
    ratio) # NAME: "<in sync>/<regions>"
        sync_ratio "$1"
        ;;
    counters) # SIGUSR1: print dmlogd's fresh lock manager line
        local n
        n=$(grep -c 'requests: lock' "$DMLOGD_LOG")
        kill -USR1 "$(cat $MIRROR_PIDFILE)" || return 1
        wait_until 10 _mirror_more_lines 'requests: lock' "$n" || return 1
        grep 'requests: lock' "$DMLOGD_LOG" | tail -n 1
        ;;
    dmlogd-stop) # SIGTERM, once: a daemon with no live log exits 0
        kill -TERM "$(cat $MIRROR_PIDFILE)"
        ;;
    dmlogd-kill) # kill -9 of dmlogd only (the kernel keeps the mirror)
        kill -KILL "$(cat $MIRROR_PIDFILE)"
        ;;
    delay-create) # NAME DEV SECTORS: a dm-delay device over DEV, no delay yet
        modprobe dm-delay || return 1
        dmsetup create "$1" --table "0 $3 delay $2 0 0" || return 1
        dm_dev "$1" >/dev/null
        ;;
    delay-writes) # NAME DEV SECTORS MS: from now on every write to NAME waits MS ms
        dmsetup load "$1" --table "0 $3 delay $2 0 0 $2 0 $4" &&
            dmsetup suspend "$1" && dmsetup resume "$1"
        ;;
    diag) # NAME: what a stuck reload or remove looks like (dm state, blocked tasks)
        dmsetup info "$1"
        local t
        for t in /proc/"$(cat $MIRROR_PIDFILE)"/task/*; do
            printf -- '--- dmlogd task %s (%s): %s\n' "${t##*/}" "$(cat "$t/comm")" \
                "$(tr '\n' ' ' <"$t/stack" 2>/dev/null | cut -c1-300)"
        done
        ps -eo pid,stat,comm,wchan:30 | awk '$2 ~ /D/'
        ;;
    dmesg-mark)
        dmesg_mark
        ;;
    no-io-errors) # MARK [restarted]: no block-layer or device-mapper error in dmesg since MARK
        _mirror_no_io_errors "$@"
        ;;
    legs-equal) # LEG0 LEG1
        legs_equal "$1" "$2"
        ;;
    *)
        printf 'mirror_phase: unknown phase %s\n' "$phase" >&2
        return 2
        ;;
    esac
}

_mirror_no_io_errors() { # MARK [restarted]: prints the offending lines; fails if any
    # Only block-layer and device-mapper lines count (guest-lib's
    # no_io_errors_since matches "fail" anywhere, e.g. the module list of
    # the 6.1 kernel's DLM memcpy warning, which names "failover"). Any
    # kernel WARNING is printed too, as a note. "restarted": this node's
    # dmlogd was down meanwhile, so dm-log-userspace's "Userspace log
    # server not found" and "Request timed out ... retrying" are expected
    # there (the kernel retries; a failed write still shows as an error
    # line of dm-raid1 or in the writer).
    local since bad ok='^$'
    [[ ${2:-} == restarted ]] && ok='Userspace log server not found|Request timed out: .* - retrying'
    since=$(dmesg_since "$1")
    grep -A2 -E 'WARNING:' <<<"$since" | sed 's/^/# kernel: /'
    bad=$(grep -Ei 'device-mapper|dm-[a-z]|raid1|I/O error|blk_update_request|Buffer I/O' <<<"$since" |
        grep -Ei 'error|fail|insufficient|dead|timed out|not found' |
        grep -Ev "$ok") || true
    [[ -z $bad ]] && return 0
    printf 'kernel reported errors:\n%s\n' "$bad"
    return 1
}

_mirror_more_lines() { (($(grep -c "$1" "$DMLOGD_LOG") > $2)); } # REGEX COUNT

# ---- host side -------------------------------------------------------------------
MIRROR_DMLOGCTL=${DMLOG_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}/tools/dmlogctl/dmlogctl

declare -A MIRROR_DMLOGD_CMD

mirror_dmlogd_start() { # K: start dmlogd on node K (its own command) and wait for its socket
    # $self: the scenario, which dispatches the guest phases to mirror_phase
    # shellcheck disable=SC2154
    MIRROR_DMLOGD_CMD[$1]=$(cluster_cmd "$1" "$self" dmlogd) || return 1
    cluster_run "$1" 40 "$self" dmlogd-ready
}

mirror_dmlogd_wait() { # K [TIMEOUT=30]: dmlogd's exit status on node K (124: still running)
    cluster_wait "$1" "${MIRROR_DMLOGD_CMD[$1]}" "${2:-30}"
}

mirror_log() { printf '%s/node%s/dmlogd.log\n' "$CLUSTER_DIR" "$1"; } # K: its dmlogd.log on the host
mirror_log_mark() { wc -l <"$(mirror_log "$1")"; }                    # K: lines so far

mirror_log_since() { # K MARK: node K's dmlogd.log after line MARK
    tail -n +"$(($2 + 1))" "$(mirror_log "$1")"
}

mirror_wait_log() { # TIMEOUT REGEX K:MARK...: poll (0.1 s) until one node's log after its mark matches
    local timeout=$1 re=$2 deadline km
    shift 2
    deadline=$(($(date +%s) + timeout))
    while (($(date +%s) < deadline)); do
        for km in "$@"; do
            mirror_log_since "${km%%:*}" "${km#*:}" | grep -qE "$re" && return 0
        done
        sleep 0.1
    done
    return 1
}

mirror_resynced() { # K MARK: the regions node K's kernel reported copied since MARK, one per line
    mirror_log_since "$1" "$2" | sed -nE 's/.*: region ([0-9]+) set in sync$/\1/p'
}

mirror_slot_of() { # IMG NODE_ID: the ACTIVE slot of that node in the log image's dump
    "$MIRROR_DMLOGCTL" dump --json "$1" |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
s = [x["slot"] for x in d["slots"] if x["state"] == "ACTIVE" and x["node_id"] == int(sys.argv[1])]
print(s[0] if len(s) == 1 else "")' "$2"
}

mirror_slot_state() { # IMG SLOT: FREE, ACTIVE, ... of that slot
    "$MIRROR_DMLOGCTL" dump --json "$1" |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
print([x["state"] for x in d["slots"] if x["slot"] == int(sys.argv[1])][0])' "$2"
}

mirror_bitmap_regions() { # IMG SLOT|oos: regions whose bit is set, one per line (doc/format.md 2, 4.1)
    "$MIRROR_DMLOGCTL" dump --json "$1" |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
g = d["geometry"]
R, bpb, bits = g["region_count"], g["blocks_per_bitmap"], g["bits_per_block"]
off = g["oos_offset"] if sys.argv[2] == "oos" else g["slot_bitmap_offset"] + int(sys.argv[2]) * bpb * 4096
with open(sys.argv[1], "rb") as f:
    for i in range(bpb):
        f.seek(off + i * 4096 + 64)
        payload = f.read(4032)
        for k in range(min(bits, R - i * bits)):
            if payload[k // 8] >> (k % 8) & 1:
                print(i * bits + k)' "$1" "$2"
}

mirror_writer_n() { # K SEQ: writes done so far by a mirror-writer.py command
    cluster_output "$1" "$2" | sed -nE 's/^(progress|done) n=([0-9]+).*/\2/p' | tail -n 1
}

mirror_wait_writer_n() { # K SEQ N [TIMEOUT=60]: until the writer has done at least N writes
    local deadline=$(($(date +%s) + ${4:-60})) n
    while (($(date +%s) < deadline)); do
        n=$(mirror_writer_n "$1" "$2")
        ((${n:-0} >= $3)) && return 0
        cluster_alive "$1" || return 1
        sleep 0.2
    done
    return 1
}

mirror_ops() { # "lock N convert N unlock N cancel N ..." on stdin -> the sum
    sed -nE 's/.*requests: lock ([0-9]+) convert ([0-9]+) unlock ([0-9]+) cancel ([0-9]+).*/\1 \2 \3 \4/p' |
        awk '{ print $1 + $2 + $3 + $4 }'
}

mirror_now() { date +%s.%N; }
mirror_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; } # START

mirror_until() { # TIMEOUT CMD [ARGS...]: poll CMD on the host every 0.2 s until it succeeds
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@"; do
        (($(date +%s) < deadline)) || return 1
        sleep 0.2
    done
}
