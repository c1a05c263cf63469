/* Per-log request statistics for dmlogctl stats and status: latency of
 * each request type (monotonic clock around log_server_handle), flush
 * sizes from the store's block device counters, and the resync rate.
 * Kept per log uuid, so a table reload (a new instance) keeps them; an
 * entry goes when no instance of its uuid is left. */
#ifndef DMLOGD_REQ_STATS_H
#define DMLOGD_REQ_STATS_H

#include <linux/dm-ioctl.h>
#include <stdint.h>

#include "ulog_codec.h"
#include "vhist.h"

#define REQ_STATS_TYPES (DM_ULOG_IS_REMOTE_RECOVERING + 1)

struct log_server;

struct log_stats {
	char uuid[DM_UUID_LEN];
	struct vhist latency_ns[REQ_STATS_TYPES];
	uint64_t errors[REQ_STATS_TYPES];
	struct vhist flush_blocks;	/* FLUSHes that wrote: 4 KiB blocks */
	uint64_t flush_bytes;		/* written by those flushes */
	uint64_t flush_syncs;		/* device syncs they issued */
	uint64_t regions_recovered;	/* SET_REGION_SYNC(r, 1) answered 0 */
	/* resync rate: in-sync count sampled every >= 2 s of resync */
	uint64_t rate_t0_ms, rate_n0, last_sync_ms;
	double rate;			/* regions per second */
};

struct req_stats;

/* One request in progress (between begin and end). */
struct req_timing {
	uint64_t t0_ns;
	uint64_t bytes0, syncs0;
	int have_io;
};

struct req_stats *req_stats_new(void);
void req_stats_free(struct req_stats *rs);

void req_stats_begin(struct req_stats *rs, struct log_server *srv,
		     const struct ulog_msg *m, struct req_timing *t);
void req_stats_end(struct req_stats *rs, struct log_server *srv,
		   const struct ulog_msg *m, const struct req_timing *t,
		   int err);

/* The entry of uuid, or NULL. */
const struct log_stats *req_stats_find(const struct req_stats *rs,
				       const char *uuid);
/* Regions per second now (0 when no resync progress for 10 s). */
double req_stats_rate(const struct log_stats *ls, uint64_t now_ms);

#endif
