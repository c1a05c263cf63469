#!/bin/bash
# dmlog-vm: timeout=600
# dmlogd-kill9.sh - kill -9 of dmlogd with mirrors live, then restart.
#
# The kernel keeps the mirror. Its next request reaches no daemon (it retries
# every 2 s) or a new one that does not know the log and answers -ESRCH (the
# kernel re-sends CTR + RESUME, then the request); a request the dead daemon
# swallowed is re-sent after the kernel's 15 s timeout. So writes may pause
# for up to ~17 s, but none may fail, and the legs must end up equal.
#
#   sustained  clustered-disk under a background writer: killed twice
#              (restarted at once; after 4 s). Regions never written are not
#              resynced (a probe written behind the mirror's back on leg 1
#              survives).
#   inflight   clustered-disk, deterministic: dmlogd is stopped (SIGSTOP)
#              while the kernel's IN_SYNC for a write sits in its socket, then
#              killed and restarted: the kernel times out, re-sends, gets
#              -ESRCH, re-creates the log and retries the IN_SYNC. The write
#              must reach both legs.
#   dirty      clustered-disk, deterministic: a write is held in flight (leg 1
#              behind a suspended dm-linear) so its region is marked when
#              dmlogd is killed; after the restart the mirror must get back to
#              N/N and a later write to that region must reach both legs.
#   core       clustered-core under a background writer, killed once: a core
#              log comes back all out of sync, so a full resync must run (the
#              probe on leg 1 is overwritten) and complete.
# Each: every dd exits 0, no error in dmesg, legs AA, in sync, the data reads
# back as written, legs equal byte for byte.
#
# Two kernel details this exercises (doc/design.md section 5): dmlogd's
# -ESRCH answer carries the request's normal reply size (the kernel keeps it
# as the capacity of its retry), and a log re-created with regions out of
# sync gets its mirror suspended and resumed by dmlogd's worker (the
# kernel's re-CTR path does not reset its in_sync_hint).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=8
SECTORS=$((SIZE_MB * 2048))
REGION=256 # 128 KiB -> 64 regions
NREG=$((SECTORS / REGION))
SIZE_KB=$((SIZE_MB * 1024))
RKB=$((REGION / 2)) # region size in KiB
PROBE_KB=$((SIZE_KB - 64)) # in the last region, which the writers never touch
WSPAN_KB=$((SIZE_KB - 2 * RKB))
RESTART_TIMEOUT=90 # writes must resume within this (the kernel's 15 s + retries)

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
if ! check "dmlogd starts" dmlogd_start; then summary; exit 1; fi

recreated() { grep -c "$1: clustered-[a-z]* log constructed (.*re-created after restart" "$DMLOGD_LOG"; }

kill_and_restart() { # LABEL UUID DOWN_SECONDS: under the background writer
    local label=$1 u=$2 down=$3 t0 n0
    n0=$(recreated "$u")
    check "$label: writes in progress before the kill" bg_writer_progress 3 60
    check "$label: kill -9 dmlogd" dmlogd_kill
    sleep "$down"
    check "$label: dmlogd starts again" dmlogd_start
    t0=$SECONDS
    check "$label: writes resume (pause < ${RESTART_TIMEOUT}s)" bg_writer_progress 8 $RESTART_TIMEOUT
    note "$label: writes resumed $((SECONDS - t0)) s after the restart"
    check "$label: the kernel re-created the log in the new dmlogd" test "$(recreated "$u")" -gt "$n0"
}

nl_queued() { # PORT: the netlink socket with port id PORT has unread data (Rmem > 0)
    # /proc/net/netlink: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    awk -v p="$1" '$2 == 11 && $3 == p && $5 > 0 { ok = 1 } END { exit !ok }' /proc/net/netlink
}

kernel_notes() { # MARK: summarize dm-log-userspace's messages since MARK
    dmesg_since "$1" | grep 'dm-log-userspace' | sed 's/^\[[ 0-9.]*\] //; s/\[[0-9]*\/[0-9]*\]/[..]/' |
        sort | uniq -c | sed 's/^/#   /' | head -n 10
}

probe_put() { # LEG: random 4 KiB at PROBE_KB, straight onto the leg
    dd if=/dev/urandom of=/tmp/probe bs=4k count=1 status=none
    dd if=/tmp/probe of="$1" bs=1k seek=$PROBE_KB oflag=direct status=none
}
probe_intact() { range_is "$1" $PROBE_KB /tmp/probe; }

