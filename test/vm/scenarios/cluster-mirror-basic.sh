#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=900
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
#   6. dmlogctl on every node (leg 1 goes through a dm-linear, cm_l1, so a
#      node can hold a write in flight by suspending it): with one write
#      held per node (region 100 + k on node k), `status --json` shows 3
#      ACTIVE slots with node ids 1, 2, 3 (this node's the right one), each
#      slot dirty, the cluster-wide dirty count and a joined, healthy
#      state; `regions --node k --dirty` lists exactly region 100 + k on
#      every node; `regions --dirty` (cluster-wide) exactly the three;
#      every report validated against doc/dmlogctl-json.md;
#   7. cluster-wide resync: leg 1 corrupted behind the mirror (raw /dev/vdb)
#      in region 64 (inside 60-69) and region 90 (outside); `dmlogctl
#      resync --regions 60-69 --wait` on node 2 returns with the range in
#      sync; the regions the three kernels reported copied are exactly
#      60-69; region 64 is repaired, region 90 is not; a second resync of
#      region 90 (node 3, --sectors) repairs it;
#   8. the mirror is removed everywhere; dmlogd stops cleanly; the legs are
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
# dmlogctl steps 6-7 added (de05299). First run (with an uncommitted
# intermediate cluster_log.c of the lead's, on a loaded host): steps 1-5
# pass; on node 1 every check of step 6 passes (regions --node 1/2/3 and
# the cluster-wide union exactly the held regions 101, 102, 103), except
# two expectation bugs of this script (the device has 16 slots, 13 FREE:
# fixed to count the ACTIVE ones) and one finding: node 1's status showed
# the ACTIVE slots of nodes 2 and 3 as owner "unwatched", suspect (its
# SIGUSR1 dump said "suspects 2" already during step 5), member false;
# then the guests hit their 200 s lifetime (now 720 s) before step 7.
# Second run (8b5830e): corosync lost the other two members on node 1
# (token timed out, host load 8) during the initial resync (68/128): no
# quorum, no verdict on steps 6-7.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
SRC=$(cd "$here/../../.." && pwd)

SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # sectors: 128 KiB, 128 regions
NAME=cmirror
L1=cm_l1 # leg 1 through a dm-linear: suspending it holds writes in flight
CONF=/run/dmlog-cluster.conf
RKB=$((REGION / 2))
HOLD0=100           # node k holds a write to region HOLD0 + k
RA=60 RB=69 RIN=64  # resync range, and the region corrupted inside it
ROUT=90             # corrupted outside it

node_env() {
    # shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
    . "$DMLOG_GUEST_LIB"
    DMLOGD_LOG=/results/dmlogd.log
    CTL=$DMLOG_BUILD/tools/dmlogctl/dmlogctl
    export DMLOG_CONTROL_SOCKET=/run/dmlogd.sock
}

# The documented schema (doc/dmlogctl-json.md): every key of a table is
# present with its type, and no key is undocumented.
validate() { # COMMAND JSONFILE
    python3 - "$SRC/doc/dmlogctl-json.md" "$1" "$2" <<'PY'
import json, re, sys
doc, command, path = sys.argv[1:]
tables, cur = {}, None
for line in open(doc):
    if line.startswith('#'):
        m = re.search(r'`([^`]+)`', line)
        cur = tables.setdefault(m.group(1), {}) if m else None
    elif cur is not None and line.startswith('| `'):
        key, typ = [c.strip() for c in line.strip().strip('|').split('|')][:2]
        cur[key.strip('`')] = typ
def fits(v, typ):
    for alt in typ.split(' or '):
        if v is None:
            if alt == 'null':
                return True
        elif alt == 'string' and isinstance(v, str):
            return True
        elif alt in ('integer', 'number') and isinstance(v, int) and not isinstance(v, bool):
            return True
        elif alt == 'number' and isinstance(v, float):
            return True
        elif alt == 'boolean' and isinstance(v, bool):
            return True
        elif alt.startswith('object: ') and isinstance(v, dict):
            walk(v, alt[8:])
            return True
        elif alt.startswith('array of ') and isinstance(v, list):
            return all(fits(x, alt[9:]) for x in v)
    return False
def walk(o, name):
    t = tables[name]
    for k, typ in t.items():
        if k not in o:
            sys.exit(f'{name}.{k}: documented but missing')
        if not fits(o[k], typ):
            sys.exit(f'{name}.{k}: {o[k]!r} is not {typ}')
    extra = [k for k in o if k not in t]
    if extra:
        sys.exit(f'{name}: undocumented {extra}')
walk(json.load(open(path)), command)
PY
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
    dmsetup create $L1 --table "0 $SECTORS linear /dev/vdb 0" || exit 1
    dmsetup mknodes $L1 >/dev/null 2>&1
    dmsetup create $NAME --table "0 $SECTORS mirror userspace 4 $2 clustered-disk /dev/vdc $REGION 2 /dev/vda 0 /dev/mapper/$L1 0 1 handle_errors" ||
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
ctl) # OUT COMMAND ARGS...: dmlogctl --json COMMAND ARGS > OUT, validated; prints OUT
    node_env
    out=$2 cmd=$3
    shift 3
    "$CTL" --json "$cmd" "$@" >"$out" || { cat "$out"; exit 1; }
    validate "$cmd" "$out" || { cat "$out"; exit 1; }
    cat "$out"
    exit 0
    ;;
