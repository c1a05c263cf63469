# shellcheck shell=bash
# guest-lib.sh - helpers for scripts run inside the test guest by run-guest.sh.
#
# Source it from a scenario:  . "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"
# Sourcing only defines functions and defaults, so host-side scripts may source
# it too (for pass/fail/check/summary). Scenarios should use `set -uo pipefail`
# but not `set -e`: a failed check must not stop the script before `summary`.
#
# Environment (set by run-guest.sh through /results/guest.env):
#   DMLOG_RESULTS   writable directory shared with the host (/results)
#   DMLOG_BUILD     build tree (same absolute path as on the host)
#   DMLOG_DMLOGD    the daemon binary ($DMLOG_BUILD/daemons/dmlogd/dmlogd)
#   DMLOG_VM_DIR    test/vm directory;  DMLOG_NDISKS  number of --disk images

: "${DMLOG_RESULTS:=/results}"
DMLOG_PASSED=0
DMLOG_FAILED=0

# libdevmapper: no udev in the guest, let dmsetup create /dev/mapper nodes itself
# (and never wait for udev cookies).
export DM_DISABLE_UDEV=1

# ---------------------------------------------------------------- reporting
note() { printf '# %s\n' "$*"; }

pass() { # NAME
    printf 'PASS: %s\n' "$1"
    DMLOG_PASSED=$((DMLOG_PASSED + 1))
    return 0
}

fail() { # NAME REASON...
    local name=$1
    shift
    printf 'FAIL: %s: %s\n' "$name" "${*:-failed}"
    DMLOG_FAILED=$((DMLOG_FAILED + 1))
    return 0
}

check() { # NAME CMD [ARGS...]: PASS if CMD succeeds; returns CMD's status
    local name=$1 rc=0
    shift
    "$@" || rc=$?
    if ((rc == 0)); then
        pass "$name"
    else
        fail "$name" "'$*' exited with status $rc"
    fi
    return "$rc"
}

check_fails() { # NAME CMD [ARGS...]: PASS if CMD fails (negative checks)
    local name=$1 rc=0
    shift
    "$@" || rc=$?
    if ((rc != 0)); then
        pass "$name"
        return 0
    fi
    fail "$name" "'$*' succeeded but was expected to fail"
    return 1
}

check_eq() { # NAME EXPECTED ACTUAL
    if [[ $2 == "$3" ]]; then
        pass "$1"
        return 0
    fi
    fail "$1" "expected '$2', got '$3'"
    return 1
}

relay_results() { # PREFIX FILE: re-report a guest's PASS/FAIL lines (host-mode scenarios)
    local prefix=$1 file=$2 line n=0
    [[ -f $file ]] || { fail "$prefix" "no output file $file"; return 1; }
    while IFS= read -r line; do
        line=${line%$'\r'}
        case $line in
        PASS:\ *) pass "$prefix: ${line#PASS: }"; n=$((n + 1)) ;;
        FAIL:\ *) fail "$prefix: ${line#FAIL: }"; n=$((n + 1)) ;;
        esac
    done <"$file"
    ((n > 0)) || { fail "$prefix" "no PASS/FAIL line in $file"; return 1; }
    return 0
}

summary() { # prints exactly one line "N passed, N failed"; non-zero if any failed
    if ((DMLOG_PASSED + DMLOG_FAILED == 0)); then
        fail "summary" "no check ran"
    fi
    printf '%d passed, %d failed\n' "$DMLOG_PASSED" "$DMLOG_FAILED"
    ((DMLOG_FAILED == 0))
}

# ---------------------------------------------------------------- modules
load_dm_modules() { # dm + mirror + userspace log + loop (modprobe others yourself)
    local m rc=0
    for m in dm-mod dm-log dm-region-hash dm-mirror dm-log-userspace loop; do
        if ! modprobe "$m"; then
            printf 'load_dm_modules: modprobe %s failed\n' "$m" >&2
            rc=1
        fi
    done
    if [[ ! -c /dev/mapper/control ]]; then
        printf 'load_dm_modules: /dev/mapper/control missing\n' >&2
        rc=1
    fi
    return "$rc"
}

# ---------------------------------------------------------------- block devices
mk_loop() { # SIZE_MB [zero|random]: new file in /tmp on a loop device; prints /dev/loopN
    local size=$1 fill=${2:-zero} f dev
    [[ $size =~ ^[0-9]+$ ]] || { printf 'mk_loop: bad size %s\n' "$size" >&2; return 1; }
    f=$(mktemp /tmp/dmlog-loop.XXXXXX) || return 1
    case $fill in
    zero) truncate -s "${size}M" "$f" || return 1 ;;
    random) dd if=/dev/urandom of="$f" bs=1M count="$size" status=none || return 1 ;;
    *) printf 'mk_loop: unknown fill %s\n' "$fill" >&2; return 1 ;;
    esac
    dev=$(losetup --find --show "$f") || { printf 'mk_loop: losetup failed for %s\n' "$f" >&2; return 1; }
    printf '%s\n' "$dev"
}

