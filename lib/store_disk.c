/* The disk store: on-disk format v1 over a struct blockdev.
 *
 * doc/format.md section 5 is the specification of load, flush and close;
 * the step names (F1.., R1.., H1..) below refer to it. No system calls
 * here: all I/O goes through the blockdev ops, all of it in whole, aligned
 * DMLOG_BS blocks from buffers allocated with posix_memalign. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "crc32c.h"
#include "ctr_parse.h"
#include "dmlog_log.h"
#include "log_format.h"
#include "store_disk.h"

#define CHUNK_BYTES ((size_t)DMLOG_IO_CHUNK_BLOCKS * DMLOG_BS)
#define PAYLOAD_BYTES (DMLOG_BS - DMLOG_BLOCK_HDR_BYTES)

/* Blocks of one bitmap changed since the last durable flush. */
struct chg_set {
	uint8_t *flag;		/* per block: already listed */
	uint64_t *list;		/* listed block indexes, unsorted */
	uint64_t n;
};

enum { CHG_SLOT = 0, CHG_OOS = 1 };

struct store_disk {
	struct log_store base;		/* first: the public part */
	struct blockdev *bd;
	char uuid[DMLOG_UUID_MAX + 1];
	uint32_t region_size;
	uint64_t region_count;
	uint64_t target_sectors;
	enum ctr_sync sync;
	uint32_t req_slots;		/* slot count of a new format */
	uint32_t slot;
	uint32_t node_id;		/* written in slot info; 0 = local */
	bool shared;			/* cluster: flush writes the slot only */
	bool probed;			/* sb holds the probed format */
	uint64_t bpb;			/* blocks per bitmap */
	struct dmlog_sb sb;		/* the format in use, once loaded */
	bool loaded;
	uint64_t seq;			/* write batch sequence */
	uint8_t *io;			/* CHUNK_BYTES, aligned */
	uint8_t *blk0;			/* block 0 as on disk, aligned */
	uint8_t *scratch;		/* CHUNK_BYTES */
	struct chg_set chg[2];
};

static struct store_disk *to_sd(struct log_store *ls)
{
	return (struct store_disk *)ls;
}

static int fail_io(struct store_disk *s, const char *what, int r)
{
	s->base.failed = true;
	log_err("%s: log device %s: %s failed: %s", s->uuid, s->bd->name,
		what, strerror(r < 0 ? -r : r));
	return r == -ENOMEM ? -ENOMEM : -EIO;
}

/* ---------------------------------------------------------------- */
/* Changed-block sets */

static int chg_init(struct chg_set *c, uint64_t nblocks)
{
	c->flag = calloc(nblocks, 1);
	c->list = calloc(nblocks, sizeof(*c->list));
	c->n = 0;
	return c->flag && c->list ? 0 : -ENOMEM;
}

static void chg_free(struct chg_set *c)
{
	free(c->flag);
	free(c->list);
}

static void chg_add(struct chg_set *c, uint64_t block)
{
	if (c->flag[block])
		return;
	c->flag[block] = 1;
	c->list[c->n++] = block;
}