ctl-text) # ARGS...: dmlogctl ARGS (human output)
    node_env
    shift
    exec "$CTL" "$@"
    ;;
hold) # REGION: suspend leg 1's dm-linear, write REGION, return once the
    # write reached leg 0 (marked and flushed, held in flight on leg 1)
    node_env
    dmsetup suspend $L1 || exit 1
    dd if=/dev/urandom of=/tmp/held bs=4k count=1 status=none
    rm -f /tmp/held.rc
    setsid bash -c "dd if=/tmp/held of=/dev/mapper/$NAME bs=4k seek=$(($2 * RKB / 4)) oflag=direct status=none; echo \$? >/tmp/held.rc" \
        </dev/null >/dev/null 2>&1 &
    wait_until 30 range_is /dev/vda $(($2 * RKB)) /tmp/held || exit 1
    test ! -e /tmp/held.rc
    exit
    ;;
release) # resume leg 1's dm-linear; the held write must complete
    node_env
    dmsetup resume $L1 || exit 1
    wait_until 30 test -s /tmp/held.rc || exit 1
    exit "$(cat /tmp/held.rc)"
    ;;
corrupt) # REGION TAG: 4 KiB of random bytes on raw leg 1 in REGION, kept in /results/bad.TAG
    node_env
    dd if=/dev/urandom of="/results/bad.$3" bs=4k count=1 status=none &&
        dd if="/results/bad.$3" of=/dev/vdb bs=4k seek=$(($2 * RKB / 4)) oflag=direct status=none &&
        range_is /dev/vdb $(($2 * RKB)) "/results/bad.$3"
    exit
    ;;