rm_loop() { # DEV: detach and delete the backing file
    local f
    f=$(losetup --noheadings -O BACK-FILE "$1" 2>/dev/null) || true
    losetup -d "$1" || return 1
    [[ -n $f && $f == /tmp/dmlog-loop.* ]] && rm -f "$f"
    return 0
}

dev_sectors() { # DEV: size in 512-byte sectors
    blockdev --getsz "$1"
}

dm_dev() { # NAME: print the block device node of dm device NAME
    local minor
    dmsetup mknodes "$1" >/dev/null 2>&1 || true
    if [[ -b /dev/mapper/$1 ]]; then
        printf '/dev/mapper/%s\n' "$1"
        return 0
    fi
    # A regular file there (e.g. left by dd before the node existed) would turn
    # O_DIRECT I/O into EINVAL and every write into a tmpfs write: refuse it.
    if [[ -e /dev/mapper/$1 ]]; then
        printf 'dm_dev: /dev/mapper/%s exists but is not a block device\n' "$1" >&2
        return 1
    fi
    minor=$(dmsetup info -c --noheadings -o minor "$1" 2>/dev/null) || minor=''
    minor=${minor//[[:space:]]/}
    if [[ -n $minor && -b /dev/dm-$minor ]]; then
        printf '/dev/dm-%s\n' "$minor"
        return 0
    fi
    printf 'dm_dev: no block device node for %s\n' "$1" >&2
    return 1
}

dm_create() { # NAME TABLE: dmsetup create, then print the device node
    dmsetup create "$1" --table "$2" || return 1
    dm_dev "$1"
}

sync_ratio() { # NAME: print the mirror's "<in sync>/<regions>" status field
    local f
    for f in $(dmsetup status "$1"); do
        if [[ $f =~ ^[0-9]+/[0-9]+$ ]]; then
            printf '%s\n' "$f"
            return 0
        fi
    done
    printf 'sync_ratio: no n/m field in status of %s\n' "$1" >&2
    return 1
}

wait_sync() { # NAME [TIMEOUT_SECONDS=60]: wait until the mirror reports n/n in sync
    local name=$1 timeout=${2:-60} r deadline
    deadline=$((SECONDS + timeout))
    while :; do
        r=$(sync_ratio "$name") || return 1
        [[ ${r%/*} == "${r#*/}" ]] && return 0
        if ((SECONDS >= deadline)); then
            printf 'wait_sync: %s not in sync after %ss: %s\n' "$name" "$timeout" "$(dmsetup status "$name")" >&2
            return 1
        fi
        sleep 0.5
    done
}

legs_equal() { # [-n BYTES] DEV1 DEV2 [DEV3...]: byte-for-byte, read with O_DIRECT
    local limit=() a b rc=0
    if [[ ${1:-} == -n ]]; then
        limit=(-n "$2")
        shift 2
    fi
    (($# >= 2)) || { printf 'legs_equal: need at least two devices\n' >&2; return 2; }
    a=$1
    shift
    # O_DIRECT reads: the legs' page cache may be stale, since the mirror writes
    # below it (bios to the leg devices), never through it.
    for b in "$@"; do
        if ! cmp "${limit[@]}" <(dd if="$a" iflag=direct bs=1M status=none) \
            <(dd if="$b" iflag=direct bs=1M status=none) >&2; then
            printf 'legs_equal: %s and %s differ\n' "$a" "$b" >&2
            rc=1
        fi
    done
    return "$rc"
}

# ---------------------------------------------------------------- dmlogd
# Adjust through these variables (before calling dmlogd_start):
: "${DMLOGD_BIN:=${DMLOG_DMLOGD:-${DMLOG_BUILD:-.}/daemons/dmlogd/dmlogd}}"
: "${DMLOGD_SOCKET:=/run/dmlogd/dmlogd.sock}"
: "${DMLOGD_PIDFILE:=/run/dmlogd/dmlogd.pid}"
: "${DMLOGD_CONFIG:=}"                       # empty: no -c
: "${DMLOGD_LOG:=$DMLOG_RESULTS/dmlogd.log}" # the daemon's stderr (appended)
: "${DMLOGD_START_TIMEOUT:=10}"              # seconds to wait for the socket
DMLOGD_PID=''

dmlogd_start() { # [EXTRA_ARGS...]: run dmlogd -f in the background, wait for its socket
    local args i
    if [[ -n $DMLOGD_PID ]] && kill -0 "$DMLOGD_PID" 2>/dev/null; then
        printf 'dmlogd_start: already running (pid %s)\n' "$DMLOGD_PID" >&2
        return 1
    fi
    [[ -x $DMLOGD_BIN ]] || { printf 'dmlogd_start: %s not found or not executable (not built?)\n' "$DMLOGD_BIN" >&2; return 1; }
    mkdir -p "$(dirname "$DMLOGD_SOCKET")" "$(dirname "$DMLOGD_PIDFILE")" || return 1
    rm -f "$DMLOGD_SOCKET"
    args=(-f -p "$DMLOGD_PIDFILE" -s "$DMLOGD_SOCKET")
    [[ -n $DMLOGD_CONFIG ]] && args+=(-c "$DMLOGD_CONFIG")
    printf '=== %s dmlogd_start: %s %s\n' "$(date +%T.%N)" "$DMLOGD_BIN" "${args[*]} $*" >>"$DMLOGD_LOG"
    # stdin/stdout/stderr all redirected: the daemon must not hold the console pipe.
    "$DMLOGD_BIN" "${args[@]}" "$@" </dev/null >>"$DMLOGD_LOG" 2>&1 &
    DMLOGD_PID=$!
    for ((i = 0; i < DMLOGD_START_TIMEOUT * 10; i++)); do
        [[ -S $DMLOGD_SOCKET ]] && return 0
        if ! kill -0 "$DMLOGD_PID" 2>/dev/null; then
            wait "$DMLOGD_PID"
            printf 'dmlogd_start: dmlogd exited with status %s before creating %s; log tail:\n' "$?" "$DMLOGD_SOCKET" >&2
            tail -n 20 "$DMLOGD_LOG" >&2
            DMLOGD_PID=''
            return 1
        fi
        sleep 0.1
    done
    printf 'dmlogd_start: %s did not appear within %ss\n' "$DMLOGD_SOCKET" "$DMLOGD_START_TIMEOUT" >&2
    return 1
}

dmlogd_running() { [[ -n $DMLOGD_PID ]] && kill -0 "$DMLOGD_PID" 2>/dev/null; }

dmlogd_stop() { # [TIMEOUT=10]: SIGTERM, wait; returns dmlogd's exit status
    local timeout=${1:-10} i rc=0
    [[ -n $DMLOGD_PID ]] || { printf 'dmlogd_stop: not started\n' >&2; return 1; }
    kill -TERM "$DMLOGD_PID" 2>/dev/null
    for ((i = 0; i < timeout * 10; i++)); do
        kill -0 "$DMLOGD_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$DMLOGD_PID" 2>/dev/null; then
        printf 'dmlogd_stop: still running after %ss, sending SIGKILL\n' "$timeout" >&2
        kill -KILL "$DMLOGD_PID"
        wait "$DMLOGD_PID" 2>/dev/null
        DMLOGD_PID=''
        return 1
    fi
    wait "$DMLOGD_PID" || rc=$?
    printf '=== %s dmlogd_stop: exit status %s\n' "$(date +%T.%N)" "$rc" >>"$DMLOGD_LOG"
    DMLOGD_PID=''
    return "$rc"
}

dmlogd_kill() { # crash simulation: SIGKILL, no cleanup by the daemon
    [[ -n $DMLOGD_PID ]] || { printf 'dmlogd_kill: not started\n' >&2; return 1; }
    kill -KILL "$DMLOGD_PID" 2>/dev/null
    wait "$DMLOGD_PID" 2>/dev/null
    printf '=== %s dmlogd_kill: SIGKILL\n' "$(date +%T.%N)" >>"$DMLOGD_LOG"
    DMLOGD_PID=''
    return 0
}

# ---------------------------------------------------------------- power
power_cut() { # [EXIT_STATUS=0]: record the status, then reset the guest at once
    # No sync, no unmount, no daemon shutdown: like pulling the plug. Disks
    # attached with --disk keep whatever reached them (cache=none on the host).
    printf '%s\n' "${1:-0}" >"$DMLOG_RESULTS/exit-code.tmp" &&
        mv "$DMLOG_RESULTS/exit-code.tmp" "$DMLOG_RESULTS/exit-code"
    sleep 0.5 # let the console tee copy our last lines to output.log
    echo b >/proc/sysrq-trigger
    sleep 10
    printf 'power_cut: sysrq reset did not happen\n' >&2
    exit 125
}
