#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=420
# cluster-mirror-membership.sh - nodes come and go on a clustered-disk
# mirror that others are writing (doc/design.md 7.3 join, 7.8 leave,
# hazard 10 restart), on the real 3-node corosync + DLM cluster:
#   1. the mirror on nodes 1 and 2, in sync; both start random O_DIRECT
#      writes that run through every step below;
#   2. join: node 3 creates the mirror while 1 and 2 write; it reaches n/n
#      in sync, writes 500 blocks itself; the others' writes go on;
#   3. leave: node 3 removes the mirror while 1 and 2 write; its slot is
#      FREE on the log image; its dmlogd then exits 0 on one SIGTERM; the
#      others do not treat it as lost (no merge, nothing copied) and their
#      writes go on;
#   4. restart: node 2's dmlogd is killed (kill -9, the kernel keeps the
#      mirror and its writes) and started again while 1 and 2 write; the
#      kernel re-constructs the log, node 2's writes resume, both nodes
#      reach n/n;
#   5. the writers stop: every write completed (no I/O error, none in
#      dmesg); mirror removed, dmlogd stopped, the legs equal byte for byte.
# Measured (notes): join and leave times, dmlogd kill -> node 2's writes
# resume, the writers' slowest write.
# Runs:
# - HEAD 1ad7478's lib (73ac244 + aced10f is the same for this) + the resync
#   log lines: node 3's join passed (3.9 s) but node 3 stayed at 127/128
#   (140 s): it suspects the slots of nodes 1 and 2 forever (the +EAGAIN
#   of its NOQUEUE probes is not the -EAGAIN probe_ast() expects) and a
#   suspect's dirty regions are excluded from its sync count. Its own
#   500 random writes then hung: 151 done, then no progress for ~170 s
#   until the guests' time limit (IS_REMOTE_RECOVERING answers 1 for a
#   suspect region, so the kernel delays that write for ever).
# - with rec_ast() negating positive statuses (an experiment in a private
#   copy, lib/ not changed), twice (token 1000, then 3000: 47 passed, 4
#   failed, the same 4 dmlog failures, nothing else): join 4.8 s, n/n 8.6 s after; leave 1.7 s;
#   dmlogd restart: writes on node 2 stalled up to 17.5 s, resumed, n/n on
#   both 31 s after the kill, region 26 (node 2's dirty one) resynced.
#   Failures from dmlog: node 1 "merged slot 2 of lost node 3" after node 3's clean
#   leave (do_leave() closes the store first, so write_slot_info(FREE)
#   fails with -EINVAL and the slot stays ACTIVE; the FREE seen on the
#   image was written by node 1's merge), and on every node dm-log-userspace
#   "Insufficient space to receive package [14] (8 vs 0)" at the reloads:
#   GET_SYNC_COUNT through an instance the cluster does not serve gets
#   -EAGAIN with no payload (log_engine.c), the kernel keeps that size (0)
#   for the resend and the real 8-byte answer does not fit (the -ESRCH
#   path already pads its reply, log_server.c esrch_reply()). The other 6
#   failures of that run (the final removes hung, dmlogd, legs, stop) came
#   from the host, not dmlog: corosync lost its token on every node at
#   once (load ~10 from other sessions' guests, token 1000) and the
#   cluster was never quorate again; hence token 3000 here now.
# - HEAD 3145b58 (b844f5a status flip, 7360bb8 error replies keep room,
#   e997ab5 leave frees its slot): 51 passed, 0 failed (127 s): join
#   3.5 s, n/n on node 3 5.8 s after; leave 1.3 s, no merge; restart: new
#   dmlogd after 10 s, node 2's writes going again 23 s and both n/n 37 s
#   after the kill. No longer pending. HEAD 4cde91d: 51/51 again (110 s).
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")

case ${1:-host} in
host) ;;
*)
    # shellcheck source-path=SCRIPTDIR/.. source=cluster/mirror-lib.sh
    . "$here/../cluster/mirror-lib.sh"
    mirror_phase "$@"
    exit
    ;;
