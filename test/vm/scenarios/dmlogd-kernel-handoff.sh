#!/bin/bash
# dmlog-vm: timeout=400
# dmlogd-kernel-handoff.sh - the same log device handed between the kernel's
# own "disk" log and dmlogd's clustered-disk log, in both directions.
#
#   clean    kernel disk log: full resync, clean removal -> dmlogd imports
#            the kernel's clean bitmap: N/N at once, no resync (a probe
#            written behind the mirror's back on leg 1 survives); writes;
#            clean removal hands the device back (valid MiRr, all clean) ->
#            the kernel's disk log again: N/N at once, the probe survives.
#   partial  kernel disk log stopped in the middle of its resync (leg 1
#            behind dm-delay so the resync is slow; removed after a few
#            regions): its bitmap has k of N regions clean. dmlogd must
#            import exactly that: status k/N (leg 1 behind a suspended
#            dm-linear so nothing moves), exactly those k regions are not
#            resynced (a probe in each survives), the other N-k are; then
#            back to the kernel's disk log: N/N at once.
# Both end with the legs compared byte for byte.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # 128 KiB -> 128 regions
NREG=$((SECTORS / REGION))
RKB=$((REGION / 2))
SIZE_KB=$((SIZE_MB * 1024))
MIRR=4d695272

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
modprobe dm-delay || fail "modprobe dm-delay" "failed"
# -d: the import is reported at level info
if ! check "dmlogd starts" dmlogd_start -d; then summary; exit 1; fi

