/* One dirty log instance and the kernel requests on it.
 *
 * The semantics follow the kernel's own dm-log.c, request by request, so a
 * mirror served by dmlogd behaves as with the kernel's core/disk log:
 * clean bits, sync bits, sync count, the resync cursor, recovering bits.
 * Pure: persistence goes through the store seam, coordination through the
 * lock manager seam. See doc/design.md for the deliberate differences. */
#ifndef DMLOG_LOG_ENGINE_H
#define DMLOG_LOG_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/dm-ioctl.h>
#include <linux/dm-log-userspace.h>

#include "ctr_parse.h"

struct bitmap;
struct cluster_log;
struct log_store;
struct lockmgr;

enum log_state {
	LOG_CONSTRUCTED,	/* after CTR, before first RESUME */
	LOG_RUNNING,		/* resumed */
	LOG_PRESUSPENDED,
	LOG_SUSPENDED,		/* after POSTSUSPEND */
};

/* Counters per request type, for dmlogctl stats. */
struct log_counters {
	uint64_t requests[DM_ULOG_IS_REMOTE_RECOVERING + 1];
	uint64_t errors;
	uint64_t flushes_written;	/* flushes that reached the store */
	uint64_t marks, clears;
};

struct dmlog_log {
	char uuid[DM_UUID_LEN];
	uint64_t luid;
	struct ctr_params params;
	enum log_state state;

	struct bitmap *clean;		/* 1 = clean (kernel semantics:
					 * RESUME resets it to in_sync) */
	struct bitmap *idle;		/* 1 = not marked by this node since
					 * its last clear: what the store
					 * persists in this node's slot */
	struct bitmap *in_sync;		/* 1 = in sync */
	struct bitmap *recovering;	/* handed out by GET_RESYNC_WORK */
	uint64_t sync_search;		/* resync cursor */
	bool touched;			/* marks/clears since last flush */
	bool flush_failed;		/* the store failed a flush: stop
					 * clearing (dm-log.c does too) */

	/* Re-created by the kernel after a daemon restart (its re-CTR).
	 * The kernel then resumes the log without resetting its own
	 * in_sync_hint, so if the log comes back with regions out of sync
	 * the mirror device must be suspended and resumed to make the
	 * kernel look again: `needs_kick` asks the daemon to do that. */
	bool recreated;
	bool needs_kick;

	struct log_store *store;	/* NULL for core logs */
	struct lockmgr *lm;
	struct cluster_log *cl;		/* NULL: single node (local) */
	struct log_counters counters;
};

/* Build a log from parsed CTR parameters. Takes ownership of store (may
 * be NULL). 0, -ENOMEM or -EINVAL. */
int log_create(const struct ctr_params *p, const char *uuid, uint64_t luid,
	       struct log_store *store, struct lockmgr *lm,
	       struct dmlog_log **out);

/* DTR. `handoff`: see log_store_ops.close. */
void log_destroy(struct dmlog_log *log, bool handoff);

/* Every request type but CTR and DTR (the server owns those).
 * in/in_len: request payload (already size-checked by the codec).
 * out/out_cap: reply payload buffer; *out_len is set (0 when none).
 * Returns 0 or a negative errno for the reply's error field. */
int log_request(struct dmlog_log *log, uint32_t type, const void *in,
		size_t in_len, void *out, size_t out_cap, size_t *out_len);

/* Status strings in cmirrord's exact formats:
 *   INFO  "1 clustered-core"  /  "3 clustered-disk <maj:min> <A|D>"
 *   TABLE "clustered-core <rs> [sync |nosync ][block_on_error] "
 *         "clustered-disk <maj:min> <rs> [sync |nosync ][block_on_error] "
 * (plain core/disk logs use their own type name). Returns the length
 * written (no NUL counted), or -ENOSPC. */
int log_status_info(const struct dmlog_log *log, char *buf, size_t cap);
int log_status_table(const struct dmlog_log *log, char *buf, size_t cap);

uint64_t log_region_count(const struct dmlog_log *log);
uint64_t log_sync_count(const struct dmlog_log *log);

#endif
