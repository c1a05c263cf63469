/* Reading a whole log device and summing it up: the model behind dump and
 * check. Blocks are judged exactly as doc/format.md section 4 says (the
 * checks of lib/log_format.c); a bad bitmap block counts as "every region
 * it covers set", as a load would read it. */
#ifndef DMLOGCTL_LOGSCAN_H
#define DMLOGCTL_LOGSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbitmap.h"
#include "log_format.h"

struct blockdev;

/* One dmlog block as read and checked. */
struct ctl_block {
	enum dmlog_kind kind;
	uint32_t area;		/* slot (kinds 1, 2); 0 for OOS */
	uint64_t index;		/* in its bitmap; 0 for slot info */
	uint64_t offset;	/* on the device */
	enum dmlog_blk_state st;
	uint32_t nbits;		/* regions covered; 0 for slot info */
	uint64_t set;		/* bits set (bad: nbits) */
	uint64_t generation;	/* header as read: meaningful when good */
	uint64_t seq;
};

/* Consecutive bad blocks of one area with the same reason. */
struct ctl_bad_run {
	enum dmlog_kind kind;
	uint32_t area;
	uint64_t first, last;	/* block indexes */
	enum dmlog_blk_state st;
};

struct ctl_block_sum {
	uint64_t total, good, bad, read_errors;
	struct ctl_bad_run *runs;
	size_t nruns, cap;
};

struct ctl_slot_sum {
	enum dmlog_blk_state info_st;
	struct dmlog_slot_info info;	/* when info_st is good */
	uint64_t info_generation, info_seq;
	uint64_t dirty;			/* regions; bad blocks all dirty */
	uint64_t bad_blocks, bad_regions;
};

struct ctl_scan {
	uint64_t dev_size;
	uint32_t lbs;
	struct dmlog_khdr kh;
	bool kh_valid;		/* MiRr, version 1 or 2 */
	bool kh_marker;		/* dmlog's "DLOG" marker */
	struct dmlog_sb sb;
	bool sb_present;	/* superblock magic found */
	bool sb_valid;
	const char *sb_why;	/* first failed check when invalid */
	bool dev_too_small;	/* smaller than the superblock's bytes_used */
	bool has_kbitmap;	/* kbm filled (kernel header valid) */
	struct ctl_kbitmap kbm;
	struct ctl_slot_sum *slots;	/* sb.geo.nr_slots, when sb_valid */
	uint64_t oos, oos_bad_blocks, oos_bad_regions;
	struct ctl_block_sum blocks;
	uint64_t max_seq;	/* highest seq of a good block */
};

/* Called for every dmlog block in device order (slot info, slot bitmaps,
 * OOS); a nonzero return stops the scan and is returned. */
typedef int (*ctl_block_fn)(void *arg, const struct ctl_block *b);

/* Read block 0, and when the superblock is valid every dmlog block; when
 * the kernel header is valid, count the kernel bitmap. each may be NULL.
 * 0, -errno of reading block 0, -ENOMEM, or each's return. */
int ctl_scan_log(struct blockdev *bd, struct ctl_scan *s, ctl_block_fn each,
		 void *arg);
void ctl_scan_free(struct ctl_scan *s);

/* Does the device hold a log at all (a dmlog superblock, valid or not,
 * a MiRr header, of any version, or dmlog's marker)? */
bool ctl_scan_found(const struct ctl_scan *s);
/* Damage: bad blocks, an invalid superblock, a device too small. */
bool ctl_scan_damaged(const struct ctl_scan *s);

/* What dmlogd's next load would do (doc/format.md 5.1, unless the table
 * says "sync", which always formats): "import", "recover" or "format". */
const char *ctl_scan_load_action(const struct ctl_scan *s);

#endif
