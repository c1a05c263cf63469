#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=600
# cluster-mirror-basic.sh - one mirror shared by 3 nodes, coordinated by
# dmlogd with lock_manager = "dlm" (doc/design.md section 7) on a real
# corosync + dlm_controld cluster (test/vm/cluster/):
#   1. 3 guests share two leg images and one log image (/dev/vda, /dev/vdb,
#      /dev/vdc); each runs dmlogd with lock_manager = "dlm";
#   2. each node creates the same mirror (same log uuid, clustered-disk on
#      the shared log image), one after the other (joins);
#   3. every node sees the mirror in sync;
#   4. all write at once: each its own regions, and all the same region;
#   5. steady state: each node writes 1000 x 4 KiB O_DIRECT to in-sync
#      regions; the DLM requests dmlogd sent meanwhile (SIGUSR1 dump of the
#      lock manager's counters, before and after) must be 0;
#   6. the mirror is removed everywhere; dmlogd stops cleanly; the legs are
#      equal byte for byte.
# Known failing (first run, lockmgr_dlm + protocol of 96d5b45): node 1's
# create and join work on the real DLM (lockspace, node id 1/2/3 from
# corosync, table/slot/barrier locks granted), but the join's announcement
# reload makes a NEW kernel log instance (new luid, design 7.9 open item):
# the old instance waits for its own reload's RESUME, which goes to the new
# instance, and holds barrier EX + table EX; the new instance waits for
# barrier PR; the reload's DM_DEVICE_RESUME never completes and node 2's
# create hangs. Needs the protocol to hand cluster state from the old
# instance to the new one of the same uuid.
# Second run (cluster state per uuid, ef76c1f): the deadlock is gone: the
# three creates and joins pass, every node reloads once per join (the new
# instance takes the state over, the old one's DTR only detaches). Then no
# region is resynced: 0/128 after 110 s on node 1 (then the run times out).
# Likely cause, not verified yet: dm-raid1 asks GET_RESYNC_WORK only when
# kmirrord runs (I/O, resume, a finished recovery); the protocol answers
# "no work" until it holds a verified region lock, and an idle mirror never
# asks again. Needs a debug-level dmlogd log (GET_RESYNC_WORK counts).
# Third run (resync one region ahead + needs_kick wake, 6ca4835, design
# 7.6): confirmed: every node reports 128/128 in sync; node 1 needed one
# kick (suspend/resume) and then resynced every region with the next one
# prefetched. Step 5 then failed on nodes 2 and 3 (dd: ENOSPC, cannot seek):
# a scenario bug, its offsets ran past the 16 MiB mirror; fixed. Fourth
# run: 36 passed, 0 failed (99 s).
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # sectors: 128 KiB, 128 regions
NAME=cmirror
CONF=/run/dmlog-cluster.conf

node_env() {
    # shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
    . "$DMLOG_GUEST_LIB"
    DMLOGD_LOG=/results/dmlogd.log
}

case ${1:-host} in
node)
    node_env
    check "dm modules load" load_dm_modules
    printf 'dmlogd {\n  lock_manager = "dlm"\n  log_level = "info"\n}\n' >$CONF
    check "/dev/misc/dlm-control" test -c /dev/misc/dlm-control
    summary
    exit
    ;;
dmlogd) # runs for the whole test, in its own command
    node_env
    mkdir -p /run/dmlogd
    printf '=== dmlogd start\n' >>"$DMLOGD_LOG"
    exec "$DMLOGD_BIN" -f -c $CONF -p /run/dmlogd/dmlogd.pid \
        -s /run/dmlogd/dmlogd.sock </dev/null >>"$DMLOGD_LOG" 2>&1
    ;;
create) # UUID
    node_env
    dmsetup create $NAME --table "0 $SECTORS mirror userspace 4 $2 clustered-disk /dev/vdc $REGION 2 /dev/vda 0 /dev/vdb 0 1 handle_errors" ||
        exit 1
    dmsetup mknodes $NAME >/dev/null 2>&1
    dmsetup table $NAME
    exit 0
    ;;
sync) # TIMEOUT
    node_env
    wait_sync $NAME "$2" || exit 1
    dmsetup status $NAME
    exit 0
    ;;
write) # OFFSET_KB LEN_KB BS_KB: random data, O_DIRECT, through the mirror
    node_env
    dd if=/dev/urandom of=/tmp/chunk bs=1k count="$3" status=none &&
        dd if=/tmp/chunk of=/dev/mapper/$NAME bs="$4"k seek=$(($2 / $4)) \
            oflag=direct status=none
    exit
    ;;
counters) # ask dmlogd for its lock manager line, print it
    node_env
    n=$(grep -c 'requests: lock' "$DMLOGD_LOG")
    kill -USR1 "$(cat /run/dmlogd/dmlogd.pid)" || exit 1
    for _ in $(seq 50); do
        (($(grep -c 'requests: lock' "$DMLOGD_LOG") > n)) && break
        sleep 0.1
    done
    grep 'requests: lock' "$DMLOGD_LOG" | tail -n 1
    exit 0
    ;;
host) ;;
*)
    printf '%s: unknown phase %s\n' "$0" "$1" >&2
    exit 2
    ;;
esac

