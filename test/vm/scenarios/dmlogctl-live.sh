#!/bin/bash
# dmlog-vm: timeout=500
# dmlogctl-live.sh - dmlogctl's online commands against a live mirror.
#
# One guest, one dmlogd (control socket at its default /run/dmlogd.sock),
# one clustered-disk mirror of 128 regions whose leg 1 goes through a
# dm-linear (suspending it holds a write in flight):
#   status   the values match `dmsetup status` (regions, in sync, log device)
#            and the mirror's name, before and after the initial resync
#   regions  a write held in flight lists exactly its region as dirty (by
#            mirror name, by device path, by uuid prefix); nothing after
#   stats    the writes and their flushes are counted, with block sizes
#   resync   leg 1 corrupted behind the mirror's back inside and outside a
#            range; `resync --regions A-B --wait` copies exactly that range
#            (regions recovered counted), repairs the inside corruption and
#            leaves the outside one; --sectors picks the right region;
#            progress lines printed
#   map      draws, sized by COLUMNS/LINES
#   JSON     every report validated against doc/dmlogctl-json.md
#   errors   unknown log exit 3, bad range exit 2, stopped daemon exit 4
set -uo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "${DMLOG_GUEST_LIB:-$(dirname "$0")/../guest-lib.sh}"

CTL=${DMLOG_BUILD:-.}/tools/dmlogctl/dmlogctl
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
SIZE_MB=16
SECTORS=$((SIZE_MB * 2048))
REGION=256 # 128 KiB -> 128 regions
NREG=$((SECTORS / REGION))
RKB=$((REGION / 2))
HOT=30                  # the region written with leg 1 held
IN=40 A=35 B=45         # corrupted inside the resync range A-B
OUT=80                  # corrupted outside it

# The documented schema: every key present with its type, nothing else.
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
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        cur[cells[0].strip('`')] = cells[1]
def ok(v, t):
    for alt in t.split(' or '):
        if alt == 'null' and v is None: return True
        if v is None: continue
        if alt == 'string' and isinstance(v, str): return True
        if alt == 'integer' and isinstance(v, int) and not isinstance(v, bool): return True
        if alt == 'number' and isinstance(v, (int, float)) and not isinstance(v, bool): return True
        if alt == 'boolean' and isinstance(v, bool): return True
        if alt.startswith('object: ') and isinstance(v, dict):
            check(v, alt[8:]); return True
        if alt.startswith('array of ') and isinstance(v, list):
            return all(ok(x, alt[9:]) for x in v)
    return False
def check(o, name):
    t = tables[name]
    for k, ty in t.items():
        if k not in o: sys.exit(f'{name}.{k}: documented, missing')
        if not ok(o[k], ty): sys.exit(f'{name}.{k}: {o[k]!r} is not {ty}')
    for k in o:
        if k not in t: sys.exit(f'{name}.{k}: not documented')
check(json.load(open(path)), command)
PY
}

ctl_json() { # OUT COMMAND ARGS...: run dmlogctl --json, validate the report
    local out=$1 cmd=$2
    shift 2
    "$CTL" --json "$cmd" "$@" >"$out" || return 1
    validate "$cmd" "$out"
}

jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

if ! check "modules load" load_dm_modules; then summary; exit 1; fi
if ! check "dmlogd starts" dmlogd_start; then summary; exit 1; fi
check "control socket at its default path" wait_until 5 test -S /run/dmlogd.sock

leg0=$(mk_loop $SIZE_MB random) && leg1=$(mk_loop $SIZE_MB zero) && logdev=$(mk_loop 1 zero) ||
    { fail "loop devices" "mk_loop failed"; summary; exit 1; }
logmm=$(dev_mm "$logdev")
U=$(new_uuid)
l1=$(dm_create c_l1 "0 $SECTORS linear $leg1 0") || { fail "dm-linear over leg 1" "dmsetup create failed"; summary; exit 1; }
dev=$(dm_create ml "0 $SECTORS mirror userspace 4 $U clustered-disk $logmm $REGION 2 $leg0 0 $l1 0 1 handle_errors") ||
    { fail "create the mirror" "dmsetup create failed"; summary; exit 1; }
