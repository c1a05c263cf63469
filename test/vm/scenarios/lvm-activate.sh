#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=900
# lvm-activate.sh - dmlog-lvm (dmlog-lvm(8)) activates an LVM mirror LV of a
# local VG with dmlogd's clustered-disk log, in one guest with real LVM.
#
# Four virtio disks under dm-linear "pvN". A temporary lvm.conf
# (LVM_SYSTEM_DIR: udev sync off, no monitoring, no backups).
#   1. LVM creates vg/m (2 legs pv0 pv1, disk log pv2), the data written
#      through LVM's activation; the names and uuids LVM used are noted;
#      lvchange -an.
#   2. Refusals: a linear LV, a core-log mirror (exit 8), an unknown LV
#      (exit 3); nothing created.
#   3. dmlog-lvm activate vg/m: the same names and uuids as LVM's; the top
#      table is "mirror userspace 4 <mlog uuid> clustered-disk <mlog> 1024
#      2 <legs> 1 handle_errors" served by dmlogd; lvs shows it active and
#      in sync; the data written under LVM is there; new writes read back;
#      legs equal; a second activate is refused.
#   4. dmlogctl lv deactivate: nothing of vg left in dmsetup ls, lvs inactive.
#   5. activate again, then LVM's own lvchange -an removes it all.
#   6. a 3-leg mirror (log on pv3) the same way.
#   7. the boot unit (dmlog-lvm.service, built in the tree): its ExecStart=
#      and ExecStop= lines, run as written (the program mapped into the
#      build tree), with dmlog.conf selecting "@dmlog" (mirror vg/s tagged
#      dmlog) and "vg/sl" (linear); vg/u is an unselected mirror.
#      Without auto_activation_volume_list, vgchange -aay activates vg/s
#      with LVM's log (the control) and ExecStart fails naming it, leaves
#      it alone and warns. With the guidance's list [ "vg/u" ], vgchange
#      -aay activates vg/u but not vg/s. ExecStart then activates vg/s with
#      dmlogd's log, leaves vg/u inactive, notes vg/sl, and is idempotent;
#      ExecStop removes vg/s and leaves LVM's vg/u alone. A failing selected
#      LV (core log) and a missing one are named, exit 1, and vg/s is still
#      activated after the failure.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "$here/../guest-lib.sh"

NDISKS=4
DISK_MB=64

case ${1:-host} in
host)
    run_guest_on_blank_disks "$self" lvmact "$NDISKS" "$DISK_MB" 840
    summary
    exit
    ;;
guest) ;;
*)
    echo "usage: $0 [host|guest]" >&2
    exit 2
    ;;
esac

# ------------------------------------------------------------------ guest
TOOL=$DMLOG_BUILD/tools/dmlog-lvm/dmlog-lvm
R=$DMLOG_RESULTS
export LVM_SYSTEM_DIR=/tmp/lvm

mkdir -p $LVM_SYSTEM_DIR
cat >$LVM_SYSTEM_DIR/lvm.conf <<'EOF2'
devices {
    dir = "/dev"
    scan = [ "/dev" ]
    obtain_device_list_from_udev = 0
    external_device_info_source = "none"
    use_devicesfile = 0
    filter = [ "a|^/dev/mapper/pv[0-9]$|", "r|.*|" ]
}
activation {
    udev_sync = 0
    udev_rules = 0
    monitoring = 0
}
global {
    event_activation = 0
}
backup {
    backup = 0
    archive = 0
}
EOF2

if [[ ! -x $TOOL ]]; then
    fail "dmlog-lvm built" "$TOOL missing (make lvmtool)"
    summary
    exit 1
fi
if ! check "modules load" load_dm_modules; then summary; exit 1; fi

ok=1
letters=(a b c d)
for ((i = 0; i < NDISKS; i++)); do
    d=/dev/vd${letters[i]}
    dmsetup create pv$i --table "0 $(dev_sectors "$d") linear $d 0" || ok=0
