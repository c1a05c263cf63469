/* Repairing damaged blocks (see repair.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "blockdev.h"
#include "logscan.h"
#include "repair.h"

#define CHUNK DMLOG_IO_CHUNK_BLOCKS

struct repair_io {
	struct blockdev *bd;
	const struct dmlog_sb *sb;
	uint64_t seq;		/* stamped in every block written */
	uint8_t *buf;		/* CHUNK blocks */
	struct ctl_repair *rep;
};

const char *ctl_repair_action_name(enum ctl_repair_action a)
{
	switch (a) {
	case CTL_REPAIR_OUT_OF_SYNC:
		return "marked every region out of sync";
	case CTL_REPAIR_CLEARED:
		return "rewritten clean (regions moved to out-of-sync)";
	case CTL_REPAIR_FREED:
		break;
	}
	return "rewritten FREE";
}

static enum ctl_repair_action action_of(enum dmlog_kind kind)
{
	return kind == DMLOG_KIND_OOS ? CTL_REPAIR_OUT_OF_SYNC :
	       kind == DMLOG_KIND_SLOT ? CTL_REPAIR_CLEARED : CTL_REPAIR_FREED;
}

static int note_run(struct ctl_repair *rep, enum dmlog_kind kind,
		    uint32_t area, uint64_t first, uint64_t last)
{
	if (rep->nruns == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;
		struct ctl_repair_run *r = realloc(rep->runs,
						   cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		rep->runs = r;
		rep->cap = cap;
	}
	rep->runs[rep->nruns++] = (struct ctl_repair_run){
		kind, area, first, last, action_of(kind) };
	return 0;
}

static void encode(const struct repair_io *io, uint8_t *blk,
		   enum dmlog_kind kind, uint32_t area, uint64_t index)
{
	struct dmlog_bhdr h = dmlog_bhdr_expect(&io->sb->geo,
			io->sb->format_id, kind, area, index);
	struct dmlog_slot_info free_slot = { DMLOG_SLOT_FREE, 0, 0 };

	h.generation = io->sb->generation;
	h.seq = io->seq;
	if (kind == DMLOG_KIND_SLOT_INFO)
		dmlog_slot_info_encode(blk, &h, &free_slot);
	else	/* OOS: NOT nothing in sync = all set; slot: all clean */
		dmlog_bitmap_block_encode(blk, &h, NULL,
					  kind == DMLOG_KIND_OOS);
}

/* Write blocks first..last of one area, CHUNK blocks per write. */
static int write_run(struct repair_io *io, enum dmlog_kind kind,
		     uint32_t area, uint64_t first, uint64_t last)
{
	int r = note_run(io->rep, kind, area, first, last);

	for (uint64_t i = first; !r && i <= last; i += CHUNK) {
		uint64_t n = last - i + 1 < CHUNK ? last - i + 1 : CHUNK;

		for (uint64_t j = 0; j < n; j++)
			encode(io, io->buf + j * DMLOG_BS, kind, area, i + j);
		r = blockdev_write(io->bd, dmlog_block_offset(&io->sb->geo,
				   kind, area, i), io->buf, n * DMLOG_BS);
		if (!r)
			io->rep->blocks_written += n;
		if (!r && kind == DMLOG_KIND_OOS)
			for (uint64_t j = 0; j < n; j++)
				io->rep->regions_out_of_sync +=
					dmlog_block_nbits(&io->sb->geo, i + j);
	}
	return r;
}

/* The OOS block indexes to set: bad OOS blocks and the ranges of bad slot
 * bitmap blocks. */
static struct bitmap *oos_targets(const struct ctl_scan *s)
{
	struct bitmap *bm = bitmap_new(s->sb.geo.blocks_per_bitmap, false);

	for (size_t i = 0; bm && i < s->blocks.nruns; i++) {
		const struct ctl_bad_run *run = &s->blocks.runs[i];

		if (run->kind == DMLOG_KIND_SLOT_INFO)
			continue;
		if (bitmap_assign_range(bm, run->first,
					run->last - run->first + 1, true)) {
			bitmap_free(bm);
			return NULL;
		}
	}
	return bm;
}

static int write_oos(struct repair_io *io, const struct bitmap *targets)
{
	uint64_t n = bitmap_nbits(targets);
	uint64_t i = bitmap_find_next(targets, 0, true);
	int r = 0;

	while (!r && i < n) {
		uint64_t end = bitmap_find_next(targets, i, false);

		r = write_run(io, DMLOG_KIND_OOS, 0, i, end - 1);
		i = end < n ? bitmap_find_next(targets, end, true) : n;
	}
	return r;
}

static int write_slots(struct repair_io *io, const struct ctl_scan *s)
{
	int r = 0;

	for (size_t i = 0; !r && i < s->blocks.nruns; i++) {
		const struct ctl_bad_run *run = &s->blocks.runs[i];

		if (run->kind != DMLOG_KIND_OOS)
			r = write_run(io, run->kind, run->area, run->first,
				      run->last);
	}
	return r;
}

static int fail(struct ctl_repair *rep, int r, const char *step)
{
	rep->error = r;
	rep->failed_step = step;
	return r;
}

static int repair_steps(struct repair_io *io, const struct ctl_scan *s,
			const struct bitmap *targets)
{
	int r = write_oos(io, targets);

	if (r)
		return fail(io->rep, r, "writing the out-of-sync blocks");
	r = blockdev_sync(io->bd);
	if (r)
		return fail(io->rep, r, "syncing the out-of-sync blocks");
	r = write_slots(io, s);
	if (r)
		return fail(io->rep, r, "writing the slot blocks");
	r = blockdev_sync(io->bd);
	if (r)
		return fail(io->rep, r, "syncing the slot blocks");
	return 0;
}

int ctl_repair_log(struct blockdev *bd, const struct ctl_scan *s,
		   struct ctl_repair *rep)
{
	struct repair_io io = { bd, &s->sb, s->max_seq + 1, NULL, rep };
	struct bitmap *targets;
	void *buf = NULL;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (!s->sb_valid || s->dev_too_small)
		return fail(rep, -EINVAL, "checking the superblock");
	targets = oos_targets(s);
	if (!targets || posix_memalign(&buf, DMLOG_BS,
				       (size_t)CHUNK * DMLOG_BS)) {
		bitmap_free(targets);
		return fail(rep, -ENOMEM, "planning the repair");
	}
	io.buf = buf;
	r = repair_steps(&io, s, targets);
	free(buf);
	bitmap_free(targets);
	return r;
}

void ctl_repair_free(struct ctl_repair *rep)
{
	free(rep->runs);
	rep->runs = NULL;
	rep->nruns = rep->cap = 0;
}
