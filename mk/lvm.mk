# dmlog-lvm (dmlog-lvm(8)): activates LVM mirror LVs with dmlogd's
# clustered-disk log. Linked with liblvm2cmd, so it is a program of its
# own that `dmlogctl lv` runs: dmlogctl itself needs no LVM.
LVMTOOL_SRC := $(sort $(wildcard tools/dmlog-lvm/*.c))
LVMTOOL     := $(B)/tools/dmlog-lvm/dmlog-lvm

$(LVMTOOL): $(call obj,$(LVMTOOL_SRC)) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LVM2CMD_LIBS) $(LIBS_ALL)

.PHONY: lvmtool install-lvmtool
lvmtool: $(LVMTOOL)
all: $(LVMTOOL)
# test/vm/scenarios/lvm-activate.sh runs it in the guest
check-vm: $(LVMTOOL)

install: install-lvmtool
install-lvmtool: $(LVMTOOL)
	$(INSTALL) -d $(DESTDIR)$(sbindir)
	$(INSTALL) -m 755 $(LVMTOOL) $(DESTDIR)$(sbindir)/