done
check "pv0..pv3: dm-linear over the virtio disks" test $ok = 1
if ! check "dmlogd starts" dmlogd_start -d; then summary; exit 1; fi

lvmq() { lvm "$@" 2>>"$R/lvm-stderr.log"; }
tool() { "$TOOL" -v "$@" 2>>"$R/tool-stderr.log"; }
lv_field() { lvmq lvs --noheadings -o "$1" "$2" | tr -d ' '; } # FIELD VG/LV
table_of() { dmsetup table "$1" 2>/dev/null; }
dm_uuid() { dmsetup info -c --noheadings -o uuid "$1" 2>/dev/null; }
mm_of() { dmsetup info -c --noheadings -o major,minor --separator : "$1" 2>/dev/null | tr -d ' '; }
copy_done() { [[ $(lv_field copy_percent "$1") == 100.00 ]]; }
vg_devs() { dmsetup ls | awk '{print $1}' | grep '^vg-' | sort | tr '\n' ' '; }
no_vg_devs() { [[ -z $(vg_devs) ]]; }

check "vgcreate vg (pv0..pv3)" lvmq vgcreate vg /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2 /dev/mapper/pv3

# ---------------------------------------------------------------- 1. LVM's own
check "lvcreate --type mirror -m1 --mirrorlog disk vg/m (legs pv0 pv1, log pv2)" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 16M -n m vg \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2
check "LVM's activation reaches 100% in sync" wait_until 120 copy_done vg/m
dev=/dev/mapper/vg-m
dd if=/dev/urandom of=/tmp/exp bs=1M count=16 status=none
check "write 16 MiB through LVM's activation" dd if=/tmp/exp of=$dev bs=1M oflag=direct status=none
declare -A lvm_uuid
for n in vg-m vg-m_mimage_0 vg-m_mimage_1 vg-m_mlog; do
    lvm_uuid[$n]=$(dm_uuid $n)
done
note "LVM's devices: $(dmsetup info -c --noheadings -o name,uuid | grep '^vg-' | tr -s ' ' | tr '\n' ';')"
note "LVM's table: $(table_of vg-m)"
check "lvchange -an vg/m" lvmq lvchange -an vg/m
check "nothing of vg left after LVM's deactivation" no_vg_devs

# ---------------------------------------------------------------- 2. refusals
check "lvcreate vg/lin (linear)" lvmq lvcreate -y -an -Zn -L 8M -n lin vg /dev/mapper/pv3
check "lvcreate vg/c (mirror, core log)" lvmq lvcreate -y -an -Zn --type mirror -m1 --mirrorlog core -L 8M -n c vg /dev/mapper/pv0 /dev/mapper/pv1
rc=0; out=$("$TOOL" activate vg/lin 2>&1) || rc=$?
check_eq "activate vg/lin: refused (exit 8)" 8 "$rc"
check "  message: not a mirror" grep -q "vg/lin is a linear LV, not a mirror" <<<"$out"
rc=0; out=$("$TOOL" activate vg/c 2>&1) || rc=$?
check_eq "activate vg/c: refused (exit 8)" 8 "$rc"
check "  message: core log" grep -q "core log" <<<"$out"
rc=0; out=$("$TOOL" activate vg/nosuch 2>&1) || rc=$?
check_eq "activate vg/nosuch: not found (exit 3)" 3 "$rc"
rc=0; "$DMLOG_BUILD/tools/dmlogctl/dmlogctl" lv activate novg/m >/dev/null 2>&1 || rc=$?
check "dmlogctl lv activate novg/m fails" test "$rc" != 0
check "nothing created by the refusals" no_vg_devs
check "lvremove vg/lin vg/c" lvmq lvremove -y vg/lin vg/c

