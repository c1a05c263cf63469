#!/bin/bash
# bench/run.sh - run the benchmark rows of doc/performance.md, write the
# results and compare them with the committed table (bench/results.tsv).
#
#   DMLOG_BUILD=/path/to/build bench/run.sh [ROW...]
#
# Rows: request flush scale mirror cluster (default: all five). `make bench` runs
# this with DMLOG_BUILD set to its build tree. Environment:
#   BENCH_DIR     where log files go (default /var/tmp: disk-backed; the
#                 2^32-region disk log needs 1.6 GB there)
#   BENCH_REPS    repetitions per figure (default 5; medians are printed)
#   BENCH_SAVE=1  also copy the new results over bench/results.tsv
#   BENCH_COMMIT  the commit to record (default: git rev-parse of the tree)
#
# Output: $DMLOG_BUILD/bench/results.tsv (row, metric, value, unit,
# better: lower | higher | info) and $DMLOG_BUILD/bench/<row>.log (the
# programs' full output, per-rep figures included). Only ratios and I/O
# counts are compared ("info" figures, absolute times among them, are
# not): a figure more than 20% worse than the committed one is printed as
# REGRESSION. Exit status: 0; 1 when a row failed (the other rows are
# still reported); 3 on a regression.
set -uo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
top=$(cd "$here/.." && pwd)
: "${DMLOG_BUILD:?set DMLOG_BUILD to the build tree (make bench does)}"
B=$(readlink -f "$DMLOG_BUILD")
BIN=$B/bench
DMLOGD=$B/daemons/dmlogd/dmlogd
BENCH_DIR=${BENCH_DIR:-/var/tmp}
REPS=${BENCH_REPS:-5}
OUT=$BIN/results.tsv
COMMITTED=$here/results.tsv
rows=("$@")
((${#rows[@]})) || rows=(request flush scale mirror cluster)

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
note() { printf '# %s\n' "$*"; }
for p in "$DMLOGD" "$BIN/ulog_replay" "$BIN/ulog_echo" "$BIN/flush_cost" "$BIN/scale"; do
    [[ -x $p ]] || die "$p missing: build with make bench-bins"
done
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"

# Metric direction: what "worse" means for the comparison.
better() { # METRIC
    case $1 in
    # noisy here (doc/performance.md, "Noise"): reported, not compared
    *.p99_ratio | *.fps_ratio | *.vs_kdisk | request.write_disk.* | scale.*.r2[0-4].mem_ratio) echo info ;;
    # cluster (row 5): writes/s and its ratios follow the host's CPU under
    # TCG; only lock traffic per write and the resync ratio are compared
    cluster.steady.dlm_ops_per_1000_writes) echo lower ;;
    cluster.resync.*.speedup) echo higher ;;
    cluster.*) echo info ;;
    *.slowdown | *.p50_ratio | *.mem_ratio) echo lower ;;
    *.bytes_ratio) echo higher ;;
    *.bytes | *.writes | *.syncs) echo lower ;;
    cluster.*.dlm_ops_per_1000_writes) echo lower ;;
    cluster.*.speedup) echo higher ;;
    *) echo info ;;
    esac
}

