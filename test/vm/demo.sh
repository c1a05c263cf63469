#!/bin/bash
# demo.sh - watch dmlogd serve a real device-mapper mirror (make demo).
#
# Boots the test guest (qemu TCG, Debian's kernel; see test/vm/README.md) and
# narrates: dmlogd starts; a 2-leg mirror with a clustered-disk log on its own
# device is created over legs that differ, and resyncs under our eyes; the log
# device is dmlogd's while served; O_DIRECT writes go through the mirror and
# read back; removal hands the log device back in the kernel's own disk-log
# format; the legs are compared byte for byte.
# Exit status 0 when every step worked, 1 when one failed, 125 when the guest
# could not run. Environment: DMLOG_BUILD (build tree; make demo sets it).
set -uo pipefail
self=$(readlink -f "${BASH_SOURCE[0]}")
here=$(dirname "$self")

# ============================================================ host side
if [[ ${1:-} != guest ]]; then
    DMLOG_BUILD=$(readlink -f "${DMLOG_BUILD:-$here/../..}")
    export DMLOG_BUILD
    if [[ ! -x $DMLOG_BUILD/daemons/dmlogd/dmlogd ]]; then
        echo "demo: $DMLOG_BUILD/daemons/dmlogd/dmlogd is not built (run make first)" >&2
        exit 125
    fi
    if ! out=$("$here/fetch-kernel.sh" 2>&1); then
        printf 'demo: no guest kernel (test/vm/fetch-kernel.sh failed):\n%s\n' "$out" >&2
        exit 125
    fi
    results=$(mktemp -d "${TMPDIR:-/tmp}/dmlog-demo.XXXXXX")
    echo "demo: booting a qemu guest (TCG, Debian kernel) to run dmlogd against the real device-mapper..."
    echo "demo: guest output and logs in $results"
    "$here/run-guest.sh" --timeout 150 --results "$results" "$self" guest 2>"$results/run-guest.log" &
    rg=$!
    # Show the guest's output as it comes (the guest writes output.log over 9p).
    while [[ ! -e $results/output.log ]] && kill -0 $rg 2>/dev/null; do sleep 0.2; done
    if [[ -e $results/output.log ]]; then
        tail -n +1 -F --pid=$rg "$results/output.log" 2>/dev/null
    fi
    rc=0
    wait $rg || rc=$?
    case $rc in
    0) echo "demo: OK (guest exit status 0)" ;;
    124) echo "demo: FAILED: the guest timed out; see $results" ;;
    125) echo "demo: FAILED: the guest could not run:"; sed 's/^/  /' "$results/run-guest.log" ;;
    *) echo "demo: FAILED (guest exit status $rc); dmlogd's log: $results/dmlogd.log" ;;
    esac
    exit "$rc"
fi

# ============================================================ guest side
# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$here/guest-lib.sh}"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=1024 # 512 KiB -> 32 regions
NREG=$((SECTORS / REGION))

say() { printf '\n==> %s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/      /'; return "${PIPESTATUS[0]}"; }
die() {
    printf '\nDEMO FAILED: %s\n' "$*"
    [[ -f $DMLOGD_LOG ]] && { echo "dmlogd's log (tail):"; tail -n 15 "$DMLOGD_LOG" | sed 's/^/  /'; }
    exit 1
}

say "Loading device-mapper, the mirror target and dm-log-userspace"
load_dm_modules || die "modprobe failed"
modprobe dm-delay || die "modprobe dm-delay failed"
printf '      /proc/net/connector: %s\n' "$(grep dmlogusr /proc/net/connector | tr -s ' ')"

say "Starting dmlogd (foreground, logging to $DMLOGD_LOG)"
dmlogd_start || die "dmlogd did not start"
sed -n 's/^dmlogd: notice: /      dmlogd: /p' "$DMLOGD_LOG"

say "Two ${SIZE_MB} MiB legs that differ (leg 0 random, leg 1 zeros) and a 1 MiB log device"
leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) || die "loop devices"
echo "      leg 0 $leg0, leg 1 $leg1, log $logdev ($(dev_mm "$logdev"))"
echo "      (leg 1 sits behind dm-delay, 250 ms per write, so the resync is slow enough to watch)"
slow1=$(dm_create demo_slow "0 $SECTORS delay $leg1 0 0 $leg1 0 250") || die "dm-delay over leg 1"
dd if="$leg0" bs=1M status=none >/tmp/expected