# ---------------------------------------------------------------- 3. activate
check "dmlog-lvm activate vg/m" tool activate vg/m
check_eq "dmsetup ls: LVM's four devices" "vg-m vg-m_mimage_0 vg-m_mimage_1 vg-m_mlog " "$(vg_devs)"
same=1
for n in "${!lvm_uuid[@]}"; do
    [[ $(dm_uuid "$n") == "${lvm_uuid[$n]}" && -n ${lvm_uuid[$n]} ]] || { same=0; note "uuid of $n: $(dm_uuid "$n"), LVM used ${lvm_uuid[$n]}"; }
done
check "every uuid is the one LVM used" test $same = 1
t=$(table_of vg-m)
note "vg-m: $t"
mlog_mm=$(mm_of vg-m_mlog)
mlog_uuid=$(dm_uuid vg-m_mlog)
check "table: mirror userspace 4 <mlog uuid> clustered-disk <mlog> 1024 2 <legs> 1 handle_errors" \
    grep -Eq "^0 32768 mirror userspace 4 $mlog_uuid clustered-disk $mlog_mm 1024 2 $(mm_of vg-m_mimage_0) 0 $(mm_of vg-m_mimage_1) 0 1 handle_errors\$" <<<"$t"
check "image tables as LVM's (linear on pv0/pv1 at 2048)" grep -q "^0 32768 linear $(mm_of pv0) 2048\$" <<<"$(table_of vg-m_mimage_0)"
check "log table as LVM's (linear on pv2 at 2048)" grep -q "^0 8192 linear $(mm_of pv2) 2048\$" <<<"$(table_of vg-m_mlog)"
check "dmsetup status: dmlogd answers (clustered-disk $mlog_mm A)" status_matches vg-m "3 clustered-disk $mlog_mm A\$"
check "dmlogd serves the log uuid" grep -q "$mlog_uuid" "$DMLOGD_LOG"
check_eq "lvs: lv_active" active "$(lv_field lv_active vg/m)"
check "lvs: attr mwi-a-m" grep -q '^mwi-a-m' <<<"$(lv_field lv_attr vg/m)"
check "lvs: copy_percent reaches 100.00" wait_until 120 copy_done vg/m
check "the data written under LVM's activation is there" same_content $dev /tmp/exp
dd if=/dev/urandom of=/tmp/chunk bs=1M count=4 status=none
dd if=/tmp/chunk of=/tmp/exp bs=1M seek=6 conv=notrunc status=none
check "write 4 MiB through dmlog's activation" dd if=/tmp/chunk of=$dev bs=1M seek=6 oflag=direct status=none
check "read back equal" same_content $dev /tmp/exp
check "legs equal" legs_equal "$(dm_dev vg-m_mimage_0)" "$(dm_dev vg-m_mimage_1)"
out=$(DMLOG_LVM_HELPER=$TOOL "$DMLOG_BUILD/tools/dmlogctl/dmlogctl" lv status vg/m 2>>"$R/tool-stderr.log")
note "status: $out"
check "dmlogctl lv status: active with dmlogd's log" grep -q "active with dmlogd's clustered-disk log" <<<"$out"
check_fails "a second activate is refused" tool activate vg/m
check "  and the mirror is untouched" status_matches vg-m "3 clustered-disk $mlog_mm A\$"

# ---------------------------------------------------------------- 4. deactivate
check "dmlogctl lv deactivate vg/m (finds dmlog-lvm in the build tree)" "$DMLOG_BUILD/tools/dmlogctl/dmlogctl" lv deactivate vg/m
check "dmsetup ls: nothing of vg left" no_vg_devs
check_eq "lvs: inactive" "" "$(lv_field lv_active vg/m)"
check "dmlog-lvm status: inactive" grep -q "state: inactive" <<<"$(tool status vg/m)"
check "dmlog-lvm deactivate of an inactive LV succeeds" tool deactivate vg/m