remove_and_compare() { # LABEL NAME EXPECTED LEG0 LEG1 [LOGDEV]
    local label=$1 name=$2 exp=$3 leg0=$4 leg1=$5 logdev=${6:-}
    check "$label: dmsetup remove" dmsetup remove "$name"
    if [[ -n $logdev ]]; then
        check "$label: log handed back: valid kernel header" klog_valid_header "$logdev" $NREG
        check_eq "$label: log handed back: every region clean" "$(ones $NREG)" "$(klog_clean_bits "$logdev" $NREG)"
    fi
    check "$label: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    check "$label: leg 0 holds exactly the expected data" same_content "$leg0" "$exp"
}

new_legs() { # LABEL: leg0 (random), leg1 (zero), logdev; /tmp/exp = leg0
    leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
        { fail "$1: loop devices" "mk_loop failed"; summary; exit 1; }
    dd if="$leg0" bs=1M status=none >/tmp/exp
    logmm=$(dev_mm "$logdev")
}
drop_legs() { rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/exp; }

# ---------------------------------------------------------------- sustained
new_legs sustained
U=$(new_uuid)
if dev=$(dm_create mk "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "sustained: create clustered-disk mirror"
    check "sustained: initial resync completes" wait_sync mk 120
    probe_put "$leg1"
    mark=$(dmesg_mark)
    bg_writer_start "$dev" /tmp/exp 0 $WSPAN_KB 21
    kill_and_restart "sustained kill 1" "$U" 0
    kill_and_restart "sustained kill 2" "$U" 4
    check "sustained: background writes all succeeded (every dd exited 0)" bg_writer_stop
    note "sustained: $(bg_writer_count) background writes; dm-log-userspace said:"
    kernel_notes "$mark"
    check "sustained: no kernel error messages" no_io_errors_since "$mark"
    check "sustained: both legs A, log A" status_matches mk " 1 AA 3 clustered-disk $logmm A\$"
    check "sustained: in sync" wait_sync mk 60
    check "sustained: the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
    check "sustained: no full resync (probe on leg 1, in a region never written, intact)" probe_intact "$leg1"
    dd if=/tmp/exp of="$dev" bs=4k skip=$((PROBE_KB / 4)) seek=$((PROBE_KB / 4)) count=1 oflag=direct status=none
    remove_and_compare sustained mk /tmp/exp "$leg0" "$leg1" "$logdev"
else
    fail "sustained: create clustered-disk mirror" "dmsetup create failed"
fi
drop_legs

# ---------------------------------------------------------------- inflight
new_legs inflight
U=$(new_uuid)
HOT=50
if dev=$(dm_create mi "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "inflight: create clustered-disk mirror"
    check "inflight: initial resync completes" wait_sync mi 120
    mark=$(dmesg_mark)
    n0=$(recreated "$U")
    check "inflight: SIGSTOP dmlogd" kill -STOP "$DMLOGD_PID"
    dd if=/dev/urandom of=/tmp/new bs=4k count=1 status=none
    dd if=/tmp/new of=/tmp/exp bs=1k seek=$((HOT * RKB)) conv=notrunc status=none
    (dd if=/tmp/new of="$dev" bs=4k seek=$((HOT * RKB / 4)) oflag=direct status=none; echo $? >/tmp/ddrc) &
    ddpid=$!
    check "inflight: the kernel's request is queued in the stopped daemon's socket" \
        wait_until 60 nl_queued "$(dmlogd_port)"
    check "inflight: the write waits for the log" kill -0 $ddpid
    check "inflight: kill -9 dmlogd (the queued request is lost)" dmlogd_kill
    check "inflight: dmlogd starts again" dmlogd_start
    check "inflight: the write completes (after the kernel's 15 s timeout)" wait_until $RESTART_TIMEOUT test -s /tmp/ddrc
    wait $ddpid
    check_eq "inflight: the write succeeded" 0 "$(cat /tmp/ddrc)"
    check "inflight: the kernel re-created the log in the new dmlogd" test "$(recreated "$U")" -gt "$n0"
    note "inflight: dm-log-userspace said:"
    kernel_notes "$mark"
    check "inflight: no kernel error messages" no_io_errors_since "$mark"
    check "inflight: in sync, both legs A" status_matches mi " $NREG/$NREG 1 AA 3 clustered-disk $logmm A\$"
    check "inflight: the write reached leg 1 too" range_is "$leg1" $((HOT * RKB)) /tmp/new
    remove_and_compare inflight mi /tmp/exp "$leg0" "$leg1" "$logdev"
else
    fail "inflight: create clustered-disk mirror" "dmsetup create failed"
fi
rm -f /tmp/ddrc
drop_legs

# ---------------------------------------------------------------- dirty
new_legs dirty
U=$(new_uuid)
HOT=30
l1=$(dm_create k_l1 "0 $SECTORS linear $leg1 0") || fail "dirty: dm-linear over leg 1" "dmsetup create failed"
if dev=$(dm_create md "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $l1 0 1 handle_errors"); then
    pass "dirty: create clustered-disk mirror (leg 1 through a dm-linear)"
    check "dirty: initial resync completes" wait_sync md 120
    mark=$(dmesg_mark)
    check "dirty: suspend leg 1's dm-linear" dmsetup suspend k_l1
    dd if=/dev/urandom of=/tmp/new bs=4k count=1 status=none
    dd if=/tmp/new of=/tmp/exp bs=1k seek=$((HOT * RKB)) conv=notrunc status=none
    (dd if=/tmp/new of="$dev" bs=4k seek=$((HOT * RKB / 4)) oflag=direct status=none; echo $? >/tmp/ddrc) &
    ddpid=$!
    check "dirty: the write reached leg 0 (region $HOT marked, write in flight)" \
        wait_until 30 range_is "$leg0" $((HOT * RKB)) /tmp/new
    check "dirty: kill -9 dmlogd" dmlogd_kill
    check "dirty: dmlogd starts again" dmlogd_start
    check "dirty: resume leg 1's dm-linear" dmsetup resume k_l1
    check "dirty: the held write completes" wait_until $RESTART_TIMEOUT test -s /tmp/ddrc
    wait $ddpid
    check_eq "dirty: the held write succeeded" 0 "$(cat /tmp/ddrc)"
    note "dirty: status after the restart: $(dmsetup status md)"
    check "dirty: the mirror gets back in sync" wait_sync md 90
    # A later write into the region that was dirty at the kill.
    dd if=/dev/urandom of=/tmp/new2 bs=4k count=1 status=none
    dd if=/tmp/new2 of=/tmp/exp bs=1k seek=$((HOT * RKB + 8)) conv=notrunc status=none
    check "dirty: a later write into region $HOT" \
        dd if=/tmp/new2 of="$dev" bs=4k seek=$((HOT * RKB / 4 + 2)) oflag=direct status=none
    check "dirty: in sync, both legs A" wait_sync md 60
    check "dirty: the later write reached leg 1 too" range_is "$leg1" $((HOT * RKB + 8)) /tmp/new2
    check "dirty: no kernel error messages" no_io_errors_since "$mark"
    check "dirty: the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
    remove_and_compare dirty md /tmp/exp "$leg0" "$leg1" "$logdev"
else
    fail "dirty: create clustered-disk mirror (leg 1 through a dm-linear)" "dmsetup create failed"
fi
dmsetup remove k_l1
rm -f /tmp/ddrc
drop_legs

# ---------------------------------------------------------------- core
new_legs core
U=$(new_uuid)
if dev=$(dm_create mkc "0 $SECTORS mirror userspace 3 $U clustered-core $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "core: create clustered-core mirror"
    check "core: initial resync completes" wait_sync mkc 120
    probe_put "$leg1"
    mark=$(dmesg_mark)
    bg_writer_start "$dev" /tmp/exp 0 $WSPAN_KB 22
    kill_and_restart "core kill" "$U" 1
    check "core: background writes all succeeded (every dd exited 0)" bg_writer_stop
    note "core: $(bg_writer_count) background writes"
    check "core: no kernel error messages" no_io_errors_since "$mark"
    check "core: both legs A" status_matches mkc " 1 AA 1 clustered-core\$"
    note "core: status after the restart: $(dmsetup status mkc)"
    check "core: full resync completes" wait_sync mkc 90
    check "core: the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
    check "core: full resync happened (probe on leg 1 overwritten with leg 0's data)" \
        cmp <(dd if="$leg1" iflag=direct bs=1k skip=$PROBE_KB count=4 status=none) \
        <(dd if=/tmp/exp bs=1k skip=$PROBE_KB count=4 status=none)
    remove_and_compare core mkc /tmp/exp "$leg0" "$leg1"
else
    fail "core: create clustered-core mirror" "dmsetup create failed"
fi
drop_legs

check "dmlogd stops cleanly (no live logs left)" dmlogd_stop
summary
