#!/bin/bash
# dmlog-vm: timeout=400
# dmlogd-basic.sh - dmlogd serving real mirrors (one guest boot).
#
# Five mirrors on loop devices, one after the other, all served by one dmlogd:
#   A  clustered-disk, 2 legs, default sync, legs differ; leg 1 behind a
#      suspended dm-linear so the resync is held at 0/N until we let it go
#   B  clustered-disk + integrated_flush, 3 legs, default sync, legs differ
#   C  clustered-core, 2 legs, nosync, legs start equal
#   D  clustered-core + integrated_flush, 3 legs, default sync, legs differ
#   E  clustered-disk + integrated_flush, 2 legs, nosync, legs start equal
# Each: exact `dmsetup status` / `dmsetup table` strings, O_DIRECT writes
# (scattered, sequential, overwrites, writes across region boundaries, the
# last block) checked against an expected image, then the legs byte for byte.
# Disk logs: while served, the kernel's MiRr header at byte 0 is invalid and
# the dmlog superblock is at 512; after removal the device is handed back
# with a valid MiRr header and every region clean.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # sectors (128 KiB) -> 128 regions
NREG=$((SECTORS / REGION))
MIRR=4d695272

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
if ! check "dmlogd starts" dmlogd_start; then summary; exit 1; fi

wr() { # DEV EXPECTED OFF_KB LEN_KB [BS_KB]: random data, O_DIRECT to DEV, same to EXPECTED
    local dev=$1 exp=$2 off=$3 len=$4 bs=${5:-$4}
    dd if=/dev/urandom of=/tmp/chunk bs=1k count="$len" status=none &&
        dd if=/tmp/chunk of="$dev" bs=${bs}k seek=$((off / bs)) oflag=direct status=none &&
        dd if=/tmp/chunk of="$exp" bs=${bs}k seek=$((off / bs)) conv=notrunc status=none
}

do_writes() { # DEV EXPECTED: the write patterns (offsets in KiB; regions are 128 KiB)
    local d=$1 e=$2 off
    for off in 0 1000 5004 9000 13332; do # scattered 4 KiB blocks
        wr "$d" "$e" "$off" 4 || return 1
    done
    wr "$d" "$e" 2048 2048 64 || return 1 # sequential: 2 MiB as 32 x 64 KiB
    for off in 1 2 3; do                  # the same 32 KiB three times
        wr "$d" "$e" 12288 32 || return 1
    done
    wr "$d" "$e" 2496 256 || return 1           # 64 KiB before a boundary .. across 2 more
    wr "$d" "$e" 7040 1024 || return 1          # 1 MiB across 9 regions, unaligned start
    wr "$d" "$e" $((SIZE_MB * 1024 - 4)) 4 || return 1 # the last block
    wr "$d" "$e" $((SIZE_MB * 1024 - 132)) 8 || return 1 # across the last boundary
}

log_state_serving() { # LABEL LOGDEV: the device is dmlogd's while it serves
    local h
    h=$(klog_header "$2")
    if [[ ${h%% *} != "$MIRR" ]]; then
        pass "$1: MiRr header at byte 0 is not valid while served ($h)"
    else
        fail "$1: MiRr header at byte 0 is not valid while served" "header is $h"
    fi
    check_eq "$1: dmlog superblock magic at byte 512" "DMLOGSB" "$(dmlog_sb_magic "$2")"
    check_eq "$1: dmlog superblock state ACTIVE" 2 "$(dmlog_sb_state "$2")"
}

log_state_handed_back() { # LABEL LOGDEV: after a clean removal
    check "$1: valid kernel header after removal (MiRr, v2, $NREG regions)" klog_valid_header "$2" "$NREG"
    check_eq "$1: kernel clean bitmap: all $NREG regions clean" "$(ones $NREG)" "$(klog_clean_bits "$2" $NREG)"
    check_eq "$1: dmlog superblock state CLEAN" 1 "$(dmlog_sb_state "$2")"
}

finish() { # LABEL NAME EXPECTED LEG...: writes already done; remove and compare
    local label=$1 name=$2 exp=$3
    shift 3
    check "$label: still in sync after the writes" wait_sync "$name" 60
    check "$label: dmsetup remove" dmsetup remove "$name"
    check "$label: legs equal byte for byte" legs_equal "$@"
    check "$label: leg 0 holds exactly the expected data" same_content "$1" "$exp"
}