# ---------------------------------------------------------------- 5. LVM deactivates ours
check "dmlog-lvm activate vg/m again" tool activate vg/m
check "the data is still there" same_content $dev /tmp/exp
check "lvchange -an vg/m (LVM) on dmlog's activation" lvmq lvchange -an vg/m
check "dmsetup ls: nothing of vg left after LVM's lvchange -an" no_vg_devs
check "LVM activates it again with its own log" lvmq lvchange -ay vg/m
check "  LVM's table: disk log" grep -q " mirror disk 2 " <<<"$(table_of vg-m)"
check "  the data is there" same_content $dev /tmp/exp
check "  legs equal" legs_equal "$(dm_dev vg-m_mimage_0)" "$(dm_dev vg-m_mimage_1)"
check "lvchange -an vg/m" lvmq lvchange -an vg/m

# ---------------------------------------------------------------- 6. three legs
check "lvcreate -m2 vg/t (legs pv0 pv1 pv2, log pv3)" \
    lvmq lvcreate -y --type mirror -m2 --mirrorlog disk --regionsize 512k -L 8M -n t vg \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2 /dev/mapper/pv3
check "vg/t in sync under LVM" wait_until 120 copy_done vg/t
check "lvchange -an vg/t" lvmq lvchange -an vg/t
check "dmlog-lvm activate vg/t" tool activate vg/t
check "vg/t: userspace clustered-disk, 3 legs" grep -Eq " mirror userspace 4 $(dm_uuid vg-t_mlog) clustered-disk $(mm_of vg-t_mlog) 1024 3 " <<<"$(table_of vg-t)"
check "vg/t: copy_percent reaches 100.00" wait_until 120 copy_done vg/t
dd if=/dev/urandom of=/tmp/expt bs=1M count=8 status=none
check "write 8 MiB through vg/t" dd if=/tmp/expt of=/dev/mapper/vg-t bs=1M oflag=direct status=none
check "vg/t: read back equal" same_content /dev/mapper/vg-t /tmp/expt
check "vg/t: three legs equal" legs_equal "$(dm_dev vg-t_mimage_0)" "$(dm_dev vg-t_mimage_1)" "$(dm_dev vg-t_mimage_2)"
check "dmlog-lvm deactivate vg/t" tool deactivate vg/t
check "dmsetup ls: nothing of vg left" no_vg_devs

# ---------------------------------------------------------------- 7. boot unit
UNIT=$DMLOG_BUILD/systemd/dmlog-lvm.service
export DMLOG_CONFIG=/tmp/dmlog.conf
unset DMLOG_LVM_HELPER
unit_cmd=()
unit_line() { # KEY: the unit's KEY= command into unit_cmd, its program mapped
    # into the build tree (an absolute path in the unit, no systemd prefix,
    # no specifier; exactly one such line)
    local n line prog
    n=$(grep -c "^$1=" "$UNIT")
    line=$(sed -n "s/^$1=//p" "$UNIT")
    [[ $n == 1 && $line == /* && $line != *%* ]] || { note "$1= in $UNIT: '$line' ($n lines)"; return 1; }
    read -r -a unit_cmd <<<"$line"
    prog=${unit_cmd[0]##*/}
    case $prog in
    dmlogctl) unit_cmd[0]=$DMLOG_BUILD/tools/dmlogctl/dmlogctl ;;
    dmlog-lvm) unit_cmd[0]=$DMLOG_BUILD/tools/dmlog-lvm/dmlog-lvm ;;
    *) note "$1= runs $prog"; return 1 ;;
    esac
    note "$1=$line"
}
run_unit() { # KEY: run it; its stdout in $R/unit.out, stderr in $R/unit.err; its exit status
    local rc=0
    unit_line "$1" || return 99
    "${unit_cmd[@]}" >"$R/unit.out" 2>"$R/unit.err" || rc=$?
    note "$1 exit $rc: $(tr '\n' '|' <"$R/unit.out") $(tr '\n' '|' <"$R/unit.err")"
    cat "$R/unit.out" "$R/unit.err" >>"$R/unit-all.log"
    return $rc
}
unit_status=0
unit_run() { unit_status=0; run_unit "$1" || unit_status=$?; } # KEY: its exit status in $unit_status
err_has() { grep -qF -- "$1" "$R/unit.err"; }
out_has() { grep -qF -- "$1" "$R/unit.out"; }
is_dmlog_top() { grep -Eq "^0 16384 mirror userspace 4 $(dm_uuid vg-s_mlog) clustered-disk $(mm_of vg-s_mlog) 1024 2 " <<<"$(table_of vg-s)"; }
no_dev() { ! dmsetup info "$1" >/dev/null 2>&1; }
no_devs() { local d; for d in "$@"; do no_dev "$d" || return 1; done; }
has_dev() { dmsetup info "$1" >/dev/null 2>&1; }

