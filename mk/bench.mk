# Benchmarks (doc/performance.md): `make bench` builds bench/*.c into
# $(B)/bench/ and runs bench/run.sh, which measures every row, writes
# $(B)/bench/results.tsv and compares it with the committed
# bench/results.tsv. Never part of `make check`.
#
#   make bench                              every row
#   make bench BENCH_ROWS="request flush"   some rows (request flush scale mirror cluster)
#   make bench BENCH_ROWS=cluster           the 3-node qemu cluster (bench/cluster.sh)
#   make bench-bins                         build only

BENCH_SRC    := $(sort $(wildcard bench/*.c))
BENCH_COMMON := $(sort $(wildcard bench/common/*.c))
BENCH_BINS   := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
# The daemon test harness: starting dmlogd, the frame client.
BENCH_HARNESS := $(B)/test/unit/helpers/dmlogd_harness.o
BENCH_ROWS   ?=

.PHONY: bench-bins
$(B)/bench/%.o: override CPPFLAGS += -Ibench/common -Itest/unit/helpers

$(BENCH_BINS): $(B)/bench/%: $(B)/bench/%.o $(call obj,$(BENCH_COMMON)) \
		$(BENCH_HARNESS) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

bench-bins: $(BENCH_BINS) $(DMLOGD)

bench: bench-bins
	DMLOG_BUILD=$(abspath $(B)) bench/run.sh $(BENCH_ROWS)