# ---- on the host ----------------------------------------------------------------
# shellcheck source-path=SCRIPTDIR/.. source=cluster/cluster-lib.sh
. "$here/../cluster/cluster-lib.sh"
work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-cluster-mirror.XXXXXX")}/cluster
mkdir -p "$work"
U=dmlog-cluster-$(cat /proc/sys/kernel/random/uuid)

rm -f "$work"/leg0.img "$work"/leg1.img "$work"/log.img
dd if=/dev/urandom of="$work/leg0.img" bs=1M count=$SIZE_MB status=none
truncate -s ${SIZE_MB}M "$work/leg1.img"
truncate -s 4M "$work/log.img"

if ! check "3-node corosync + DLM cluster formed" \
    cluster_start 3 "$work" --disk "$work/leg0.img" --disk "$work/leg1.img" \
    --disk "$work/log.img" --mem 768 --timeout 200 -- "$self" node; then
    summary
    exit 1
fi
note "boot + formation: $(cluster_elapsed) s"
for k in 1 2 3; do
    cluster_wait "$k" 0 60
    cluster_relay "$k" 0 "node$k"
done

declare -A dmlogd_cmd
for k in 1 2 3; do
    dmlogd_cmd[$k]=$(cluster_cmd "$k" "$self" dmlogd)
done
for k in 1 2 3; do
    check "node$k: dmlogd (lock_manager dlm) started" \
        cluster_run "$k" 30 "for i in \$(seq 100); do test -S /run/dmlogd/dmlogd.sock && exit 0; sleep 0.2; done; tail /results/dmlogd.log; exit 1"
done

created=()
for k in 1 2 3; do
    if check "node$k: dmsetup create $NAME (clustered-disk on the shared log)" \
        cluster_run "$k" 90 "$self" create "$U"; then
        created+=("$k")
    fi
done
for k in "${created[@]}"; do
    check "node$k: mirror in sync" cluster_run "$k" 120 "$self" sync 110
done

# ---- 4. concurrent writes: own regions, and one region shared by all ------------
declare -A w
for k in "${created[@]}"; do
    w[$k]=$(cluster_cmd "$k" "$self" write $((k * 2048)) 1024 64)
done
for k in "${created[@]}"; do
    rc=0
    cluster_wait "$k" "${w[$k]}" 120 || rc=$?
    check_eq "node$k: 1 MiB to its own regions" 0 "$rc"
done
for k in "${created[@]}"; do
    w[$k]=$(cluster_cmd "$k" "$self" write 12288 64 4)
done
for k in "${created[@]}"; do
    rc=0
    cluster_wait "$k" "${w[$k]}" 120 || rc=$?
    check_eq "node$k: 64 KiB to the region every node writes" 0 "$rc"
done

# ---- 5. steady state: DLM requests per 1000 writes ------------------------------
ops() { # "lock N convert N unlock N cancel N" -> the sum
    sed -nE 's/.*requests: lock ([0-9]+) convert ([0-9]+) unlock ([0-9]+) cancel ([0-9]+).*/\1 \2 \3 \4/p' |
        awk '{ print $1 + $2 + $3 + $4 }'
}
declare -A before
for k in "${created[@]}"; do
    before[$k]=$(cluster_run "$k" 20 "$self" counters | ops)
done
for k in "${created[@]}"; do
    # 1000 x 4 KiB, O_DIRECT, sequential over in-sync data: node k from
    # 4096 + (k - 1) * 4000 KiB (regions 32..125 of the 16 MiB mirror; the
    # third run's 5120 + k * 4000 ran past its end on nodes 2 and 3)
    w[$k]=$(cluster_cmd "$k" "$self" write $((4096 + (k - 1) * 4000)) 4000 4)
done
for k in "${created[@]}"; do
    rc=0
    cluster_wait "$k" "${w[$k]}" 300 || rc=$?
    check_eq "node$k: 1000 writes of 4 KiB" 0 "$rc"
done
for k in "${created[@]}"; do
    after=$(cluster_run "$k" 20 "$self" counters | ops)
    if [[ -n ${before[$k]} && -n $after ]]; then
        note "node$k: DLM requests during 1000 steady-state writes: $((after - before[$k]))"
        check_eq "node$k: no DLM request per write in steady state" 0 $((after - before[$k]))
    else
        fail "node$k: DLM request counters readable" "before '${before[$k]}' after '$after'"
    fi
done

# ---- 6. remove everywhere, stop dmlogd, compare the legs ------------------------
for k in "${created[@]}"; do
    check "node$k: dmsetup remove $NAME" cluster_run "$k" 90 dmsetup remove $NAME
done
for k in 1 2 3; do
    cluster_run "$k" 10 "kill -TERM \$(cat /run/dmlogd/dmlogd.pid)" >/dev/null
    rc=0
    cluster_wait "$k" "${dmlogd_cmd[$k]}" 30 || rc=$?
    check_eq "node$k: dmlogd stopped cleanly" 0 "$rc"
    cluster_run "$k" 10 "grep -E 'dlm: node|requests: lock|error' /results/dmlogd.log | tail -n 8" |
        sed "s/^/# node$k dmlogd: /"
done
check "legs equal byte for byte (node 1, O_DIRECT)" \
    cluster_run 1 120 "cmp <(dd if=/dev/vda bs=1M iflag=direct status=none) <(dd if=/dev/vdb bs=1M iflag=direct status=none)"
check "cluster stops cleanly" cluster_stop 30
summary