esac

# ---- on the host ----------------------------------------------------------------
# shellcheck source-path=SCRIPTDIR/.. source=cluster/cluster-lib.sh
. "$here/../cluster/cluster-lib.sh"
# shellcheck source-path=SCRIPTDIR/.. source=cluster/mirror-lib.sh
. "$here/../cluster/mirror-lib.sh"

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # sectors: 128 KiB, 128 regions
NAME=cmirror

work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-cluster-membership.XXXXXX")}/cluster
mkdir -p "$work"
U=dmlog-cluster-$(cat /proc/sys/kernel/random/uuid)
stop=$work/stop-writers
rm -f "$work"/leg0.img "$work"/leg1.img "$work"/log.img "$stop"
truncate -s ${SIZE_MB}M "$work/leg0.img" "$work/leg1.img"
truncate -s 4M "$work/log.img"
img=$work/log.img
create_args=(create "$NAME" "$U" "$SECTORS" "$REGION" /dev/vda /dev/vdb /dev/vdc)

# Nobody is killed here: a longer token makes the cluster survive a starved
# guest on a loaded host (run mb1 lost quorum at token 1000 while other
# sessions' guests ran: every later step then hung on the DLM)
export DMLOG_COROSYNC_TOKEN=${DMLOG_COROSYNC_TOKEN:-3000}
if ! cluster_form 3 "$work" --disk "$work/leg0.img" --disk "$work/leg1.img" \
    --disk "$work/log.img" --mem 768 --timeout 380 -- "$self" node; then
    summary
    exit 1
fi
for k in 1 2 3; do
    check "node$k: dmlogd (lock_manager dlm) started" mirror_dmlogd_start "$k"
done
for k in 1 2; do
    check "node$k: dmsetup create $NAME" cluster_run "$k" 90 "$self" "${create_args[@]}"
done
for k in 1 2; do
    check "node$k: mirror in sync" cluster_run "$k" 150 "$self" sync $NAME 140
done
writer=(python3 "$MIRROR_WRITER" "/dev/mapper/$NAME")

declare -A w dmark
for k in 1 2 3; do
    dmark[$k]=$(cluster_run "$k" 20 "$self" dmesg-mark)
done
for k in 1 2; do
    w[$k]=$(cluster_cmd "$k" "${writer[@]}" --regions 0-127 --stop-file "$stop" --seed "$k")
done
for k in 1 2; do
    check "node$k: random writes running" mirror_wait_writer_n "$k" "${w[$k]}" 20 60
done

writes_go_on() { # WHAT: nodes 1 and 2 complete 50 more writes
    local k n
    for k in 1 2; do
        n=$(mirror_writer_n "$k" "${w[$k]}")
        check "node$k: writes go on $1 ($n so far, 50 more)" \
            mirror_wait_writer_n "$k" "${w[$k]}" $((${n:-0} + 50)) 90
    done
}

# ---- 2. join while the others write --------------------------------------------------
t=$(mirror_now)
check "node3: joins the active mirror (dmsetup create while 1 and 2 write)" \
    cluster_run 3 120 "$self" "${create_args[@]}"
note "join: dmsetup create on node 3 took $(mirror_since "$t") s"
check "node3: mirror in sync" cluster_run 3 150 "$self" sync $NAME 140
note "join: create -> in sync on node 3: $(mirror_since "$t") s"
check "node3: 500 random writes" \
    cluster_run 3 180 "${writer[@]}" --regions 0-127 --count 500 --seed 3
writes_go_on "after node 3 joined"
slot3=$(mirror_slot_of "$img" 3)
check "node3 has an ACTIVE slot on the log" test -n "$slot3"

# ---- 3. clean leave while the others write ---------------------------------------------
declare -A mark
for k in 1 2; do
    mark[$k]=$(mirror_log_mark "$k")
