#!/bin/bash
# dmlog-vm: host
# dmlog-vm: timeout=600
# lvm-activate-lockd.sh - dmlog-lvm in an lvmlockd (dlm) VG, one guest: a
# one-node corosync + dlm_controld cluster, lvmlockd -g dlm, a shared VG.
# (The three-node test of doc/lvm.md section 3 is still to be written; this
# one checks the LV lock on one host, where lvmlockd is another lock owner
# just as on other hosts.)
#   1. LVM creates vg/m exclusively (-aey), writes, deactivates.
#   2. dmlogctl lv activate: the mirror with dmlogd's clustered-disk log,
#      and a PR on lvmlockd's LV lock (resource = the LV's uuid in
#      lockspace lvm_vg, seen in dlm_tool lockdebug); LVM's lvchange -aey,
#      lvconvert and lvremove fail with "LV locked by other host".
#   3. dmlogctl lv deactivate: devices gone, PR released, LVM's -aey works.
#   3b. dmlogctl status/regions/dump take vg/m (resolved through LVM's
#      device-mapper name); LVM's own lvchange -an of dmlog's activation
#      removes the devices, and the PR holder then releases the lock.
#   4. LVM holds EX (its devices removed behind its back, as if it were
#      active on another host): dmlogctl lv activate refuses (exit 6),
#      creating nothing.
#   5. lv activate --selected (the boot unit) before the VG's lockspace is
#      started: exit 1, the LV named with "vgchange --lock-start".
# dmlogd runs with its local lock manager here (one host); the cluster log
# across hosts is the cluster scenarios' subject.
set -uo pipefail
self=$(readlink -f "$0")
here=$(dirname "$self")
# shellcheck source-path=SCRIPTDIR/.. source=guest-lib.sh
. "$here/../guest-lib.sh"

NDISKS=3
DISK_MB=64

case ${1:-host} in
host)
    run_guest_on_blank_disks "$self" lvmlockd "$NDISKS" "$DISK_MB" 540
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
CTL=$DMLOG_BUILD/tools/dmlogctl/dmlogctl
R=$DMLOG_RESULTS
export LVM_SYSTEM_DIR=/tmp/lvm

if ! check "modules load" load_dm_modules; then summary; exit 1; fi

# ---------------------------------------------------------------- one-node cluster
modprobe configfs && { mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config; }
modprobe dlm
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[[ -e /dev/misc ]] || ln -s /dev /dev/misc
mkdir -p /etc/corosync /var/lib/corosync /var/log/cluster /etc/dlm /run/lvm /run/lock/lvm
cat >/etc/corosync/corosync.conf <<EOF2
totem {
    version: 2
    cluster_name: dmlogtest
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        nodeid: 1
        name: node1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: $R/corosync.log
}
EOF2
printf '%s\n' 'enable_fencing=0' 'protocol=tcp' >/etc/dlm/dlm.conf
corosync -f </dev/null >>"$R/corosync.log" 2>&1 &
quorate() { corosync-quorumtool -s 2>/dev/null | grep -q 'Quorate:.*Yes'; }
if ! check "corosync (one node) quorate" wait_until 90 quorate; then summary; exit 1; fi
dlm_controld --foreground 1 </dev/null >>"$R/dlm_controld.log" 2>&1 &
if ! check "dlm_controld up" wait_until 60 dlm_tool status; then summary; exit 1; fi

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
    use_lvmlockd = 1
}
backup {
    backup = 0
    archive = 0
}
EOF2
ok=1
letters=(a b c)
for ((i = 0; i < NDISKS; i++)); do
    d=/dev/vd${letters[i]}
    dmsetup create pv$i --table "0 $(dev_sectors "$d") linear $d 0" || ok=0
done
check "pv0..pv2: dm-linear over the virtio disks" test $ok = 1
lvmlockd -f -g dlm </dev/null >"$R/lvmlockd.log" 2>&1 &
LVMLOCKD_PID=$!
check "lvmlockd runs" wait_until 20 lvmlockctl -i
if ! check "dmlogd starts" dmlogd_start -d; then summary; exit 1; fi