pass "create a clustered-disk mirror ($NREG regions)"

# ---------------------------------------------------------------- status
check "status --json right after creation" ctl_json /tmp/st0 status ml
check_eq "status: the log uuid of mirror ml" "$U" "$(jq_ /tmp/st0 "d['logs'][0]['uuid']")"
check_eq "status: mirror name" ml "$(jq_ /tmp/st0 "d['logs'][0]['mirror']['name']")"
check_eq "status: region count = dmsetup's" "$(sync_ratio ml | cut -d/ -f2)" "$(jq_ /tmp/st0 "d['logs'][0]['region_count']")"
check_eq "status: region size" $REGION "$(jq_ /tmp/st0 "d['logs'][0]['region_size_sectors']")"
check_eq "status: log device" "$logmm" "$(jq_ /tmp/st0 "d['logs'][0]['log_device']")"
check_eq "status: slot 0 is this node's" "True" "$(jq_ /tmp/st0 "d['logs'][0]['slots'][0]['this_node']")"
check "initial resync completes" wait_sync ml 120
check "status after the resync" ctl_json /tmp/st1 status "$U"
check_eq "status: in sync = dmsetup's" "$(sync_ratio ml | cut -d/ -f1)" "$(jq_ /tmp/st1 "d['logs'][0]['in_sync_regions']")"
check_eq "status: healthy" healthy "$(jq_ /tmp/st1 "d['logs'][0]['health']")"
check "status: the resync copied every region" test "$(jq_ /tmp/st1 "d['logs'][0]['resync']['regions_recovered']")" -ge $NREG
"$CTL" status ml >/tmp/st.txt 2>&1
check "status text names the mirror and says healthy" grep -q "healthy: every region in sync" /tmp/st.txt
note "$(cat /tmp/st.txt)"

# ---------------------------------------------------------------- regions
check "regions: none dirty or out of sync when idle" \
    wait_until 20 bash -c "'$CTL' --json regions ml | python3 -c 'import json,sys; sys.exit(len(json.load(sys.stdin)[\"ranges\"]))'"
check "suspend leg 1's dm-linear (writes are held)" dmsetup suspend c_l1
dd if=/dev/urandom of=/tmp/new bs=4k count=1 status=none
(dd if=/tmp/new of="$dev" bs=4k seek=$((HOT * RKB / 4)) oflag=direct status=none; echo $? >/tmp/ddrc) &
check "the write reached leg 0 (region $HOT marked, in flight)" wait_until 30 range_is "$leg0" $((HOT * RKB)) /tmp/new
check "regions --dirty by mirror name" ctl_json /tmp/rg regions ml --dirty
check_eq "regions: exactly region $HOT is dirty" "$HOT-$HOT" \
    "$(jq_ /tmp/rg "'|'.join('%d-%d' % (r['first_region'], r['last_region']) for r in d['ranges'])")"
check_eq "regions: its sector offset" $((HOT * REGION)) "$(jq_ /tmp/rg "d['ranges'][0]['first_sector']")"
check_eq "regions: by device path, the same" "$HOT" \
    "$("$CTL" --json regions "$dev" --dirty | python3 -c 'import json,sys; print(json.load(sys.stdin)["ranges"][0]["first_region"])')"
check "regions text by uuid prefix" bash -c "'$CTL' regions ${U:0:8} | grep -q '^ *$HOT-$HOT '"
check_eq "status: one dirty region" 1 "$("$CTL" --json status ml | python3 -c 'import json,sys; print(json.load(sys.stdin)["logs"][0]["dirty_regions"])')"
check "resume leg 1's dm-linear" dmsetup resume c_l1
check "the held write completes" wait_until 30 test -s /tmp/ddrc
check_eq "the held write succeeded" 0 "$(cat /tmp/ddrc)"
check "regions: the dirty region is cleared afterwards" \
    wait_until 20 bash -c "'$CTL' --json regions ml --dirty | python3 -c 'import json,sys; sys.exit(len(json.load(sys.stdin)[\"ranges\"]))'"

