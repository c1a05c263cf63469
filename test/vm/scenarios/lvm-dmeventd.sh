#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=600
# lvm-dmeventd.sh - real LVM, dmeventd and the plugin libdevmapper-event-dmlog.so
# (dmlog-dmeventd(8)) in one guest.
#
# Eight virtio disks, each under a dm-linear "pvN" (so a PV can fail, as
# LVM's own tests do, by reloading it with the error target). A temporary
# lvm.conf (LVM_SYSTEM_DIR) points dmeventd/mirror_library at the built
# plugin; dmeventd runs in the foreground from the host's /sbin; dmlogd
# runs; dmlog.conf selects the VG "vgsel" and the tag "dmlog".
#   1. lvcreate --type mirror -m1 --mirrorlog disk in vgsel: the live table
#      switches to "userspace ... clustered-disk <mlog>" with the mlog LV's
#      uuid as log uuid; lvs still shows a mirror reaching 100%; writes
#      read back; legs equal.
#   1b. the window before the switch held open (lvcreate --monitor n, then
#      lvchange --monitor y) with writes going on across the switch: the
#      kernel log's state is imported, nothing written is lost.
#   2. the same in vgoth (not selected): LVM's "disk" log stays; a mirror
#      in vgoth with the LVM tag "dmlog" (selected as "@dmlog") is switched.
#   3. pv1 (leg 1 of vgsel/m) fails; a write: dmeventd's plugin runs
#      lvconvert --repair --use-policies through liblvm2cmd, and with
#      mirror_image_fault_policy = "remove" vgsel/m becomes linear on pv0
#      with every byte written before and during the failure.
#   4. vgsel/a with mirror_image_fault_policy = "allocate": its leg's PV
#      fails, the repair replaces the leg from the spare PV, and the plugin
#      switches the repaired mirror to dmlogd's log again.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "$here/../guest-lib.sh"

NDISKS=8
DISK_MB=64

case ${1:-host} in
host)
    run_guest_on_blank_disks "$self" lvm "$NDISKS" "$DISK_MB" 540
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
PLUGIN=$DMLOG_BUILD/daemons/dmeventd-dmlog/libdevmapper-event-dmlog.so
R=$DMLOG_RESULTS
export LVM_SYSTEM_DIR=/tmp/lvm DMLOG_CONFIG=/tmp/dmlog.conf

lvm_conf() { # IMAGE_POLICY
    mkdir -p $LVM_SYSTEM_DIR
    cat >$LVM_SYSTEM_DIR/lvm.conf <<EOF
devices {
    dir = "/dev"
    scan = [ "/dev" ]
    obtain_device_list_from_udev = 0
    external_device_info_source = "none"
    use_devicesfile = 0
    filter = [ "a|^/dev/mapper/pv[0-9]\$|", "r|.*|" ]
}
activation {
    udev_sync = 0
    udev_rules = 0
    monitoring = 1
    mirror_image_fault_policy = "$1"
    mirror_log_fault_policy = "allocate"
}
dmeventd {
    mirror_library = "$PLUGIN"
    executable = "/sbin/dmeventd"
}
global {
    event_activation = 0
}
backup {
    backup = 0
    archive = 0
}
EOF
}

if [[ ! -f $PLUGIN ]]; then
    fail "plugin built" "$PLUGIN missing (make plugin)"
    summary
    exit 1
fi
if ! check "modules load" load_dm_modules; then summary; exit 1; fi
lvm_conf remove
cat >$DMLOG_CONFIG <<'EOF'
lvm {
    volume_list = [ "vgsel", "@dmlog" ]
}
EOF

ok=1
letters=(a b c d e f g h)
for ((i = 0; i < NDISKS; i++)); do
    d=/dev/vd${letters[i]}
    dmsetup create pv$i --table "0 $(dev_sectors "$d") linear $d 0" || ok=0