lvmq() { lvm "$@" 2>>"$R/lvm-stderr.log"; }
ctl() { "$CTL" -v "$@" 2>>"$R/tool-stderr.log"; }
lv_field() { lvmq lvs --noheadings -o "$1" "$2" | tr -d ' '; } # FIELD VG/LV
table_of() { dmsetup table "$1" 2>/dev/null; }
dm_uuid() { dmsetup info -c --noheadings -o uuid "$1" 2>/dev/null; }
mm_of() { dmsetup info -c --noheadings -o major,minor --separator : "$1" 2>/dev/null | tr -d ' '; }
copy_done() { [[ $(lv_field copy_percent "$1") == 100.00 ]]; }
vg_devs() { dmsetup ls | awk '{print $1}' | grep '^vg-' | sort | tr '\n' ' '; }
no_vg_devs() { [[ -z $(vg_devs) ]]; }
lock_mode() { # RESOURCE: the granted modes on it in lvm_vg (dlm_tool lockdebug)
    dlm_tool lockdebug -v lvm_vg 2>/dev/null | awk -v r="\"$1\"" '
        /^Resource/ { on = ($NF == r) } on && /^[0-9a-f]+ (NL|CR|CW|PR|PW|EX)/ { print $2 }' | sort | tr '\n' ' '
}
lvm_fails_locked() { # CMD...: an LVM command fails with "LV locked by other host"
    local out
    out=$(lvm "$@" 2>&1) && return 1
    note "lvm $*: $(tr '\n' ' ' <<<"$out")"
    grep -q "LV locked by other host" <<<"$out"
}

# ---------------------------------------------------------------- 1. LVM's own
check "vgcreate --shared vg" lvmq vgcreate --shared vg /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2
check_eq "vg_lock_type dlm" dlm "$(lvmq vgs --noheadings -o vg_lock_type vg | tr -d ' ')"
check "lvcreate -aey --type mirror -m1 --mirrorlog disk vg/m" \
    lvmq lvcreate -y -aey --type mirror -m1 --mirrorlog disk --regionsize 512k -L 8M -n m vg \
    /dev/mapper/pv0 /dev/mapper/pv1 /dev/mapper/pv2
check "in sync under LVM" wait_until 120 copy_done vg/m
uuid=$(lv_field lv_uuid vg/m)
note "LV uuid: $uuid; lvmlockctl -i: $(lvmlockctl -i | grep -E '^LK LV' | tr '\n' ';')"
check_eq "lvmlockd's LV lock (resource = LV uuid) EX while LVM has it active" "EX " "$(lock_mode "$uuid")"
dev=/dev/mapper/vg-m
dd if=/dev/urandom of=/tmp/exp bs=1M count=8 status=none
check "write 8 MiB through LVM's activation" dd if=/tmp/exp of=$dev bs=1M oflag=direct status=none
check "lvchange -an vg/m" lvmq lvchange -an vg/m
check_eq "the LV lock is NL after LVM's deactivation" "NL " "$(lock_mode "$uuid")"

# ---------------------------------------------------------------- 2. dmlog's activation
check "dmlogctl lv activate vg/m" ctl lv activate vg/m
check "table: mirror userspace 4 <mlog uuid> clustered-disk" \
    grep -Eq "^0 16384 mirror userspace 4 $(dm_uuid vg-m_mlog) clustered-disk $(mm_of vg-m_mlog) 1024 2 " <<<"$(table_of vg-m)"
check_eq "dlm: PR by dmlog next to lvmlockd's NL" "NL PR " "$(lock_mode "$uuid")"
out=$(ctl lv status vg/m)
note "status: $(tr '\n' ';' <<<"$out")"
check "dmlogctl lv status names the PR holder" grep -q "LV lock: PR on $uuid in lvm_vg, held by pid" <<<"$out"
check "  and says how to get LVM changes through" grep -q "LVM changes: refused by LVM (\"LV locked by other host\") until 'dmlogctl lv deactivate vg/m' has run on every host" <<<"$out"
check_eq "lvs: active" active "$(lv_field lv_active vg/m)"
check "the data written under LVM is there" same_content $dev /tmp/exp
dd if=/dev/urandom of=/tmp/chunk bs=1M count=2 status=none
dd if=/tmp/chunk of=/tmp/exp bs=1M seek=3 conv=notrunc status=none
check "write 2 MiB through dmlog's activation" dd if=/tmp/chunk of=$dev bs=1M seek=3 oflag=direct status=none
check "read back equal" same_content $dev /tmp/exp
check "legs equal" legs_equal "$(dm_dev vg-m_mimage_0)" "$(dm_dev vg-m_mimage_1)"
check "lvchange -aey vg/m refused by LVM (LV locked by other host)" lvm_fails_locked lvchange -aey vg/m
check "lvconvert -m0 vg/m refused by LVM" lvm_fails_locked lvconvert -y -m0 vg/m
check "lvremove vg/m refused by LVM" lvm_fails_locked lvremove -y vg/m
check_eq "vg/m still a 2-image mirror" "mirror" "$(lv_field segtype vg/m)"
check "  still dmlog's table" grep -q " mirror userspace 4 " <<<"$(table_of vg-m)"

