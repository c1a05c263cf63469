#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=300
# kernel-disklog-powercut.sh - two boots on the same disks, kernel "disk" log.
#
# Example of a host-mode scenario (run-all.sh runs it on the host; it boots
# the guest twice through run-guest.sh, calling itself with a phase argument):
#   boot 1: mirror with the kernel's disk log on three virtio disks, resync;
#           leg 1 sits under a dm-linear that is then suspended, so a write
#           to region $HOT stays in flight (done on leg 0, queued for leg 1);
#           the log on disk must show region $HOT not clean; cut the power.
#   host:   the disk images survive the guest.
#   boot 2: the log still shows region $HOT not clean and the legs differ
#           there; reloading the mirror on the same log must resync it (leg 0
#           wins) and the legs must end up equal.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "$here/../guest-lib.sh"

SIZE_MB=32
SECTORS=$((SIZE_MB * 2048))
REGION=1024 # sectors: 64 regions of 512 KiB
NREGIONS=$((SECTORS / REGION))
LEG0=/dev/vda LEG1=/dev/vdb LOG=/dev/vdc
HOT=5       # the region written at the power cut
mirror_table() { # LEG1_DEVICE
    printf '0 %s mirror disk 2 %s %s 2 %s 0 %s 0 1 handle_errors' "$SECTORS" "$LOG" "$REGION" "$LEG0" "$1"
}

clean_bits() { # print the log's clean bitmap as a string of 0/1, one per region
    local bytes b i out=''
    bytes=$(dd if=$LOG iflag=direct bs=4096 count=1 status=none | od -An -v -tu1 -j1024 -N$((NREGIONS / 8)))
    for b in $bytes; do
        for ((i = 0; i < 8; i++)); do out+=$(((b >> i) & 1)); done
    done
    printf '%s\n' "$out"
}

case ${1:-host} in
host)
    run_guest=${DMLOG_RUN_GUEST:-$here/../run-guest.sh}
    work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-powercut.XXXXXX")}
    mkdir -p "$work"
    rm -f "$work"/{leg0,leg1,log}.img
    truncate -s ${SIZE_MB}M "$work/leg0.img" "$work/leg1.img"
    truncate -s 1M "$work/log.img"
    disks=(--disk "$work/leg0.img" --disk "$work/leg1.img" --disk "$work/log.img")
    rc=0
    "$run_guest" "${disks[@]}" --timeout 150 --results "$work/boot1" "$self" boot1 || rc=$?
    relay_results boot1 "$work/boot1/output.log"
    check_eq "boot1: guest reported the power cut (status 42)" 42 "$rc"
    rc=0
    "$run_guest" "${disks[@]}" --timeout 150 --results "$work/boot2" "$self" boot2 || rc=$?
    relay_results boot2 "$work/boot2/output.log"
    check_eq "boot2: guest exited 0" 0 "$rc"
    summary
    ;;
boot1)
    load_dm_modules || { fail "boot1: modules" "load_dm_modules failed"; summary; exit 1; }
    check "disks: three virtio disks of the expected sizes" \
        test "$(dev_sectors $LEG0)" -eq $SECTORS -a "$(dev_sectors $LEG1)" -eq $SECTORS -a "$(dev_sectors $LOG)" -eq 2048
    dd if=/dev/urandom of=$LEG0 bs=1M count=$SIZE_MB oflag=direct status=none
    # Leg 1 through a dm-linear we can suspend to hold its writes in flight.
    if ! { leg1w=$(dm_create leg1w "0 $SECTORS linear $LEG1 0") && dev=$(dm_create m "$(mirror_table "$leg1w")"); }; then
        fail "create mirror with disk log" "dmsetup create failed"
        summary
        exit 1
    fi
    pass "create mirror with disk log on $LOG"
    check "initial resync completes" wait_sync m 120
    check "legs equal after resync" legs_equal $LEG0 $LEG1
    check_eq "every region clean in the log on disk" "$(printf '1%.0s' $(seq 1 $NREGIONS))" "$(clean_bits)"
    check "suspend leg 1 (its writes now queue)" dmsetup suspend leg1w
    dd if=/dev/urandom of=/tmp/new bs=64k count=1 status=none
    dd if=/tmp/new of="$dev" bs=64k seek=$((HOT * REGION / 128)) oflag=direct status=none &
    sleep 2
    bits=$(clean_bits)
    want=$(printf '1%.0s' $(seq 1 $HOT))0$(printf '1%.0s' $(seq 1 $((NREGIONS - HOT - 1))))
    check_eq "with the write in flight the log on disk shows region $HOT not clean" "$want" "$bits"
    check "leg 0 already holds the new data" \
        cmp <(dd if=$LEG0 iflag=direct bs=64k skip=$((HOT * REGION / 128)) count=1 status=none) /tmp/new
    note "cutting the power: $(dmsetup status m)"
    summary
    power_cut 42
    ;;
boot2)
    load_dm_modules || { fail "boot2: modules" "load_dm_modules failed"; summary; exit 1; }
    bits=$(clean_bits)
    note "clean bitmap found on $LOG after the power cut: $bits"
    want=$(printf '1%.0s' $(seq 1 $HOT))0$(printf '1%.0s' $(seq 1 $((NREGIONS - HOT - 1))))
    check_eq "the log on disk still shows region $HOT (only) not clean" "$want" "$bits"
    check_fails "the legs differ after the cut" legs_equal $LEG0 $LEG1 2>/dev/null
    dd if=$LEG0 iflag=direct bs=$((REGION * 512)) skip=$HOT count=1 status=none >/tmp/hot
    if dev=$(dm_create m "$(mirror_table $LEG1)"); then
        pass "reload the mirror on the same disk log"
        note "status right after load: $(dmsetup status m)"
        check "resync of the unclean region completes" wait_sync m 120
        check "region $HOT reads leg 0's data through the mirror" \
            cmp <(dd if="$dev" iflag=direct bs=$((REGION * 512)) skip=$HOT count=1 status=none) /tmp/hot
        check "dmsetup remove" dmsetup remove m
        check "legs equal after recovery" legs_equal $LEG0 $LEG1
        check_eq "every region clean in the log on disk again" "$(printf '1%.0s' $(seq 1 $NREGIONS))" "$(clean_bits)"
    else
        fail "reload the mirror on the same disk log" "dmsetup create failed"
    fi
    summary
    ;;
*)
    printf '%s: unknown phase %s\n' "$0" "$1" >&2
    exit 2
    ;;
esac