synced_at_least() { # NAME N: at least N regions in sync
    local r
    r=$(sync_ratio "$1") || return 1
    ((${r%/*} >= $2))
}

kernel_table() { echo "0 $SECTORS mirror disk 2 $1 $REGION 2 $2 0 $3 0 1 handle_errors"; } # LOG LEG0 LEG1
dmlogd_table() { echo "0 $SECTORS mirror userspace 4 $1 clustered-disk $2 $REGION 2 $3 0 $4 0 1 handle_errors"; } # UUID LOG LEG0 LEG1

probe_put() { # LEG REGION: random 4 KiB at the start of REGION + 64 KiB, straight onto the leg
    dd if=/dev/urandom of="/tmp/probe.$2" bs=4k count=1 status=none
    dd if="/tmp/probe.$2" of="$1" bs=4k seek=$((($2 * RKB + 64) / 4)) oflag=direct status=none
}
probe_intact() { range_is "$1" $(($2 * RKB + 64)) "/tmp/probe.$2"; } # LEG REGION
probe_undo() { # MIRROR_DEV REGION EXPECTED: write the expected data back through the mirror
    dd if="$3" of="$1" bs=4k skip=$((($2 * RKB + 64) / 4)) seek=$((($2 * RKB + 64) / 4)) count=1 oflag=direct status=none
}
wr() { # DEV EXPECTED OFF_KB LEN_KB: random data, one O_DIRECT write, same into EXPECTED
    dd if=/dev/urandom of=/tmp/chunk bs=${4}k count=1 status=none &&
        dd if=/tmp/chunk of="$1" bs=${4}k seek=$(($3 * 1024)) oflag=direct,seek_bytes status=none &&
        dd if=/tmp/chunk of="$2" bs=${4}k seek=$(($3 * 1024)) oflag=seek_bytes conv=notrunc status=none
}
writes_clean() { # DEV: a few writes, one across region boundaries
    wr "$1" /tmp/exp 0 64 && wr "$1" /tmp/exp 1000 512 && wr "$1" /tmp/exp $((SIZE_KB - 64)) 64
}
served_by_dmlogd() { # LABEL LOGDEV
    local h
    h=$(klog_header "$2")
    check "$1: while dmlogd serves it, the MiRr header is not valid ($h)" test "${h%% *}" != $MIRR
    check_eq "$1: dmlog superblock at byte 512" DMLOGSB "$(dmlog_sb_magic "$2")"
}
handed_back() { # LABEL LOGDEV
    check "$1: valid kernel header (MiRr, v2, $NREG regions)" klog_valid_header "$2" $NREG
    check_eq "$1: kernel clean bitmap: every region clean" "$(ones $NREG)" "$(klog_clean_bits "$2" $NREG)"
}

# ---------------------------------------------------------------- clean
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "clean: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/exp
U=$(new_uuid)
P=100 # probe region, never written through the mirror
if dm_create hk "$(kernel_table "$logdev" "$leg0" "$leg1")" >/dev/null; then
    pass "clean: kernel disk log mirror created"
    check "clean: kernel resync completes" wait_sync hk 120
    check "clean: kernel mirror removed" dmsetup remove hk
    handed_back "clean: kernel log after removal" "$logdev"
else
    fail "clean: kernel disk log mirror created" "dmsetup create failed"
fi
probe_put "$leg1" $P
if dev=$(dm_create hk "$(dmlogd_table "$U" "$logdev" "$leg0" "$leg1")"); then
    pass "clean: dmlogd clustered-disk mirror created on the kernel's log"
    check_eq "clean: dmlogd imported the clean bitmap: $NREG/$NREG at once" "$NREG/$NREG" "$(sync_ratio hk)"
    check "clean: dmlogd says it imported the kernel disk log" \
        grep -q "$U: importing kernel disk log ($NREG regions, $NREG in sync)" "$DMLOGD_LOG"
    served_by_dmlogd "clean" "$logdev"
    check "clean: writes through the dmlogd mirror" writes_clean "$dev"
    check "clean: still in sync" wait_sync hk 60
    check "clean: dmsetup remove" dmsetup remove hk
    handed_back "clean: handed back by dmlogd" "$logdev"
    check_eq "clean: dmlog superblock state CLEAN" 1 "$(dmlog_sb_state "$logdev")"
    check "clean: no resync under dmlogd (probe on leg 1 intact)" probe_intact "$leg1" $P
else
    fail "clean: dmlogd clustered-disk mirror created on the kernel's log" "dmsetup create failed"
fi
if dev=$(dm_create hk "$(kernel_table "$logdev" "$leg0" "$leg1")"); then
    pass "clean: kernel disk log mirror created again on dmlogd's hand-back"
    check_eq "clean: kernel takes the hand-back without resync: $NREG/$NREG at once" "$NREG/$NREG" "$(sync_ratio hk)"
    check "clean: writes through the kernel's mirror" wr "$dev" /tmp/exp 4096 128
    check "clean: no resync under the kernel either (probe on leg 1 intact)" probe_intact "$leg1" $P
    probe_undo "$dev" $P /tmp/exp
    check "clean: kernel mirror in sync" wait_sync hk 60
    check "clean: dmsetup remove" dmsetup remove hk
    check "clean: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    check "clean: leg 0 holds exactly the expected data" same_content "$leg0" /tmp/exp
else
    fail "clean: kernel disk log mirror created again on dmlogd's hand-back" "dmsetup create failed"
fi
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/exp /tmp/probe.*

# ---------------------------------------------------------------- partial
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "partial: loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/exp
U=$(new_uuid)
# Leg 1 through a dm device: dm-delay (writes 300 ms late) for the kernel's
# slow resync, then a plain dm-linear we can suspend.
l1=$(dm_create p_l1 "0 $SECTORS delay $leg1 0 0 $leg1 0 300") || fail "partial: dm-delay over leg 1" "dmsetup create failed"
k=0
if dm_create pk "$(kernel_table "$logdev" "$leg0" "$l1")" >/dev/null; then
    pass "partial: kernel disk log mirror created (slow resync)"
    check "partial: the kernel resyncs a few regions" wait_until 120 synced_at_least pk 3
    check "partial: kernel mirror removed in the middle of its resync" dmsetup remove pk
    check "partial: the kernel's log has a valid header" klog_valid_header "$logdev" $NREG
    bits=$(klog_clean_bits "$logdev" $NREG)
    k=$(popcount "$bits")
    note "partial: kernel clean bitmap: $bits ($k of $NREG clean)"
    check "partial: the kernel left some but not all regions clean (0 < $k < $NREG)" test "$k" -gt 0 -a "$k" -lt $NREG
else
    fail "partial: kernel disk log mirror created (slow resync)" "dmsetup create failed"
fi
dmsetup suspend p_l1 && dmsetup reload p_l1 --table "0 $SECTORS linear $leg1 0" && dmsetup resume p_l1 ||
    fail "partial: leg 1 device switched to dm-linear" "dmsetup reload failed"
clean_regions=()
for ((r = 0; r < NREG; r++)); do
    [[ ${bits:r:1} == 1 ]] && clean_regions+=("$r")
done
for r in "${clean_regions[@]}"; do probe_put "$leg1" "$r"; done
check "partial: suspend leg 1's dm-linear (dmlogd's resync held)" dmsetup suspend p_l1
if dev=$(dm_create pk "$(dmlogd_table "$U" "$logdev" "$leg0" "$l1")"); then
    pass "partial: dmlogd clustered-disk mirror created on the kernel's half-synced log"
    check_eq "partial: dmlogd keeps exactly the kernel's out-of-sync regions: $k/$NREG" "$k/$NREG" "$(sync_ratio pk)"
    check "partial: dmlogd says it imported the kernel disk log with $k in sync" \
        grep -q "$U: importing kernel disk log ($NREG regions, $k in sync)" "$DMLOGD_LOG"
    served_by_dmlogd "partial" "$logdev"
    check "partial: release the resync" dmsetup resume p_l1
    check "partial: dmlogd's resync completes" wait_sync pk 120
    nbad=0
    for r in "${clean_regions[@]}"; do probe_intact "$leg1" "$r" 2>/dev/null || nbad=$((nbad + 1)); done
    check_eq "partial: none of the $k regions the kernel had synced was resynced (probes intact)" 0 "$nbad"
    for r in "${clean_regions[@]}"; do probe_undo "$dev" "$r" /tmp/exp; done
    check "partial: dmsetup remove" dmsetup remove pk
    handed_back "partial: handed back by dmlogd" "$logdev"
    check "partial: legs equal byte for byte (the other $((NREG - k)) regions were resynced)" legs_equal "$leg0" "$leg1"
else
    fail "partial: dmlogd clustered-disk mirror created on the kernel's half-synced log" "dmsetup create failed"
    dmsetup resume p_l1
fi
if dm_create pk "$(kernel_table "$logdev" "$leg0" "$l1")" >/dev/null; then
    pass "partial: kernel disk log mirror created again"
    check_eq "partial: kernel takes the hand-back without resync: $NREG/$NREG at once" "$NREG/$NREG" "$(sync_ratio pk)"
    check "partial: dmsetup remove" dmsetup remove pk
else
    fail "partial: kernel disk log mirror created again" "dmsetup create failed"
fi
dmsetup remove p_l1
check "partial: legs equal byte for byte at the end" legs_equal "$leg0" "$leg1"
check "partial: leg 0 holds exactly the expected data" same_content "$leg0" /tmp/exp
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"; rm -f /tmp/exp /tmp/probe.*

check_fails "dmlogd logged no error or warning" grep -E 'dmlogd: (critical|error|warning):' "$DMLOGD_LOG"
check "dmlogd stops cleanly (no live logs left)" dmlogd_stop
summary
