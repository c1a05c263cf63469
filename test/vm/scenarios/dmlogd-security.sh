#!/bin/bash
# dmlog-vm: timeout=300
# dmlogd-security.sh - a local process impersonating the kernel.
#
# While dmlogd serves a clustered-disk mirror, test/vm/tools/cn_inject (built
# here with gcc) joins connector group 7, sniffs the live log's luid from a
# kernel request, and sends a forged CTR and DTR for exactly that
# (uuid, luid): multicast to group 7 (as the kernel does) and unicast to
# dmlogd's netlink port. dmlogd must ignore all four (only port 0 is the
# kernel), say so in its log, send nothing back, keep the log: the mirror
# keeps working, and a clean removal still hands the device back.
# (The daemon's unit tests cover the same on the host without a kernel log;
# here the log is live and the forged frames name it exactly.)
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

SIZE_MB=8
SECTORS=$((SIZE_MB * 2048))
REGION=256
NREG=$((SECTORS / REGION))
INJECT=/tmp/cn_inject

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
check "build the impersonator (gcc test/vm/tools/cn_inject.c)" \
    gcc -O2 -Wall -o $INJECT "$DMLOG_VM_DIR/tools/cn_inject.c" || { summary; exit 1; }
if ! check "dmlogd starts" dmlogd_start; then summary; exit 1; fi
port=$(dmlogd_port)
check "dmlogd announced its netlink port ($port)" test -n "$port"

leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "loop devices" "mk_loop failed"; summary; exit 1; }
dd if="$leg0" bs=1M status=none >/tmp/exp
U=$(new_uuid)
logmm=$(dev_mm "$logdev")
if ! dev=$(dm_create ms "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $leg1 0 1 handle_errors"); then
    fail "create clustered-disk mirror" "dmsetup create failed"
    summary
    exit 1
fi
pass "create clustered-disk mirror"
check "initial resync completes" wait_sync ms 120

# The impersonator needs a kernel request to sniff: keep asking for status.
$INJECT "$U" "$port" 30 >/tmp/inject.out 2>&1 &
ipid=$!
while kill -0 $ipid 2>/dev/null; do
    dmsetup status ms >/dev/null
    sleep 0.3
done
wait $ipid
rc=$?
sed 's/^/# cn_inject: /' /tmp/inject.out
check_eq "impersonator: sniffed the luid and sent 4 forged frames (status 0)" 0 "$rc"
iport=$(sed -n 's/^port //p' /tmp/inject.out)
check "impersonator: the luid it forged is the live log's" grep -q '^sniffed luid [0-9]' /tmp/inject.out
check_eq "impersonator: dmlogd sent it no reply" "replies 0" "$(grep '^replies' /tmp/inject.out)"
sleep 1
n=$(grep -c "kernel transport: ignored a [0-9]*-byte message from netlink port $iport " "$DMLOGD_LOG")
check_eq "dmlogd logged each forged frame as ignored (non-kernel sender port $iport)" 4 "$n"
grep "from netlink port $iport" "$DMLOGD_LOG" | head -n 2 | sed 's/^/# /'
check_fails "dmlogd did not destroy the live log" grep -q "$U: log destroyed" "$DMLOGD_LOG"
check_eq "dmlogd constructed the log only once (no forged CTR taken)" 1 "$(grep -c "$U: clustered-disk log constructed" "$DMLOGD_LOG")"
check_fails "dmlogd saw no forged CTR for the live instance" grep -q "$U: CTR for an existing instance" "$DMLOGD_LOG"

# The mirror keeps working.
dd if=/dev/urandom of=/tmp/chunk bs=256k count=1 status=none
dd if=/tmp/chunk of=/tmp/exp bs=256k seek=3 conv=notrunc status=none
check "writes through the mirror after the attack" dd if=/tmp/chunk of="$dev" bs=256k seek=3 oflag=direct status=none
check "the mirror reads back exactly the expected data" same_content "$dev" /tmp/exp
check "status: in sync, both legs A, log A" status_matches ms " $NREG/$NREG 1 AA 3 clustered-disk $logmm A\$"
check "dmsetup remove" dmsetup remove ms
check "the live log was intact: handed back on removal" grep -q "$U: log destroyed, device handed back" "$DMLOGD_LOG"
check "log handed back: valid kernel header" klog_valid_header "$logdev" $NREG
check "legs equal byte for byte" legs_equal "$leg0" "$leg1"
check "leg 0 holds exactly the expected data" same_content "$leg0" /tmp/exp
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"
check "dmlogd stops cleanly" dmlogd_stop
summary
