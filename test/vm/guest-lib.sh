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

# ---------------------------------------------------------------- dmlogd scenarios
# Helpers shared by the dmlogd-*.sh scenarios (all guest side).

new_uuid() { cat /proc/sys/kernel/random/uuid; }

dev_mm() { # DEV: print "major:minor" of a block device
    local t
    t=$(stat -L -c '%t %T' "$1") || return 1
    set -- $t
    printf '%d:%d\n' "0x$1" "0x$2"
}

ones() { # N: print N '1' characters (an all-clean bitmap string)
    local s='' i
    for ((i = 0; i < $1; i++)); do s+=1; done
    printf '%s\n' "$s"
}

popcount() { # BITSTRING: number of '1' characters
    local s=${1//0/}
    printf '%d\n' "${#s}"
}

status_matches() { # NAME REGEX: `dmsetup status NAME` matches the extended REGEX
    local s
    s=$(dmsetup status "$1") || return 1
    [[ $s =~ $2 ]] && return 0
    printf 'status of %s: "%s" (wanted /%s/)\n' "$1" "$s" "$2" >&2
    return 1
}

wait_until() { # TIMEOUT CMD [ARGS...]: poll CMD every 0.2 s until it succeeds
    # (CMD runs again each time, but its arguments were expanded once: put
    # "$(...)" or "<(...)" inside a function, not in the arguments)
    local timeout=$1 deadline
    shift
    deadline=$((SECONDS + timeout))
    until "$@" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            printf 'wait_until: "%s" still failing after %ss\n' "$*" "$timeout" >&2
            return 1
        fi
        sleep 0.2
    done
}

# The kernel "disk" log area (dm-log.c; doc/format.md section 3): header at 0,
# clean bitmap at 1024; the dmlog superblock at 512.
klog_header() { # DEV: print "<magic hex> <version> <nr_regions>" of the header at byte 0
    local w
    w=$(dd if="$1" iflag=direct bs=4096 count=1 status=none | od -An -v -tu4 -N16) || return 1
    set -- $w
    printf '%08x %u %u\n' "$1" "$2" "$(($3 + ($4 << 32)))"
}

run_guest_on_blank_disks() { # SCRIPT TAG NDISKS DISK_MB TIMEOUT: host half of a
    # host-mode scenario whose guest needs only blank disks: make them, boot
    # SCRIPT with "guest" on them, re-report its lines, remove the disks
    local script=$1 tag=$2 ndisks=$3 mb=$4 tmo=$5 work i rc=0
    local run_guest=${DMLOG_RUN_GUEST:-$(dirname "${BASH_SOURCE[0]}")/run-guest.sh}
    local -a disks=()
    work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-$tag.XXXXXX")}
    mkdir -p "$work"
    for ((i = 0; i < ndisks; i++)); do
        rm -f "$work/d$i.img"
        truncate -s "${mb}M" "$work/d$i.img"
        disks+=(--disk "$work/d$i.img")
    done
    "$run_guest" "${disks[@]}" --timeout "$tmo" --results "$work/guest" \
        "$script" guest || rc=$?
    relay_results guest "$work/guest/output.log"
    check_eq "guest exited 0" 0 "$rc"
    rm -f "$work"/d*.img
}

klog_valid_header() { # DEV NREGIONS: a valid kernel disk-log header (MiRr, version 2, NREGIONS)
    local h
    h=$(klog_header "$1") || return 1
    [[ $h == "4d695272 2 $2" ]] && return 0
    printf 'klog_valid_header: %s has header "%s", wanted "4d695272 2 %s"\n' "$1" "$h" "$2" >&2
    return 1
}

klog_clean_bits() { # DEV NREGIONS: print the kernel clean bitmap as 0/1 characters, region 0 first
    local bytes b i n=$2 out=''
    bytes=$(dd if="$1" iflag=direct bs=4096 count=$(((1024 + (n + 7) / 8 + 4095) / 4096)) status=none |
        od -An -v -tu1 -j1024 -N$(((n + 7) / 8))) || return 1
    for b in $bytes; do
        for ((i = 0; i < 8 && ${#out} < n; i++)); do out+=$(((b >> i) & 1)); done
    done
    printf '%s\n' "$out"
}

dmlog_sb_magic() { # DEV: print the 8-byte magic at byte 512 ("DMLOGSB" when dmlog formatted it)
    dd if="$1" iflag=direct bs=4096 count=1 status=none | od -An -v -c -j512 -N7 | tr -d ' \n'
    echo
}

dmlog_sb_state() { # DEV: the dmlog superblock state (1 CLEAN, 2 ACTIVE)
    dd if="$1" iflag=direct bs=4096 count=1 status=none | od -An -v -tu4 -j528 -N4 | tr -d ' \n'
    echo
}

dmlogd_port() { # print the netlink port id the running dmlogd announced in $DMLOGD_LOG
    sed -n 's/.*kernel transport: listening on netlink connector .*, port id \([0-9]*\).*/\1/p' "$DMLOGD_LOG" | tail -n 1
}

dmesg_mark() { dmesg | wc -l; } # print a mark for dmesg_since
dmesg_since() { dmesg | tail -n +"$(($1 + 1))"; } # MARK: kernel messages after the mark

no_io_errors_since() { # MARK: no error/failure message in dmesg since MARK
    # (dm-log-userspace's "Userspace log server not found." is the expected
    # sign of a daemon restart, not an error the mirror sees.)
    local bad
    bad=$(dmesg_since "$1" | grep -Ei 'error|fail|dead|insufficient' | grep -v 'Userspace log server not found') || true
    [[ -z $bad ]] && return 0
    printf 'kernel reported errors:\n%s\n' "$bad" >&2
    return 1
}

# Background writer: O_DIRECT writes of random data (4..64 KiB, 4 KiB aligned)
# at random places in [FIRST_KB, FIRST_KB + SPAN_KB) of DEV, each also applied
# to the EXPECTED file (same offsets), until bg_writer_stop. Every dd's status
# goes to $BGW_DIR/log ("<n> <rc>"), so a test can check that none failed
# and that writes progress.
BGW_DIR=/tmp/bgwriter
BGW_PID=''
bg_writer_start() { # DEV EXPECTED FIRST_KB SPAN_KB [SEED]
    local dev=$1 exp=$2 first=$3 span=$4 seed=${5:-1}
    mkdir -p "$BGW_DIR" && rm -f "$BGW_DIR"/{log,stop,chunk}
    : >"$BGW_DIR/log"
    (
        RANDOM=$seed
        n=0
        while [[ ! -e $BGW_DIR/stop ]]; do
            kb=$((4 * (1 + RANDOM % 16)))
            off=$((first + 4 * (RANDOM % ((span - kb) / 4 + 1))))
            dd if=/dev/urandom of="$BGW_DIR/chunk" bs=${kb}k count=1 status=none
            rc=0
            # one write of kb KiB (seek in bytes)
            dd if="$BGW_DIR/chunk" of="$dev" bs=${kb}k seek=$((off * 1024)) oflag=direct,seek_bytes conv=notrunc status=none || rc=$?
            dd if="$BGW_DIR/chunk" of="$exp" bs=${kb}k seek=$((off * 1024)) oflag=seek_bytes conv=notrunc status=none
            n=$((n + 1))
            echo "$n $rc" >>"$BGW_DIR/log"
        done
    ) </dev/null >>"$BGW_DIR/out" 2>&1 &
    BGW_PID=$!
}
bg_writer_count() { wc -l <"$BGW_DIR/log"; } # writes completed so far
bg_writer_progress() { # N TIMEOUT: wait until N more writes completed
    local want
    want=$(($(bg_writer_count) + $1))
    wait_until "$2" bg_writer_reached "$want"
}
bg_writer_reached() { (($(bg_writer_count) >= $1)); }
bg_writer_stop() { # stop it; returns non-zero if any write failed (prints them)
    local bad
    [[ -n $BGW_PID ]] || return 1
    touch "$BGW_DIR/stop"
    wait "$BGW_PID"
    BGW_PID=''
    bad=$(awk '$2 != 0' "$BGW_DIR/log")
    [[ -z $bad ]] && return 0
    printf 'bg_writer: failed writes (n rc):\n%s\n' "$bad" >&2
    tail -n 5 "$BGW_DIR/out" >&2
    return 1
}

range_is() { # DEV OFF_KB FILE: DEV holds FILE's bytes at OFF_KB KiB (O_DIRECT read; FILE a multiple of 1 KiB)
    local n
    n=$(stat -c %s "$3") || return 1
    cmp <(dd if="$1" iflag=direct bs=1k skip="$2" count=$((n / 1024)) status=none) "$3" >&2
}

same_content() { # DEV FILE: DEV (read with O_DIRECT) holds exactly FILE's bytes
    cmp <(dd if="$1" iflag=direct bs=1M status=none) "$2" >&2
}