# ---------------------------------------------------------------- stats
check "stats --json" ctl_json /tmp/sa stats ml
check "stats: MARK_REGION counted" test "$(jq_ /tmp/sa "[r['count'] for r in d['logs'][0]['requests'] if r['type'] in ('MARK_REGION','FLUSH')][0]")" -ge 1
check "stats: a flush wrote blocks" test "$(jq_ /tmp/sa "d['logs'][0]['flush']['blocks']")" -ge 1
check_eq "stats: bytes = blocks x 4 KiB" "$(($(jq_ /tmp/sa "d['logs'][0]['flush']['blocks']") * 4096))" "$(jq_ /tmp/sa "d['logs'][0]['flush']['bytes']")"
check "stats: device writes counted" test "$(jq_ /tmp/sa "d['logs'][0]['device']['writes']")" -ge 1
"$CTL" stats ml >/tmp/sa.txt 2>&1 && note "$(head -20 /tmp/sa.txt)"

# ---------------------------------------------------------------- resync
# Corrupt leg 1 behind the mirror's back, inside and outside A-B.
dd if=/dev/urandom of=/tmp/bad_in bs=4k count=1 status=none
dd if=/dev/urandom of=/tmp/bad_out bs=4k count=1 status=none
dd if=/tmp/bad_in of="$leg1" bs=4k seek=$((IN * RKB / 4)) oflag=direct status=none
dd if=/tmp/bad_out of="$leg1" bs=4k seek=$((OUT * RKB / 4)) oflag=direct status=none
check "leg 1 corrupted in region $IN" range_is "$leg1" $((IN * RKB)) /tmp/bad_in
rec0=$(jq_ /tmp/sa "d['logs'][0]['regions_recovered']")
"$CTL" resync ml --regions $A-$B --wait >/tmp/rs.txt 2>&1
check_eq "resync --regions $A-$B --wait exits 0" 0 $?
note "$(cat /tmp/rs.txt)"
check "resync: progress lines printed" grep -q "^resync: .*regions copied" /tmp/rs.txt
check "resync: says the range is in sync again" grep -q "in sync again" /tmp/rs.txt
check "the mirror is in sync" wait_sync ml 60
check "stats after the resync" ctl_json /tmp/sb stats ml
check_eq "resync copied exactly $((B - A + 1)) regions" $((B - A + 1)) \
    $(($(jq_ /tmp/sb "d['logs'][0]['regions_recovered']") - rec0))
dd if="$leg0" iflag=direct bs=4k skip=$((IN * RKB / 4)) count=1 status=none >/tmp/good_in
check "the corruption inside the range is repaired" range_is "$leg1" $((IN * RKB)) /tmp/good_in
check "the corruption outside the range is left alone" range_is "$leg1" $((OUT * RKB)) /tmp/bad_out
check "resync --sectors --json (region $OUT)" ctl_json /tmp/rs2 resync ml --sectors $((OUT * REGION))-$((OUT * REGION + 7))
check_eq "resync --sectors picks region $OUT" "$OUT 1" "$(jq_ /tmp/rs2 "'%d %d' % (d['first_region'], d['count'])")"
check "the mirror is in sync again" wait_sync ml 60
check "now the outside corruption is repaired too" wait_until 20 legs_equal "$leg0" "$leg1"

# ---------------------------------------------------------------- map, errors
check "map --json" ctl_json /tmp/mp map ml
COLUMNS=40 LINES=10 "$CTL" map ml >/tmp/mp.txt
check_eq "map: $NREG cells in rows of 40, header and legend" $(((NREG + 39) / 40 + 2)) "$(wc -l </tmp/mp.txt)"
"$CTL" status nosuchlog >/dev/null 2>&1
check_eq "status of an unknown log exits 3" 3 $?
"$CTL" resync ml --regions 5-$NREG >/dev/null 2>&1
check_eq "a range past the end exits 2" 2 $?

check "remove the mirror" dmsetup remove ml
check "remove leg 1's dm-linear" dmsetup remove c_l1
check "dmlogd stops" dmlogd_stop
"$CTL" status >/dev/null 2>/tmp/nd.txt
check_eq "status with dmlogd stopped exits 4" 4 $?
check "and says dmlogd is not running" grep -q "dmlogd is not running" /tmp/nd.txt
rm_loop "$leg0"; rm_loop "$leg1"; rm_loop "$logdev"
summary
