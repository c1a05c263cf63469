/* Read-only views of one log for the control protocol (dmlogctl status,
 * regions, map) and the operator's resync. Pure, like the engine: the
 * daemon's control glue turns these into JSON.
 *
 * A region's state, as reported:
 *   dirty        marked by this node and not cleared since (a write may
 *                be in flight): the engine's `idle` bit is 0
 *   out of sync  the legs may differ: `in_sync` bit 0
 *   recovering   handed to the kernel by GET_RESYNC_WORK, not yet done */
#ifndef DMLOG_LOG_ADMIN_H
#define DMLOG_LOG_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

struct dmlog_log;

enum {
	LOG_RANGE_DIRTY = 1,
	LOG_RANGE_OUT_OF_SYNC = 2,
	LOG_RANGE_RECOVERING = 4,
	LOG_RANGE_ALL = 7,
};

/* A run of consecutive regions with the same state (flags). */
struct log_range {
	uint64_t first, count;
	unsigned flags;		/* LOG_RANGE_* among the mask asked for */
};

unsigned log_region_flags(const struct dmlog_log *log, uint64_t region);

/* The first maximal run at or after `from` of regions having at least
 * one state of `mask`, whose states (restricted to mask) are all equal.
 * false when there is none. */
bool log_next_range(const struct dmlog_log *log, uint64_t from,
		    unsigned mask, struct log_range *out);

struct log_range_counts {
	uint64_t dirty, out_of_sync, recovering;
};

/* Counts over [first, first + count) (clipped to the log). */
void log_count_range(const struct dmlog_log *log, uint64_t first,
		     uint64_t count, struct log_range_counts *c);

/* Regions this node has dirty (whole log). */
uint64_t log_dirty_count(const struct dmlog_log *log);
uint64_t log_recovering_count(const struct dmlog_log *log);

/* Operator resync of [first, first + count), single node: every region
 * of the range out of sync, the resync cursor rewound to `first`, and,
 * for a disk log, the change made durable before returning (a RESUME
 * re-reads the device). *marked: regions that were in sync.
 * The mirror must then be suspended and resumed (the kernel caches its
 * in_sync_hint and region states). 0, -EINVAL (range), -EOPNOTSUPP
 * (cluster log: not here), -EBUSY (not resumed yet, or its last flush
 * failed), -ENOMEM, or the store's error. */
int log_resync_range(struct dmlog_log *log, uint64_t first, uint64_t count,
		     uint64_t *marked);

#endif
