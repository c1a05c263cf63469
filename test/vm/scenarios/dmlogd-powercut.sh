#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=900
# dmlogd-powercut.sh - power cut with a write in flight, recovery at next boot.
#
# Host-mode scenario, three boots on nine raw images (three variants, each
# with leg 0, leg 1 and a log disk; every boot sees all nine, in the same
# order, so /dev/vdX names are stable):
#   good    clustered-disk log served by dmlogd
#   broken  clustered-disk log served by dmlogd-broken (its FLUSH writes
#           nothing: marks are lost) - the negative control
#   kernel  the kernel's own "disk" log - the positive control
# Boot 1a (dmlogd: good, kernel) and boot 1b (dmlogd-broken: broken), each
# variant: random leg 0, zero leg 1 behind a dm-linear; create the mirror
# (default sync), resync, remove (the log is handed back: valid MiRr, all
# clean), create it again (no resync: N/N at once), suspend leg 1's dm-linear,
# write to region HOT (done on leg 0, queued for leg 1, region marked in the
# log), cut the power.
# Boot 2 (good dmlogd for the two userspace variants): the legs differ at HOT;
# re-create each mirror with the same table, leg 1 again behind a suspended
# dm-linear so the resync is held: good and kernel must show exactly region
# HOT out of sync ((N-1)/N); release, resync, legs equal byte for byte. The
# broken variant lost the mark: no resync, and legs_equal must DETECT the
# divergence - the proof that this test can fail.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "$here/../guest-lib.sh"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=1024 # 512 KiB -> 32 regions
NREG=$((SECTORS / REGION))
HOT=5
VARIANTS=(good broken kernel)

devs() { # VARIANT: "leg0 leg1 log" device names in the guest
    case $1 in
    good) echo /dev/vda /dev/vdb /dev/vdc ;;
    broken) echo /dev/vdd /dev/vde /dev/vdf ;;
    kernel) echo /dev/vdg /dev/vdh /dev/vdi ;;
    esac
}

mirror_table() { # VARIANT LEG1_DEVICE
    local l0 l1 log
    read -r l0 l1 log < <(devs "$1")
    case $1 in
    kernel) printf '0 %s mirror disk 2 %s %s 2 %s 0 %s 0 1 handle_errors' "$SECTORS" "$log" "$REGION" "$l0" "$2" ;;
    *) printf '0 %s mirror userspace 4 dmlog-vm-powercut-%s clustered-disk %s %s 2 %s 0 %s 0 1 handle_errors' \
        "$SECTORS" "$1" "$log" "$REGION" "$l0" "$2" ;;
    esac
}

hot_region() { # DEV: region HOT of DEV (O_DIRECT)
    dd if="$1" iflag=direct bs=$((REGION * 512)) skip=$HOT count=1 status=none
}

slot_dirty_bit() { # LOGDEV: the dmlog slot 0 bitmap bit of region HOT (1 = may have writes in flight)
    local sboff byte
    sboff=$(dd if="$1" iflag=direct bs=4096 count=1 status=none | od -An -v -tu8 -j608 -N8 | tr -d ' ')
    byte=$(dd if="$1" iflag=direct bs=4096 skip=$((sboff / 4096)) count=1 status=none |
        od -An -v -tu1 -j$((64 + HOT / 8)) -N1 | tr -d ' ')
    echo $(((byte >> (HOT % 8)) & 1))
}

boot1_variant() { # VARIANT: set up, write region HOT with leg 1's writes held
    local v=$1 l0 l1 log leg1w dev
    read -r l0 l1 log < <(devs "$v")
    dd if=/dev/urandom of="$l0" bs=1M count=$SIZE_MB oflag=direct status=none
    if ! { leg1w=$(dm_create "${v}_l1" "0 $SECTORS linear $l1 0") && dev=$(dm_create "m_$v" "$(mirror_table "$v" "$leg1w")"); }; then
        fail "$v: create the mirror" "dmsetup create failed"
        return 1
    fi
    pass "$v: create the mirror: $(dmsetup table "m_$v" | cut -d' ' -f4-6)"
    check "$v: initial resync completes" wait_sync "m_$v" 120
    check "$v: legs equal after the resync" legs_equal "$l0" "$l1"
    check "$v: remove the mirror" dmsetup remove "m_$v"
    check "$v: log handed back: valid kernel header" klog_valid_header "$log" $NREG
    check_eq "$v: log handed back: every region clean" "$(ones $NREG)" "$(klog_clean_bits "$log" $NREG)"
    dev=$(dm_create "m_$v" "$(mirror_table "$v" "$leg1w")") || { fail "$v: re-create the mirror" "dmsetup create failed"; return 1; }
    check_eq "$v: re-created on the same log: in sync at once" "$NREG/$NREG" "$(sync_ratio "m_$v")"
    check "$v: suspend leg 1's dm-linear (its writes now queue)" dmsetup suspend "${v}_l1"
    dd if=/dev/urandom of="/tmp/new_$v" bs=64k count=1 status=none
    dd if="/tmp/new_$v" of="$dev" bs=64k seek=$((HOT * REGION / 128)) oflag=direct status=none &
    check "$v: leg 0 holds the new data (the write is in flight on leg 1)" \
        wait_until 30 range_is "$l0" $((HOT * REGION / 2)) "/tmp/new_$v"
    case $v in
    kernel)
        check_eq "$v: the kernel log on disk shows region $HOT (only) not clean" \
            "$(ones $HOT)0$(ones $((NREG - HOT - 1)))" "$(klog_clean_bits "$log" $NREG)" ;;
    good)
        check_eq "$v: dmlog slot bitmap on disk shows region $HOT dirty" 1 "$(slot_dirty_bit "$log")" ;;
    broken)
        check_eq "$v: dmlog slot bitmap on disk shows region $HOT clean (the broken build lost the mark)" \
            0 "$(slot_dirty_bit "$log")" ;;
    esac
    note "$v: at the cut: $(dmsetup status "m_$v")"
}

