#!/bin/bash
# kernel-control.sh - the kernel's own mirror logs (core, disk); no dmlogd.
#
# A control for the harness itself: mirrors built on the kernel's logs must end
# with identical legs, and a mirror told "nosync" over legs that differ must be
# caught by legs_equal (the harness can see divergence). Runs in one guest.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=64
SECTORS=$((SIZE_MB * 2048))
REGION=1024 # sectors (512 KiB) -> 128 regions
NREGIONS=$((SECTORS / REGION))
PATTERN=/tmp/pattern

if ! check "modules: dm-mod, dm-mirror, dm-log-userspace, loop load" load_dm_modules; then
    summary
    exit 1
fi
check "connector: /proc/net/connector lists dmlogusr 7:1" \
    grep -Eq '^dmlogusr[[:space:]]+7:1[[:space:]]*$' /proc/net/connector ||
    cat /proc/net/connector

dd if=/dev/urandom of="$PATTERN" bs=1M count=8 status=none

# Writes through the mirror with O_DIRECT: 4 MiB at 0, 3 MiB at 40 MiB
# (crossing regions), one 4 KiB block in the last region.
write_patterns() { # DEV
    dd if="$PATTERN" of="$1" bs=1M count=4 oflag=direct status=none &&
        dd if="$PATTERN" of="$1" bs=1M skip=4 seek=40 count=3 oflag=direct status=none &&
        dd if="$PATTERN" of="$1" bs=4096 skip=7 seek=$((SIZE_MB * 256 - 1)) count=1 oflag=direct status=none
}

read_back() { # DEV SKIP_BYTES COUNT_BYTES PATTERN_OFFSET_BYTES
    cmp -n "$3" <(dd if="$1" iflag=direct bs=4096 skip="$(($2 / 4096))" count="$(($3 / 4096))" status=none) \
        <(dd if="$PATTERN" bs=4096 skip="$(($4 / 4096))" count="$(($3 / 4096))" status=none)
}

verify_patterns() { # DEV
    read_back "$1" 0 $((4 << 20)) 0 &&
        read_back "$1" $((40 << 20)) $((3 << 20)) $((4 << 20)) &&
        read_back "$1" $(((SIZE_MB << 20) - 4096)) 4096 $((7 * 4096))
}

status_has() { # NAME REGEX: dmsetup status NAME matches REGEX
    local s
    s=$(dmsetup status "$1") || return 1
    [[ $s =~ $2 ]] && return 0
    printf 'status of %s: %s (wanted /%s/)\n' "$1" "$s" "$2" >&2
    return 1
}

# ---- 1. core log: resync from a random leg 0 onto a zeroed leg 1, then writes
if ! { leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero); }; then
    fail "core: loop devices" "mk_loop failed"
    summary
    exit 1
fi
if dev=$(dm_create mcore "0 $SECTORS mirror core 1 $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "core: dmsetup create mirror (core log, sync)"
    note "mcore is $dev over $leg0 $leg1"
    check "core: status shows 2 legs and a core log" status_has mcore ' mirror 2 [0-9]+:[0-9]+ [0-9]+:[0-9]+ [0-9]+/'"$NREGIONS"' 1 [A-Z]{2} 1 core'
    check "core: initial resync completes" wait_sync mcore 120
    check "core: O_DIRECT writes through the mirror" write_patterns "$dev"
    check "core: data reads back through the mirror" verify_patterns "$dev"
    check "core: still $NREGIONS/$NREGIONS in sync after writes" wait_sync mcore 30
    check "core: dmsetup remove" dmsetup remove mcore
    check "core: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    check "core: leg 1 holds the written data" verify_patterns "$leg1"
else
    fail "core: dmsetup create mirror (core log, sync)" "dmsetup create failed"
fi
rm_loop "$leg0"
rm_loop "$leg1"

# ---- 2. disk log on a third loop device
if ! { leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero); }; then
    fail "disk: loop devices" "mk_loop failed"
    summary
    exit 1