# ---- A: clustered-disk, 2 legs, default sync, resync held then released
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "A: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/expA
l1=$(dm_create A_l1 "0 $SECTORS linear $leg1 0") || fail "A: dm-linear over leg 1" "dmsetup create failed"
check "A: suspend leg 1's dm-linear (resync writes will wait)" dmsetup suspend A_l1
U=$(new_uuid)
mm0=$(dev_mm "$leg0") mml1=$(dev_mm "$l1") logmm=$(dev_mm "$logdev")
if dev=$(dm_create mA "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $l1 0 1 handle_errors"); then
    pass "A: create 2-leg clustered-disk mirror (default sync)"
    check "A: status while the resync is held: exactly 0/$NREG, AA, clustered-disk log A" \
        status_matches mA "^0 $SECTORS mirror 2 $mm0 $mml1 0/$NREG 1 AA 3 clustered-disk $logmm A\$"
    check_eq "A: table" "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $mm0 0 $mml1 0 1 handle_errors" \
        "$(dmsetup table mA)"
    log_state_serving A "$logdev"
    check "A: resume leg 1's dm-linear" dmsetup resume A_l1
    check "A: resync completes" wait_sync mA 120
    check "A: status $NREG/$NREG after the resync" \
        status_matches mA "^0 $SECTORS mirror 2 $mm0 $mml1 $NREG/$NREG 1 AA 3 clustered-disk $logmm A\$"
    check "A: O_DIRECT writes through the mirror" do_writes "$dev" /tmp/expA
    check "A: the mirror reads back exactly the expected data" same_content "$dev" /tmp/expA
    log_state_serving "A after writes" "$logdev"
    finish A mA /tmp/expA "$leg0" "$leg1"
    log_state_handed_back A "$logdev"
else
    fail "A: create 2-leg clustered-disk mirror (default sync)" "dmsetup create failed"
    dmsetup resume A_l1
fi
dmsetup remove A_l1
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/expA

