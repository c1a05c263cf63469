/* How dmlogctl names the parts of a log in messages and reports. */
#ifndef DMLOGCTL_BLOCKNAME_H
#define DMLOGCTL_BLOCKNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log_format.h"

/* JSON "area" values: "slot-info", "slot-bitmap", "oos". */
const char *ctl_area_id(enum dmlog_kind kind);

/* Human label of blocks first..last (equal: one block) of an area:
 * "slot 1 info block", "slot 0 bitmap block 3",
 * "out-of-sync bitmap blocks 0-4". */
void ctl_block_label(char *buf, size_t len, enum dmlog_kind kind,
		     uint32_t area, uint64_t first, uint64_t last);

/* Regions covered by bitmap blocks first..last: false (none) for slot
 * info blocks. */
bool ctl_block_regions(const struct dmlog_geometry *g, enum dmlog_kind kind,
		       uint64_t first, uint64_t last, uint64_t *rfirst,
		       uint64_t *rlast);

/* "32256-64511", "7", or "-" (none) */
void ctl_range_str(char *buf, size_t len, bool any, uint64_t first,
		   uint64_t last);

const char *ctl_sb_state_name(uint32_t state);		/* CLEAN, ACTIVE */
const char *ctl_slot_state_name(uint32_t state);	/* FREE, ACTIVE */

/* Bytes as "512 KiB" (exact) or "1.5 MiB (1572864 bytes)". */
void ctl_size_str(char *buf, size_t len, uint64_t bytes);

#endif