done
check "pv0..pv$((NDISKS - 1)): dm-linear over the virtio disks" test $ok = 1

if ! check "dmlogd starts" dmlogd_start -d; then summary; exit 1; fi
/sbin/dmeventd -f -l >"$R/dmeventd.log" 2>&1 &
DMEVENTD_PID=$!
check "dmeventd runs in the foreground" wait_until 10 test -p /run/dmeventd-server

lvmq() { lvm "$@" 2>>"$R/lvm-stderr.log"; }
lv_field() { lvmq lvs --noheadings -o "$1" "$2" | tr -d ' '; } # FIELD VG/LV
table_of() { dmsetup table "$1" 2>/dev/null; }
dm_uuid() { dmsetup info -c --noheadings -o uuid "$1" 2>/dev/null; }
mm_of() { dmsetup info -c --noheadings -o major,minor --separator : "$1" 2>/dev/null | tr -d ' '; }
is_userspace() { table_of "$1" | grep -q " mirror userspace "; }
copy_done() { [[ $(lv_field copy_percent "$1") == 100.00 ]]; }
seg_is() { [[ $(lv_field segtype "$1") == "$2" ]]; }
evlog_has() { grep -q -- "$1" "$R/dmeventd.log"; }

check "vgcreate vgsel (pv0 pv1 pv2 pv3 pv7)" lvmq vgcreate vgsel /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2 /dev/mapper/pv3 /dev/mapper/pv7
check "vgcreate vgoth (pv4 pv5 pv6)" lvmq vgcreate vgoth /dev/mapper/pv4 /dev/mapper/pv5 /dev/mapper/pv6

# ---------------------------------------------------------------- 1. selected
t0=$(date +%s%N)
check "lvcreate --type mirror -m1 --mirrorlog disk vgsel/m (legs pv0 pv1, log pv2)" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 16M -n m vgsel \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2
note "lvcreate vgsel/m (selected) took $((($(date +%s%N) - t0) / 1000000)) ms"
check "plugin switched vgsel/m to a userspace log" wait_until 60 is_userspace vgsel-m
t=$(table_of vgsel-m)
note "vgsel-m: $t"
mlog_mm=$(mm_of vgsel-m_mlog)
mlog_uuid=$(dm_uuid vgsel-m_mlog)
check "table: userspace 4 <mlog's uuid> clustered-disk <mlog $mlog_mm> 1024, legs and handle_errors kept" \
    grep -Eq "^0 32768 mirror userspace 4 $mlog_uuid clustered-disk $mlog_mm 1024 2 $(mm_of vgsel-m_mimage_0) 0 $(mm_of vgsel-m_mimage_1) 0 1 handle_errors\$" <<<"$t"
check "log uuid is LVM's: LVM- + 64 characters" grep -Eq '^LVM-[A-Za-z0-9]{64}$' <<<"$mlog_uuid"
check "dmsetup status: dmlogd answers (clustered-disk $mlog_mm A)" status_matches vgsel-m "3 clustered-disk $mlog_mm A\$"
check "dmeventd log: switched" evlog_has "vgsel-m: switched to dmlogd's log"
check "lvs: segtype still mirror" seg_is vgsel/m mirror
check "lvs: copy_percent reaches 100.00" wait_until 120 copy_done vgsel/m
check_eq "lvs: log LV is [m_mlog]" "[m_mlog]" "$(lv_field mirror_log vgsel/m)"

dev=/dev/mapper/vgsel-m
dd if=/dev/urandom of=/tmp/exp bs=1M count=16 status=none
check "write 16 MiB through vgsel/m (O_DIRECT)" dd if=/tmp/exp of=$dev bs=1M oflag=direct status=none
check "read back equal" same_content $dev /tmp/exp
check "legs equal" legs_equal "$(dm_dev vgsel-m_mimage_0)" "$(dm_dev vgsel-m_mimage_1)"
check "still a userspace log after the writes" is_userspace vgsel-m

