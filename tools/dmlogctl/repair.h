/* check --repair: rewrite damaged dmlog blocks without trusting any bit
 * they held (doc/format.md: a bad block stands for "every bit set").
 *
 *  1. Every OOS block that is bad, or whose range a bad slot bitmap block
 *     covers, is written with every region out of sync; sync.
 *  2. Then (the regions are durably out of sync) every bad slot bitmap
 *     block is written clean and every bad slot info block FREE; sync.
 *
 * A crash between or inside the steps leaves only more regions out of
 * sync or blocks still bad (read as all set): never a region wrongly in
 * sync. */
#ifndef DMLOGCTL_REPAIR_H
#define DMLOGCTL_REPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "log_format.h"

struct blockdev;
struct ctl_scan;

enum ctl_repair_action {
	CTL_REPAIR_OUT_OF_SYNC,	/* OOS blocks: every region out of sync */
	CTL_REPAIR_CLEARED,	/* slot bitmap blocks: rewritten clean */
	CTL_REPAIR_FREED,	/* slot info block: rewritten FREE */
};

struct ctl_repair_run {
	enum dmlog_kind kind;
	uint32_t area;
	uint64_t first, last;
	enum ctl_repair_action action;
};

struct ctl_repair {
	struct ctl_repair_run *runs;	/* in write order */
	size_t nruns, cap;
	uint64_t blocks_written;
	uint64_t regions_out_of_sync;	/* regions of the OOS blocks written */
	int error;			/* -errno of a failed write or sync */
	const char *failed_step;	/* where it failed */
};

/* Repair the damage s found (s from ctl_scan_log on bd: valid superblock,
 * device large enough). 0, or -errno with rep->failed_step. */
int ctl_repair_log(struct blockdev *bd, const struct ctl_scan *s,
		   struct ctl_repair *rep);
void ctl_repair_free(struct ctl_repair *rep);

const char *ctl_repair_action_name(enum ctl_repair_action a);

#endif