done
t=$(mirror_now)
check "node3: dmsetup remove while 1 and 2 write" cluster_run 3 120 dmsetup remove $NAME
note "leave: dmsetup remove on node 3 took $(mirror_since "$t") s"
check_eq "node3's slot ${slot3:-?} FREE after its leave (design 7.8)" FREE \
    "$(mirror_slot_state "$img" "${slot3:-0}")"
cluster_run 3 10 "$self" dmlogd-stop >/dev/null
rc=0
mirror_dmlogd_wait 3 30 || rc=$?
check_eq "node3: dmlogd exits 0 on one SIGTERM" 0 "$rc"
writes_go_on "after node 3 left"
for k in 1 2; do
    check_fails "node$k: node 3's slot not merged (a leave is no loss)" \
        grep -q 'merged slot' < <(mirror_log_since "$k" "${mark[$k]}")
    check_eq "node$k: nothing resynced after the leave" "" \
        "$(mirror_resynced "$k" "${mark[$k]}" | tr '\n' ' ')"
done

# ---- 4. dmlogd restart on node 2 while 1 and 2 write -------------------------------------
for k in 1 2; do
    mark[$k]=$(mirror_log_mark "$k")
done
n=$(mirror_writer_n 2 "${w[2]}")
t=$(mirror_now)
check "node2: kill -9 dmlogd" cluster_run 2 20 "$self" dmlogd-kill
rc=0
mirror_dmlogd_wait 2 30 || rc=$?
check_eq "node2: the old dmlogd is gone (SIGKILL)" 137 "$rc"
check "node2: dmlogd started again" mirror_dmlogd_start 2
note "restart: kill -> new dmlogd listening: $(mirror_since "$t") s"
check "node2: the kernel re-constructed the log in the new dmlogd" \
    mirror_wait_log 90 'log constructed' 2:"${mark[2]}"
check "node2: writes resume after the restart ($n before the kill, 50 more)" \
    mirror_wait_writer_n 2 "${w[2]}" $((${n:-0} + 50)) 120
note "restart: kill -> node 2 completed 50 more writes: $(mirror_since "$t") s"
writes_go_on "after node 2's dmlogd restart"
for k in 1 2; do
    check "node$k: mirror in sync after the restart" cluster_run "$k" 200 "$self" sync $NAME 190
done
note "restart: kill -> in sync on nodes 1 and 2: $(mirror_since "$t") s"
for k in 1 2; do
    note "node$k: copied after the restart: $(mirror_resynced "$k" "${mark[$k]}" | sort -n | tr '\n' ' ')"
    mirror_log_since "$k" "${mark[$k]}" | grep -E 'merged|lost|constructed|suspend|reloaded|error|warn' |
        sed "s/^/# node$k dmlogd: /"
done

# ---- 5. stop the writers, remove, compare ---------------------------------------------
touch "$stop"
for k in 1 2; do
    rc=0
    cluster_wait "$k" "${w[$k]}" 60 || rc=$?
    check_eq "node$k: every write completed (writer status)" 0 "$rc"
    note "node$k writer: $(cluster_output "$k" "${w[$k]}" | tail -n 1)"
done
for k in 1 2 3; do
    restarted=''
    ((k == 2)) && restarted=restarted
    check "node$k: no I/O error in dmesg${restarted:+ (its dmlogd restarted)}" \
        cluster_run "$k" 20 "$self" no-io-errors "${dmark[$k]}" $restarted
done
for k in 1 2; do
    check "node$k: dmsetup remove $NAME" cluster_run "$k" 90 dmsetup remove $NAME
done
for k in 1 2; do
    cluster_run "$k" 10 "$self" dmlogd-stop >/dev/null
    rc=0
    mirror_dmlogd_wait "$k" 30 || rc=$?
    check_eq "node$k: dmlogd stopped cleanly" 0 "$rc"
done
check "legs equal byte for byte (node 1, O_DIRECT)" cluster_run 1 120 "$self" legs-equal /dev/vda /dev/vdb
check "cluster stops cleanly" cluster_stop 30
summary
