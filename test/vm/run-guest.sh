#!/bin/bash
# run-guest.sh - boot Debian's kernel in qemu (TCG) with the host's / as the
# guest's root (read-only 9p + tmpfs overlay) and run one script in it.
# See test/vm/README.md.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 125; }
usage() {
    cat <<EOF
usage: $prog [options] SCRIPT [ARGS...]

Boot a guest, run SCRIPT ARGS inside it (SCRIPT is a host path; the guest sees
the host's / read-only at the same paths), exit with SCRIPT's exit status.

options:
  --disk FILE        attach raw image FILE as a virtio disk (/dev/vda, vdb, ...
                     in the order given); repeatable; FILE outlives the guest
  --timeout SEC      kill the guest after SEC seconds (default ${DMLOG_VM_TIMEOUT:-300})
  --results DIR      host directory shared writable as /results in the guest
                     (default: a new ${TMPDIR:-/tmp}/dmlog-vm.XXXXXX); receives
                     console.log, output.log, dmesg.log, exit-code
  --share DIR        make host directory DIR visible read-only at the same path
                     (only needed under /tmp, which the guest replaces; the
                     script's directory, test/vm, DMLOG_BUILD and the kernel
                     modules are shared automatically when they are there)
  --env NAME=VALUE   export NAME=VALUE to SCRIPT (repeatable); every DMLOG_*
                     variable of the caller's environment is passed too
  --mem MB           guest memory (default 1024)
  --append TEXT      extra kernel command line
  --qemu-arg ARG     extra qemu argument (repeatable), e.g. for -netdev/-device
  --pidfile FILE     qemu writes its pid there (kill -9 it to "pull the plug")
  --console          also copy the guest console to stderr as it runs
  --interactive      console on this terminal (debugging; e.g. SCRIPT=/bin/bash)
  -h, --help         this text

exit status: SCRIPT's status; 124 guest timed out; 125 harness failure (no
kernel, no qemu, guest died before reporting a status, ...); 2 usage error.
Environment: DMLOG_VM_CACHE (kernel cache, default /var/cache/dmlog-vm),
DMLOG_BUILD (build tree, default the repository root), DMLOG_VM_TIMEOUT.
EOF
}

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
CACHE=${DMLOG_VM_CACHE:-/var/cache/dmlog-vm}