U=$(new_uuid)
TABLE="0 $SECTORS mirror userspace 4 $U clustered-disk $(dev_mm "$logdev") $REGION 2 $leg0 0 $slow1 0 1 handle_errors"
say "Creating the mirror: log type 'userspace' -> dmlogd, clustered-disk log, $NREG regions of $((REGION / 2)) KiB"
printf '    $ dmsetup create demo --table "%s"\n' "$TABLE"
dmsetup create demo --table "$TABLE" 2>&1 | sed 's/^/      /'
((PIPESTATUS[0] == 0)) || die "dmsetup create failed"
dev=$(dm_dev demo) || die "no device node for the mirror"
show dmsetup status demo
show dmsetup table demo
echo "      (status: <legs> <in sync>/<regions> 1 <health per leg> <log INFO from dmlogd: 3 clustered-disk <dev> A>)"
sed -n "s/^dmlogd: notice: $U: /      dmlogd: /p" "$DMLOGD_LOG"

say "Resync: dmlogd hands out the out-of-sync regions, the kernel copies leg 0 to leg 1"
last='' deadline=$((SECONDS + 90))
while :; do
    st=$(dmsetup status demo) || die "dmsetup status failed"
    r=$(sync_ratio demo)
    [[ $r != "$last" ]] && printf '      %s   %s\n' "$(date +%T)" "$st"
    last=$r
    [[ ${r%/*} == "${r#*/}" ]] && break
    ((SECONDS < deadline)) || die "resync did not finish in 90 s"
    sleep 0.5
done

say "While dmlogd serves the log device, the kernel's MiRr header is invalid; dmlog's superblock is at 512"
printf '      byte 0:   %s (magic version regions; MiRr would be 4d695272)\n' "$(klog_header "$logdev")"
printf '      byte 512: %s\n' "$(dmlog_sb_magic "$logdev")"
[[ $(klog_header "$logdev") != 4d695272* && $(dmlog_sb_magic "$logdev") == DMLOGSB ]] || die "log device not in dmlogd's format"

say "Writing through the mirror with O_DIRECT: 4 MiB sequential + 3 scattered 4 KiB blocks, then reading back"
dd if=/dev/urandom of=/tmp/chunk bs=1M count=4 status=none
dd if=/tmp/chunk of=/tmp/expected bs=1M seek=8 conv=notrunc status=none
show dd if=/tmp/chunk of="$dev" bs=1M seek=8 oflag=direct || die "write failed"
for blk in 100 3000 $((SIZE_MB * 256 - 1)); do
    dd if=/dev/urandom of=/tmp/blk bs=4k count=1 status=none
    dd if=/tmp/blk of=/tmp/expected bs=4k seek=$blk conv=notrunc status=none
    dd if=/tmp/blk of="$dev" bs=4k seek=$blk oflag=direct status=none || die "write at block $blk failed"
done
same_content "$dev" /tmp/expected || die "the mirror did not read back what was written"
echo "      read back through the mirror: identical to what was written"
show dmsetup status demo
wait_sync demo 30 || die "mirror not in sync after the writes"

say "Removing the mirror: dmlogd hands the log device back in the kernel's disk-log format"
show dmsetup remove demo || die "dmsetup remove failed"
sed -n "s/^dmlogd: notice: $U: /      dmlogd: /p" "$DMLOGD_LOG" | tail -n 1
printf '      byte 0: %s (MiRr, version 2, %s regions)\n' "$(klog_header "$logdev")" "$NREG"
printf '      clean bitmap at 1024: %s\n' "$(klog_clean_bits "$logdev" $NREG)"
klog_valid_header "$logdev" $NREG || die "no valid kernel header after removal"
[[ $(klog_clean_bits "$logdev" $NREG) == "$(ones $NREG)" ]] || die "not every region clean after removal"
dmsetup remove demo_slow

say "Comparing the legs byte for byte (O_DIRECT reads)"
legs_equal "$leg0" "$leg1" || die "the legs differ"
same_content "$leg1" /tmp/expected || die "leg 1 does not hold the written data"
echo "      leg 0 and leg 1 are identical and hold exactly the data written"

say "Stopping dmlogd"
dmlogd_stop || die "dmlogd did not stop cleanly"
tail -n 2 "$DMLOGD_LOG" | sed -n 's/^dmlogd: notice: /      dmlogd: /p'
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"
printf '\nDEMO OK: dmlogd served a real kernel mirror: resync, writes, clean hand-back, legs equal.\n'
exit 0