static void chg_reset(struct chg_set *c)
{
	for (uint64_t i = 0; i < c->n; i++)
		c->flag[c->list[i]] = 0;
	c->n = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- */
/* Block writers */

/* Encode bitmap blocks [first, first + n) of (kind, area) from src
 * (inverted if invert; NULL = all clear) into s->io and write them. */
static int write_run(struct store_disk *s, enum dmlog_kind kind,
		     uint32_t area, uint64_t first, uint64_t n,
		     const struct bitmap *src, bool invert)
{
	for (uint64_t i = 0; i < n; i++) {
		struct dmlog_bhdr h = dmlog_bhdr_expect(&s->sb.geo,
				s->sb.format_id, kind, area, first + i);

		h.generation = s->sb.generation;
		h.seq = s->seq;
		dmlog_bitmap_block_encode(s->io + i * DMLOG_BS, &h, src, invert);
	}
	return blockdev_write(s->bd,
			      dmlog_block_offset(&s->sb.geo, kind, area, first),
			      s->io, n * DMLOG_BS);
}

/* Write every block listed in c, adjacent ones together. */
static int write_list(struct store_disk *s, enum dmlog_kind kind,
		      uint32_t area, struct chg_set *c,
		      const struct bitmap *src, bool invert)
{
	uint64_t i = 0;

	qsort(c->list, c->n, sizeof(*c->list), cmp_u64);
	while (i < c->n) {
		uint64_t n = 1;
		int r;

		while (i + n < c->n && n < DMLOG_IO_CHUNK_BLOCKS &&
		       c->list[i + n] == c->list[i] + n)
			n++;
		r = write_run(s, kind, area, c->list[i], n, src, invert);
		if (r)
			return r;
		i += n;
	}
	return 0;
}

static int write_slot_info_of(struct store_disk *s, uint32_t slot,
			      enum dmlog_slot_state st, uint32_t node_id)
{
	struct dmlog_bhdr h = dmlog_bhdr_expect(&s->sb.geo, s->sb.format_id,
				DMLOG_KIND_SLOT_INFO, slot, 0);
	struct dmlog_slot_info si = {
		.state = st,
		.node_id = node_id,
		.claim_generation = s->sb.generation,
	};

	h.generation = s->sb.generation;
	h.seq = s->seq;
	dmlog_slot_info_encode(s->io, &h, &si);
	return blockdev_write(s->bd, dmlog_block_offset(&s->sb.geo,
			      DMLOG_KIND_SLOT_INFO, slot, 0),
			      s->io, DMLOG_BS);
}

static int write_slot_info(struct store_disk *s, enum dmlog_slot_state st)
{
	return write_slot_info_of(s, s->slot, st, s->node_id);
}

/* Block 0 with header h and the current superblock, keeping the kernel
 * bitmap bytes of s->blk0. */
static int write_block0(struct store_disk *s, const struct dmlog_khdr *h)
{
	dmlog_block0_build(s->blk0, h, &s->sb, s->blk0);
	return blockdev_write(s->bd, 0, s->blk0, DMLOG_BS);
}

/* ---------------------------------------------------------------- */
/* Load: FORMAT and IMPORT */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A format id for a new format (doc/format.md 3.3): mixes block 0 as read,
 * the uuid, the geometry and the previous superblock; never 0, never the
 * previous id. */
static uint64_t derive_format_id(const struct store_disk *s,
				 const struct dmlog_sb *old)
{
	uint64_t x = (uint64_t)crc32c(s->blk0, DMLOG_BS) << 32 |
		     crc32c(s->uuid, strlen(s->uuid));
	uint64_t id;

	x ^= mix64(s->region_count ^ (uint64_t)s->req_slots << 40 ^
		   s->seq * 0x9E3779B97F4A7C15ull);
	if (old)
		x ^= mix64(old->format_id + mix64(old->generation + 1));
	id = mix64(x);
	while (!id || (old && id == old->format_id))
		id = mix64(id + 0x9E3779B97F4A7C15ull);
	return id;
}

/* F1..F4 with the given in-sync state. */
static int write_format(struct store_disk *s, const struct bitmap *in_sync,
			const struct dmlog_sb *old)
{
	struct dmlog_sb sb;
	struct dmlog_khdr kh = dmlog_khdr_marker(s->region_count);
	struct dmlog_format_req req = {
		.sb = &sb, .in_sync = in_sync, .block0 = s->blk0,
		.active_slot = s->slot, .node_id = s->node_id,
	};
	int r;

	r = dmlog_sb_init(&sb, s->uuid, s->region_size, s->region_count,
			  s->req_slots, s->target_sectors,
			  derive_format_id(s, old));
	if (r)
		return r;
	sb.generation = (old ? old->generation : 0) + 1;
	sb.state = DMLOG_SB_ACTIVE;
	req.seq = ++s->seq;
	r = dmlog_format_write(s->bd, &req);
	if (r)
		return fail_io(s, "format", r);
	s->sb = sb;
	dmlog_block0_build(s->blk0, &kh, &s->sb, s->blk0);
	log_info("%s: formatted log device %s (generation %llu, %u slots)",
		 s->uuid, s->bd->name, (unsigned long long)sb.generation,
		 sb.geo.nr_slots);
	return 0;
}

/* Kernel clean bits [0, n) into in_sync; unreadable parts stay 0. */
static int import_kernel_bits(struct store_disk *s, struct bitmap *in_sync,
			      uint64_t n)
{
	uint64_t nbytes = (n + 7) / 8;
	uint64_t done = nbytes < DMLOG_BS - DMLOG_KBITMAP_OFF ?
			nbytes : DMLOG_BS - DMLOG_KBITMAP_OFF;
	int r = bitmap_import(in_sync, 0, s->blk0 + DMLOG_KBITMAP_OFF, done);

	while (!r && done < nbytes) {
		uint64_t len = nbytes - done < CHUNK_BYTES ?
			       nbytes - done : CHUNK_BYTES;
		uint64_t rd = (len + DMLOG_BS - 1) / DMLOG_BS * DMLOG_BS;

		if (blockdev_read(s->bd, DMLOG_KBITMAP_OFF + done, s->io, rd))
			fail_io(s, "kernel bitmap read", -EIO);
		else
			r = bitmap_import(in_sync, done * 8, s->io, len);
		done += len;
	}
	if (!r && n < s->region_count)
		r = bitmap_assign_range(in_sync, n, s->region_count - n, false);
	return r;
}

static int do_import(struct store_disk *s, struct bitmap *in_sync,
		     const struct dmlog_khdr *kh, const struct dmlog_sb *old)
{
	uint64_t n = kh->nr_regions < s->region_count ?
		     kh->nr_regions : s->region_count;
	int r;

	bitmap_fill(in_sync, false);
	r = import_kernel_bits(s, in_sync, n);
	if (r)
		return r;
	log_info("%s: importing kernel disk log (%llu regions, %llu in sync)",
		 s->uuid, (unsigned long long)kh->nr_regions,
		 (unsigned long long)bitmap_weight(in_sync));
	return write_format(s, in_sync, old);
}

static int do_format(struct store_disk *s, struct bitmap *in_sync,
		     const struct dmlog_sb *old, bool all_in_sync)
{
	bitmap_fill(in_sync, all_in_sync);
	return write_format(s, in_sync, old);
}

/* ---------------------------------------------------------------- */
/* Load: RECOVER */

struct recover_ctx {
	struct store_disk *s;
	struct bitmap *oos;	/* region out of sync after the merge */
	struct bitmap *need;	/* slot * bpb + block: slot block to clear */
	uint32_t slot;		/* slot being scanned */
	uint64_t bad;		/* bad blocks seen */
	uint8_t tmp[PAYLOAD_BYTES];
};

static int note_bad(struct recover_ctx *rc, const struct dmlog_bhdr *where,
		    enum dmlog_blk_state st)
{
	rc->bad++;
	log_warn("%s: %s block %llu of %s %u: %s: its regions are out of sync",
		 rc->s->uuid, where->kind == DMLOG_KIND_OOS ? "OOS" : "slot",
		 (unsigned long long)where->index,
		 where->kind == DMLOG_KIND_OOS ? "area" : "slot", where->area,
		 dmlog_blk_state_name(st));
	chg_add(&rc->s->chg[CHG_OOS], where->index);
	return bitmap_assign_range(rc->oos,
				   dmlog_block_first_region(where->index),
				   where->nbits, true);
}

static int recover_oos_cb(void *arg, const struct dmlog_bhdr *where,
			  enum dmlog_blk_state st, const uint8_t *blk)
{
	struct recover_ctx *rc = arg;

	if (st != DMLOG_BLK_GOOD)
		return note_bad(rc, where, st);
	return bitmap_import(rc->oos, dmlog_block_first_region(where->index),
			     blk + DMLOG_BLOCK_HDR_BYTES,
			     (where->nbits + 7) / 8);
}

/* OOS |= this slot block; note the block for rewrite if that adds bits. */
static int merge_slot_block(struct recover_ctx *rc,
			    const struct dmlog_bhdr *where, const uint8_t *pl)
{
	uint64_t first = dmlog_block_first_region(where->index);
	size_t nbytes = (where->nbits + 7) / 8;
	bool grew = false;

	bitmap_export(rc->oos, first, rc->tmp, nbytes);
	for (size_t i = 0; i < nbytes; i++) {
		uint8_t merged = rc->tmp[i] | pl[i];

		grew |= merged != rc->tmp[i];
		rc->tmp[i] = merged;
	}
	if (!grew)
		return 0;
	chg_add(&rc->s->chg[CHG_OOS], where->index);
	return bitmap_import(rc->oos, first, rc->tmp, nbytes);
}

static bool payload_clear(const uint8_t *pl, uint32_t nbits)
{
	for (size_t i = 0; i < (nbits + 7) / 8; i++)
		if (pl[i])
			return false;
	return true;
}

static int recover_slot_cb(void *arg, const struct dmlog_bhdr *where,
			   enum dmlog_blk_state st, const uint8_t *blk)
{
	struct recover_ctx *rc = arg;
	const uint8_t *pl = blk + DMLOG_BLOCK_HDR_BYTES;
	uint64_t key = (uint64_t)rc->slot * rc->s->bpb + where->index;
	int r;

	if (st == DMLOG_BLK_GOOD && payload_clear(pl, where->nbits))
		return 0;
	r = bitmap_set(rc->need, key);
	if (r)
		return r;
	if (st != DMLOG_BLK_GOOD)
		return note_bad(rc, where, st);
	return merge_slot_block(rc, where, pl);
}

/* R1: read OOS and the slots in merge[] into rc->oos. */
static int recover_read(struct recover_ctx *rc, const uint8_t *merge)
{
	struct store_disk *s = rc->s;
	uint64_t errors = 0, e;
	int r;

	r = dmlog_scan_area(s->bd, &s->sb, DMLOG_KIND_OOS, 0, recover_oos_cb,
			    rc, &errors);
	for (uint32_t m = 0; !r && m < s->sb.geo.nr_slots; m++) {
		if (!merge[m])
			continue;
		rc->slot = m;
		e = 0;
		r = dmlog_scan_area(s->bd, &s->sb, DMLOG_KIND_SLOT, m,
				    recover_slot_cb, rc, &e);
		errors += e;
	}
	if (errors)
		fail_io(s, "log area read", -EIO);
	return r;
}

/* R4 (slot part): zero every slot block listed in need. */
static int clear_slot_blocks(struct store_disk *s, const struct bitmap *need)
{
	uint64_t total = bitmap_nbits(need);
	uint64_t k = bitmap_find_next(need, 0, true);

	while (k < total) {
		uint32_t slot = (uint32_t)(k / s->bpb);
		uint64_t first = k % s->bpb, n = 1;
		int r;

		while (first + n < s->bpb && n < DMLOG_IO_CHUNK_BLOCKS &&
		       bitmap_test(need, k + n))
			n++;
		r = write_run(s, DMLOG_KIND_SLOT, slot, first, n, NULL, false);
		if (r)
			return r;
		k = bitmap_find_next(need, k + n, true);
	}
	return 0;
}

/* in_sync := NOT oos, run by run. */
static int oos_to_in_sync(const struct bitmap *oos, struct bitmap *in_sync)
{
	uint64_t total = bitmap_nbits(oos);
	uint64_t a = bitmap_find_next(oos, 0, true);

	bitmap_fill(in_sync, true);
	while (a < total) {
		uint64_t b = bitmap_find_next(oos, a, false);
		int r = bitmap_assign_range(in_sync, a, b - a, false);

		if (r)
			return r;
		a = b < total ? bitmap_find_next(oos, b, true) : total;
	}
	return 0;
}

/* R2..R5. */
static int recover_write(struct recover_ctx *rc)
{
	struct store_disk *s = rc->s;
	struct dmlog_khdr kh = dmlog_khdr_marker(s->region_count);
	int r;

	s->seq++;
	r = write_list(s, DMLOG_KIND_OOS, 0, &s->chg[CHG_OOS], rc->oos, false);
	if (!r)
		r = blockdev_sync(s->bd);
	if (r)
		return fail_io(s, "recovery (OOS merge)", r);
	s->sb.generation++;
	s->sb.state = DMLOG_SB_ACTIVE;
	r = clear_slot_blocks(s, rc->need);
	if (!r)
		r = write_slot_info(s, DMLOG_SLOT_ACTIVE);
	if (!r)
		r = write_block0(s, &kh);
	if (!r)
		r = blockdev_sync(s->bd);
	if (r)
		return fail_io(s, "recovery (slot clear)", r);
	return 0;
}

/* RECOVER, merging the slots whose merge[] entry is set (this node's slot
 * must be one of them). */
static int recover_slots(struct store_disk *s, struct bitmap *in_sync,
			 const uint8_t *merge)
{
	struct recover_ctx *rc = calloc(1, sizeof(*rc));
	int r = -ENOMEM;

	if (!rc)
		return -ENOMEM;
	rc->s = s;
	rc->oos = bitmap_new(s->region_count, false);
	rc->need = bitmap_new((uint64_t)s->sb.geo.nr_slots * s->bpb, false);
	if (rc->oos && rc->need) {
		r = recover_read(rc, merge);
		if (!r)
			r = recover_write(rc);
		if (!r)
			r = oos_to_in_sync(rc->oos, in_sync);
	}
	if (!r)
		log_info("%s: recovered log (generation %llu): %llu regions "
			 "out of sync, %llu bad blocks", s->uuid,
			 (unsigned long long)s->sb.generation,
			 (unsigned long long)bitmap_weight(rc->oos),
			 (unsigned long long)rc->bad);
	bitmap_free(rc->oos);
	bitmap_free(rc->need);
	free(rc);
	return r;
}

static int do_recover(struct store_disk *s, struct bitmap *in_sync,
		      const struct dmlog_sb *old, const uint8_t *mask)
{
	uint8_t *merge;
	int r;

	if (s->slot >= old->geo.nr_slots) {
		log_err("%s: slot %u does not exist: log device %s has %u slots",
			s->uuid, s->slot, s->bd->name, old->geo.nr_slots);
		return -EINVAL;
	}
	if (s->bd->size < old->geo.bytes_used) {
		log_err("%s: log device %s is smaller than its format",
			s->uuid, s->bd->name);
		return -ENOSPC;
	}
	/* A single node merges every slot (doc/format.md 5.1); the cluster
	 * protocol passes the slots whose locks it holds. */
	merge = malloc(old->geo.nr_slots);
	if (!merge)
		return -ENOMEM;
	if (mask) {
		memcpy(merge, mask, old->geo.nr_slots);
		merge[s->slot] = 1;
	} else {
		memset(merge, 1, old->geo.nr_slots);
	}
	s->sb = *old;
	r = recover_slots(s, in_sync, merge);
	free(merge);
	return r;
}

/* ---------------------------------------------------------------- */
/* log_store ops */

static int load_masked(struct log_store *ls, struct bitmap *in_sync,
		       const uint8_t *mask)
{
	struct store_disk *s = to_sd(ls);
	struct dmlog_khdr kh;
	struct dmlog_sb old;
	bool old_ok = false;
	const char *why = NULL;
	int r;

	if (bitmap_nbits(in_sync) != s->region_count)
		return -EINVAL;
	s->loaded = false;
	chg_reset(&s->chg[CHG_SLOT]);
	chg_reset(&s->chg[CHG_OOS]);
	r = dmlog_read_block0(s->bd, s->blk0, &kh, &old, &old_ok, &why);
	if (r)
		return fail_io(s, "read of block 0", r);
	/* `sync` asks for a full resync: a new log at every load, as in
	 * dm-log.c. `nosync` only shapes a brand-new log (below): unlike
	 * dm-log.c we never let it wipe recorded state, or a daemon restart
	 * would forget the regions that were being written. */
	if (s->sync == CTR_SYNC_FORCE)
		r = do_format(s, in_sync, old_ok ? &old : NULL, false);
	else if (dmlog_khdr_valid(&kh))
		r = do_import(s, in_sync, &kh, old_ok ? &old : NULL);
	else if (old_ok && dmlog_sb_matches(&old, s->uuid, s->region_size,
					    s->region_count))
		r = do_recover(s, in_sync, &old, mask);
	else {
		log_notice("%s: no usable log on %s (%s): new log, every "
			   "region %s", s->uuid, s->bd->name,
			   old_ok ? "superblock of another log" : why,
			   s->sync == CTR_SYNC_NONE ? "in sync (nosync)" :
			   "out of sync");
		r = do_format(s, in_sync, old_ok ? &old : NULL,
			      s->sync == CTR_SYNC_NONE);
	}
	chg_reset(&s->chg[CHG_SLOT]);
	chg_reset(&s->chg[CHG_OOS]);
	s->loaded = r == 0;
	return r;
}

static int sd_load(struct log_store *ls, struct bitmap *in_sync)
{
	return load_masked(ls, in_sync, NULL);
}

static void sd_note(struct log_store *ls, enum store_bit which,
		    uint64_t region)
{
	struct store_disk *s = to_sd(ls);

	if (region >= s->region_count ||
	    (s->shared && which == STORE_BIT_SYNC))
		return;
	chg_add(&s->chg[which == STORE_BIT_CLEAN ? CHG_SLOT : CHG_OOS],
		region / DMLOG_BITS_PER_BLOCK);
}

static int sd_flush(struct log_store *ls, const struct bitmap *clean,
		    const struct bitmap *in_sync)
{
	struct store_disk *s = to_sd(ls);
	int r;

	if (!s->loaded)
		return s->base.failed ? -EIO : -EINVAL;
	if (bitmap_nbits(clean) != s->region_count ||
	    bitmap_nbits(in_sync) != s->region_count)
		return -EINVAL;
	if (!s->chg[CHG_SLOT].n && !s->chg[CHG_OOS].n)
		return 0;
	s->seq++;
	r = write_list(s, DMLOG_KIND_SLOT, s->slot, &s->chg[CHG_SLOT], clean,
		       true);
	if (!r)
		r = write_list(s, DMLOG_KIND_OOS, 0, &s->chg[CHG_OOS], in_sync,
			       true);
	if (!r)
		r = blockdev_sync(s->bd);
	if (r)
		return fail_io(s, "flush", r);
	chg_reset(&s->chg[CHG_SLOT]);
	chg_reset(&s->chg[CHG_OOS]);
	return 0;
}

/* Kernel bits for bitmap bytes [first, first + n): clean AND in_sync. */
static void kernel_bits(struct store_disk *s, uint8_t *dst, uint64_t first,
			size_t n, const struct bitmap *clean,
			const struct bitmap *in_sync)
{
	bitmap_export(clean, first * 8, dst, n);
	bitmap_export(in_sync, first * 8, s->scratch, n);
	for (size_t i = 0; i < n; i++)
		dst[i] &= s->scratch[i];
}

/* H1 (kernel area part): the whole kernel area, block 0 still with the
 * marker header and the ACTIVE superblock. */
static int write_kernel_area(struct store_disk *s, const struct bitmap *clean,
			     const struct bitmap *in_sync)
{
	const struct dmlog_geometry *g = &s->sb.geo;
	uint64_t bm_end = DMLOG_KBITMAP_OFF + g->kernel_bitmap_bytes;

	for (uint64_t off = 0; off < g->kernel_area_bytes; off += CHUNK_BYTES) {
		uint64_t len = g->kernel_area_bytes - off < CHUNK_BYTES ?
			       g->kernel_area_bytes - off : CHUNK_BYTES;
		uint64_t lo = off > DMLOG_KBITMAP_OFF ? off : DMLOG_KBITMAP_OFF;
		uint64_t hi = off + len < bm_end ? off + len : bm_end;
		int r;

		memset(s->io, 0, len);
		if (lo < hi)
			kernel_bits(s, s->io + (lo - off),
				    lo - DMLOG_KBITMAP_OFF, hi - lo, clean,
				    in_sync);
		if (off == 0) {
			memcpy(s->io, s->blk0, DMLOG_KBITMAP_OFF);
			memcpy(s->blk0 + DMLOG_KBITMAP_OFF,
			       s->io + DMLOG_KBITMAP_OFF,
			       DMLOG_BS - DMLOG_KBITMAP_OFF);
		}
		r = blockdev_write(s->bd, off, s->io, len);
		if (r)
			return r;
	}
	return 0;
}

/* H1..H4, after a successful flush. */
static int handoff(struct store_disk *s, const struct bitmap *clean,
		   const struct bitmap *in_sync)
{
	struct dmlog_khdr kh = dmlog_khdr_kernel(s->region_count);
	int r;

	s->seq++;
	r = write_slot_info(s, DMLOG_SLOT_FREE);
	if (!r)
		r = write_kernel_area(s, clean, in_sync);
	if (!r)
		r = blockdev_sync(s->bd);
	if (!r) {
		s->sb.state = DMLOG_SB_CLEAN;
		r = write_block0(s, &kh);
	}
	if (!r)
		r = blockdev_sync(s->bd);
	if (r)
		return fail_io(s, "handoff to the kernel format", r);
	log_info("%s: log handed back in kernel disk-log format", s->uuid);
	return 0;
}

static int sd_close(struct log_store *ls, const struct bitmap *clean,
		    const struct bitmap *in_sync, bool do_handoff)
{
	struct store_disk *s = to_sd(ls);
	int r;

	if (!s->loaded)
		return s->base.failed ? -EIO : 0;
	r = sd_flush(ls, clean, in_sync);
	if (!r && do_handoff)
		r = handoff(s, clean, in_sync);
	s->loaded = false;
	return r;
}

static void sd_destroy(struct log_store *ls)
{
	struct store_disk *s = to_sd(ls);

	if (!s)
		return;
	blockdev_close(s->bd);
	chg_free(&s->chg[CHG_SLOT]);
	chg_free(&s->chg[CHG_OOS]);
	free(s->io);
	free(s->blk0);
	free(s->scratch);
	free(s);
}

#include "store_disk_shared.inc"

static const struct log_store_ops disk_store_ops = {
	.load = sd_load,
	.note = sd_note,
	.flush = sd_flush,
	.close = sd_close,
	.destroy = sd_destroy,
};

/* ---------------------------------------------------------------- */
/* Open */

static int check_open(const struct blockdev *bd, const struct ctr_params *p,
		      const char *uuid, uint32_t nr_slots, uint32_t slot,
		      char *err, size_t errlen)
{
	uint32_t bs = bd->block_size;
	size_t ulen = uuid ? strnlen(uuid, DMLOG_UUID_MAX + 1) : 0;
	uint64_t need;

	if (bs < 512 || bs > DMLOG_BS || (bs & (bs - 1))) {
		snprintf(err, errlen, "%s: logical block size %u unsupported "
			 "(512..%u)", bd->name, bs, DMLOG_BS);
		return -EINVAL;
	}
	if (ulen < 1 || ulen > DMLOG_UUID_MAX) {
		snprintf(err, errlen, "log uuid must be 1..%u characters",
			 DMLOG_UUID_MAX);
		return -EINVAL;
	}
	if (p->region_size < 2 || (p->region_size & (p->region_size - 1))) {
		snprintf(err, errlen, "region size %u is not a power of two "
			 ">= 2", p->region_size);
		return -EINVAL;
	}
	if (slot >= nr_slots) {
		snprintf(err, errlen, "slot %u out of range (%u slots)", slot,
			 nr_slots);
		return -EINVAL;
	}
	need = dmlog_min_device_bytes(p->region_count, nr_slots);
	if (!need) {
		snprintf(err, errlen, "%llu regions / %u slots: outside the "
			 "format's limits (1..2^32 regions, 1..%u slots)",
			 (unsigned long long)p->region_count, nr_slots,
			 DMLOG_MAX_SLOTS);
		return -EINVAL;
	}
	if (bd->size < need) {
		snprintf(err, errlen, "log device %s too small: %llu bytes, "
			 "%llu needed for %llu regions and %u slots", bd->name,
			 (unsigned long long)bd->size, (unsigned long long)need,
			 (unsigned long long)p->region_count, nr_slots);
		return -ENOSPC;
	}
	return 0;
}

static void *alloc_aligned(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, DMLOG_BS, bytes))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