disks=() envs=() qargs=() shares=() user_shares=()
timeout=${DMLOG_VM_TIMEOUT:-300}
results='' mem=1024 append='' pidfile='' console=0 interactive=0
while (($#)); do
    case $1 in
    --disk) (($# >= 2)) || { usage >&2; exit 2; }; disks+=("$2"); shift 2 ;;
    --timeout) (($# >= 2)) || { usage >&2; exit 2; }; timeout=$2; shift 2 ;;
    --results) (($# >= 2)) || { usage >&2; exit 2; }; results=$2; shift 2 ;;
    --share) (($# >= 2)) || { usage >&2; exit 2; }; user_shares+=("$2"); shift 2 ;;
    --env) (($# >= 2)) || { usage >&2; exit 2; }; envs+=("$2"); shift 2 ;;
    --mem) (($# >= 2)) || { usage >&2; exit 2; }; mem=$2; shift 2 ;;
    --append) (($# >= 2)) || { usage >&2; exit 2; }; append+=" $2"; shift 2 ;;
    --qemu-arg) (($# >= 2)) || { usage >&2; exit 2; }; qargs+=("$2"); shift 2 ;;
    --pidfile) (($# >= 2)) || { usage >&2; exit 2; }; pidfile=$2; shift 2 ;;
    --console) console=1; shift ;;
    --interactive) interactive=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage >&2; exit 2 ;;
    *) break ;;
    esac
done
(($# >= 1)) || { usage >&2; exit 2; }
script=$1
shift

[[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]] || die "--timeout wants a positive number of seconds, got '$timeout'"
[[ $mem =~ ^[0-9]+$ ]] || die "--mem wants megabytes, got '$mem'"

# ---- prerequisites: fail, never skip ----------------------------------------
QEMU=${DMLOG_VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null 2>&1 || die "$QEMU not found: apt-get install qemu-system-x86"
[[ -f $CACHE/kernel.env ]] || die "no guest kernel in $CACHE: run test/vm/fetch-kernel.sh first"
KVER='' VMLINUZ='' MODDIR=''
# shellcheck source=/dev/null
. "$CACHE/kernel.env"
[[ -n $KVER && -f $VMLINUZ && -d $MODDIR ]] || die "guest kernel cache in $CACHE is incomplete: rerun test/vm/fetch-kernel.sh"
initrd=$("$here/mkinitramfs.sh") || die "mkinitramfs.sh failed"
[[ -f $initrd ]] || die "initramfs $initrd missing"

# ---- the script: a host path the guest can see --------------------------------
[[ $script == /* ]] || script=$(readlink -f -- "$script")
[[ -f $script ]] || die "script $script not found"
[[ $script != *[[:space:]]* ]] || die "script path must not contain white space: $script"

for d in "${disks[@]}"; do
    [[ -f $d || -b $d ]] || die "disk image $d not found (create it first, e.g. truncate -s 64M $d)"
    [[ $d != *,* ]] || die "disk path must not contain a comma: $d"
done

DMLOG_BUILD=${DMLOG_BUILD:-$(cd "$here/../.." && pwd)}
DMLOG_BUILD=$(readlink -f "$DMLOG_BUILD")

# The guest mounts fresh tmpfs on /tmp, /run, /dev/shm (and its own /dev,
# /proc, /sys), hiding those host directories. Host directories the guest
# needs that live under /tmp (a CI clone, a build tree, the kernel cache) are
# shared again, read-only, at the same path (extra 9p shares).
add_share() { # DIR
    local d s
    d=$(readlink -f "$1")
    [[ -d $d ]] || die "--share $1: not a directory"
    [[ $d != *[[:space:],]* ]] || die "shared directory must not contain white space or commas: $d"
    case $d/ in
    /run/* | /dev/* | /proc/* | /sys/* | /results/*) die "cannot share $d: the guest mounts its own file systems there" ;;
    /tmp/) die "cannot share all of /tmp" ;;
    esac
    for s in "${shares[@]}"; do
        [[ $d/ == "$s"/* ]] && return 0 # already inside a shared directory
    done
    shares+=("$d")
}
needs_share() { # PATH: true if PATH is under /tmp, which the guest hides
    [[ $1 == /tmp/* ]]
}
wanted=("${user_shares[@]}")
# The whole source tree (scenarios read docs and tools from it), the build
# tree, the kernel modules.
for p in "$(dirname "$script")" "$(cd "$here/../.." && pwd)" "$DMLOG_BUILD" "$MODDIR"; do
    case $p/ in
    /run/* | /dev/* | /proc/* | /sys/* | /results/*) die "$p is hidden in the guest (it mounts its own file systems there): use another place" ;;
    esac
    if needs_share "$p/" && [[ -d $p ]]; then wanted+=("$p"); fi
done
# Shortest first, so that a directory inside another shared one is not shared twice.
while IFS= read -r p; do
    [[ -n $p ]] && add_share "$p"
done < <(for p in "${wanted[@]}"; do printf '%s\t%s\n' "${#p}" "$p"; done | sort -n | cut -f2-)
((${#shares[@]} <= 8)) || die "too many shared directories (${#shares[@]}; at most 8)"

# ---- results directory ----------------------------------------------------------
if [[ -z $results ]]; then
    results=$(mktemp -d "${TMPDIR:-/tmp}/dmlog-vm.XXXXXX")
else
    mkdir -p "$results" || die "cannot create results directory $results"
fi
results=$(readlink -f "$results")
[[ $results != *,* ]] || die "results path must not contain a comma: $results"
rm -f "$results"/{exit-code,exit-code.tmp,console.log,output.log,dmesg.log,qemu.log,init-error.log}

q() { # shell-quote for the guest's /bin/sh
    local s=${1//\'/\'\\\'\'}
    printf "'%s'" "$s"
}
{
    echo "# written by run-guest.sh; sourced by the guest's init before SCRIPT"
    for name in $(compgen -e); do
        [[ $name == DMLOG_* ]] || continue
        printf 'export %s=%s\n' "$name" "$(q "${!name}")"
    done
    printf 'export DMLOG_BUILD=%s\n' "$(q "$DMLOG_BUILD")"
    printf 'export DMLOG_DMLOGD=%s\n' "$(q "${DMLOG_DMLOGD:-$DMLOG_BUILD/daemons/dmlogd/dmlogd}")"
    printf 'export DMLOG_VM_DIR=%s\n' "$(q "$here")"
    printf 'export DMLOG_GUEST_LIB=%s\n' "$(q "$here/guest-lib.sh")"
    printf 'export DMLOG_RESULTS=/results\n'
    printf 'export DMLOG_HOST_RESULTS=%s\n' "$(q "$results")"
    printf 'export DMLOG_KVER=%s\n' "$(q "$KVER")"
    printf 'export DMLOG_NDISKS=%s\n' "${#disks[@]}"
    for e in "${envs[@]}"; do
        [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"
        printf 'export %s=%s\n' "${e%%=*}" "$(q "${e#*=}")"
    done
    printf 'set --'
    for a in "$@"; do printf ' %s' "$(q "$a")"; done
    printf '\n'
} >"$results/guest.env"

# ---- qemu ---------------------------------------------------------------------------
kargs="console=ttyS0 quiet panic=-1 mitigations=off no_timer_check dmlog.script=$script dmlog.moddir=$MODDIR"
for i in "${!shares[@]}"; do kargs+=" dmlog.share$i=${shares[i]}"; done
cmd=("$QEMU" -machine q35 -accel tcg -m "$mem" -smp 1 -nographic -no-reboot
    -kernel "$VMLINUZ" -initrd "$initrd"
    -append "$kargs$append"
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap"
    -nic none)
for i in "${!shares[@]}"; do
    cmd+=(-virtfs "local,path=${shares[i]},mount_tag=share$i,security_model=none,readonly=on,multidevs=remap")
done
for d in "${disks[@]}"; do
    cmd+=(-drive "file=$d,format=raw,if=virtio,cache=none,file.locking=off")
done
[[ -n $pidfile ]] && cmd+=(-pidfile "$pidfile")
cmd+=("${qargs[@]}")
printf '%q ' "${cmd[@]}" >"$results/qemu.cmdline"
echo >>"$results/qemu.cmdline"

if ((interactive)); then
    set +e
    "${cmd[@]}"
    set -e
else
    start=$(date +%s.%N)
    set +e
    if ((console)); then
        timeout -k 10 "$timeout" "${cmd[@]}" </dev/null 2>"$results/qemu.log" |
            tee "$results/console.log" >&2
        qrc=${PIPESTATUS[0]}
    else
        timeout -k 10 "$timeout" "${cmd[@]}" </dev/null >"$results/console.log" 2>"$results/qemu.log"
        qrc=$?
    fi
    set -e
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    echo "$elapsed" >"$results/elapsed"
    if ((qrc == 124 || qrc == 137)); then
        printf '%s: guest timed out after %ss (killed); results in %s\n' "$prog" "$timeout" "$results" >&2
        tail -n 20 "$results/console.log" | sed 's/^/  console: /' >&2
        exit 124
    fi
fi

if [[ ! -f $results/exit-code ]]; then
    printf '%s: guest gave no exit status (qemu status %s): it crashed or never ran %s; results in %s\n' \
        "$prog" "${qrc:-?}" "$script" "$results" >&2
    [[ -s $results/qemu.log ]] && sed 's/^/  qemu: /' "$results/qemu.log" >&2
    [[ -f $results/console.log ]] && tail -n 20 "$results/console.log" | sed 's/^/  console: /' >&2
    exit 125
fi
rc=$(<"$results/exit-code")
[[ $rc =~ ^[0-9]+$ ]] || die "bad exit-code file in $results: '$rc'"
exit "$rc"