boot2_variant() { # VARIANT
    local v=$1 l0 l1 log leg1w dev want
    read -r l0 l1 log < <(devs "$v")
    check_fails "$v: the legs differ after the cut" legs_equal "$l0" "$l1" 2>/dev/null
    hot_region "$l0" >"/tmp/hot_$v"
    if ! { leg1w=$(dm_create "${v}_l1" "0 $SECTORS linear $l1 0") && dmsetup suspend "${v}_l1" &&
        dev=$(dm_create "m_$v" "$(mirror_table "$v" "$leg1w")"); }; then
        fail "$v: re-create the mirror with the same table" "dmsetup create failed"
        return 1
    fi
    pass "$v: re-create the mirror with the same table (resync held)"
    want=$((NREG - 1))/$NREG
    if [[ $v == broken ]]; then
        note "$v: status after the cut: $(dmsetup status "m_$v") (a correct log shows $want)"
    else
        check_eq "$v: exactly region $HOT out of sync after the cut" "$want" "$(sync_ratio "m_$v")"
    fi
    check "$v: release the resync" dmsetup resume "${v}_l1"
    check "$v: resync completes" wait_sync "m_$v" 120
    check "$v: region $HOT reads leg 0's data through the mirror" cmp <(hot_region "$dev") "/tmp/hot_$v"
    check "$v: remove the mirror" dmsetup remove "m_$v"
    dmsetup remove "${v}_l1"
    check "$v: log handed back: valid kernel header" klog_valid_header "$log" $NREG
    if [[ $v == broken ]]; then
        check_fails "$v: legs_equal DETECTS the divergence left by the lost mark" legs_equal "$l0" "$l1"
    else
        check "$v: legs equal byte for byte after recovery" legs_equal "$l0" "$l1"
    fi
}

case ${1:-host} in
host)
    run_guest=${DMLOG_RUN_GUEST:-$here/../run-guest.sh}
    work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-powercut.XXXXXX")}
    build=${DMLOG_BUILD:-$(cd "$here/../../.." && pwd)}
    broken_bin=$build/daemons/dmlogd/dmlogd-broken
    mkdir -p "$work"
    disks=()
    for v in "${VARIANTS[@]}"; do
        rm -f "$work/$v-"{leg0,leg1,log}.img
        truncate -s ${SIZE_MB}M "$work/$v-leg0.img" "$work/$v-leg1.img"
        truncate -s 1M "$work/$v-log.img"
        disks+=(--disk "$work/$v-leg0.img" --disk "$work/$v-leg1.img" --disk "$work/$v-log.img")
    done
    rc=0
    "$run_guest" "${disks[@]}" --timeout 240 --results "$work/boot1a" "$self" boot1 good kernel || rc=$?
    relay_results boot1a "$work/boot1a/output.log"
    check_eq "boot1a: guest reported the power cut (status 42)" 42 "$rc"
    if [[ -x $broken_bin ]]; then
        pass "dmlogd-broken is built ($broken_bin)"
        rc=0
        "$run_guest" "${disks[@]}" --timeout 240 --env "DMLOG_DMLOGD=$broken_bin" \
            --results "$work/boot1b" "$self" boot1 broken || rc=$?
        relay_results boot1b "$work/boot1b/output.log"
        check_eq "boot1b: guest reported the power cut (status 42)" 42 "$rc"
        todo=(good broken kernel)
    else
        fail "dmlogd-broken is built" "$broken_bin missing (make $broken_bin)"
        todo=(good kernel)
    fi
    rc=0
    "$run_guest" "${disks[@]}" --timeout 240 --results "$work/boot2" "$self" boot2 "${todo[@]}" || rc=$?
    relay_results boot2 "$work/boot2/output.log"
    check_eq "boot2: guest exited 0" 0 "$rc"
    rm -f "$work"/*.img
    summary
    ;;
boot1)
    shift
    load_dm_modules || { fail "modules" "load_dm_modules failed"; summary; exit 1; }
    check_eq "nine virtio disks" 9 "$DMLOG_NDISKS"
    note "dmlogd binary: $DMLOGD_BIN"
    check "dmlogd starts" dmlogd_start || { summary; exit 1; }
    for v in "$@"; do boot1_variant "$v"; done
    note "cutting the power"
    summary
    power_cut 42
    ;;
boot2)
    shift
    load_dm_modules || { fail "modules" "load_dm_modules failed"; summary; exit 1; }
    check "dmlogd starts" dmlogd_start || { summary; exit 1; }
    for v in "$@"; do boot2_variant "$v"; done
    check "dmlogd stops cleanly" dmlogd_stop
    summary
    ;;
*)
    printf '%s: unknown phase %s\n' "$0" "$1" >&2
    exit 2
    ;;
esac
