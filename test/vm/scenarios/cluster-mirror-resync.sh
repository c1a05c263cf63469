#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=600
# cluster-mirror-resync.sh - the initial resync of a clustered-disk mirror
# (doc/design.md 7.6) on the real 3-node corosync + DLM cluster: three
# fresh mirrors (no nosync) over legs with different content (leg 0
# random, leg 1 zero), so every region must be copied:
#   1. mirror 1 on node 1 alone: time to n/n, legs equal;
#   2. mirror 2 on all three nodes: time to n/n on every node, who copied
#      how many regions, legs equal;
#   3. mirror 3 on all three nodes; node 3 is killed (qemu kill -9) once it
#      has copied some regions and while the resync still runs; the
#      survivors merge its slot and finish the resync with no operator
#      action; legs equal byte for byte.
# Measured (notes): resync time with 1 vs 3 nodes, kill -> merge and
# kill -> in sync.
# Runs:
# - HEAD 73ac244 + the resync log lines (7fc0497): mirror 1 (node 1 alone)
#   in sync in 6.4 s; mirror 2 stalled at 146/512 on all three nodes once
#   nodes 2 and 3 had joined (node 1 had copied 146, the others 0); SIGUSR1
#   on each: "suspects 2 ... rlocks held 0 ... 0 waiting": every node
#   suspects the other two forever, so may_grant() is false everywhere
#   (lockmgr_dlm.c rec_ast() hands libdlm's positive EAGAIN to probe_ast(),
#   which expects -EAGAIN; see cluster-mirror-failover.sh). Stopped by hand.
# - with rec_ast() negating positive statuses (an experiment in a private
#   copy, lib/ not changed): 39 passed, 0 failed (215 s, host load ~10).
#   Mirror 2 (3 nodes): 14.3 s, node 1 copied 501 of 512 (the others joined
#   late); mirror 3 (256 MiB): kill -> merge 4.1 s, -> n/n 52 s. 945
#   suspend/resume kicks for mirror 3's 2048 regions (411 + 464 + 70).
# - HEAD 3145b58, load 8-12: every check passed until the guests' time
#   limit (440 s) ended the run at the last remove: mirror 1 28.3 s on one
#   node; mirror 2 85.6 s on three, copies now spread (169/187/158): the
#   three nodes together were ~3x slower than one alone; mirror 3: node 3
#   killed after 10 copies at 218/2048, merge 4.6 s after, n/n 188 s after,
#   legs equal. Hence mirror 3 at 128 MiB and longer limits.
# - HEAD 3145b58, mirror 3 at 128 MiB, load 3-7: 39 passed, 0 failed
#   (147 s). Mirror 1 16.7 s on one node; mirror 2 18.1 s on three (copied
#   282/142/92); mirror 3: node 3 killed after 11 copies at 289/1024,
#   merge 4.0 s after, n/n 18.9 s after (survivors copied 318 + 402).
#   Kicks: mirror 2 113 + 122 + 91 for 512 regions, mirror 3 276 + 395 +
#   24 for 1024. No longer pending.
# - HEAD 4cde91d (6369c0d: 8 regions ahead, per-node scan offsets): mirror
#   3's 1024 regions took ~13 s and node 3, killed after the joins, left
#   only 8 regions (copied before the survivors' marks): the test now has
#   node 3 create mirror 3 first and die right after the last join, and
#   asserts that it had copied and that the survivors copied after the
#   kill. Then 39 passed, 0 failed: mirror 1 16.0 s on one node, mirror 2
#   25.8 s on three (314/176/43); node 3 copied 203, merge 5.0 s after the
#   kill, n/n 17.2 s after (survivors 288 + 394); kicks now 32 and 69.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")

case ${1:-host} in
host) ;;
*)
    # shellcheck source-path=SCRIPTDIR/.. source=cluster/mirror-lib.sh
    . "$here/../cluster/mirror-lib.sh"
# token 3000: a loaded host can starve a guest's corosync for 2-3 s;
# at 1000 that broke quorum in runs of the other cluster scenarios
export DMLOG_COROSYNC_TOKEN=${DMLOG_COROSYNC_TOKEN:-3000}
    mirror_phase "$@"
    exit
    ;;
esac

# ---- on the host ----------------------------------------------------------------
# shellcheck source-path=SCRIPTDIR/.. source=cluster/cluster-lib.sh
. "$here/../cluster/cluster-lib.sh"
# shellcheck source-path=SCRIPTDIR/.. source=cluster/mirror-lib.sh
. "$here/../cluster/mirror-lib.sh"

REGION=256 # sectors: 128 KiB
# mirrors 1 and 2 compare 1 and 3 nodes; mirror 3 is larger so that the
# resync lasts long enough to kill a node in the middle of it (64 MiB took
# 6.4-28 s on one node, 14-86 s on three; 256 MiB made the whole scenario
# run past the guests' time limit on a loaded host)
declare -A SIZE_MB=([1]=64 [2]=64 [3]=128)
sectors() { echo $((SIZE_MB[$1] * 2048)); } # M
nreg() { echo $(($(sectors "$1") / REGION)); } # M
DEAD=3

work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-cluster-resync.XXXXXX")}/cluster
mkdir -p "$work"
disks=()
for m in 1 2 3; do
    rm -f "$work/m$m-leg0.img" "$work/m$m-leg1.img" "$work/m$m-log.img"
    dd if=/dev/urandom of="$work/m$m-leg0.img" bs=1M count="${SIZE_MB[$m]}" status=none
    truncate -s "${SIZE_MB[$m]}M" "$work/m$m-leg1.img"
    truncate -s 4M "$work/m$m-log.img"
    disks+=(--disk "$work/m$m-leg0.img" --disk "$work/m$m-leg1.img" --disk "$work/m$m-log.img")
