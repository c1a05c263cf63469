/* Names of log parts (see blockname.h). */
#include <inttypes.h>
#include <stdio.h>

#include "blockname.h"

const char *ctl_area_id(enum dmlog_kind kind)
{
	switch (kind) {
	case DMLOG_KIND_SLOT_INFO:
		return "slot-info";
	case DMLOG_KIND_SLOT:
		return "slot-bitmap";
	case DMLOG_KIND_OOS:
		break;
	}
	return "oos";
}

void ctl_block_label(char *buf, size_t len, enum dmlog_kind kind,
		     uint32_t area, uint64_t first, uint64_t last)
{
	char idx[48];

	if (first == last)
		snprintf(idx, sizeof(idx), "block %" PRIu64, first);
	else
		snprintf(idx, sizeof(idx), "blocks %" PRIu64 "-%" PRIu64,
			 first, last);
	switch (kind) {
	case DMLOG_KIND_SLOT_INFO:
		snprintf(buf, len, "slot %u info block", area);
		return;
	case DMLOG_KIND_SLOT:
		snprintf(buf, len, "slot %u bitmap %s", area, idx);
		return;
	case DMLOG_KIND_OOS:
		break;
	}
	snprintf(buf, len, "out-of-sync bitmap %s", idx);
}

bool ctl_block_regions(const struct dmlog_geometry *g, enum dmlog_kind kind,
		       uint64_t first, uint64_t last, uint64_t *rfirst,
		       uint64_t *rlast)
{
	uint32_t nbits = dmlog_block_nbits(g, last);

	if (kind == DMLOG_KIND_SLOT_INFO || !nbits)
		return false;
	*rfirst = dmlog_block_first_region(first);
	*rlast = dmlog_block_first_region(last) + nbits - 1;
	return true;
}

void ctl_range_str(char *buf, size_t len, bool any, uint64_t first,
		   uint64_t last)
{
	if (!any)
		snprintf(buf, len, "-");
	else if (first == last)
		snprintf(buf, len, "%" PRIu64, first);
	else
		snprintf(buf, len, "%" PRIu64 "-%" PRIu64, first, last);
}

const char *ctl_sb_state_name(uint32_t state)
{
	return state == DMLOG_SB_CLEAN ? "CLEAN" :
	       state == DMLOG_SB_ACTIVE ? "ACTIVE" : "?";
}

const char *ctl_slot_state_name(uint32_t state)
{
	return state == DMLOG_SLOT_FREE ? "FREE" :
	       state == DMLOG_SLOT_ACTIVE ? "ACTIVE" : "?";
}

void ctl_size_str(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB",
					    "TiB", "PiB" };
	uint64_t whole = bytes;
	double v = (double)bytes;
	unsigned u = 0;
	bool exact = true;

	while (v >= 1024 && u < 5) {
		exact = exact && whole % 1024 == 0;
		whole /= 1024;
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
	else if (exact)
		snprintf(buf, len, "%" PRIu64 " %s", whole, unit[u]);
	else
		snprintf(buf, len, "%.1f %s (%" PRIu64 " bytes)", v, unit[u],
			 bytes);
}
