#!/bin/bash
# dmlog-vm: timeout=400
# dmlogd-suspend-reload.sh - suspend/resume and table reloads under I/O.
#
# One guest, one dmlogd:
#   disk  clustered-disk mirror, synced; a background writer keeps writing
#         (O_DIRECT, random places) while we suspend/resume three times and
#         reload the same table twice (old and new log instance coexist until
#         the resume). Every write must succeed, the mirror must stay in sync
#         with no resync (a "probe" written behind the mirror's back on leg 1
#         in a region nobody writes survives: a resync would have copied
#         over it), and after `dmsetup remove` the log device holds a valid
#         kernel disk log: MiRr, version 2, nr_regions, every region clean.
#   core  clustered-core + integrated_flush, the same suspend/resume/reload
#         under writes; a reloaded core log starts over (full resync), as the
#         kernel's own core log does.
# Both end with the legs compared byte for byte.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # 128 KiB -> 128 regions
NREG=$((SECTORS / REGION))
SIZE_KB=$((SIZE_MB * 1024))
PROBE_KB=$((SIZE_KB - 64)) # in the last region, which the writer never touches
WSPAN_KB=$((SIZE_KB - 256))

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
if ! check "dmlogd starts" dmlogd_start; then summary; exit 1; fi

instances_of() { # UUID: "constructed" lines minus "destroyed" lines in the log so far
    local c d
    c=$(grep -c "$1: clustered-[a-z]* log constructed" "$DMLOGD_LOG")
    d=$(grep -c "$1: log destroyed" "$DMLOGD_LOG")
    echo $((c - d))
}

instances_are() { [[ $(instances_of "$1") == "$2" ]]; } # UUID N

suspend_resume_reload() { # LABEL NAME TABLE UUID
    local label=$1 name=$2 table=$3 u=$4 i
    for i in 1 2 3; do
        check "$label: suspend #$i during writes" dmsetup suspend "$name"
        check "$label: device reports SUSPENDED" bash -c "dmsetup info $name | grep -q '^State:.*SUSPENDED'"
        sleep 0.5
        check "$label: resume #$i" dmsetup resume "$name"
        check "$label: writes progress after resume #$i" bg_writer_progress 3 60
    done
    for i in 1 2; do
        check "$label: reload #$i: load the same table (inactive)" dmsetup reload "$name" --table "$table"
        check_eq "$label: reload #$i: old and new log instances coexist in dmlogd" 2 "$(instances_of "$u")"
        check "$label: reload #$i: resume swaps the tables" dmsetup resume "$name"
        check "$label: reload #$i: old instance destroyed, one left" wait_until 10 instances_are "$u" 1
        check "$label: writes progress after reload #$i" bg_writer_progress 3 60
    done
}

# ---------------------------------------------------------------- disk
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "disk: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/exp
U=$(new_uuid)
logmm=$(dev_mm "$logdev")
T="0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $leg1 0 1 handle_errors"
if dev=$(dm_create ms "$T"); then
    pass "disk: create clustered-disk mirror"
    check "disk: initial resync completes" wait_sync ms 120
    dd if=/dev/urandom of=/tmp/probe bs=4k count=1 status=none
    dd if=/tmp/probe of="$leg1" bs=1k seek=$PROBE_KB oflag=direct status=none
    mark=$(dmesg_mark)
    bg_writer_start "$dev" /tmp/exp 0 $WSPAN_KB 11
    check "disk: background writer is writing" bg_writer_progress 5 60
    suspend_resume_reload disk ms "$T" "$U"
    check "disk: background writes all succeeded" bg_writer_stop
    note "disk: $(bg_writer_count) background writes"
    check "disk: no kernel error messages" no_io_errors_since "$mark"
    check "disk: status $NREG/$NREG, AA, clustered-disk log A" \
        status_matches ms " $NREG/$NREG 1 AA 3 clustered-disk $logmm A\$"
    check "disk: the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
    check "disk: no resync after suspends and reloads (probe on leg 1 intact)" \
        cmp <(dd if="$leg1" iflag=direct bs=1k skip=$PROBE_KB count=4 status=none) /tmp/probe
    # Undo the probe through the mirror (writes both legs).
    dd if=/tmp/exp of="$dev" bs=4k skip=$((PROBE_KB / 4)) seek=$((PROBE_KB / 4)) count=1 oflag=direct status=none
    check "disk: suspend again" dmsetup suspend ms
    h=$(klog_header "$logdev")
    check "disk: while suspended the log is still dmlogd's (no MiRr: $h)" test "${h%% *}" != 4d695272
    check "disk: resume" dmsetup resume ms
    check "disk: dmsetup remove" dmsetup remove ms
    check "disk: log handed back: valid kernel header (MiRr, v2, $NREG regions)" klog_valid_header "$logdev" $NREG
    check_eq "disk: log handed back: every region clean" "$(ones $NREG)" "$(klog_clean_bits "$logdev" $NREG)"
    check_eq "disk: dmlog superblock state CLEAN" 1 "$(dmlog_sb_state "$logdev")"
    check "disk: handed back exactly once" test "$(grep -c "$U: log destroyed, device handed back" "$DMLOGD_LOG")" = 1
    check "disk: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    check "disk: leg 0 holds exactly the expected data" same_content "$leg0" /tmp/exp
else
    fail "disk: create clustered-disk mirror" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/exp

# ---------------------------------------------------------------- core
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) ||
    { fail "core: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/exp
U=$(new_uuid)
T="0 $SECTORS mirror userspace 4 $U integrated_flush clustered-core $REGION 2 $leg0 0 $leg1 0 1 handle_errors"
if dev=$(dm_create mc "$T"); then
    pass "core: create clustered-core mirror with integrated_flush"
    check "core: initial resync completes" wait_sync mc 120
    mark=$(dmesg_mark)
    bg_writer_start "$dev" /tmp/exp 0 $SIZE_KB 12
    check "core: background writer is writing" bg_writer_progress 5 60
    suspend_resume_reload core mc "$T" "$U"
    check "core: background writes all succeeded" bg_writer_stop
    note "core: $(bg_writer_count) background writes"
    check "core: no kernel error messages" no_io_errors_since "$mark"
    check "core: resync after the reloads completes" wait_sync mc 120
    check "core: status $NREG/$NREG, AA, clustered-core" status_matches mc " $NREG/$NREG 1 AA 1 clustered-core\$"
    check "core: the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
    check "core: dmsetup remove" dmsetup remove mc
    check "core: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    check "core: leg 0 holds exactly the expected data" same_content "$leg0" /tmp/exp
else
    fail "core: create clustered-core mirror with integrated_flush" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm -f /tmp/exp

check_fails "dmlogd logged no error or warning" grep -E 'dmlogd: (critical|error|warning):' "$DMLOGD_LOG"
check "dmlogd stops cleanly (no live logs left)" dmlogd_stop
summary
