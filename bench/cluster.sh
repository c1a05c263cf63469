#!/bin/bash
# bench/cluster.sh - row 5 of doc/performance.md: dmlogd on a 3-node qemu
# cluster (test/vm/cluster: corosync + kernel DLM, shared raw images),
# lock_manager = "dlm", clustered-disk logs. One cluster boot measures:
#
#   1. resync throughput: a fresh mirror (leg 0 random, leg 1 zero, a new
#      log: every region out of sync) resynced by node 1 alone (twice: before
#      and after) and by all 3 nodes (loaded on all three, resumed at once):
#      regions/s from the resume to n/n, and 3 nodes ÷ 1 node;
#   2. writes/s: 4 KiB O_DIRECT random writes (mirror-writer.py) for a fixed
#      time on an in-sync mirror by 1, 2 and 3 nodes at once, REPS rounds in
#      alternating order (1 2 3, 3 2 1, ...): aggregate writes/s with N
#      nodes ÷ with 1 node in the same round, median over the rounds;
#   3. DLM lock operations (lock + convert + unlock + cancel from dmlogd's
#      SIGUSR1 line) during all those writes, per 1000 writes;
#   4. node 3's qemu killed (kill -9) while all three write: host time from
#      the kill to a survivor's "merged slot S of lost node 3".
#
# Prints "metric<TAB>value<TAB>unit" lines for bench/run.sh (row "cluster")
# and "# ..." notes. Host-mode: it is also the guests' NODE_SCRIPT and
# phases (`bench/cluster.sh PHASE ...` in a guest).
#
# Environment: DMLOG_BUILD (build tree with daemons/dmlogd/dmlogd),
# BENCH_DIR (images and guest results, default /var/tmp), BENCH_CLUSTER_REPS
# (rounds of the write test, default 3), BENCH_CLUSTER_SECONDS (per write run,
# default 20), BENCH_CLUSTER_WAIT (seconds to wait for other sessions' qemu
# guests to end before booting, default 1200), DMLOG_COROSYNC_TOKEN (default
# 3000 here), BENCH_KEEP=1 (keep the work directory).
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
vm=$here/../test/vm

RS_MB=128      # each resync mirror
RS_REGION=256  # sectors: 128 KiB, so 1024 regions
W_MB=64        # the write mirror
W_REGION=256   # 512 regions

# ---- guest side ------------------------------------------------------------------
case ${1:-host} in
host) ;;
load) # NAME UUID SECTORS REGION LEG0 LEG1 LOG: create the device, load the table, do not resume
    # shellcheck source-path=SCRIPTDIR source=../test/vm/guest-lib.sh
    . "$DMLOG_GUEST_LIB"
    dmsetup create "$2" --notable || exit 1
    dmsetup load "$2" --table "0 $4 mirror userspace 4 $3 clustered-disk $8 $5 2 $6 0 $7 0 1 handle_errors" ||
        exit 1
    exit 0
    ;;
