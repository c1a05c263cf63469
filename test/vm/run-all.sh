#!/bin/bash
# run-all.sh - run every test/vm/scenarios/*.sh (or the ones named), each in
# its own guest boot, and print one final line "N passed, N failed".
#
# usage: run-all.sh [--console] [SCENARIO...]
#   SCENARIO: a path, or a name under scenarios/ (with or without .sh)
# Environment:
#   DMLOG_BUILD        build tree holding daemons/dmlogd/dmlogd (default: repo root)
#   DMLOG_VM_RESULTS   where per-scenario results go (default: new /tmp/dmlog-vm-all.XXXXXX)
#   DMLOG_VM_TIMEOUT   default per-scenario timeout in seconds (default 600);
#                      a scenario may say "# dmlog-vm: timeout=SECONDS"
#   DMLOG_VM_CACHE     kernel cache (default /var/cache/dmlog-vm)
# A scenario whose header has the line "# dmlog-vm: host" runs on the host
# instead (it boots guests itself through $DMLOG_RUN_GUEST); see README.md.
# A scenario whose header says "# dmlog-vm: pending=WHY" tests work that is
# not finished: it runs only when named, and otherwise is listed as PENDING
# (never counted as passed).
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
DMLOG_BUILD=$(readlink -f "${DMLOG_BUILD:-$here/../..}")
export DMLOG_BUILD

console=()
scenarios=()
while (($#)); do
    case $1 in
    --console) console=(--console); shift ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; exit 2 ;;
    *)
        if [[ -f $1 ]]; then
            scenarios+=("$(readlink -f "$1")")
        elif [[ -f $here/scenarios/${1%.sh}.sh ]]; then
            scenarios+=("$here/scenarios/${1%.sh}.sh")
        else
            printf '%s: no scenario %s\n' "$prog" "$1" >&2
            exit 2
        fi
        shift
        ;;
    esac
done
pending_why() { # FILE: the reason in "# dmlog-vm: pending=WHY", if any
    sed -n '1,30p' "$1" | sed -n 's/^# dmlog-vm: pending=\(.*\)$/\1/p' | head -n 1
}
if ((${#scenarios[@]} == 0)); then
    shopt -s nullglob
    for scn in "$here"/scenarios/*.sh; do
        why=$(pending_why "$scn")
        if [[ -n $why ]]; then
            printf 'PENDING: %s (not run, not counted): %s\n' "$(basename "$scn" .sh)" "$why"
            continue
        fi
        scenarios+=("$scn")
    done
    shopt -u nullglob
fi

passed=0 failed=0
report_fail() { printf 'FAIL: %s\n' "$*"; failed=$((failed + 1)); }

if ((${#scenarios[@]} == 0)); then
    report_fail "run-all: no scenario in $here/scenarios"
    printf '%d passed, %d failed\n' "$passed" "$failed"
    exit 1
fi

# Prerequisites: a missing kernel or qemu is a failure, never a skip.
if ! "$here/fetch-kernel.sh" >&2; then
    report_fail "run-all: fetch-kernel.sh failed (no guest kernel)"
    printf '%d passed, %d failed\n' "$passed" "$failed"
    exit 1
fi
if ! "$here/mkinitramfs.sh" >/dev/null; then
    report_fail "run-all: mkinitramfs.sh failed"
    printf '%d passed, %d failed\n' "$passed" "$failed"
    exit 1
fi

base=${DMLOG_VM_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-vm-all.XXXXXX")}
mkdir -p "$base"
base=$(readlink -f "$base")
printf '# %s: results in %s, DMLOG_BUILD=%s\n' "$prog" "$base" "$DMLOG_BUILD"

header_value() { # FILE KEY: value of "# dmlog-vm: KEY=VALUE" in the first 30 lines
    sed -n '1,30p' "$1" | sed -n "s/^# dmlog-vm: $2=\([^[:space:]]*\).*/\1/p" | head -n 1
}

total_start=$SECONDS
for scn in "${scenarios[@]}"; do
    name=$(basename "$scn" .sh)
    res=$base/$name
    rm -rf "$res"
    mkdir -p "$res"
    tmo=$(header_value "$scn" timeout)
    tmo=${tmo:-${DMLOG_VM_TIMEOUT:-600}}
    start=$SECONDS
    rc=0
    if sed -n '1,30p' "$scn" | grep -q '^# dmlog-vm: host[[:space:]]*$'; then
        mode=host
        out=$res/host-output.log
        DMLOG_RUN_GUEST=$here/run-guest.sh DMLOG_RESULTS=$res DMLOG_VM_DIR=$here \
            timeout -k 10 "$tmo" bash "$scn" </dev/null >"$out" 2>"$res/host-stderr.log" || rc=$?
    else
        mode=guest
        out=$res/output.log
        "$here/run-guest.sh" "${console[@]}" --timeout "$tmo" --results "$res" "$scn" \
            2>"$res/run-guest.log" || rc=$?
    fi
    secs=$((SECONDS - start))
    np=0 nf=0
    if [[ -f $out ]]; then
        while IFS= read -r line; do
            line=${line%$'\r'}
            case $line in
            PASS:\ *) printf 'PASS: %s: %s\n' "$name" "${line#PASS: }"; np=$((np + 1)) ;;
            FAIL:\ *) printf 'FAIL: %s: %s\n' "$name" "${line#FAIL: }"; nf=$((nf + 1)) ;;
            esac
        done <"$out"
    fi
    passed=$((passed + np))
    failed=$((failed + nf))
    why=''
    case $rc in
    0) ((np + nf > 0)) || why="printed no PASS/FAIL line" ;;
    124) why="timed out after ${tmo}s" ;;
    125) why="harness failure (guest died or never ran the script)" ;;
    *) ((nf > 0)) || why="exited with status $rc but printed no FAIL line" ;;
    esac
    if ((rc == 0 && nf > 0)); then why="printed FAIL lines but exited 0"; fi
    if [[ -n $why ]]; then
        report_fail "$name: $why; see $res"
        for f in "$res/run-guest.log" "$res/host-stderr.log"; do
            [[ -s $f ]] && tail -n 15 "$f" | sed 's/^/#   /'
        done
    fi
    printf '# %s (%s): status %s, %d passed, %d failed, %ss\n' "$name" "$mode" "$rc" "$np" "$nf" "$secs"
done
printf '# %s: %d scenario(s) in %ss\n' "$prog" "${#scenarios[@]}" "$((SECONDS - total_start))"
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