# ---------------------------------------------------------------- 1b. the window
# The window between LVM's activation and the switch, held open: vgsel/w is
# created unmonitored, so it runs on the kernel's disk log until
# "lvchange --monitor y" registers it. Writes go on across the switch; the
# kernel log's in-sync regions must be imported (a probe on leg 1 in a
# region nobody writes survives: no blanket resync), nothing written is
# lost, and the legs end equal.
check "lvcreate --monitor n vgsel/w (legs pv3 pv7, log pv2): not registered" \
    lvmq lvcreate -y --monitor n --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n w vgsel \
    /dev/mapper/pv3 /dev/mapper/pv7 /dev/mapper/pv2
check "vgsel/w: LVM's disk log" grep -q " mirror disk 2 " <<<"$(table_of vgsel-w)"
check "vgsel/w: copy_percent reaches 100.00 on the kernel's log" wait_until 120 copy_done vgsel/w
devw=/dev/mapper/vgsel-w
dd if=/dev/urandom of=/tmp/expw bs=1M count=8 status=none
check "write 8 MiB through vgsel/w in the window" dd if=/tmp/expw of=$devw bs=1M oflag=direct status=none
PROBE_KB=$((12 * 512 + 64)) # region 12; the writer stays in regions 0..7
dd if=/dev/urandom of=/tmp/probew bs=4k count=1 status=none
dd if=/tmp/probew of="$(dm_dev vgsel-w_mimage_1)" bs=4k seek=$((PROBE_KB / 4)) oflag=direct status=none
bg_writer_start $devw /tmp/expw 0 4096 7
check "background writer running on vgsel/w" bg_writer_progress 5 60
check "lvchange --monitor y vgsel/w" lvmq lvchange --monitor y vgsel/w
check "vgsel/w switched under the writer" wait_until 60 is_userspace vgsel-w
check "writes go on after the switch" bg_writer_progress 10 60
check "no write failed" bg_writer_stop
wuuid=$(dm_uuid vgsel-w_mlog)
check "dmlogd imported the kernel's disk log of vgsel/w" grep -q "$wuuid: importing kernel disk log" "$DMLOGD_LOG"
check "vgsel/w: copy_percent reaches 100.00 on dmlogd's log" wait_until 120 copy_done vgsel/w
check "probe on leg 1 intact: the kernel's in-sync regions were trusted" range_is "$(dm_dev vgsel-w_mimage_1)" $PROBE_KB /tmp/probew
dd if=/tmp/expw of=$devw bs=4k skip=$((PROBE_KB / 4)) seek=$((PROBE_KB / 4)) count=1 oflag=direct status=none
check "vgsel/w: every byte written before and across the switch is there" same_content $devw /tmp/expw
check "vgsel/w: legs equal" legs_equal "$(dm_dev vgsel-w_mimage_0)" "$(dm_dev vgsel-w_mimage_1)"
check "lvremove vgsel/w" lvmq lvremove -y vgsel/w

# ---------------------------------------------------------------- 2. unselected
t0=$(date +%s%N)
check "lvcreate --type mirror -m1 --mirrorlog disk vgoth/m" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 16M -n m vgoth
note "lvcreate vgoth/m (not selected) took $((($(date +%s%N) - t0) / 1000000)) ms"
check "dmeventd log: vgoth-m monitored" wait_until 30 evlog_has "Monitoring mirror device vgoth-m"
check "dmeventd log: vgoth-m not selected" wait_until 30 evlog_has "vgoth-m: not selected"
check "vgoth/m keeps LVM's disk log" grep -q " mirror disk 2 $(mm_of vgoth-m_mlog) 1024 2 " <<<"$(table_of vgoth-m)"
check "vgoth/m: copy_percent reaches 100.00" wait_until 120 copy_done vgoth/m
# selection by LVM tag (read by the plugin with lvs --reportformat json)
check "lvcreate --addtag dmlog vgoth/t" \
    lvmq lvcreate -y --addtag dmlog --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n t vgoth
