/* Lock manager seam: how a node coordinates a log with other nodes.
 *
 * "local" (lockmgr_local.c) is the single-node manager: every log gets
 * slot 0 and nobody else recovers anything. The cluster manager ("dlm")
 * implements the same interface with DLM locks (doc/design.md). */
#ifndef DMLOG_LOCKMGR_H
#define DMLOG_LOCKMGR_H

#include <stdbool.h>
#include <stdint.h>

struct lockmgr;

struct lockmgr_ops {
	const char *name;
	/* Join the log's lock domain and claim a slot on its device.
	 * 0 or -errno. */
	int (*attach)(struct lockmgr *lm, const char *uuid, uint32_t nr_slots,
		      uint32_t *slot);
	void (*detach)(struct lockmgr *lm, const char *uuid);
	/* Does another node hold (or may it start) recovery of region? */
	bool (*remote_recovering)(struct lockmgr *lm, const char *uuid,
				  uint64_t region);
	/* Number of slots a new log device is formatted with. */
	uint32_t (*default_slots)(struct lockmgr *lm);
	void (*destroy)(struct lockmgr *lm);
};

struct lockmgr {
	const struct lockmgr_ops *ops;
};

struct lockmgr *lockmgr_local_new(void);

#endif