static int sd_alloc(struct store_disk *s)
{
	s->io = alloc_aligned(CHUNK_BYTES);
	s->blk0 = alloc_aligned(DMLOG_BS);
	s->scratch = malloc(CHUNK_BYTES);
	if (!s->io || !s->blk0 || !s->scratch)
		return -ENOMEM;
	if (chg_init(&s->chg[CHG_SLOT], s->bpb) ||
	    chg_init(&s->chg[CHG_OOS], s->bpb))
		return -ENOMEM;
	return 0;
}

int store_disk_open(struct blockdev *bd, const struct ctr_params *p,
		    const char *uuid, uint32_t nr_slots, uint32_t slot,
		    struct log_store **out, char *err, size_t errlen)
{
	struct store_disk *s;
	int r;

	*out = NULL;
	r = check_open(bd, p, uuid, nr_slots, slot, err, errlen);
	if (r) {
		blockdev_close(bd);
		return r;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		blockdev_close(bd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->base.ops = &disk_store_ops;
	s->base.cops = &disk_store_cluster_ops;
	snprintf(s->base.dev_name, sizeof(s->base.dev_name), "%u:%u",
		 bd->major, bd->minor);
	s->bd = bd;
	snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
	s->region_size = p->region_size;
	s->region_count = p->region_count;
	s->target_sectors = p->target_sectors;
	s->sync = p->sync;
	s->req_slots = nr_slots;
	s->slot = slot;
	s->bpb = (p->region_count + DMLOG_BITS_PER_BLOCK - 1) /
		 DMLOG_BITS_PER_BLOCK;
	if (sd_alloc(s)) {
		sd_destroy(&s->base);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = &s->base;
	return 0;
}

int store_disk_io_counters(const struct log_store *ls,
			   struct store_io_counters *out)
{
	const struct store_disk *s = (const struct store_disk *)ls;

	if (!ls || ls->ops != &disk_store_ops)
		return -EINVAL;
	*out = (struct store_io_counters){
		.writes = s->bd->nr_writes, .bytes_written = s->bd->bytes_written,
		.syncs = s->bd->nr_syncs, .reads = s->bd->nr_reads,
		.slot = s->slot, .node_id = s->node_id,
	};
	return 0;
}