check "vgoth/t (tag @dmlog) switched to dmlogd's log" wait_until 60 is_userspace vgoth-t
check "vgoth/m still on LVM's disk log" grep -q " mirror disk 2 " <<<"$(table_of vgoth-m)"
check "lvremove vgoth/t" lvmq lvremove -y vgoth/t

# ---------------------------------------------------------------- 3. leg failure, policy remove
sectors=$(dmsetup table pv1 | awk '{print $2}')
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 status=none
dd if=/tmp/chunk of=/tmp/exp bs=1M seek=3 conv=notrunc status=none
check "pv1 fails (dm error target)" sh -c "dmsetup suspend pv1 && dmsetup reload pv1 --table '0 $sectors error' && dmsetup resume pv1"
# the write hits the failed leg; the mirror holds it until LVM's repair
(dd if=/tmp/chunk of=$dev bs=1M seek=3 oflag=direct status=none && echo ok >/tmp/w1 || echo fail >/tmp/w1) &
check "dmeventd log: Device failure in vgsel-m" wait_until 60 evlog_has "Device failure in vgsel-m"
check "dmeventd log: repair of vgsel-m finished" wait_until 120 evlog_has "Repair of mirrored device vgsel-m finished successfully"
check "repair (policy remove): vgsel/m is linear" wait_until 30 seg_is vgsel/m linear
check "the held write completed" wait_until 60 test -s /tmp/w1
check_eq "the held write succeeded" ok "$(cat /tmp/w1 2>/dev/null)"
check_eq "vgsel/m now on pv0 only" "/dev/mapper/pv0(0)" "$(lv_field devices vgsel/m)"
check "every byte written is there" same_content $dev /tmp/exp
note "lvs after repair: $(lvmq lvs -a --noheadings -o lv_name,segtype,devices vgsel | tr -s ' ' | tr '\n' ';')"

# ---------------------------------------------------------------- 4. policy allocate
check "vgreduce --removemissing vgsel" lvmq vgreduce --removemissing --force vgsel
lvm_conf allocate
check "lvcreate vgsel/a (legs pv0 pv2, log pv3)" \
    lvmq lvcreate -y --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n a vgsel \
    /dev/mapper/pv0 /dev/mapper/pv2 /dev/mapper/pv3
check "vgsel/a switched to dmlogd's log" wait_until 60 is_userspace vgsel-a
check "vgsel/a: copy_percent reaches 100.00" wait_until 120 copy_done vgsel/a
deva=/dev/mapper/vgsel-a
dd if=/dev/urandom of=/tmp/expa bs=1M count=8 status=none
check "write 8 MiB through vgsel/a" dd if=/tmp/expa of=$deva bs=1M oflag=direct status=none
sectors=$(dmsetup table pv2 | awk '{print $2}')
check "pv2 (leg 1 of vgsel/a) fails" sh -c "dmsetup suspend pv2 && dmsetup reload pv2 --table '0 $sectors error' && dmsetup resume pv2"
dd if=/dev/urandom of=/tmp/chunk bs=64k count=1 status=none
dd if=/tmp/chunk of=/tmp/expa bs=64k seek=5 conv=notrunc status=none
(dd if=/tmp/chunk of=$deva bs=64k seek=5 oflag=direct status=none && echo ok >/tmp/w2 || echo fail >/tmp/w2) &
check "dmeventd log: repair of vgsel-a finished" wait_until 120 evlog_has "Repair of mirrored device vgsel-a finished successfully"
check "repair (policy allocate): vgsel/a is still a mirror" wait_until 30 seg_is vgsel/a mirror
note "lvs -a after repair: $(lvmq lvs -a --noheadings -o lv_name,devices vgsel | tr -s ' ' | tr '\n' ';')"
check "the repair allocated from the spare pv7 (unused before)" grep -q pv7 <<<"$(lvmq lvs -a --noheadings -o devices vgsel)"
check "the plugin switched the repaired mirror to dmlogd's log again" wait_until 60 is_userspace vgsel-a
check "the held write completed" wait_until 60 test -s /tmp/w2
check_eq "the held write succeeded" ok "$(cat /tmp/w2 2>/dev/null)"
check "vgsel/a: copy_percent reaches 100.00 again" wait_until 120 copy_done vgsel/a
check "every byte written to vgsel/a is there" same_content $deva /tmp/expa
note "vgsel-a: $(table_of vgsel-a)"