done
# in the guests: mirror m's legs and log are the (3m-2)th, (3m-1)th, (3m)th disks
devs() { # M: "LEG0 LEG1 LOG"
    local l=(a b c d e f g h i)
    printf '/dev/vd%s /dev/vd%s /dev/vd%s' "${l[$((3 * $1 - 3))]}" "${l[$((3 * $1 - 2))]}" "${l[$((3 * $1 - 1))]}"
}
declare -A U
for m in 1 2 3; do
    U[$m]=dmlog-cluster-$(cat /proc/sys/kernel/random/uuid)
done

if ! cluster_form 3 "$work" "${disks[@]}" --mem 768 --timeout 560 -- "$self" node; then
    summary
    exit 1
fi
for k in 1 2 3; do
    check "node$k: dmlogd (lock_manager dlm) started" mirror_dmlogd_start "$k"
done

create() { # K M
    # shellcheck disable=SC2046 # devs prints three words on purpose
    cluster_run "$1" 120 "$self" create "m$2" "${U[$2]}" "$(sectors "$2")" $REGION $(devs "$2")
}
legs_equal_on() { # K M
    # shellcheck disable=SC2046
    cluster_run "$1" 180 "$self" legs-equal $(devs "$2" | cut -d' ' -f1,2)
}
copied_count() { mirror_resynced "$1" "$2" | wc -l; } # K MARK

# ---- 1. one node ---------------------------------------------------------------------
declare -A mark
mark[1]=$(mirror_log_mark 1)
t=$(mirror_now)
check "node1: create mirror 1 (alone)" create 1 1
check "node1: mirror 1 in sync" cluster_run 1 300 "$self" sync m1 290
t1=$(mirror_since "$t")
note "resync of ${SIZE_MB[1]} MiB ($(nreg 1) regions), 1 node: $t1 s (node 1 copied $(copied_count 1 "${mark[1]}"))"
check "mirror 1: legs equal" legs_equal_on 1 1
check "node1: remove mirror 1" cluster_run 1 90 dmsetup remove m1

# ---- 2. three nodes ------------------------------------------------------------------
for k in 1 2 3; do
    mark[$k]=$(mirror_log_mark "$k")
done
t=$(mirror_now)
for k in 1 2 3; do
    check "node$k: create mirror 2" create "$k" 2
done
for k in 1 2 3; do
    check "node$k: mirror 2 in sync" cluster_run "$k" 300 "$self" sync m2 290
done
t3=$(mirror_since "$t")
note "resync of ${SIZE_MB[2]} MiB ($(nreg 2) regions), 3 nodes: $t3 s (copied: node1 $(copied_count 1 "${mark[1]}"), node2 $(copied_count 2 "${mark[2]}"), node3 $(copied_count 3 "${mark[3]}"))"
check "mirror 2: legs equal" legs_equal_on 1 2
for k in 1 2 3; do
    check "node$k: remove mirror 2" cluster_run "$k" 90 dmsetup remove m2
done

# ---- 3. a node dies during the resync --------------------------------------------------
for k in 1 2 3; do
    mark[$k]=$(mirror_log_mark "$k")
done
# node 3 creates mirror 3 first, so it is copying from the start; the
# others join while it copies, and it dies right after the last join (on
# 4cde91d, which copies 1024 regions in ~13 s, waiting for node 3's copies
# after the joins let the kill come with nothing left to do)
for k in 3 1 2; do
    check "node$k: create mirror 3" create "$k" 3
done
before=$(copied_count $DEAD "${mark[$DEAD]}")
for k in 1 2; do
    mark[$k]=$(mirror_log_mark "$k")
done
t=$(mirror_now)
check "kill -9 node$DEAD during the resync" cluster_kill $DEAD
check "node$DEAD copied regions of mirror 3 before it died ($before)" test "$before" -gt 0
if check "a survivor merged node$DEAD's slot" \
    mirror_wait_log 90 "merged slot [0-9]+ of lost node $DEAD\$" 1:"${mark[1]}" 2:"${mark[2]}"; then
    note "kill -> merge: $(mirror_since "$t") s"
fi
for k in 1 2; do
    check "node$k: mirror 3 in sync" cluster_run "$k" 300 "$self" sync m3 290
done
after_kill=$(($(copied_count 1 "${mark[1]}") + $(copied_count 2 "${mark[2]}")))
note "kill -> mirror 3 in sync on both survivors: $(mirror_since "$t") s (copied after the kill: node1 $(copied_count 1 "${mark[1]}"), node2 $(copied_count 2 "${mark[2]}"))"
# the resync was still running at the kill: the survivors had work left
check "the survivors copied regions after the kill ($after_kill)" test "$after_kill" -gt 0
for k in 1 2; do
    mirror_log_since "$k" "${mark[$k]}" | grep -E 'merged|lost|left|error' | sed "s/^/# node$k dmlogd: /"
done
check "mirror 3: legs equal" legs_equal_on 1 3

for k in 1 2; do
    check "node$k: remove mirror 3" cluster_run "$k" 90 dmsetup remove m3
done
for k in 1 2; do
    cluster_run "$k" 10 "$self" dmlogd-stop >/dev/null
    rc=0
    mirror_dmlogd_wait "$k" 30 || rc=$?
    check_eq "node$k: dmlogd stopped cleanly" 0 "$rc"
done
# the wakes (design 7.6 b: suspend/resume so that kmirrord asks for work)
for k in 1 2 3; do
    note "node$k: suspend/resume kicks for the resync: $(for m in 1 2 3; do
        printf 'mirror %s: %s  ' "$m" "$(grep -cE "mirror m$m so (the|that its) kernel" "$(mirror_log "$k")")"
    done)"
done
check "cluster stops cleanly" cluster_stop 30
summary
