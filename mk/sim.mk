# Deterministic cluster simulation (test/sim): the real engine, server and
# cluster protocol on N simulated nodes; plus three broken builds that the
# simulation must catch (doc/design.md section 7).
SIM_SRC   := $(sort $(wildcard test/sim/*.c))
SIM_BIN   := $(B)/test/sim/sim_test
ifeq ($(SAN),1)
SIM_SEEDS ?= 300		# sanitizers: ~10x slower
else
SIM_SEEDS ?= 2000
endif
SIM_STEPS ?= 3000
# Open bugs the simulation found and that are not fixed yet (doc/design.md
# 7.10): still run and reported, not counted. Empty this list to see them.
SIM_KNOWN_FAILING ?=
SIM_FAULTS := no-two-writers copy-without-lock copy-daemonless
SIM_FAULT_BINS := $(patsubst %,$(B)/test/sim/sim_test-%,$(SIM_FAULTS))
# lib sources whose fault macros change them
SIM_FAULT_LIB := lib/cluster_log.c lib/store_disk.c

$(SIM_BIN): $(call obj,$(SIM_SRC)) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

# A broken build: the faulty lib objects first, then the normal library.
define sim_fault_rule
$(B)/fault-$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS_ALL) $$(CPPFLAGS) $$(CFLAGS_ALL) $(2) -c -o $$@ $$<
$(B)/test/sim/sim_test-$(1): $(call obj,$(SIM_SRC)) $(patsubst %.c,$(B)/fault-$(1)/%.o,$(SIM_FAULT_LIB)) $(LIB_A)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LIBS_ALL)
endef
$(eval $(call sim_fault_rule,no-two-writers,-DDMLOG_FAULT_NO_TWO_WRITERS))
$(eval $(call sim_fault_rule,copy-without-lock,-DDMLOG_FAULT_COPY_WITHOUT_LOCK))
$(eval $(call sim_fault_rule,copy-daemonless,-DDMLOG_FAULT_COPY_DAEMONLESS))

# Operator resyncs (dmlogctl resync on a shared log) added to the same
# schedules; open failures would be listed like SIM_KNOWN_FAILING.
SIM_RESYNC_KNOWN_FAILING ?=

.PHONY: check-sim check-sim-faults
check-sim: $(SIM_BIN)
	@$(SIM_BIN) --seeds $(SIM_SEEDS) --steps $(SIM_STEPS) \
	  --known-failing "$(SIM_KNOWN_FAILING)"
	@echo "sim_test --resyncs:"
	@$(SIM_BIN) --resyncs --seeds $(SIM_SEEDS) --steps $(SIM_STEPS) \
	  --known-failing "$(SIM_RESYNC_KNOWN_FAILING)"
# Passes only if every broken build fails some seed.
check-sim-faults: $(SIM_FAULT_BINS)
	@for f in $(SIM_FAULTS); do echo "sim_test-$$f:"; \
	  $(B)/test/sim/sim_test-$$f --expect-fail --seeds $(SIM_SEEDS) \
	    --steps $(SIM_STEPS) | tail -n 3 || exit 1; done

check-host: check-sim check-sim-faults