# ---------------------------------------------------------------- 3. deactivate
check "dmlogctl lv deactivate vg/m" ctl lv deactivate vg/m
check "dmsetup ls: nothing of vg left" no_vg_devs
check_eq "the PR is released (lvmlockd's NL only)" "NL " "$(lock_mode "$uuid")"

# ---------------------------------------------------------------- 3b. VG/LV names, LVM's -an
# dmlogctl takes vg/lv wherever it takes a LOG or a log device: resolved
# through LVM's device-mapper name (no /dev/vg/m link: dmlog-lvm makes none)
check "dmlogctl lv activate vg/m (again)" ctl lv activate vg/m
mlog_uuid=$(dm_uuid vg-m_mlog)
check "no /dev/vg/m link (the name must resolve through device-mapper)" test ! -e /dev/vg/m
check "dmlogctl --json status vg/m: the LV's log" \
    grep -q "\"uuid\": *\"$mlog_uuid\"" <<<"$("$CTL" --json status vg/m 2>>"$R/tool-stderr.log")"
check "dmlogctl regions vg/m" ctl regions vg/m
check "dmlogctl dump vg/m: the mirror's log device (its mlog)" \
    grep -q "$mlog_uuid" <<<"$("$CTL" dump vg/m 2>>"$R/tool-stderr.log")"
rc=0; out=$("$CTL" status vg/nosuch 2>&1) || rc=$?
check_eq "dmlogctl status vg/nosuch: not found (exit 3)" 3 "$rc"
check "  says it is not active here" grep -q "vg/nosuch: not active on this host" <<<"$out"
# LVM's own deactivation removes dmlog's devices; the PR holder notices
# that the LV's device is gone and releases the lock
holder=$(cat /run/dmlog-lvm/vg-m.pid 2>/dev/null)
check "a PR holder runs" test -n "$holder" -a -d "/proc/$holder"
check "LVM's lvchange -an vg/m removes dmlog's activation" lvmq lvchange -an vg/m
check "  devices gone" no_vg_devs
pr_gone() { [[ $(lock_mode "$uuid") == "NL " ]]; }
check "  the PR is released by its holder (within 10 s)" wait_until 10 pr_gone
exited() { [[ ! -d /proc/$1 ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
check "  the holder has exited" exited "$holder"
check "  its pid file removed" test ! -e /run/dmlog-lvm/vg-m.pid
check "  dmlogctl lv status: inactive" grep -q "^state: inactive" <<<"$(ctl lv status vg/m)"
check "LVM's lvchange -aey works again" lvmq lvchange -aey vg/m
check "  LVM's table (disk log), the data there" same_content $dev /tmp/exp

# ---------------------------------------------------------------- 4. LVM holds EX
# LVM's devices removed behind its back: lvmlockd still holds EX, as when
# the LV is active on another host.
for n in vg-m vg-m_mlog vg-m_mimage_1 vg-m_mimage_0; do dmsetup remove $n; done
check "LVM's devices removed, lvmlockd still EX" test "$(lock_mode "$uuid")" = "EX "
rc=0; out=$("$CTL" lv activate vg/m 2>&1) || rc=$?
note "activate while LVM holds EX: $out"
check_eq "dmlogctl lv activate refused while LVM holds EX (exit 6)" 6 "$rc"
check "  message: LVM holds the LV lock exclusively" grep -q "LVM holds the LV lock $uuid in lvm_vg exclusively" <<<"$out"
check "  nothing created" no_vg_devs
check "  no PR left behind" test "$(lock_mode "$uuid")" = "EX "
check "lvchange -an vg/m (LVM releases its EX)" lvmq lvchange -an vg/m

# ---------------------------------------------------------------- teardown
check "dmlogd stops cleanly" dmlogd_stop
check "vgchange --lock-stop vg" lvmq vgchange --lock-stop vg
# boot activation (dmlog-lvm.service) before the VG's lockspace is up
printf 'lvm {\n    volume_list = [ "vg/m" ]\n}\n' >/tmp/dmlog-sel.conf
rc=0; out=$(DMLOG_CONFIG=/tmp/dmlog-sel.conf "$CTL" lv activate --selected 2>&1) || rc=$?
note "activate --selected with the lockspace stopped: $(tr '\n' ' ' <<<"$out")"
check_eq "lv activate --selected, VG lockspace not started: exit 1" 1 "$rc"
check "  names vg/m and says to start the VG's locking" \
    grep -q "vg/m.*vgchange --lock-start vg" <<<"$out"
check "  nothing created" no_vg_devs
lvmlockctl -i >"$R/lvmlockctl-end.txt" 2>&1
kill "$LVMLOCKD_PID" 2>/dev/null
summary