# ---- B: clustered-disk + integrated_flush, 3 legs, default sync
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && leg2=$(mk_loop $SIZE_MB random) &&
    logdev=$(mk_loop 1 zero) || { fail "B: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/expB
U=$(new_uuid)
mm0=$(dev_mm "$leg0") mm1=$(dev_mm "$leg1") mm2=$(dev_mm "$leg2") logmm=$(dev_mm "$logdev")
# The log device given as a path this time: the table keeps it as given.
if dev=$(dm_create mB "0 $SECTORS mirror userspace 5 $U integrated_flush clustered-disk $logdev $REGION 3 $leg0 0 $leg1 0 $leg2 0 1 handle_errors"); then
    pass "B: create 3-leg clustered-disk mirror with integrated_flush"
    check_eq "B: table" "0 $SECTORS mirror userspace 5 $U integrated_flush clustered-disk $logdev $REGION 3 $mm0 0 $mm1 0 $mm2 0 1 handle_errors" \
        "$(dmsetup table mB)"
    check "B: resync completes" wait_sync mB 120
    check "B: status $NREG/$NREG, AAA, clustered-disk log A" \
        status_matches mB "^0 $SECTORS mirror 3 $mm0 $mm1 $mm2 $NREG/$NREG 1 AAA 3 clustered-disk $logmm A\$"
    log_state_serving B "$logdev"
    check "B: O_DIRECT writes through the mirror" do_writes "$dev" /tmp/expB
    check "B: the mirror reads back exactly the expected data" same_content "$dev" /tmp/expB
    finish B mB /tmp/expB "$leg0" "$leg1" "$leg2"
    log_state_handed_back B "$logdev"
else
    fail "B: create 3-leg clustered-disk mirror with integrated_flush" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$leg2"; rm_loop "$logdev"; rm -f /tmp/expB

# ---- C: clustered-core, 2 legs, nosync over equal legs
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) ||
    { fail "C: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" of="$leg1" bs=1M oflag=direct status=none
dd if="$leg0" bs=1M status=none >/tmp/expC
U=$(new_uuid)
mm0=$(dev_mm "$leg0") mm1=$(dev_mm "$leg1")
if dev=$(dm_create mC "0 $SECTORS mirror userspace 4 $U clustered-core $REGION nosync 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "C: create 2-leg clustered-core mirror (nosync)"
    check "C: status $NREG/$NREG at once, AA, log INFO '1 clustered-core'" \
        status_matches mC "^0 $SECTORS mirror 2 $mm0 $mm1 $NREG/$NREG 1 AA 1 clustered-core\$"
    check_eq "C: table" "0 $SECTORS mirror userspace 4 $U clustered-core $REGION nosync 2 $mm0 0 $mm1 0 1 handle_errors" \
        "$(dmsetup table mC)"
    check "C: O_DIRECT writes through the mirror" do_writes "$dev" /tmp/expC
    check "C: the mirror reads back exactly the expected data" same_content "$dev" /tmp/expC
    finish C mC /tmp/expC "$leg0" "$leg1"
else
    fail "C: create 2-leg clustered-core mirror (nosync)" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm -f /tmp/expC

# ---- D: clustered-core + integrated_flush, 3 legs, default sync
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && leg2=$(mk_loop $SIZE_MB zero) ||
    { fail "D: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/expD
U=$(new_uuid)
mm0=$(dev_mm "$leg0") mm1=$(dev_mm "$leg1") mm2=$(dev_mm "$leg2")
if dev=$(dm_create mD "0 $SECTORS mirror userspace 4 $U integrated_flush clustered-core $REGION 3 $leg0 0 $leg1 0 $leg2 0 1 handle_errors"); then
    pass "D: create 3-leg clustered-core mirror with integrated_flush"
    check_eq "D: table" "0 $SECTORS mirror userspace 4 $U integrated_flush clustered-core $REGION 3 $mm0 0 $mm1 0 $mm2 0 1 handle_errors" \
        "$(dmsetup table mD)"
    check "D: resync completes" wait_sync mD 120
    check "D: status $NREG/$NREG, AAA, log INFO '1 clustered-core'" \
        status_matches mD "^0 $SECTORS mirror 3 $mm0 $mm1 $mm2 $NREG/$NREG 1 AAA 1 clustered-core\$"
    check "D: O_DIRECT writes through the mirror" do_writes "$dev" /tmp/expD
    check "D: the mirror reads back exactly the expected data" same_content "$dev" /tmp/expD
    finish D mD /tmp/expD "$leg0" "$leg1" "$leg2"
else
    fail "D: create 3-leg clustered-core mirror with integrated_flush" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$leg2"; rm -f /tmp/expD

# ---- E: clustered-disk + integrated_flush, 2 legs, nosync over equal legs
leg0=$(mk_loop $SIZE_MB zero) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "E: loop devices" "mk_loop failed"; summary; exit 1; }
truncate -s ${SIZE_MB}M /tmp/expE
U=$(new_uuid)
mm0=$(dev_mm "$leg0") mm1=$(dev_mm "$leg1") logmm=$(dev_mm "$logdev")
if dev=$(dm_create mE "0 $SECTORS mirror userspace 6 $U integrated_flush clustered-disk $logmm $REGION nosync 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "E: create 2-leg clustered-disk mirror with integrated_flush (nosync)"
    check "E: status $NREG/$NREG at once, AA, clustered-disk log A" \
        status_matches mE "^0 $SECTORS mirror 2 $mm0 $mm1 $NREG/$NREG 1 AA 3 clustered-disk $logmm A\$"
    check_eq "E: table" "0 $SECTORS mirror userspace 6 $U integrated_flush clustered-disk $logmm $REGION nosync 2 $mm0 0 $mm1 0 1 handle_errors" \
        "$(dmsetup table mE)"
    log_state_serving E "$logdev"
    check "E: O_DIRECT writes through the mirror" do_writes "$dev" /tmp/expE
    check "E: the mirror reads back exactly the expected data" same_content "$dev" /tmp/expE
    finish E mE /tmp/expE "$leg0" "$leg1"
    log_state_handed_back E "$logdev"
else
    fail "E: create 2-leg clustered-disk mirror with integrated_flush (nosync)" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/expE

check_fails "dmlogd logged no error or warning" grep -E 'dmlogd: (critical|error|warning):' "$DMLOGD_LOG"
check "dmlogd stops cleanly (no live logs left)" dmlogd_stop
summary
