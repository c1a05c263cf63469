#!/bin/bash
# dmlog-vm: timeout=2400
# bench/vm/mirror-io.sh - row "mirror" of doc/performance.md, in the guest
# (test/vm/run-guest.sh; bench/run.sh mirror starts it).
#
# Five 2-leg mirrors over loop devices (files in the guest's RAM), all
# live at once, all `nosync` (in-sync mirrors), region size 1024 sectors,
# one per log:
#   kcore     the kernel's core log
#   kdisk     the kernel's disk log (on its own 4 MiB loop device)
#   ucore     dmlogd clustered-core
#   udisk     dmlogd clustered-disk (on its own 4 MiB loop device)
#   udisk_if  dmlogd clustered-disk + integrated_flush (idem)
# fio jobs (O_DIRECT, psync, one job, queue depth 1, time based):
#   randwrite4k  4 KiB random writes        (IOPS)
#   seqwrite1m   1 MiB sequential writes    (KiB/s)
#   randread4k   4 KiB random reads         (IOPS)
# A rep runs each job on the five mirrors back to back, the order of the
# mirrors rotating with the rep, so every log runs at every position and
# the runs compared are seconds apart. Printed (bench_common.h format):
# per log and job the median over reps, and `vs_kdisk`, the median over
# reps of the ratio to the kernel disk log in the same rep (> 1: faster
# than kdisk).
# Environment: DMLOG_BENCH_REPS (5), DMLOG_BENCH_SECONDS (3 per fio run),
# DMLOG_BENCH_LEG_MB (128).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/../../test/vm source=../../test/vm/guest-lib.sh
. "${DMLOG_GUEST_LIB:?run me with test/vm/run-guest.sh}"

REPS=${DMLOG_BENCH_REPS:-5}
SECS=${DMLOG_BENCH_SECONDS:-3}
LEG_MB=${DMLOG_BENCH_LEG_MB:-128}
REGION=1024
SECTORS=$((LEG_MB * 2048))
LOGS=(kcore kdisk ucore udisk udisk_if)
JOBS=(randwrite4k seqwrite1m randread4k)
RAW=/tmp/mirror-io.raw # rep log job value

die() { printf 'mirror-io: %s\n' "$*" >&2; exit 1; }

load_dm_modules || die "cannot load the dm modules"
command -v fio >/dev/null || die "fio is not installed on the host (apt-get install fio)"
dmlogd_start || die "dmlogd did not start"

declare -A DEV
table() { # LOG LEG0 LEG1 LOGDEV: the mirror table
    local legs="2 $2 0 $3 0 1 handle_errors" mm u
    mm=$(dev_mm "$4") || return 1
    u=$(new_uuid)
    case $1 in
    kcore) echo "0 $SECTORS mirror core 2 $REGION nosync $legs" ;;
    kdisk) echo "0 $SECTORS mirror disk 3 $4 $REGION nosync $legs" ;;
    ucore) echo "0 $SECTORS mirror userspace 4 $u clustered-core $REGION nosync $legs" ;;
    udisk) echo "0 $SECTORS mirror userspace 5 $u clustered-disk $mm $REGION nosync $legs" ;;
    udisk_if) echo "0 $SECTORS mirror userspace 6 $u integrated_flush clustered-disk $mm $REGION nosync $legs" ;;
    esac
}

make_mirror() { # LOG: its legs, its log device, the mirror; sets DEV[LOG]
    local leg0 leg1 logdev t
    leg0=$(mk_loop "$LEG_MB") && leg1=$(mk_loop "$LEG_MB") && logdev=$(mk_loop 4) || return 1
    t=$(table "$1" "$leg0" "$leg1" "$logdev") || return 1
    DEV[$1]=$(dm_create "bm_$1" "$t") || { printf 'cannot create the %s mirror\n' "$1" >&2; return 1; }
    wait_sync "bm_$1" 30 || { printf '%s mirror not in sync: %s\n' "$1" "$(sync_ratio "bm_$1")" >&2; return 1; }
}

fio_job() { # DEV JOB: print the job's IOPS (4k jobs) or KiB/s (1m job)
    local dev=$1 job=$2 rw bs field out
    case $job in
    randwrite4k) rw=randwrite bs=4k field=49 ;;
    seqwrite1m) rw=write bs=1m field=48 ;;
    randread4k) rw=randread bs=4k field=8 ;;
    esac
    out=$(fio --name="$job" --filename="$dev" --direct=1 --rw="$rw" --bs="$bs" \
        --ioengine=psync --iodepth=1 --numjobs=1 --time_based --runtime="$SECS" \
        --randrepeat=1 --minimal 2>&1) || { printf 'fio %s failed: %s\n' "$job" "$out" >&2; return 1; }
    cut -d';' -f"$field" <<<"$out"
}

note "guest: $(nproc) CPU, kernel $(uname -r), fio $(fio --version), legs ${LEG_MB} MiB, region $REGION sectors, ${SECS}s per fio run, $REPS reps"
: >"$RAW"
for log in "${LOGS[@]}"; do
    make_mirror "$log" || die "cannot set up the $log mirror"
done
status=0
for ((rep = 0; rep < REPS && status == 0; rep++)); do
    for job in "${JOBS[@]}"; do
        for ((i = 0; i < ${#LOGS[@]}; i++)); do
            log=${LOGS[(i + rep) % ${#LOGS[@]}]}
            v=$(fio_job "${DEV[$log]}" "$job") || { status=1; break 2; }
            printf '%s %s %s %s\n' "$rep" "$log" "$job" "$v" >>"$RAW"
            note "rep $rep $job $log: $v"
        done
    done
done
for log in "${LOGS[@]}"; do
    dmsetup remove "bm_$log" || status=1
done
((status == 0)) || die "a run failed (see above)"
note "dmlogd signal masks before SIGTERM: $(grep -E '^Sig(Blk|Ign|Cgt)' "/proc/$DMLOGD_PID/status" | tr '\n\t' '  ')"
dmlogd_stop
rc=$?
((rc == 0)) || note "dmlogd_stop: dmlogd exit status $rc (expected 0; see dmlogd.log)"

# medians per (log, job) and of the per-rep ratios to kdisk
awk -v logs="${LOGS[*]}" -v jobs="${JOBS[*]}" '
    function median(arr, n,    i, j, t) {
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
        return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
    }
    { v[$1, $2, $3] = $4; if ($1 + 1 > reps) reps = $1 + 1 }
    END {
        nl = split(logs, L, " "); nj = split(jobs, J, " ")
        for (j = 1; j <= nj; j++) for (l = 1; l <= nl; l++) {
            unit = J[j] == "seqwrite1m" ? "KiB/s" : "IOPS"
            for (r = 0; r < reps; r++) { a[r + 1] = v[r, L[l], J[j]]; b[r + 1] = v[r, L[l], J[j]] / v[r, "kdisk", J[j]] }
            printf "mirror.%s.%s.%s\t%g\t%s\n", J[j], L[l], unit == "IOPS" ? "iops" : "kibps", median(a, reps), unit
            if (L[l] != "kdisk") printf "mirror.%s.%s.vs_kdisk\t%.4g\tx\n", J[j], L[l], median(b, reps)
        }
    }' "$RAW"