resync) # NAME TIMEOUT: resume, then poll the status (0.5 s) until n/n; prints "resync s=<guest seconds> regions=<n>"
    # shellcheck source-path=SCRIPTDIR source=../test/vm/guest-lib.sh
    . "$DMLOG_GUEST_LIB"
    t0=$(cut -d' ' -f1 /proc/uptime)
    dmsetup resume "$2" || exit 1
    dm_dev "$2" >/dev/null || exit 1
    deadline=$((SECONDS + $3))
    while :; do
        r=$(sync_ratio "$2") || exit 1
        [[ ${r%/*} == "${r#*/}" ]] && break
        ((SECONDS < deadline)) || { printf 'not in sync after %s s: %s\n' "$3" "$r"; exit 1; }
        sleep 0.5
    done
    t1=$(cut -d' ' -f1 /proc/uptime)
    awk -v a="$t0" -v b="$t1" -v n="${r#*/}" 'BEGIN { printf "resync s=%.2f regions=%d\n", b - a, n }'
    exit 0
    ;;
*)
    # shellcheck source-path=SCRIPTDIR source=../test/vm/cluster/mirror-lib.sh
    . "$vm/cluster/mirror-lib.sh"
    mirror_phase "$@"
    exit
    ;;
esac

# ---- host side -------------------------------------------------------------------
: "${DMLOG_BUILD:?set DMLOG_BUILD to the build tree (bench/run.sh does)}"
export DMLOG_BUILD
export DMLOG_COROSYNC_TOKEN=${DMLOG_COROSYNC_TOKEN:-3000}
REPS=${BENCH_CLUSTER_REPS:-3}
SECS=${BENCH_CLUSTER_SECONDS:-20}
WAIT=${BENCH_CLUSTER_WAIT:-1200}
BENCH_DIR=${BENCH_DIR:-/var/tmp}

# shellcheck source-path=SCRIPTDIR source=../test/vm/cluster/cluster-lib.sh
. "$vm/cluster/cluster-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../test/vm/cluster/mirror-lib.sh
. "$vm/cluster/mirror-lib.sh"

metric() { printf '%s\t%s\t%s\n' "$@"; } # NAME VALUE UNIT
load_now() { printf '%s, %s qemu running' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(pgrep -c qemu-system)"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# other sessions' guests share the 2 cores: wait for them (30 s polls)
waited=0
while (($(pgrep -c qemu-system) > 0 && waited < WAIT)); do
    ((waited == 0)) && note "waiting for $(pgrep -c qemu-system) other qemu guest(s) to end (up to $WAIT s)"
    sleep 30
    waited=$((waited + 30))
done
others=$(pgrep -c qemu-system)
note "other qemu guests at boot: $others (waited $waited s); load average $(load_now); token $DMLOG_COROSYNC_TOKEN ms"
metric cluster.other_qemu "$others" guests

base=$(mktemp -d "$BENCH_DIR/dmlog-bench-cluster.XXXXXX") || exit 1
work=$base/cluster
mkdir -p "$work"
done_cleanup() {
    cluster_cleanup
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then note "work directory kept: $base"; else rm -rf "$base"; fi
}

# images: the write mirror W (vda vdb vdc), resync mirrors a, b, c (3 disks each)
truncate -s ${W_MB}M "$work/w-leg0.img" "$work/w-leg1.img"
truncate -s 4M "$work/w-log.img"
disks=(--disk "$work/w-leg0.img" --disk "$work/w-leg1.img" --disk "$work/w-log.img")
for m in a b c; do
    head -c ${RS_MB}M /dev/urandom >"$work/$m-leg0.img"
    truncate -s ${RS_MB}M "$work/$m-leg1.img"
    truncate -s 4M "$work/$m-log.img"
    disks+=(--disk "$work/$m-leg0.img" --disk "$work/$m-leg1.img" --disk "$work/$m-log.img")
done
declare -A DEVS=([w]="/dev/vda /dev/vdb /dev/vdc" [a]="/dev/vdd /dev/vde /dev/vdf"
    [b]="/dev/vdg /dev/vdh /dev/vdi" [c]="/dev/vdj /dev/vdk /dev/vdl")
declare -A U
for m in w a b c; do U[$m]=dmlog-bench-$(cat /proc/sys/kernel/random/uuid); done

t=$(mirror_now)
if ! cluster_start 3 "$work" "${disks[@]}" --mem 768 --timeout 1500 --ready-timeout 300 -- "$self" node >&2; then
    note "the cluster did not form; load average $(load_now)"
    done_cleanup
    exit 1
fi
trap 'done_cleanup; trap - EXIT' EXIT
note "boot + formation: $(mirror_since "$t") s; load average $(load_now)"
for k in 1 2 3; do
    cluster_wait "$k" 0 60 >/dev/null
    cluster_relay "$k" 0 "node$k" >&2
done
for k in 1 2 3; do
    mirror_dmlogd_start "$k" >/dev/null || { note "node$k: dmlogd did not start"; exit 1; }
done

# ---- 1. resync: a (node 1), b (nodes 1-3), c (node 1) ------------------------------
RS_SECTORS=$((RS_MB * 2048))
declare -A rps
resync_run() { # M NODES...: load on every node, resume on all at once; prints regions/s
    local m=$1 k s rc slow=0 copied=''
    shift
    declare -A mk seq
    for k in "$@"; do
        # shellcheck disable=SC2086 # DEVS holds three words
        cluster_run "$k" 120 "$self" load "rs$m" "${U[$m]}" $RS_SECTORS $RS_REGION ${DEVS[$m]} >/dev/null ||
            { note "node$k: load of mirror $m failed" >&2; return 1; }
        mk[$k]=$(mirror_log_mark "$k")
    done
    for k in "$@"; do seq[$k]=$(cluster_cmd "$k" "$self" resync "rs$m" 600); done
    for k in "$@"; do
        rc=0
        cluster_wait "$k" "${seq[$k]}" 620 || rc=$?
        ((rc == 0)) || { note "node$k: resync of mirror $m failed ($rc): $(cluster_output "$k" "${seq[$k]}" | tail -n 2)" >&2; return 1; }
        s=$(cluster_output "$k" "${seq[$k]}" | sed -nE 's/^resync s=([0-9.]+) .*/\1/p')
        slow=$(awk -v a="$slow" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
        copied+=" node$k $(mirror_resynced "$k" "${mk[$k]}" | wc -l)"
    done
    note "resync of mirror $m ($RS_MB MiB, $((RS_SECTORS / RS_REGION)) regions) on node(s) $*: ${slow} s to n/n on the last; copied:$copied; load $(load_now)" >&2
    for k in "$@"; do cluster_run "$k" 120 dmsetup remove "rs$m" >/dev/null || note "node$k: remove rs$m failed" >&2; done
    awk -v n=$((RS_SECTORS / RS_REGION)) -v s="$slow" 'BEGIN { printf "%.2f\n", n / s }'
}
rps[a]=$(resync_run a 1)
rps[b]=$(resync_run b 1 2 3)
rps[c]=$(resync_run c 1)
if [[ -n ${rps[a]} && -n ${rps[b]} && -n ${rps[c]} ]]; then
    r1=$(awk -v a="${rps[a]}" -v c="${rps[c]}" 'BEGIN { printf "%.2f", (a + c) / 2 }')
    metric cluster.resync.n1.rps "$r1" regions/s
    metric cluster.resync.n1_first.rps "${rps[a]}" regions/s
    metric cluster.resync.n1_last.rps "${rps[c]}" regions/s
    metric cluster.resync.n3.rps "${rps[b]}" regions/s
    metric cluster.resync.n3.speedup "$(awk -v a="${rps[b]}" -v b="$r1" 'BEGIN { printf "%.3f", a / b }')" x
else
    note "resync: not measured (a='${rps[a]}' b='${rps[b]}' c='${rps[c]}')"
fi

# ---- 2./3. writes on the in-sync mirror W ------------------------------------------
W_SECTORS=$((W_MB * 2048))
W_LAST=$((W_SECTORS / W_REGION - 1))
for k in 1 2 3; do
    # shellcheck disable=SC2086
    cluster_run "$k" 120 "$self" create cw "${U[w]}" $W_SECTORS $W_REGION ${DEVS[w]} nosync >/dev/null ||
        { note "node$k: create cw failed"; exit 1; }
done
for k in 1 2 3; do
    cluster_run "$k" 60 "$self" sync cw 50 >/dev/null || { note "node$k: cw not in sync"; exit 1; }
done
writer=(python3 "$MIRROR_WRITER" /dev/mapper/cw --regions "0-$W_LAST")
# warm-up: every node writes for a few seconds (first open, page cache of the python)
declare -A w0
for k in 1 2 3; do w0[$k]=$(cluster_cmd "$k" "${writer[@]}" --seconds 3 --seed $((90 + k))); done
for k in 1 2 3; do cluster_wait "$k" "${w0[$k]}" 60 >/dev/null; done

declare -A before
for k in 1 2 3; do before[$k]=$(cluster_run "$k" 30 "$self" counters | mirror_ops); done
total_writes=0
write_run() { # N ROUND: nodes 1..N write SECS s at once; prints "<aggregate writes/s> <writes>"
    local n=$1 round=$2 k rc agg=0 line sum start_spread first last writes=0
    declare -A seq
    for ((k = 1; k <= n; k++)); do
        seq[$k]=$(cluster_cmd "$k" "${writer[@]}" --seconds "$SECS" --seed $((round * 10 + k)))
    done
    # how far apart the writers started (host view, 0.1 s polls)
    first='' last=''
    for _ in $(seq 600); do
        local all=1 any=0
        for ((k = 1; k <= n; k++)); do
            if cluster_output "$k" "${seq[$k]}" | grep -q '^started'; then any=1; else all=0; fi
        done
        ((any)) && [[ -z $first ]] && first=$(mirror_now)
        ((all)) && { last=$(mirror_now); break; }
        sleep 0.1
    done
    start_spread=$(awk -v a="${first:-0}" -v b="${last:-0}" 'BEGIN { printf "%.1f", b - a }')
    sum=''
    for ((k = 1; k <= n; k++)); do
        rc=0
        cluster_wait "$k" "${seq[$k]}" $((SECS + 120)) || rc=$?
        line=$(cluster_output "$k" "${seq[$k]}" | grep '^done' | tail -n 1)
        if ((rc != 0)) || [[ -z $line ]]; then
            note "node$k: writer failed ($rc): $(cluster_output "$k" "${seq[$k]}" | tail -n 2)" >&2
            return 1
        fi
        agg=$(awk -v a="$agg" -v l="$line" 'BEGIN { split(l, f, /[ =]/); print a + f[3] / f[7] }')
        writes=$((writes + $(sed -nE 's/^done n=([0-9]+).*/\1/p' <<<"$line")))
        sum+=" node$k: ${line#done }"
    done
    note "round $round, $n node(s): $(printf '%.1f' "$agg") writes/s;$sum; started within ~${start_spread} s; load $(load_now)" >&2
    printf '%.2f %d\n' "$agg" "$writes"
}
declare -A wps
ok=1
for ((round = 1; round <= REPS; round++)); do
    order=(1 2 3)
    ((round % 2 == 0)) && order=(3 2 1)
    for n in "${order[@]}"; do
        v=$(write_run "$n" "$round") || { ok=0; break 2; }
        wps[$round.$n]=${v% *}
        total_writes=$((total_writes + ${v#* }))
    done
done
declare -A after
for k in 1 2 3; do after[$k]=$(cluster_run "$k" 30 "$self" counters | mirror_ops); done
ops=0
for k in 1 2 3; do
    if [[ -n ${before[$k]} && -n ${after[$k]} ]]; then
        note "node$k: DLM requests during the write runs: $((after[$k] - before[$k])) (counter ${before[$k]} -> ${after[$k]})"
        ops=$((ops + after[$k] - before[$k]))
    else
        note "node$k: DLM counters not readable (before '${before[$k]}', after '${after[$k]}')"
        ops=''
        break
    fi
done
if ((ok)); then
    for n in 1 2 3; do
        metric "cluster.writes.n$n.wps" "$(for ((r = 1; r <= REPS; r++)); do echo "${wps[$r.$n]}"; done | median)" writes/s
    done
    for n in 2 3; do
        metric "cluster.writes.n$n.speedup" "$(for ((r = 1; r <= REPS; r++)); do
            awk -v a="${wps[$r.$n]}" -v b="${wps[$r.1]}" 'BEGIN { printf "%.4f\n", a / b }'
        done | median)" x
    done
fi
if [[ -n $ops ]] && ((total_writes > 0)); then
    metric cluster.steady.writes "$total_writes" writes
    metric cluster.steady.dlm_ops "$ops" requests
    metric cluster.steady.dlm_ops_per_1000_writes "$(awk -v o="$ops" -v w="$total_writes" 'BEGIN { printf "%.3f", o * 1000 / w }')" requests
fi

# ---- 4. kill node 3 while all three write --------------------------------------------
stop=$work/stop-writers
rm -f "$stop"
declare -A wk mark
for k in 1 2 3; do wk[$k]=$(cluster_cmd "$k" "${writer[@]}" --stop-file "$stop" --seed $((70 + k))); done
for k in 1 2 3; do mirror_wait_writer_n "$k" "${wk[$k]}" 20 60 || note "node$k: writer slow to start"; done
for k in 1 2; do mark[$k]=$(mirror_log_mark "$k"); done
slot3=''
[[ -x $MIRROR_DMLOGCTL ]] && slot3=$(mirror_slot_of "$work/w-log.img" 3)
note "kill: load average $(load_now); node 3's slot: ${slot3:-unknown}"
t_kill=$(mirror_now)
if cluster_kill 3 >&2; then
    # its slot as the kill left it, read before a survivor merges it (the
    # merge waits for corosync's token timeout and consensus)
    if [[ -n $slot3 ]]; then
        dirty=$(mirror_bitmap_regions "$work/w-log.img" "$slot3" | tr '\n' ' ')
        note "node 3's slot $slot3 at the kill ($(mirror_since "$t_kill") s after it; $(mirror_slot_state "$work/w-log.img" "$slot3")): dirty regions: ${dirty:-none}"
        metric cluster.kill.slot_dirty "$(wc -w <<<"$dirty")" regions
    fi
    if mirror_wait_log 120 "merged slot [0-9]+ of lost node 3\$" 1:"${mark[1]}" 2:"${mark[2]}"; then
        merge=$(mirror_since "$t_kill")
        metric cluster.kill.merge_s "$merge" s
        for k in 1 2; do mirror_log_since "$k" "${mark[$k]}" | grep -E 'merged slot|lost' | sed "s/^/# node$k dmlogd: /"; done
        for k in 1 2; do cluster_run "$k" 200 "$self" sync cw 190 >/dev/null || note "node$k: cw not in sync after the merge"; done
        metric cluster.kill.in_sync_s "$(mirror_since "$t_kill")" s
        sleep 2 # the last "set in sync" lines
        copied=$(for k in 1 2; do mirror_resynced "$k" "${mark[$k]}"; done | sort -n | tr '\n' ' ')
        note "regions the survivors copied after the kill: ${copied:-none}"
        metric cluster.kill.copied "$(wc -w <<<"$copied")" regions
    else
        note "no survivor merged node 3's slot within 120 s of the kill"
    fi
else
    note "cluster_kill 3 failed"
fi
touch "$stop"
for k in 1 2; do
    cluster_wait "$k" "${wk[$k]}" 60 >/dev/null
    note "node$k writer across the kill: $(cluster_output "$k" "${wk[$k]}" | grep -E '^(done|error)' | tail -n 1)"
done
cluster_stop 60 >&2 || note "cluster_stop reported a problem"
note "end: load average $(load_now)"
exit 0