check "the unit was built: $UNIT" test -s "$UNIT"
check "the unit: Type=oneshot" grep -qx 'Type=oneshot' "$UNIT"
check "the unit: RemainAfterExit=yes" grep -qx 'RemainAfterExit=yes' "$UNIT"
check "  ExecStart= names a program" unit_line ExecStart
check "  ExecStop= names a program" unit_line ExecStop

check "lvcreate mirror vg/s (tag dmlog; legs pv0 pv1, log pv2)" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n s --addtag dmlog vg \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2
check "lvcreate mirror vg/u (legs pv0 pv1, log pv3)" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n u vg \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv3
check "lvcreate linear vg/sl, mirror vg/c (core log), inactive" \
    lvmq lvcreate -y -an -Zn -L 4M -n sl vg /dev/mapper/pv3
check "  vg/c" lvmq lvcreate -y -an -Zn --type mirror -m1 --mirrorlog core -L 4M -n c vg /dev/mapper/pv0 /dev/mapper/pv1
check "vg/s and vg/u in sync under LVM" wait_until 120 copy_done vg/s
wait_until 120 copy_done vg/u
check "vgchange -an vg" lvmq vgchange -an vg
check "nothing of vg active" no_vg_devs
cat >/tmp/dmlog.conf <<'EOF2'
lvm {
    volume_list = [ "@dmlog", "vg/sl" ]
}
EOF2

# 7a. no guidance: LVM auto-activates the selected mirror (the control)
check "lvm.conf has no auto_activation_volume_list" bash -c "! grep -q auto_activation_volume_list $LVM_SYSTEM_DIR/lvm.conf"
check "vgchange -aay vg (no list): LVM auto-activates vg/s" lvmq vgchange -aay vg
check "  with LVM's disk log" grep -q " mirror disk 2 " <<<"$(table_of vg-s)"
unit_run ExecStart
check_eq "ExecStart on vg/s active with LVM's log: exit 1" 1 "$unit_status"
check "  names vg/s: active with LVM's own log, left alone" err_has "vg/s: active with LVM's own log (LVM activated it): left alone"
check "  warns: lvm.conf sets no auto_activation_volume_list" err_has "warning: lvm.conf sets no activation/auto_activation_volume_list"
check "  vg/s keeps LVM's disk log" grep -q " mirror disk 2 " <<<"$(table_of vg-s)"
check "vgchange -an vg" lvmq vgchange -an vg

# 7b. the guidance: LVM's auto-activation leaves the selected mirror out
sed -i 's|^activation {|activation {\n    auto_activation_volume_list = [ "vg/u" ]|' "$LVM_SYSTEM_DIR/lvm.conf"
note "lvm.conf activation: $(sed -n '/^activation {/,/}/p' "$LVM_SYSTEM_DIR/lvm.conf" | tr '\n' ' ')"
check "vgchange -aay vg with auto_activation_volume_list = [ \"vg/u\" ]" lvmq vgchange -aay vg
check "  activates vg/u (the list is read)" has_dev vg-u
check "  does not activate vg/s" no_dev vg-s
check_eq "  lvs: vg/s inactive" "" "$(lv_field lv_active vg/s)"
check "lvchange -an vg/u" lvmq lvchange -an vg/u