# ---------------------------------------------------------------- 5. an LVM reload
# lvchange --refresh reloads LVM's own table (disk log): LVM unmonitors
# before and monitors after, so the plugin switches it again.
# A probe written straight onto leg 1 (behind the mirror's back) in region
# 10 shows whether the reload makes anything resync that region.
n_sw=$(grep -c "vgsel-a: switched" "$R/dmeventd.log")
leg1=$(dm_dev vgsel-a_mimage_1)
dd if=/dev/urandom of=/tmp/probe bs=4k count=1 status=none
dd if=/tmp/probe of="$leg1" bs=4k seek=$((10 * 128 + 16)) oflag=direct status=none
log_from=$(($(wc -l <"$DMLOGD_LOG") + 1))
check "lvchange --refresh vgsel/a" lvmq lvchange --refresh vgsel/a
note "copy_percent right after the refresh: $(lv_field copy_percent vgsel/a)"
switched_again() { (($(grep -c "vgsel-a: switched" "$R/dmeventd.log") > n_sw)) && is_userspace vgsel-a; }
check "after LVM's reload the plugin switched vgsel/a again" wait_until 60 switched_again
# the kernel's disk log (LVM's new table) was live on the mlog when
# dmlogd's old instance got its DTR: writing the kernel format then would
# overwrite the live kernel log's marks (doc/lvm.md section 2)
since_refresh=$(tail -n +"$log_from" "$DMLOGD_LOG")
note "dmlogd across the refresh: $(grep -E 'destroyed|handed|not handed' <<<"$since_refresh" | tr '\n' ';')"
check "dmlogd saw LVM's kernel disk log on the mlog at the old instance's DTR" \
    grep -q "uses log device .* with the kernel's disk log" <<<"$since_refresh"
check "  and did not hand the device back under it" \
    grep -q "not handed back" <<<"$since_refresh"
check "  no 'handed back in kernel disk log format' across the refresh" \
    test -z "$(grep "device handed back in kernel disk log format" <<<"$since_refresh")"
check "vgsel/a: copy_percent 100.00 after the refresh" wait_until 120 copy_done vgsel/a
if range_is "$(dm_dev vgsel-a_mimage_1)" $(((10 * 128 + 16) * 4)) /tmp/probe; then
    note "LVM reload + switch back: region 10 was NOT resynced (probe intact)"
else
    note "LVM reload + switch back: region 10 WAS resynced (probe overwritten)"
fi
dd if=/tmp/expa of=$deva bs=4k skip=$((10 * 128 + 16)) seek=$((10 * 128 + 16)) count=1 oflag=direct status=none
check "vgsel/a: data intact after the refresh" same_content $deva /tmp/expa
check "vgsel/a: legs equal" legs_equal "$(dm_dev vgsel-a_mimage_0)" "$(dm_dev vgsel-a_mimage_1)"

# ---------------------------------------------------------------- teardown
check "lvchange -an vgsel/a vgoth/m" lvmq lvchange -an vgsel/a vgoth/m
check "dmeventd log: unregistered" evlog_has "No longer monitoring mirror device vgsel-a"
kill "$DMEVENTD_PID" 2>/dev/null
check "dmlogd stops cleanly" dmlogd_stop
cp /tmp/lvm/lvm.conf "$R/lvm.conf" 2>/dev/null
summary
