#!/bin/bash
# cluster-ctl.sh - drive a cluster started by start-cluster.sh from a shell.
#
# usage: cluster-ctl.sh WORKDIR status
#        cluster-ctl.sh WORKDIR run K TIMEOUT ARGS...   (one ARG: bash code)
#        cluster-ctl.sh WORKDIR cmd K ARGS...           (prints the command number)
#        cluster-ctl.sh WORKDIR wait K SEQ [TIMEOUT]
#        cluster-ctl.sh WORKDIR kill K
#        cluster-ctl.sh WORKDIR partition [K...]        (no K: heal)
#        cluster-ctl.sh WORKDIR stop [TIMEOUT]
# Exit status: that of the command (run, wait) or of the cluster-lib function.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=cluster-lib.sh
. "$here/cluster-lib.sh"

(($# >= 2)) || { sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cluster_attach "$1" || exit 1
what=$2
shift 2
case $what in
status)
    for ((i = 1; i <= CLUSTER_N; i++)); do
        if cluster_alive "$i"; then a=running; else a=down; fi
        printf 'node%s: qemu %s, state %s\n' "$i" "$a" "$(cluster_state "$i")"
    done
    if _cl_hub_pid >/dev/null; then echo "hub: running on 127.0.0.1:$CLUSTER_BASE"; else echo "hub: down"; fi
    ;;
run) cluster_run "$@" ;;
cmd) cluster_cmd "$@" ;;
wait) k=$1 n=$2; rc=0; cluster_wait "$@" || rc=$?; cluster_output "$k" "$n"; exit "$rc" ;;
kill) cluster_kill "$@" ;;
partition) cluster_partition "$@" ;;
stop) cluster_stop "$@" ;;
*) printf 'cluster-ctl.sh: unknown command %s\n' "$what" >&2; exit 2 ;;
esac