# 7c. ExecStart
unit_run ExecStart
check_eq "ExecStart: exit 0" 0 "$unit_status"
check "  vg/s: mirror userspace 4 <mlog uuid> clustered-disk <mlog> 1024 2 <legs>" is_dmlog_top
check "  dmlogd answers for vg/s" status_matches vg-s "3 clustered-disk $(mm_of vg-s_mlog) A\$"
check_eq "  lvs: vg/s active" active "$(lv_field lv_active vg/s)"
check "  vg/u (not selected) left inactive" no_dev vg-u
check "  vg/sl: noted, not a mirror, skipped" err_has "vg/sl: selected in dmlog.conf, but a linear LV, not a mirror: skipped"
check "  vg/sl left inactive" no_dev vg-sl
check "  no warning: the list leaves vg/s out" bash -c "! grep -q auto_activation_volume_list $R/unit.err"
check "  summary: 1 activated" out_has "1 mirror LV: 1 activated, 0 already active"
check "  no device-mapper error for the inactive LV" bash -c "! grep -q 'ioctl' $R/unit.err"
check "  vg/s reaches 100% in sync" wait_until 120 copy_done vg/s
mm_s=$(mm_of vg-s)
unit_run ExecStart
check_eq "ExecStart again: exit 0 (idempotent)" 0 "$unit_status"
check "  summary: already active" out_has "1 mirror LV: 0 activated, 1 already active"
check_eq "  vg/s is the same device" "$mm_s" "$(mm_of vg-s)"
check "  still dmlogd's log" is_dmlog_top

# 7d. ExecStop leaves LVM's unselected activation alone
check "lvchange -ay vg/u (LVM)" lvmq lvchange -ay vg/u
unit_run ExecStop
check_eq "ExecStop: exit 0" 0 "$unit_status"
check "  vg/s and its sub-LVs removed" no_devs vg-s vg-s_mlog vg-s_mimage_0 vg-s_mimage_1
check_eq "  lvs: vg/s inactive" "" "$(lv_field lv_active vg/s)"
check "  summary: 1 deactivated" out_has "1 mirror LV: 1 deactivated"
check "  vg/u (LVM's) untouched" grep -q " mirror disk 2 " <<<"$(table_of vg-u)"
unit_run ExecStop
check_eq "ExecStop again: exit 0" 0 "$unit_status"
check "  summary: inactive" out_has "0 deactivated, 1 inactive"

# 7e. failures are named, and do not stop the other LVs
cat >/tmp/dmlog.conf <<'EOF2'
lvm {
    volume_list = [ "vg/c", "vg/gone", "vg/s" ]
}
EOF2
unit_run ExecStart
check_eq "ExecStart with vg/c (core log) and vg/gone selected: exit 1" 1 "$unit_status"
check "  names vg/c (core log)" err_has "vg/c: activation FAILED"
check "  names vg/gone" err_has "vg/gone: selected in dmlog.conf (lvm/volume_list), but LVM reports no such LV"
check "  vg/s (after vg/c) activated all the same" is_dmlog_top
check "  summary: 1 activated, 1 failed" out_has "2 mirror LVs: 1 activated, 0 already active, 0 active with LVM's own log (left alone), 1 failed"
check "  vg/c not created" no_dev vg-c
unit_run ExecStop
check_eq "ExecStop (vg/c never ours, vg/gone missing): exit 1" 1 "$unit_status"
check "  vg/s removed" no_dev vg-s
check "  names vg/gone again, no refusal message for vg/c" bash -c "grep -q vg/gone $R/unit.err && ! grep -q 'core log' $R/unit.err"
check "lvchange -an vg/u" lvmq lvchange -an vg/u
check "dmsetup ls: nothing of vg left" no_vg_devs

# ---------------------------------------------------------------- teardown
check "dmlogd stops cleanly" dmlogd_stop
cp "$LVM_SYSTEM_DIR/lvm.conf" "$R/lvm.conf" 2>/dev/null
summary