fi
logmm=$(lsblk -dno MAJ:MIN "$logdev" | tr -d ' ')
if dev=$(dm_create mdisk "0 $SECTORS mirror disk 2 $logdev $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "disk: dmsetup create mirror (disk log, sync)"
    check "disk: status shows the disk log on $logmm" status_has mdisk " 3 disk $logmm A"
    check "disk: initial resync completes" wait_sync mdisk 120
    check "disk: O_DIRECT writes through the mirror" write_patterns "$dev"
    check "disk: data reads back through the mirror" verify_patterns "$dev"
    check "disk: still in sync after writes" wait_sync mdisk 30
    check "disk: dmsetup remove" dmsetup remove mdisk
    check "disk: legs equal byte for byte" legs_equal "$leg0" "$leg1"
    # On-disk format (dm-log.c): LE u32 magic "MiRr", u32 version, u64 regions;
    # clean bitmap from byte 1024, one bit per region, set = in sync.
    hdr=$(dd if="$logdev" iflag=direct bs=4096 count=1 status=none | od -An -v -tu4 -N16 | tr -s ' ' | sed 's/^ //')
    check_eq "disk: log header is magic MiRr, version 2, $NREGIONS regions" \
        "$((0x4D695272)) 2 $NREGIONS 0" "$hdr"
    bits=$(dd if="$logdev" iflag=direct bs=4096 count=1 status=none | od -An -v -tx1 -j1024 -N$((NREGIONS / 8)) | tr -d ' \n')
    want=$(printf 'ff%.0s' $(seq 1 $((NREGIONS / 8))))
    check_eq "disk: clean bitmap has all $NREGIONS regions set after removal" "$want" "$bits"
    # Reloading on the same log: the log remembers, no resync needed.
    if dm_create mdisk "0 $SECTORS mirror disk 2 $logdev $REGION 2 $leg0 0 $leg1 0 1 handle_errors" >/dev/null; then
        check_eq "disk: reload on the same log starts in sync" "$NREGIONS/$NREGIONS" "$(sync_ratio mdisk)"
        dmsetup remove mdisk
    else
        fail "disk: reload on the same log starts in sync" "dmsetup create failed"
    fi
else
    fail "disk: dmsetup create mirror (disk log, sync)" "dmsetup create failed"
fi
rm_loop "$leg0"
rm_loop "$leg1"
rm_loop "$logdev"

# ---- 3. negative control: "nosync" over legs that differ must be detected
if ! { leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero); }; then
    fail "nosync: loop devices" "mk_loop failed"
    summary
    exit 1
fi
if dev=$(dm_create mbad "0 $SECTORS mirror core 2 $REGION nosync 2 $leg0 0 $leg1 0 1 handle_errors"); then
    pass "nosync: dmsetup create mirror (core log, nosync) over differing legs"
    check_eq "nosync: kernel claims every region in sync" "$NREGIONS/$NREGIONS" "$(sync_ratio mbad)"
    check "nosync: O_DIRECT writes through the mirror" write_patterns "$dev"
    check "nosync: dmsetup remove" dmsetup remove mbad
    check "nosync: written range equal on both legs" legs_equal -n $((4 << 20)) "$leg0" "$leg1"
    check_fails "nosync: legs_equal detects the divergent legs" legs_equal "$leg0" "$leg1" 2>/dev/null
else
    fail "nosync: dmsetup create mirror (core log, nosync) over differing legs" "dmsetup create failed"
fi
rm_loop "$leg0"
rm_loop "$leg1"

# ---- 4. sensitivity: one sector changed behind an in-sync mirror's back
if ! { leg0=$(mk_loop 8 zero) && leg1=$(mk_loop 8 zero); }; then
    fail "one-sector: loop devices" "mk_loop failed"
    summary
    exit 1
fi
check "one-sector: identical legs compare equal" legs_equal "$leg0" "$leg1"
printf 'x' | dd of="$leg1" bs=512 seek=$((8 * 2048 - 1)) conv=sync oflag=direct status=none
check_fails "one-sector: a 1-sector difference in the last sector is detected" legs_equal "$leg0" "$leg1" 2>/dev/null
rm_loop "$leg0"
rm_loop "$leg1"

summary
