/* Whole-device scan (see logscan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"
#include "logscan.h"

struct scan_walk {
	struct ctl_scan *s;
	ctl_block_fn each;
	void *arg;
};

static uint64_t payload_weight(const uint8_t *blk, uint32_t nbits)
{
	const uint8_t *pl = blk + DMLOG_BLOCK_HDR_BYTES;
	uint64_t n = 0;

	for (size_t i = 0; i < ((size_t)nbits + 7) / 8; i++)
		n += (uint64_t)__builtin_popcount(pl[i]);
	return n;
}

/* Record a bad block, extending the last run when it continues it. */
static int add_bad(struct ctl_block_sum *sum, const struct ctl_block *b)
{
	struct ctl_bad_run *last = sum->nruns ? &sum->runs[sum->nruns - 1] :
				   NULL;

	if (last && last->kind == b->kind && last->area == b->area &&
	    last->st == b->st && last->last + 1 == b->index) {
		last->last = b->index;
		return 0;
	}
	if (sum->nruns == sum->cap) {
		size_t cap = sum->cap ? sum->cap * 2 : 16;
		struct ctl_bad_run *r = realloc(sum->runs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		sum->runs = r;
		sum->cap = cap;
	}
	sum->runs[sum->nruns++] = (struct ctl_bad_run){
		b->kind, b->area, b->index, b->index, b->st };
	return 0;
}

static void account_area(struct ctl_scan *s, const struct ctl_block *b,
			 const uint8_t *blk)
{
	struct ctl_slot_sum *slot = &s->slots[b->area];
	bool bad = b->st != DMLOG_BLK_GOOD;

	switch (b->kind) {
	case DMLOG_KIND_SLOT_INFO:
		slot->info_st = b->st;
		slot->info_generation = b->generation;
		slot->info_seq = b->seq;
		if (!bad)
			dmlog_slot_info_decode(blk, &slot->info);
		slot->bad_blocks += bad;
		break;
	case DMLOG_KIND_SLOT:
		slot->dirty += b->set;
		slot->bad_blocks += bad;
		slot->bad_regions += bad ? b->nbits : 0;
		break;
	case DMLOG_KIND_OOS:
		s->oos += b->set;
		s->oos_bad_blocks += bad;
		s->oos_bad_regions += bad ? b->nbits : 0;
		break;
	}
}

static int on_block(void *arg, const struct dmlog_bhdr *where,
		    enum dmlog_blk_state st, const uint8_t *blk)
{
	struct scan_walk *w = arg;
	struct ctl_scan *s = w->s;
	struct dmlog_bhdr got;
	struct ctl_block b = {
		.kind = (enum dmlog_kind)where->kind,
		.area = where->area,
		.index = where->index,
		.offset = dmlog_block_offset(&s->sb.geo,
					     (enum dmlog_kind)where->kind,
					     where->area, where->index),
		.st = st,
		.nbits = where->nbits,
	};

	dmlog_bhdr_decode(blk, &got);
	b.generation = got.generation;
	b.seq = got.seq;
	b.set = st != DMLOG_BLK_GOOD ? b.nbits : payload_weight(blk, b.nbits);
	s->blocks.total++;
	if (st == DMLOG_BLK_GOOD) {
		s->blocks.good++;
		if (got.seq > s->max_seq)
			s->max_seq = got.seq;
	} else {
		s->blocks.bad++;
		if (add_bad(&s->blocks, &b))
			return -ENOMEM;
	}
	account_area(s, &b, blk);
	return w->each ? w->each(w->arg, &b) : 0;
}

static int scan_one(struct blockdev *bd, struct scan_walk *w,
		    enum dmlog_kind kind, uint32_t area)
{
	uint64_t errors = 0;
	int r = dmlog_scan_area(bd, &w->s->sb, kind, area, on_block, w,
				&errors);

	w->s->blocks.read_errors += errors;
	return r;
}

static int scan_blocks(struct blockdev *bd, struct ctl_scan *s,
		       ctl_block_fn each, void *arg)
{
	struct scan_walk w = { s, each, arg };
	uint32_t slots = s->sb.geo.nr_slots;
	int r = 0;

	s->slots = calloc(slots, sizeof(*s->slots));
	if (!s->slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < slots && !r; i++)
		r = scan_one(bd, &w, DMLOG_KIND_SLOT_INFO, i);
	for (uint32_t i = 0; i < slots && !r; i++)
		r = scan_one(bd, &w, DMLOG_KIND_SLOT, i);
	if (!r)
		r = scan_one(bd, &w, DMLOG_KIND_OOS, 0);
	return r;
}

static void decode_block0(struct ctl_scan *s, const uint8_t *blk)
{
	static const char sb_magic[8] = "DMLOGSB";

	s->kh_valid = dmlog_khdr_valid(&s->kh);
	s->kh_marker = s->kh.magic == DMLOG_KMARKER;
	s->sb_present = !memcmp(blk + DMLOG_SB_OFF, sb_magic,
				sizeof(sb_magic));
	s->dev_too_small = s->sb_valid && s->dev_size < s->sb.geo.bytes_used;
}

int ctl_scan_log(struct blockdev *bd, struct ctl_scan *s, ctl_block_fn each,
		 void *arg)
{
	void *blk = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->dev_size = bd->size;
	s->lbs = bd->block_size;
	if (bd->size < DMLOG_BS)
		return -ENOSPC;
	if (posix_memalign(&blk, DMLOG_BS, DMLOG_BS))
		return -ENOMEM;
	r = dmlog_read_block0(bd, blk, &s->kh, &s->sb, &s->sb_valid,
			      &s->sb_why);
	if (!r)
		decode_block0(s, blk);
	free(blk);
	if (!r && s->kh_valid) {
		s->has_kbitmap = true;
		r = ctl_kbitmap_count(bd, s->kh.nr_regions, s->sb_valid ?
				      s->sb.geo.region_count : UINT64_MAX,
				      &s->kbm);
	}
	if (!r && s->sb_valid)
		r = scan_blocks(bd, s, each, arg);
	return r;
}

void ctl_scan_free(struct ctl_scan *s)
{
	free(s->slots);
	free(s->blocks.runs);
	s->slots = NULL;
	s->blocks.runs = NULL;
}

bool ctl_scan_found(const struct ctl_scan *s)
{
	return s->sb_present || s->kh.magic == DMLOG_KMAGIC || s->kh_marker;
}

bool ctl_scan_damaged(const struct ctl_scan *s)
{
	return (s->sb_present && !s->sb_valid) || s->dev_too_small ||
	       s->blocks.bad;
}

const char *ctl_scan_load_action(const struct ctl_scan *s)
{
	if (s->kh_valid)
		return "import";
	if (s->sb_valid)
		return "recover";
	return "format";
}
