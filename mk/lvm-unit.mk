# dmlog-lvm.service (systemd/dmlog-lvm.service.in, dmlog-lvm(8)): activates
# the mirror LVs dmlog.conf selects at boot (dmlogctl lv activate
# --selected) and deactivates them at shutdown. Built into the build tree
# with %SBINDIR% filled in, so that the VM scenario lvm-activate runs
# exactly its ExecStart= and ExecStop= lines; installed next to
# dmlogd.service.
LVM_UNIT := $(B)/systemd/dmlog-lvm.service

$(LVM_UNIT): systemd/dmlog-lvm.service.in
	@mkdir -p $(dir $@)
	sed 's|%SBINDIR%|$(sbindir)|g' $< > $@

.PHONY: lvm-unit install-lvm-unit check-units
lvm-unit: $(LVM_UNIT)
all: $(LVM_UNIT)
check-vm: $(LVM_UNIT)

install: install-lvm-unit
install-lvm-unit: $(LVM_UNIT)
	$(INSTALL) -d $(DESTDIR)$(systemdunitdir)
	$(INSTALL) -m 644 $(LVM_UNIT) $(DESTDIR)$(systemdunitdir)/

# systemd-analyze verify on every unit (warnings are failures); skipped
# with a note on a host without systemd-analyze.
check-host: check-units
check-units:
	@test/check-systemd-units.sh systemd/*.service.in
