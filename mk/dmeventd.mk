# The dmeventd plugin for LVM mirror LVs (daemons/dmeventd-dmlog,
# dmlog-dmeventd(8)): a shared object, so its objects and the lib sources
# it uses are built position-independent under $(B)/pic/.
PLUGIN_SRC     := $(sort $(wildcard daemons/dmeventd-dmlog/*.c))
PLUGIN_LIB_SRC := lib/lvm_mirror.c lib/lvm_report.c lib/dm_config_text.c lib/errbuf.c
PLUGIN         := $(B)/daemons/dmeventd-dmlog/libdevmapper-event-dmlog.so
PLUGIN_MAP     := daemons/dmeventd-dmlog/exports.map
pic = $(patsubst %.c,$(B)/pic/%.o,$(1))

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(DMEVENT_CFLAGS) $(CPPFLAGS) $(CFLAGS_ALL) -fPIC -MMD -MP -c -o $@ $<

$(PLUGIN): $(call pic,$(PLUGIN_SRC) $(PLUGIN_LIB_SRC)) $(PLUGIN_MAP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -shared -Wl,-z,defs -Wl,--version-script=$(PLUGIN_MAP) \
	    -o $@ $(call pic,$(PLUGIN_SRC) $(PLUGIN_LIB_SRC)) \
	    $(DMEVENT_LIBS) $(LVM2CMD_LIBS) $(DEVMAPPER_LIBS) $(JSONC_LIBS)

.PHONY: plugin install-plugin
plugin: $(PLUGIN)
all: $(PLUGIN)
# The LVM scenario (test/vm/scenarios/lvm-dmeventd.sh) loads it in the guest.
check-vm: $(PLUGIN)

install: install-plugin
install-plugin: $(PLUGIN)
	$(INSTALL) -d $(DESTDIR)$(dmeventd_plugindir)
	$(INSTALL) -m 644 $(PLUGIN) $(DESTDIR)$(dmeventd_plugindir)/