# collect ROW < program output: metric lines into $OUT, named ROW.*
collect() {
    local row=$1 metric value unit
    while IFS=$'\t' read -r metric value unit; do
        [[ $metric == \#* || -z $metric || -z ${unit:-} ]] && continue
        [[ $metric == "$row".* ]] || metric=$row.$metric
        printf '%s\t%s\t%s\t%s\t%s\n' "$row" "$metric" "$value" "$unit" \
            "$(better "$metric")" >>"$OUT"
    done
}

# run ROW CMD...: run a benchmark program, keep its output, collect it
run() {
    local row=$1
    shift
    printf '$ %s\n' "$*" >>"$BIN/$row.log"
    "$@" 2>>"$BIN/$row.log" | tee -a "$BIN/$row.log" | collect "$row"
    local rc=${PIPESTATUS[0]}
    ((rc == 0)) || printf 'bench: %s: %s failed (status %d), see %s\n' "$row" "$1" "$rc" "$BIN/$row.log" >&2
    return "$rc"
}

tmp=''
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    [[ -n $tmp ]] && rm -rf "$tmp"
}
trap cleanup EXIT

row_request() {
    local conf sock_d sock_e disk
    tmp=$(mktemp -d /tmp/dmlog-bench.XXXXXX)
    conf=$tmp/dmlog.conf sock_d=$tmp/dmlogd.sock sock_e=$tmp/echo.sock
    : >"$conf"
    "$DMLOGD" -f --no-kernel -s "$sock_d" -C "$tmp/control.sock" -p "$tmp/dmlogd.pid" -c "$conf" 2>>"$tmp/dmlogd.log" &
    pids+=($!)
    "$BIN/ulog_echo" "$sock_e" &
    pids+=($!)
    for _ in $(seq 100); do [[ -S $sock_d && -S $sock_e ]] && break; sleep 0.05; done
    local s
    for s in write read resync; do
        run request "$BIN/ulog_replay" --stream "$s" --requests 50000 --reps "$REPS" \
            dmlogd="$sock_d" echo="$sock_e" || return 1
    done
    # the write stream on a clustered-disk log: every FLUSH is durable
    disk=$BENCH_DIR/dmlog-bench-request.img
    truncate -s 64M "$disk" || return 1
    run request "$BIN/ulog_replay" --stream write --requests 5000 --reps "$REPS" \
        --label write_disk --log "clustered-disk $disk 1024" \
        dmlogd="$sock_d" echo="$sock_e"
    local rc=$?
    rm -f "$disk"
    return $rc
}

row_flush() {
    run flush "$BIN/flush_cost" --dir "$BENCH_DIR" --reps "$REPS" --cycles 100 \
        --min-log2 10 --max-log2 24 --step 2
}

row_scale() {
    local avail need sizes=(20 24 28 32)
    run scale env DMLOG_BUILD="$B" "$BIN/scale" --type core --reps "$REPS" "${sizes[@]}" || return 1
    # a 2^32-region disk log needs a 1.6 GB file: only with room to spare
    avail=$(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
    need=$((2 * 1024 * 1024)) # KiB
    if ((avail < need)); then
        note "scale: 2^32-region disk log skipped: $BENCH_DIR has $((avail / 1024)) MiB free, needs 2048"
        sizes=(20 24 28)
    fi
    run scale env DMLOG_BUILD="$B" "$BIN/scale" --type disk --dir "$BENCH_DIR" --reps "$REPS" "${sizes[@]}"
}

row_mirror() {
    local res rc
    res=$(mktemp -d /tmp/dmlog-bench-vm.XXXXXX)
    printf '$ %s\n' "test/vm/run-guest.sh --timeout 2400 --mem 3072 --results $res bench/vm/mirror-io.sh" >>"$BIN/mirror.log"
    DMLOG_BUILD=$B DMLOG_BENCH_REPS=$REPS "$top/test/vm/run-guest.sh" --timeout 2400 --mem 3072 \
        --results "$res" "$here/vm/mirror-io.sh" >>"$BIN/mirror.log" 2>&1
    rc=$?
    if [[ -f $res/output.log ]]; then
        tee -a "$BIN/mirror.log" <"$res/output.log" | collect mirror
    fi
    ((rc == 0)) || printf 'bench: mirror: the guest failed (status %d); results in %s\n' "$rc" "$res" >&2
    ((rc == 0)) && rm -rf "$res"
    return "$rc"
}

row_cluster() { # a 3-node qemu cluster, one boot (bench/cluster.sh; waits for other guests first)
    run cluster env DMLOG_BUILD="$B" BENCH_DIR="$BENCH_DIR" "$here/cluster.sh"
}

compare() { # print the comparison with the committed table; 3 on regression
    [[ -f $COMMITTED ]] || { note "no committed bench/results.tsv to compare with"; return 0; }
    awk -F'\t' -v now="$OUT" '
        BEGIN { while ((getline l < now) > 0) { split(l, f, "\t"); val[f[2]] = f[3]; seen[f[2]] = 1 } }
        /^#/ || NF < 5 || $5 == "info" || !($2 in seen) { next }
        {
            old = $3 + 0; new = val[$2] + 0; worse = 0
            if ($5 == "lower" && new > old * 1.2 + 1e-9) worse = 1
            if ($5 == "higher" && new < old / 1.2 - 1e-9) worse = 1
            change = old != 0 ? (new - old) / old * 100 : 0
            printf "%-40s %12g %12g %+7.1f%%  %s%s\n", $2, old, new, change, $5 == "lower" ? "(lower is better)" : "(higher is better)", worse ? "  REGRESSION" : ""
            bad += worse
        }
        END { if (bad) { printf "%d regression(s) of more than 20%% against bench/results.tsv\n", bad; exit 3 } }
    ' "$COMMITTED"
}

: >"$OUT"
status=0
for row in "${rows[@]}"; do
    : >"$BIN/$row.log"
    case $row in
    request | flush | scale | mirror | cluster) ;;
    *) die "unknown row $row (request flush scale mirror cluster)" ;;
    esac
    note "row $row"
    "row_$row" || status=1
    cleanup
    tmp='' pids=()
done
{
    printf '# dmlog benchmark results: row, metric, value, unit, better\n'
    printf '# %s, commit %s, %s CPUs (%s), kernel %s\n' "$(date -u +%Y-%m-%d)" \
        "${BENCH_COMMIT:-$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)}" "$(nproc)" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(uname -r)"
    cat "$OUT"
} >"$OUT.new" && mv "$OUT.new" "$OUT"
grep -v '^#' "$OUT" | cut -f2- | column -t -s $'\t'
note "results: $OUT"
compare || status=3
if [[ ${BENCH_SAVE:-0} == 1 ]]; then
    cp "$OUT" "$COMMITTED" && note "saved as $COMMITTED"
fi
exit "$status"