leg1-is) # REGION good|TAG: leg 1's first 4 KiB of REGION equal leg 0's (good) or /results/bad.TAG
    node_env
    if [[ $3 == good ]]; then
        dd if=/dev/vda iflag=direct bs=4k skip=$(($2 * RKB / 4)) count=1 status=none >/tmp/leg0.chunk &&
            range_is /dev/vdb $(($2 * RKB)) /tmp/leg0.chunk
    else
        range_is /dev/vdb $(($2 * RKB)) "/results/bad.$3"
    fi
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
# token 3000: a loaded host can starve a guest's corosync for 2-3 s;
# at 1000 that broke quorum in runs of the other cluster scenarios
export DMLOG_COROSYNC_TOKEN=${DMLOG_COROSYNC_TOKEN:-3000}
work=${DMLOG_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/dmlog-cluster-mirror.XXXXXX")}/cluster
mkdir -p "$work"
U=dmlog-cluster-$(cat /proc/sys/kernel/random/uuid)

rm -f "$work"/leg0.img "$work"/leg1.img "$work"/log.img
dd if=/dev/urandom of="$work/leg0.img" bs=1M count=$SIZE_MB status=none
truncate -s ${SIZE_MB}M "$work/leg1.img"
truncate -s 4M "$work/log.img"

if ! cluster_form 3 "$work" --disk "$work/leg0.img" --disk "$work/leg1.img" \
    --disk "$work/log.img" --mem 768 --timeout 720 -- "$self" node; then
    summary
    exit 1
fi

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

# ---- 6. dmlogctl: slots, cluster-wide dirty regions, one write held per node ------
jq_() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
js() { printf '%s/node%s/%s\n' "$work" "$1" "$2"; } # K FILE: a node's /results file on the host
ranges() { # JSONFILE: its ranges as "a-b|c-d"
    jq_ "$1" "'|'.join('%d-%d' % (r['first_region'], r['last_region']) for r in d['ranges'])"
}
all3=0
[[ ${#created[@]} -eq 3 ]] && all3=1
if ((all3)); then
    for k in 1 2 3; do
        check "node$k: hold a write to region $((HOLD0 + k)) in flight" cluster_run "$k" 60 "$self" hold $((HOLD0 + k))
    done
    for k in 1 2 3; do
        st=$(js "$k" st.json)
        check "node$k: dmlogctl status --json (schema)" cluster_run "$k" 30 "$self" ctl /results/st.json status "$U" >/dev/null
        check_eq "node$k: status: 3 ACTIVE slots of $(jq_ "$st" "len(d['logs'][0]['slots'])"), the others FREE" "3 ACTIVE" \
            "$(jq_ "$st" "'%d ACTIVE' % len([s for s in d['logs'][0]['slots'] if s['state'] == 'ACTIVE']) if all(s['state'] in ('ACTIVE', 'FREE') for s in d['logs'][0]['slots']) else 'bad state'")"
        check_eq "node$k: status: the ACTIVE slots' node ids" "1 2 3" \
            "$(jq_ "$st" "' '.join(str(x) for x in sorted(s['node_id'] for s in d['logs'][0]['slots'] if s['state'] == 'ACTIVE'))")"
        check_eq "node$k: status: this node's slot has node id $k" "[$k]" \
            "$(jq_ "$st" "[s['node_id'] for s in d['logs'][0]['slots'] if s['this_node']]")"
        check_eq "node$k: status: the other slots' owners are alive members" "alive:True alive:True" \
            "$(jq_ "$st" "' '.join('%s:%s' % (s['owner'], s['member']) for s in d['logs'][0]['slots'] if s['state'] == 'ACTIVE' and not s['this_node'])")"
        check "node$k: status: every slot has its held region dirty" \
            test "$(jq_ "$st" "min(s['dirty_regions'] for s in d['logs'][0]['slots'] if s['state'] == 'ACTIVE')")" -ge 1
        check "node$k: status: dirty_regions_cluster >= 3" \
            test "$(jq_ "$st" "d['logs'][0]['dirty_regions_cluster']")" -ge 3
        check_eq "node$k: status: cluster joined, barrier member, node id $k" "joined member $k" \
            "$(jq_ "$st" "'%s %s %d' % (d['logs'][0]['cluster']['join'], d['logs'][0]['cluster']['barrier'], d['logs'][0]['cluster']['node_id'])")"
        check_eq "node$k: status: healthy" healthy "$(jq_ "$st" "d['logs'][0]['health']")"
    done
    cluster_run 1 30 "$self" ctl-text status "$U" | sed 's/^/# node1 status: /'
    for k in 1 2 3; do
        for n in 1 2 3; do
            r=$((HOLD0 + n))
            # other marks of node n (its earlier writes) clear within a few
            # seconds; the held one stays
            check "node$k: regions --node $n --dirty = exactly region $r" \
                cluster_run "$k" 40 "for i in \$(seq 100); do '$self' ctl /results/rg.json regions $U --node $n --dirty >/dev/null || exit 1; python3 -c 'import json,sys; d=json.load(open(\"/results/rg.json\")); sys.exit(0 if [(x[\"first_region\"], x[\"last_region\"], x[\"first_sector\"]) for x in d[\"ranges\"]] == [($r, $r, $((r * REGION)))] else 1)' && exit 0; sleep 0.3; done; cat /results/rg.json; exit 1"
        done
        check "node$k: regions --dirty (cluster-wide) = exactly the three held regions" \
            cluster_run "$k" 40 "for i in \$(seq 100); do '$self' ctl /results/rg.json regions $U --dirty >/dev/null || exit 1; python3 -c 'import json,sys; d=json.load(open(\"/results/rg.json\")); sys.exit(0 if d[\"cluster_wide\"] and [(x[\"first_region\"], x[\"count\"]) for x in d[\"ranges\"]] == [($((HOLD0 + 1)), 3)] else 1)' && exit 0; sleep 0.3; done; cat /results/rg.json; exit 1"
    done
    cluster_run 2 30 "$self" ctl-text regions "$U" --node 3 | sed 's/^/# node2 regions --node 3: /'
    cluster_run 2 30 "$self" ctl-text regions "$U" --node 9 2>&1 | sed 's/^/# node2 regions --node 9: /'
    for k in 1 2 3; do
        check "node$k: release the held write" cluster_run "$k" 60 "$self" release
    done
else
    fail "dmlogctl steps need the mirror on all 3 nodes" "created: ${created[*]}"
fi

# ---- 7. cluster-wide resync of a range ------------------------------------------
copied_since() { # K MARK: regions node K's kernel reported copied after line MARK of its dmlogd.log
    tail -n +"$(($2 + 1))" "$work/node$1/dmlogd.log" | sed -nE 's/.*: region ([0-9]+) set in sync$/\1/p'
}
if ((all3)); then
    for k in 1 2 3; do
        check "node$k: mirror in sync before the resync" cluster_run "$k" 120 "$self" sync 110 >/dev/null
    done
    check "leg 1 corrupted in region $RIN (inside $RA-$RB)" cluster_run 1 30 "$self" corrupt $RIN in
    check "leg 1 corrupted in region $ROUT (outside)" cluster_run 1 30 "$self" corrupt $ROUT out
    declare -A mark
    for k in 1 2 3; do mark[$k]=$(wc -l <"$work/node$k/dmlogd.log"); done
    t0=$(date +%s)
    check "node2: dmlogctl resync --regions $RA-$RB --wait (cluster-wide)" \
        cluster_run 2 240 "$self" ctl /results/rs.json resync "$U" --regions $RA-$RB --wait >/dev/null
    note "resync --wait took $(($(date +%s) - t0)) s"
    rs=$(js 2 rs.json)
    check_eq "resync report: cluster-wide, range, waited, nothing left" "True $RA $((RB - RA + 1)) True 0" \
        "$(jq_ "$rs" "'%s %d %d %s %s' % (d['cluster_wide'], d['first_region'], d['count'], d['waited'], d['out_of_sync_left'])")"
    check_eq "resync report: all $((RB - RA + 1)) regions were in sync" $((RB - RA + 1)) "$(jq_ "$rs" "d['marked']")"
    for k in 1 2 3; do
        check "node$k: mirror in sync after the resync" cluster_run "$k" 120 "$self" sync 110 >/dev/null
    done
    sleep 2 # the last "set in sync" lines
    copied=$(for k in 1 2 3; do copied_since "$k" "${mark[$k]}"; done | sort -n)
    note "regions copied per node: $(for k in 1 2 3; do printf 'node%s [%s] ' "$k" "$(copied_since "$k" "${mark[$k]}" | tr '\n' ' ')"; done)"
    check_eq "the kernels copied exactly regions $RA-$RB" "$(seq -s' ' $RA $RB)" "$(uniq <<<"$copied" | tr '\n' ' ' | sed 's/ $//')"
    check_eq "each region copied once" $((RB - RA + 1)) "$(grep -c . <<<"$copied")"
    check "region $RIN (inside) repaired on leg 1" cluster_run 1 30 "$self" leg1-is $RIN good
    check "region $ROUT (outside) left alone" cluster_run 1 30 "$self" leg1-is $ROUT out
    check "node3: dmlogctl resync --sectors (region $ROUT only)" \
        cluster_run 3 60 "$self" ctl /results/rs2.json resync "$U" --sectors $((ROUT * REGION))-$((ROUT * REGION + 7))
    check_eq "resync --sectors picked region $ROUT" "$ROUT 1" "$(jq_ "$(js 3 rs2.json)" "'%d %d' % (d['first_region'], d['count'])")"
    for k in 1 2 3; do
        check "node$k: mirror in sync again" cluster_run "$k" 120 "$self" sync 110 >/dev/null
    done
    check "region $ROUT repaired by the second resync" \
        cluster_run 1 60 "for i in \$(seq 100); do '$self' leg1-is $ROUT good && exit 0; sleep 0.3; done; exit 1"
fi

# ---- 8. remove everywhere, stop dmlogd, compare the legs ------------------------
for k in "${created[@]}"; do
    check "node$k: dmsetup remove $NAME" cluster_run "$k" 90 dmsetup remove $NAME
    check "node$k: dmsetup remove $L1" cluster_run "$k" 30 dmsetup remove $L1
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
