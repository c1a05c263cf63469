/* The disk store (lib/store_disk.c) on an in-memory device with a volatile
 * write cache, plus blockdev_file on a real file.
 *
 * The store owns the blockdev it is given and closes it on destroy, so the
 * tests give it a "view": a thin blockdev that forwards to a long-lived
 * memory device, counts, and can be told to fail. Destroying a store
 * without close() is a crash of the daemon; blockdev_mem_crash() on the
 * memory device is a power loss. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bitmap.h"
#include "blockdev.h"
#include "crc32c.h"
#include "ctr_parse.h"
#include "log_format.h"
#include "log_store.h"
#include "store_disk.h"

#define BITS DMLOG_BITS_PER_BLOCK
#define UUID "LVM-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---------------------------------------------------------------- */
/* A failing, counting view of a device */

struct view {
	struct blockdev bd;
	struct blockdev *under;
	int write_budget;	/* writes that may still succeed; -1: all */
	int sync_budget;	/* syncs that may still succeed; -1: all */
	bool fail_reads;
	uint64_t bad_read_off;	/* reads covering this offset fail */
	bool bad_read;
};

static struct view *to_view(struct blockdev *bd)
{
	return (struct view *)bd;
}

static int v_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct view *v = to_view(bd);

	if (v->fail_reads ||
	    (v->bad_read && v->bad_read_off >= off &&
	     v->bad_read_off < off + len))
		return -EIO;
	bd->nr_reads++;
	return blockdev_read(v->under, off, buf, len);
}

static int v_write(struct blockdev *bd, uint64_t off, const void *buf,
		   size_t len)
{
	struct view *v = to_view(bd);

	if (v->write_budget == 0)
		return -EIO;
	if (v->write_budget > 0)
		v->write_budget--;
	bd->nr_writes++;
	bd->bytes_written += len;
	return blockdev_write(v->under, off, buf, len);
}

static int v_sync(struct blockdev *bd)
{
	struct view *v = to_view(bd);

	if (v->sync_budget == 0)
		return -EIO;
	if (v->sync_budget > 0)
		v->sync_budget--;
	bd->nr_syncs++;
	return blockdev_sync(v->under);
}

static void v_close(struct blockdev *bd)
{
	free(to_view(bd));
}

static const struct blockdev_ops view_ops = {
	.read = v_read, .write = v_write, .sync = v_sync, .close = v_close,
};

static struct view *view_new(struct blockdev *under)
{
	struct view *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->bd.ops = &view_ops;
	v->bd.size = under->size;
	v->bd.block_size = under->block_size;
	v->bd.major = 253;
	v->bd.minor = 7;
	snprintf(v->bd.name, sizeof(v->bd.name), "view");
	v->under = under;
	v->write_budget = -1;
	v->sync_budget = -1;
	return v;
}

/* ---------------------------------------------------------------- */
/* Fixture: one store instance plus the engine's two bitmaps */

struct fx {
	struct blockdev *mem;
	uint64_t regions;
	uint32_t slots, slot;
	struct view *v;
	struct log_store *st;
	struct bitmap *clean, *in_sync;
};

static struct ctr_params params(uint64_t regions, enum ctr_sync sync)
{
	struct ctr_params p;

	memset(&p, 0, sizeof(p));
	p.region_size = 8;
	p.region_count = regions;
	p.target_sectors = regions * 8 - 3;
	p.kind = CTR_LOG_DISK;
	p.clustered = true;
	snprintf(p.type_name, sizeof(p.type_name), "clustered-disk");
	snprintf(p.log_dev, sizeof(p.log_dev), "253:7");
	p.sync = sync;
	return p;
}

static void fx_init(struct fx *f, uint64_t regions, uint32_t slots)
{
	memset(f, 0, sizeof(*f));
	f->regions = regions;
	f->slots = slots;
	f->mem = blockdev_mem_new(dmlog_min_device_bytes(regions, slots), 512);
	assert_non_null(f->mem);
}

/* Open a store instance (slot f->slot) with the given sync mode. */
static void fx_open(struct fx *f, enum ctr_sync sync)
{
	struct ctr_params p = params(f->regions, sync);
	char err[256] = "";

	f->v = view_new(f->mem);
	assert_int_equal(store_disk_open(&f->v->bd, &p, UUID, f->slots,
					 f->slot, &f->st, err, sizeof(err)), 0);
	assert_non_null(f->st);
	assert_string_equal(f->st->dev_name, "253:7");
	f->clean = bitmap_new(f->regions, true);
	f->in_sync = bitmap_new(f->regions, false);
	assert_non_null(f->clean);
	assert_non_null(f->in_sync);
}

static void fx_load(struct fx *f)
{
	assert_int_equal(f->st->ops->load(f->st, f->in_sync), 0);
	assert_false(f->st->failed);
}

static void fx_open_load(struct fx *f, enum ctr_sync sync)
{
	fx_open(f, sync);
	fx_load(f);
}

/* Drop the instance without close: a daemon crash. */
static void fx_drop(struct fx *f)
{
	f->st->ops->destroy(f->st);
	bitmap_free(f->clean);
	bitmap_free(f->in_sync);
	f->st = NULL;
	f->v = NULL;
	f->clean = f->in_sync = NULL;
}

static void fx_close(struct fx *f, bool handoff)
{
	assert_int_equal(f->st->ops->close(f->st, f->clean, f->in_sync,
					   handoff), 0);
	fx_drop(f);
}

static void fx_fini(struct fx *f)
{
	if (f->st)
		fx_drop(f);
	blockdev_close(f->mem);
}

/* Engine-style changes: bitmap first, then note. */
static void mark(struct fx *f, uint64_t r)
{
	assert_int_equal(bitmap_clear(f->clean, r), 0);
	f->st->ops->note(f->st, STORE_BIT_CLEAN, r);
}

static void clear(struct fx *f, uint64_t r)
{
	assert_int_equal(bitmap_set(f->clean, r), 0);
	f->st->ops->note(f->st, STORE_BIT_CLEAN, r);
}

static void set_sync(struct fx *f, uint64_t r, bool v)
{
	assert_int_equal(bitmap_assign(f->in_sync, r, v), 0);
	f->st->ops->note(f->st, STORE_BIT_SYNC, r);
}

static int flush(struct fx *f)
{
	return f->st->ops->flush(f->st, f->clean, f->in_sync);
}

/* A formatted, all-in-sync log, closed cleanly (no handoff), ready for a
 * default-sync instance to recover. */
static void fx_make_synced(struct fx *f)
{
	fx_open_load(f, CTR_SYNC_NONE);
	assert_int_equal(bitmap_weight(f->in_sync), f->regions);
	fx_close(f, false);
}

/* Durable image helpers */
static uint8_t *img(struct fx *f)
{
	return blockdev_mem_image(f->mem);
}

static void img_sb(struct fx *f, struct dmlog_sb *sb)
{
	const char *why = NULL;

	assert_int_equal(dmlog_sb_decode(img(f) + 512, sb, &why), 0);
}

static struct dmlog_khdr img_khdr(struct fx *f)
{
	struct dmlog_khdr h;

	dmlog_khdr_decode(img(f), &h);
	return h;
}

static enum dmlog_blk_state img_block_state(struct fx *f,
					    const struct dmlog_sb *sb,
					    enum dmlog_kind kind, uint32_t area,
					    uint64_t index)
{
	struct dmlog_bhdr e = dmlog_bhdr_expect(&sb->geo, sb->format_id, kind,
						area, index);

	return dmlog_block_check(img(f) + dmlog_block_offset(&sb->geo, kind,
				 area, index), &e);
}

static bool img_bit(struct fx *f, const struct dmlog_sb *sb,
		    enum dmlog_kind kind, uint32_t area, uint64_t r)
{
	uint64_t idx = r / BITS, k = r % BITS;
	const uint8_t *b = img(f) + dmlog_block_offset(&sb->geo, kind, area,
						       idx);

	return (b[64 + k / 8] >> (k % 8)) & 1;
}

/* Number of set bits in a whole durable area (every block must be good). */
static uint64_t img_area_weight(struct fx *f, const struct dmlog_sb *sb,
				enum dmlog_kind kind, uint32_t area)
{
	uint64_t w = 0;

	for (uint64_t i = 0; i < sb->geo.blocks_per_bitmap; i++) {
		const uint8_t *b = img(f) + dmlog_block_offset(&sb->geo, kind,
							       area, i);

		assert_int_equal(img_block_state(f, sb, kind, area, i),
				 DMLOG_BLK_GOOD);
		for (size_t j = 64; j < 4096; j++)
			w += (uint64_t)__builtin_popcount(b[j]);
	}
	return w;
}

/* ---------------------------------------------------------------- */
/* Open */

static void test_open_checks(void **state)
{
	struct blockdev *mem = blockdev_mem_new(64 * 4096, 512);
	struct blockdev *big = blockdev_mem_new(16 * 4096, 8192);
	struct ctr_params p = params(1000, CTR_SYNC_DEFAULT);
	struct log_store *st = (struct log_store *)1;
	char err[256];
	char longu[200];

	(void)state;
	assert_non_null(mem);
	assert_non_null(big);
	/* 2^20 regions need more than 256 KiB: refused, view closed */
	p = params(1u << 20, CTR_SYNC_DEFAULT);
	err[0] = 0;
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 1, 0,
					 &st, err, sizeof(err)), -ENOSPC);
	assert_null(st);
	assert_non_null(strstr(err, "too small"));
	p = params(1000, CTR_SYNC_DEFAULT);
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 2, 2,
					 &st, err, sizeof(err)), -EINVAL);
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, "", 1, 0,
					 &st, err, sizeof(err)), -EINVAL);
	memset(longu, 'x', sizeof(longu) - 1);
	longu[sizeof(longu) - 1] = 0;
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, longu, 1, 0,
					 &st, err, sizeof(err)), -EINVAL);
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 0, 0,
					 &st, err, sizeof(err)), -EINVAL);
	assert_int_equal(store_disk_open(&view_new(big)->bd, &p, UUID, 1, 0,
					 &st, err, sizeof(err)), -EINVAL);
	p.region_size = 12;
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 1, 0,
					 &st, err, sizeof(err)), -EINVAL);
	p = params((1ull << 32) + 1, CTR_SYNC_DEFAULT);
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 1, 0,
					 &st, err, sizeof(err)), -EINVAL);
	/* nothing was written or read by any of these */
	assert_int_equal(mem->nr_writes + mem->nr_reads, 0);
	/* fits: opens, still reads nothing until load */
	p = params(1000, CTR_SYNC_DEFAULT);
	assert_int_equal(store_disk_open(&view_new(mem)->bd, &p, UUID, 1, 0,
					 &st, err, sizeof(err)), 0);
	assert_int_equal(mem->nr_writes + mem->nr_reads, 0);
	/* flush before load is refused; close before load does nothing */
	{
		struct bitmap *a = bitmap_new(1000, true);

		assert_int_equal(st->ops->flush(st, a, a), -EINVAL);
		assert_int_equal(st->ops->close(st, a, a, true), 0);
		assert_int_equal(mem->nr_writes, 0);
		bitmap_free(a);
	}
	st->ops->destroy(st);
	blockdev_close(mem);
	blockdev_close(big);
}

/* ---------------------------------------------------------------- */
/* First use */

static void test_fresh_default_all_out_of_sync(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	struct dmlog_khdr kh;

	(void)state;
	fx_init(&f, 3 * BITS + 10, 2);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	assert_int_equal(f.v->bd.nr_syncs, 2);
	/* durable: marker header, ACTIVE superblock, OOS all set */
	kh = img_khdr(&f);
	assert_false(dmlog_khdr_valid(&kh));
	img_sb(&f, &sb);
	assert_int_equal(sb.state, DMLOG_SB_ACTIVE);
	assert_int_equal(sb.generation, 1);
	assert_int_equal(sb.geo.nr_slots, 2);
	assert_string_equal(sb.uuid, UUID);
	assert_int_equal(sb.region_size, 8);
	assert_int_equal(sb.target_sectors, f.regions * 8 - 3);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0),
			 f.regions);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 0), 0);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 1), 0);
	/* reload: still all out of sync (nothing resynced) */
	fx_drop(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	img_sb(&f, &sb);
	assert_int_equal(sb.generation, 2);
	fx_fini(&f);
}

static void test_fresh_nosync_all_in_sync(void **state)
{
	struct fx f;
	struct dmlog_sb sb;

	(void)state;
	fx_init(&f, BITS + 1, 1);
	fx_open_load(&f, CTR_SYNC_NONE);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions);
	img_sb(&f, &sb);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0), 0);
	fx_close(&f, false);
	/* a default instance recovers the same state */
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions);
	fx_fini(&f);
}

/* An explicit "sync" makes a new log: all out of sync, new format id,
 * generation continues. */
static void test_force_sync_reformats(void **state)
{
	struct fx f;
	struct dmlog_sb a, b;

	(void)state;
	fx_init(&f, 1000, 1);
	fx_make_synced(&f);
	img_sb(&f, &a);
	fx_open_load(&f, CTR_SYNC_FORCE);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	img_sb(&f, &b);
	assert_int_not_equal(a.format_id, b.format_id);
	assert_int_equal(b.generation, a.generation + 1);
	fx_drop(&f);
	/* nosync on an existing log keeps its state (unlike dm-log.c):
	 * still all out of sync, same format */
	fx_open_load(&f, CTR_SYNC_NONE);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	img_sb(&f, &a);
	assert_int_equal(a.format_id, b.format_id);
	fx_fini(&f);
}

/* A superblock of another log or geometry is not trusted. */
static void test_foreign_superblock_formats(void **state)
{
	struct fx f;
	struct ctr_params p;
	struct log_store *st;
	struct bitmap *in_sync;
	char err[128];

	(void)state;
	fx_init(&f, 2000, 1);
	fx_make_synced(&f);
	/* same device, other uuid */
	p = params(2000, CTR_SYNC_DEFAULT);
	assert_int_equal(store_disk_open(&view_new(f.mem)->bd, &p, "other",
					 1, 0, &st, err, sizeof(err)), 0);
	in_sync = bitmap_new(2000, true);
	assert_int_equal(st->ops->load(st, in_sync), 0);
	assert_int_equal(bitmap_weight(in_sync), 0);
	st->ops->destroy(st);
	bitmap_free(in_sync);
	/* and other region size (back to our uuid) */
	fx_make_synced(&f);
	p.region_size = 16;
	assert_int_equal(store_disk_open(&view_new(f.mem)->bd, &p, UUID,
					 1, 0, &st, err, sizeof(err)), 0);
	in_sync = bitmap_new(2000, true);
	assert_int_equal(st->ops->load(st, in_sync), 0);
	assert_int_equal(bitmap_weight(in_sync), 0);
	st->ops->destroy(st);
	bitmap_free(in_sync);
	fx_fini(&f);
}

/* ---------------------------------------------------------------- */
/* Marks, clears, flush */

static void test_mark_flush_crash_reload(void **state)
{
	const uint64_t marks[] = { 0, 5, BITS + 3, 3 * BITS + 9 };
	struct fx f;
	struct dmlog_sb sb;

	(void)state;
	fx_init(&f, 3 * BITS + 10, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions);
	for (size_t i = 0; i < 4; i++)
		mark(&f, marks[i]);
	assert_int_equal(flush(&f), 0);
	blockdev_mem_crash(f.mem, 1);
	fx_drop(&f);

	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions - 4);
	for (size_t i = 0; i < 4; i++)
		assert_false(bitmap_test(f.in_sync, marks[i]));
	/* the merge is durable: OOS holds them, the slot is clean */
	img_sb(&f, &sb);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0), 4);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 0), 0);
	for (size_t i = 0; i < 4; i++)
		assert_true(img_bit(&f, &sb, DMLOG_KIND_OOS, 0, marks[i]));
	fx_fini(&f);
}

static void test_clears_and_sync_changes_durable(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 2 * BITS, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	mark(&f, 10);
	mark(&f, BITS + 10);
	assert_int_equal(flush(&f), 0);
	clear(&f, 10);
	clear(&f, BITS + 10);
	set_sync(&f, 77, false);
	assert_int_equal(flush(&f), 0);
	blockdev_mem_crash(f.mem, 2);
	fx_drop(&f);

	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions - 1);
	assert_false(bitmap_test(f.in_sync, 77));
	/* resync completes: back in sync, durable */
	set_sync(&f, 77, true);
	assert_int_equal(flush(&f), 0);
	blockdev_mem_crash(f.mem, 3);
	fx_drop(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), f.regions);
	fx_fini(&f);
}

/* Indexes of the 4 KiB blocks that differ between two images. */
static size_t diff_blocks(const uint8_t *a, const uint8_t *b, size_t size,
			  uint64_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t off = 0; off < size; off += 4096)
		if (memcmp(a + off, b + off, 4096)) {
			assert_true(n < cap);
			out[n++] = off / 4096;
		}
	return n;
}

static void test_flush_writes_only_changed_blocks(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	uint64_t w, bytes, syncs, rds, diff[16];
	uint8_t *snap;
	size_t size;

	(void)state;
	fx_init(&f, 5 * BITS, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	img_sb(&f, &sb);
	size = f.mem->size;
	snap = malloc(size);
	assert_non_null(snap);
#define SNAP() do { memcpy(snap, img(&f), size); w = f.v->bd.nr_writes; \
	bytes = f.v->bd.bytes_written; syncs = f.v->bd.nr_syncs; \
	rds = f.v->bd.nr_reads; } while (0)
#define SLOTBLK(i) (sb.geo.slot_bitmap_off / 4096 + (i))
#define OOSBLK(i) (sb.geo.oos_off / 4096 + (i))

	/* blocks 0 and 3: two separate writes */
	SNAP();
	mark(&f, 1);
	mark(&f, 3 * BITS + 4);
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 2);
	assert_int_equal(f.v->bd.bytes_written - bytes, 8192);
	assert_int_equal(f.v->bd.nr_syncs - syncs, 1);
	assert_int_equal(diff_blocks(snap, img(&f), size, diff, 16), 2);
	assert_int_equal(diff[0], SLOTBLK(0));
	assert_int_equal(diff[1], SLOTBLK(3));

	/* blocks 1 and 2: adjacent, one write of two blocks */
	SNAP();
	mark(&f, BITS);
	mark(&f, 2 * BITS + 100);
	mark(&f, 2 * BITS + 101);
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 1);
	assert_int_equal(f.v->bd.bytes_written - bytes, 8192);
	assert_int_equal(diff_blocks(snap, img(&f), size, diff, 16), 2);
	assert_int_equal(diff[0], SLOTBLK(1));
	assert_int_equal(diff[1], SLOTBLK(2));

	/* nothing changed: no I/O at all */
	SNAP();
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 0);
	assert_int_equal(f.v->bd.nr_syncs - syncs, 0);
	assert_int_equal(f.v->bd.nr_reads - rds, 0);

	/* an in-sync change: one OOS block */
	SNAP();
	set_sync(&f, 4 * BITS + 7, false);
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 1);
	assert_int_equal(f.v->bd.bytes_written - bytes, 4096);
	assert_int_equal(diff_blocks(snap, img(&f), size, diff, 16), 1);
	assert_int_equal(diff[0], OOSBLK(4));
	assert_true(img_bit(&f, &sb, DMLOG_KIND_OOS, 0, 4 * BITS + 7));

	/* a mark and its clear before the flush: block rewritten, clean */
	SNAP();
	mark(&f, 4 * BITS + 9);
	clear(&f, 4 * BITS + 9);
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 1);
	assert_false(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 4 * BITS + 9));
	/* out-of-range notes are ignored */
	SNAP();
	f.st->ops->note(f.st, STORE_BIT_CLEAN, f.regions);
	f.st->ops->note(f.st, STORE_BIT_SYNC, UINT64_MAX);
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.v->bd.nr_writes - w, 0);
#undef SNAP
#undef SLOTBLK
#undef OOSBLK
	free(snap);
	fx_fini(&f);
}

/* flush returns only once the blocks are in the durable image. */
static void test_flush_durable_on_return(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	uint64_t syncs;

	(void)state;
	fx_init(&f, BITS, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	img_sb(&f, &sb);
	mark(&f, 42);
	assert_false(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 42));
	syncs = f.mem->nr_syncs;
	assert_int_equal(flush(&f), 0);
	assert_int_equal(f.mem->nr_syncs, syncs + 1);
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 42));
	assert_int_equal(img_block_state(&f, &sb, DMLOG_KIND_SLOT, 0, 0),
			 DMLOG_BLK_GOOD);

	/* a failing sync: -EIO, failed, not durable; the retry writes it */
	mark(&f, 43);
	f.v->sync_budget = 0;
	assert_int_equal(flush(&f), -EIO);
	assert_true(f.st->failed);
	assert_false(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 43));
	blockdev_mem_crash(f.mem, 0);	/* whatever the cache did */
	f.v->sync_budget = -1;
	assert_int_equal(flush(&f), 0);
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 43));
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 42));
	assert_true(f.st->failed);	/* sticky, for status 'D' */
	fx_fini(&f);
}

static void test_write_error_fails_flush(void **state)
{
	struct fx f;
	struct dmlog_sb sb;

	(void)state;
	fx_init(&f, 3 * BITS, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	img_sb(&f, &sb);
	mark(&f, 1);
	mark(&f, 2 * BITS + 1);
	f.v->write_budget = 1;		/* the second write fails */
	assert_int_equal(flush(&f), -EIO);
	assert_true(f.st->failed);
	f.v->write_budget = 0;		/* still broken */
	assert_int_equal(flush(&f), -EIO);
	f.v->write_budget = -1;
	assert_int_equal(flush(&f), 0);
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 1));
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 0, 2 * BITS + 1));
	/* close without handoff flushes; a failing close reports it */
	mark(&f, 5);
	f.v->write_budget = 0;
	assert_int_equal(f.st->ops->close(f.st, f.clean, f.in_sync, true),
			 -EIO);
	fx_fini(&f);
}

/* Power loss in the middle of a flush: every block is old, new or torn.
 * A region marked by an acknowledged flush, and still marked in the
 * unacknowledged one, is never read back in sync; a torn block makes its
 * whole range out of sync; blocks the flush did not touch are exact. */
static void test_lost_and_torn_writes(void **state)
{
	const uint64_t acked[] = { 1, 2, BITS + 1 };
	/* block 2's marks span sectors 0 and 7, so it can tear */
	const uint64_t unacked[] = { 3, 2 * BITS + 5, 2 * BITS + 29600 };
	unsigned torn = 0, lost_or_old = 0, landed = 0;

	(void)state;
	for (uint64_t seed = 0; seed < 64; seed++) {
		struct fx f;
		struct dmlog_sb sb;
		enum dmlog_blk_state st2;

		fx_init(&f, 4 * BITS, 1);
		fx_make_synced(&f);
		fx_open_load(&f, CTR_SYNC_DEFAULT);
		img_sb(&f, &sb);
		for (size_t i = 0; i < 3; i++)
			mark(&f, acked[i]);
		assert_int_equal(flush(&f), 0);
		for (size_t i = 0; i < 3; i++)
			mark(&f, unacked[i]);
		f.v->sync_budget = 0;
		assert_int_equal(flush(&f), -EIO);
		blockdev_mem_crash(f.mem, seed);
		st2 = img_block_state(&f, &sb, DMLOG_KIND_SLOT, 0, 2);
		fx_drop(&f);

		fx_open_load(&f, CTR_SYNC_DEFAULT);
		for (size_t i = 0; i < 3; i++)
			assert_false(bitmap_test(f.in_sync, acked[i]));
		/* block 1 was acknowledged and not rewritten: exact */
		assert_int_equal(bitmap_count_range(f.in_sync, BITS, BITS,
						    false), 1);
		/* block 3 was not part of either flush: exact */
		assert_int_equal(bitmap_count_range(f.in_sync, 3 * BITS, BITS,
						    true), BITS);
		if (st2 != DMLOG_BLK_GOOD) {
			torn++;
			assert_int_equal(bitmap_count_range(f.in_sync, 2 * BITS,
							    BITS, false), BITS);
		} else if (bitmap_test(f.in_sync, 2 * BITS + 5)) {
			lost_or_old++;
			assert_int_equal(bitmap_count_range(f.in_sync, 2 * BITS,
							    BITS, false), 0);
		} else {
			landed++;
			assert_int_equal(bitmap_count_range(f.in_sync, 2 * BITS,
							    BITS, false), 2);
		}
		fx_fini(&f);
	}
	/* the crash model really produced all three outcomes */
	assert_true(torn > 0);
	assert_true(lost_or_old > 0);
	assert_true(landed > 0);
}

/* A block torn by hand: the new header and first sector, the old last
 * sector. */
static void test_torn_block_by_hand(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	uint8_t old_sector[512];
	uint64_t off;

	(void)state;
	fx_init(&f, 3 * BITS, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	img_sb(&f, &sb);
	off = dmlog_block_offset(&sb.geo, DMLOG_KIND_SLOT, 0, 1);
	memcpy(old_sector, img(&f) + off + 3584, 512);
	mark(&f, BITS + 5);		/* payload byte 0: sector 0 */
	mark(&f, BITS + 29600);		/* payload byte 3700: sector 7 */
	assert_int_equal(flush(&f), 0);
	assert_memory_not_equal(img(&f) + off + 3584, old_sector, 512);
	memcpy(img(&f) + off + 3584, old_sector, 512);
	assert_int_equal(img_block_state(&f, &sb, DMLOG_KIND_SLOT, 0, 1),
			 DMLOG_BLK_BAD_CRC);
	fx_drop(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_count_range(f.in_sync, BITS, BITS, false),
			 BITS);
	assert_int_equal(bitmap_weight(f.in_sync), 2 * BITS);
	/* the bad block was merged: OOS holds the range, the slot is clean */
	img_sb(&f, &sb);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0), BITS);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 0), 0);
	fx_fini(&f);
}

static void test_bad_and_unreadable_oos_blocks(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	uint64_t r = 4 * BITS + 3;

	(void)state;
	fx_init(&f, r, 1);
	fx_make_synced(&f);
	img_sb(&f, &sb);
	/* corrupt OOS block 1 (one payload byte) */
	img(&f)[dmlog_block_offset(&sb.geo, DMLOG_KIND_OOS, 0, 1) + 100] ^= 4;
	fx_open(&f, CTR_SYNC_DEFAULT);
	/* and make OOS block 4 (the partial last one) unreadable */
	f.v->bad_read = true;
	f.v->bad_read_off = dmlog_block_offset(&sb.geo, DMLOG_KIND_OOS, 0, 4);
	assert_int_equal(f.st->ops->load(f.st, f.in_sync), 0);
	assert_true(f.st->failed);
	assert_int_equal(bitmap_count_range(f.in_sync, BITS, BITS, false), BITS);
	assert_int_equal(bitmap_count_range(f.in_sync, 4 * BITS, 3, false), 3);
	assert_int_equal(bitmap_weight(f.in_sync), r - BITS - 3);
	img_sb(&f, &sb);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0), BITS + 3);
	fx_fini(&f);
}

/* A good block of an earlier format of the device is stale. */
static void test_stale_block_of_older_format(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	uint8_t *old = malloc(4096);
	uint64_t off;

	(void)state;
	assert_non_null(old);
	fx_init(&f, 2 * BITS, 1);
	fx_make_synced(&f);
	img_sb(&f, &sb);
	off = dmlog_block_offset(&sb.geo, DMLOG_KIND_OOS, 0, 0);
	memcpy(old, img(&f) + off, 4096);	/* all in sync, format A */
	fx_open_load(&f, CTR_SYNC_FORCE);	/* format B, all out of sync */
	fx_close(&f, false);
	memcpy(img(&f) + off, old, 4096);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	/* block 0 of format A says "all in sync": stale, not trusted */
	assert_int_equal(bitmap_count_range(f.in_sync, 0, BITS, false), BITS);
	assert_int_equal(bitmap_count_range(f.in_sync, BITS, BITS, false),
			 BITS);
	free(old);
	fx_fini(&f);
}

/* RESUME twice on one instance: the kernel's disk log re-reads too. */
static void test_load_twice(void **state)
{
	struct fx f;
	struct dmlog_sb sb;

	(void)state;
	fx_init(&f, 1000, 1);
	fx_make_synced(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	mark(&f, 999);
	assert_int_equal(flush(&f), 0);
	bitmap_fill(f.clean, true);
	fx_load(&f);
	assert_false(bitmap_test(f.in_sync, 999));
	assert_int_equal(bitmap_weight(f.in_sync), 999);
	img_sb(&f, &sb);
	assert_int_equal(sb.generation, 3);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 0), 0);
	fx_fini(&f);
}

static void test_load_io_errors(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 1000, 1);
	fx_open(&f, CTR_SYNC_DEFAULT);
	f.v->fail_reads = true;
	assert_int_equal(f.st->ops->load(f.st, f.in_sync), -EIO);
	assert_true(f.st->failed);
	assert_int_equal(flush(&f), -EIO);
	fx_drop(&f);
	fx_open(&f, CTR_SYNC_DEFAULT);
	f.v->write_budget = 0;
	assert_int_equal(f.st->ops->load(f.st, f.in_sync), -EIO);
	assert_true(f.st->failed);
	fx_drop(&f);
	fx_open(&f, CTR_SYNC_DEFAULT);
	f.v->sync_budget = 1;		/* F2 works, F4 fails */
	assert_int_equal(f.st->ops->load(f.st, f.in_sync), -EIO);
	fx_drop(&f);
	/* wrong bitmap size */
	fx_open(&f, CTR_SYNC_DEFAULT);
	{
		struct bitmap *b = bitmap_new(999, false);

		assert_int_equal(f.st->ops->load(f.st, b), -EINVAL);
		bitmap_free(b);
	}
	fx_fini(&f);
}

/* ---------------------------------------------------------------- */
/* Slots */

static void test_recover_merges_every_slot(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	struct dmlog_slot_info si;

	(void)state;
	fx_init(&f, 2 * BITS, 3);
	fx_make_synced(&f);
	f.slot = 2;
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	mark(&f, 7);
	mark(&f, BITS + 7);
	assert_int_equal(flush(&f), 0);
	img_sb(&f, &sb);
	assert_true(img_bit(&f, &sb, DMLOG_KIND_SLOT, 2, 7));
	assert_int_equal(img_block_state(&f, &sb, DMLOG_KIND_SLOT_INFO, 2, 0),
			 DMLOG_BLK_GOOD);
	assert_int_equal(img_block_state(&f, &sb, DMLOG_KIND_SLOT_INFO, 0, 0),
			 DMLOG_BLK_GOOD);
	dmlog_slot_info_decode(img(&f) + dmlog_block_offset(&sb.geo,
			       DMLOG_KIND_SLOT_INFO, 2, 0), &si);
	assert_int_equal(si.state, DMLOG_SLOT_ACTIVE);
	assert_int_equal(si.claim_generation, sb.generation);
	fx_drop(&f);			/* slot 2's node dies */

	f.slot = 0;
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_false(bitmap_test(f.in_sync, 7));
	assert_false(bitmap_test(f.in_sync, BITS + 7));
	assert_int_equal(bitmap_weight(f.in_sync), f.regions - 2);
	img_sb(&f, &sb);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_SLOT, 2), 0);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0), 2);
	fx_fini(&f);
}

/* The slot count of an existing format wins over the requested one. */
static void test_existing_slot_count_wins(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	struct ctr_params p;
	struct log_store *st;
	struct bitmap *in_sync;
	char err[128];

	(void)state;
	fx_init(&f, 1000, 4);		/* device big enough for 4 slots */
	f.slots = 3;
	fx_make_synced(&f);		/* formatted with 3 */
	f.slots = 1;
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	img_sb(&f, &sb);
	assert_int_equal(sb.geo.nr_slots, 3);
	assert_int_equal(bitmap_weight(f.in_sync), 1000);
	fx_drop(&f);
	/* slot 3 does not exist in a 3-slot format */
	p = params(1000, CTR_SYNC_DEFAULT);
	assert_int_equal(store_disk_open(&view_new(f.mem)->bd, &p, UUID, 4, 3,
					 &st, err, sizeof(err)), 0);
	in_sync = bitmap_new(1000, false);
	assert_int_equal(st->ops->load(st, in_sync), -EINVAL);
	st->ops->destroy(st);
	bitmap_free(in_sync);
	fx_fini(&f);
}

/* ---------------------------------------------------------------- */
/* Kernel format: import and handoff */

static void set_kbit(uint8_t *image, uint64_t r)
{
	image[1024 + r / 8] |= (uint8_t)(1u << (r % 8));
}

/* A kernel disk-log image built by hand from the documented facts. */
static void write_kernel_image(struct fx *f, uint32_t version, uint64_t nr,
			       uint32_t seed, uint64_t nbits)
{
	uint8_t *im = img(f);

	memset(im, 0, 1024 + (nbits + 63) / 64 * 8);
	memcpy(im, "rRiM", 4);
	im[4] = (uint8_t)version;
	for (int i = 0; i < 8; i++)
		im[8 + i] = (uint8_t)(nr >> (8 * i));
	for (uint64_t r = 0; r < nbits; r++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3)
			set_kbit(im, r);
	}
}

static bool kbit(struct fx *f, uint64_t r)
{
	return (img(f)[1024 + r / 8] >> (r % 8)) & 1;
}

static void test_kernel_import(void **state)
{
	struct fx f;
	struct dmlog_sb sb;
	struct dmlog_khdr kh;
	uint64_t r = 2 * BITS + 77, expect = 0;
	uint8_t *copy;

	(void)state;
	fx_init(&f, r, 1);
	write_kernel_image(&f, 2, r, 9, r);
	copy = malloc(1024 + r / 8 + 8);
	assert_non_null(copy);
	memcpy(copy, img(&f), 1024 + r / 8 + 8);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	for (uint64_t i = 0; i < r; i++) {
		bool want = (copy[1024 + i / 8] >> (i % 8)) & 1;

		assert_int_equal(bitmap_test(f.in_sync, i), want);
		expect += want;
	}
	assert_int_equal(bitmap_weight(f.in_sync), expect);
	assert_true(expect > r / 2 && expect < r);
	/* durable: kernel header invalid, our format ACTIVE, OOS = !clean */
	kh = img_khdr(&f);
	assert_false(dmlog_khdr_valid(&kh));
	img_sb(&f, &sb);
	assert_int_equal(sb.state, DMLOG_SB_ACTIVE);
	assert_int_equal(img_area_weight(&f, &sb, DMLOG_KIND_OOS, 0),
			 r - expect);
	/* a crash now: recover gives the same state */
	fx_drop(&f);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), expect);
	free(copy);
	fx_fini(&f);
}

static void test_kernel_import_variants(void **state)
{
	struct fx f;
	uint64_t r = BITS + 500;

	(void)state;
	fx_init(&f, r, 1);
	/* version 1 is read as version 2 */
	write_kernel_image(&f, 1, r, 4, r);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	for (uint64_t i = 0; i < r; i += 97)
		assert_int_equal(bitmap_test(f.in_sync, i), kbit(&f, i));
	fx_drop(&f);

	/* grown device: regions past nr_regions are out of sync */
	write_kernel_image(&f, 2, r - 101, 5, r);	/* mid-byte */
	memset(img(&f) + 1024, 0xFF, (r + 7) / 8);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), r - 101);
	assert_int_equal(bitmap_count_range(f.in_sync, r - 101, 101, false),
			 101);
	fx_drop(&f);

	/* shrunk device: bits past our count are ignored */
	write_kernel_image(&f, 2, r + 5000, 6, r);
	memset(img(&f) + 1024, 0xFF, (r + 7) / 8);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), r);
	fx_drop(&f);

	/* nr_regions 0: a new kernel log, all out of sync */
	write_kernel_image(&f, 2, 0, 6, r);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	fx_drop(&f);

	/* unknown version: not a kernel log we trust */
	write_kernel_image(&f, 3, r, 6, r);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	fx_drop(&f);

	/* nosync does not override recorded state: a valid kernel header
	 * is imported exactly as with default sync */
	write_kernel_image(&f, 2, r, 6, r);
	fx_open_load(&f, CTR_SYNC_NONE);
	for (uint64_t i = 0; i < r; i += 89)
		assert_int_equal(bitmap_test(f.in_sync, i), kbit(&f, i));
	assert_int_not_equal(bitmap_weight(f.in_sync), r);
	fx_drop(&f);
	write_kernel_image(&f, 2, r, 6, r);
	memset(img(&f) + 1024, 0xFF, (r + 7) / 8);
	fx_open_load(&f, CTR_SYNC_FORCE);
	assert_int_equal(bitmap_weight(f.in_sync), 0);
	fx_fini(&f);
}

/* Handoff writes a kernel log equal to clean AND in_sync. */
static void check_kernel_image(struct fx *f, const struct bitmap *want)
{
	struct dmlog_khdr kh = img_khdr(f);
	struct dmlog_geometry g;

	assert_int_equal(dmlog_geometry_compute(f->regions, 1, &g), 0);
	assert_true(dmlog_khdr_valid(&kh));
	assert_int_equal(kh.version, 2);
	assert_int_equal(kh.nr_regions, f->regions);
	for (uint64_t r = 0; r < f->regions; r++)
		assert_int_equal(kbit(f, r), bitmap_test(want, r));
	for (uint64_t r = f->regions; r < (f->regions + 63) / 64 * 64; r++)
		assert_false(kbit(f, r));
	for (uint64_t b = 1024 + g.kernel_bitmap_bytes;
	     b < g.kernel_area_bytes; b++)
		assert_int_equal(img(f)[b], 0);
}

static struct bitmap *handoff_setup(struct fx *f)
{
	struct bitmap *want = bitmap_new(f->regions, true);

	assert_non_null(want);
	fx_make_synced(f);
	fx_open_load(f, CTR_SYNC_DEFAULT);
	for (uint64_t r = 3; r < f->regions; r += 1001) {
		set_sync(f, r, false);
		assert_int_equal(bitmap_clear(want, r), 0);
	}
	assert_int_equal(flush(f), 0);
	for (uint64_t r = 5; r < f->regions; r += 2003) {
		mark(f, r);
		assert_int_equal(bitmap_clear(want, r), 0);
	}
	mark(f, f->regions - 1);
	assert_int_equal(bitmap_clear(want, f->regions - 1), 0);
	return want;
}

static void test_handoff_roundtrip(void **state)
{
	struct fx f;
	struct dmlog_sb sb, sb0;
	struct dmlog_slot_info si;
	struct bitmap *want;

	(void)state;
	fx_init(&f, 2 * BITS + 77, 1);
	want = handoff_setup(&f);
	img_sb(&f, &sb0);
	fx_close(&f, true);
	check_kernel_image(&f, want);
	img_sb(&f, &sb);
	assert_int_equal(sb.state, DMLOG_SB_CLEAN);
	assert_int_equal(sb.generation, sb0.generation);
	assert_int_equal(img_block_state(&f, &sb, DMLOG_KIND_SLOT_INFO, 0, 0),
			 DMLOG_BLK_GOOD);
	dmlog_slot_info_decode(img(&f) + dmlog_block_offset(&sb.geo,
			       DMLOG_KIND_SLOT_INFO, 0, 0), &si);
	assert_int_equal(si.state, DMLOG_SLOT_FREE);

	/* the next instance imports exactly that state */
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	for (uint64_t r = 0; r < f.regions; r++)
		assert_int_equal(bitmap_test(f.in_sync, r),
				 bitmap_test(want, r));
	{
		struct dmlog_khdr kh = img_khdr(&f);

		assert_false(dmlog_khdr_valid(&kh));
	}
	/* and hands it back again unchanged */
	fx_close(&f, true);
	check_kernel_image(&f, want);
	bitmap_free(want);
	fx_fini(&f);
}

/* A power loss at any point of the handoff gives back the same state,
 * through recovery or through import. */
static void test_handoff_crash_safe(void **state)
{
	unsigned imported = 0, recovered = 0;

	(void)state;
	for (uint64_t seed = 0; seed < 48; seed++) {
		struct fx f;
		struct bitmap *want;
		struct dmlog_khdr kh;

		fx_init(&f, 2 * BITS + 77, 1);
		want = handoff_setup(&f);
		/* seed % 3: fail the flush sync, H2 or H4 */
		f.v->sync_budget = (int)(seed % 3);
		assert_int_equal(f.st->ops->close(f.st, f.clean, f.in_sync,
						  true), -EIO);
		blockdev_mem_crash(f.mem, seed);
		kh = img_khdr(&f);
		if (dmlog_khdr_valid(&kh))
			imported++;
		else
			recovered++;
		fx_drop(&f);
		fx_open_load(&f, CTR_SYNC_DEFAULT);
		if (seed % 3 == 0) {
			/* the flush itself was lost: marks of the last flush
			 * may be lost, but OOS from the acknowledged one
			 * and the new marks' blocks are never trusted clean */
			for (uint64_t r = 3; r < f.regions; r += 1001)
				assert_false(bitmap_test(f.in_sync, r));
		} else {
			for (uint64_t r = 0; r < f.regions; r++)
				assert_int_equal(bitmap_test(f.in_sync, r),
						 bitmap_test(want, r));
		}
		bitmap_free(want);
		fx_fini(&f);
	}
	assert_true(imported > 0);
	assert_true(recovered > 0);
}

/* Power loss while a load is writing (recovery or import): a region
 * that was dirty, or that the kernel log called not clean, never comes
 * back in sync. */
static void test_crash_during_load(void **state)
{
	const uint64_t marks[] = { 9, BITS + 9, 2 * BITS + 9 };

	(void)state;
	for (uint64_t seed = 0; seed < 64; seed++) {
		struct fx f;

		fx_init(&f, 3 * BITS, 1);
		fx_make_synced(&f);
		fx_open_load(&f, CTR_SYNC_DEFAULT);
		for (size_t i = 0; i < 3; i++)
			mark(&f, marks[i]);
		assert_int_equal(flush(&f), 0);
		fx_drop(&f);
		/* recovery dies at its first or second sync */
		fx_open(&f, CTR_SYNC_DEFAULT);
		f.v->sync_budget = (int)(seed % 2);
		assert_int_equal(f.st->ops->load(f.st, f.in_sync), -EIO);
		blockdev_mem_crash(f.mem, seed);
		fx_drop(&f);
		fx_open_load(&f, CTR_SYNC_DEFAULT);
		for (size_t i = 0; i < 3; i++)
			assert_false(bitmap_test(f.in_sync, marks[i]));
		assert_int_equal(bitmap_weight(f.in_sync), f.regions - 3);
		fx_drop(&f);

		/* an import dies at F2 or F4 */
		write_kernel_image(&f, 2, f.regions, (uint32_t)seed, f.regions);
		fx_open(&f, CTR_SYNC_DEFAULT);
		f.v->sync_budget = (int)(seed % 2);
		assert_int_equal(f.st->ops->load(f.st, f.in_sync), -EIO);
		blockdev_mem_crash(f.mem, seed + 1000);
		fx_drop(&f);
		fx_open_load(&f, CTR_SYNC_DEFAULT);
		for (uint64_t r = 0; r < f.regions; r++)
			if (bitmap_test(f.in_sync, r))
				assert_true(kbit(&f, r));
		fx_fini(&f);
	}
}

/* A kernel area of several I/O chunks (2^22 + 13 regions: 512 KiB of
 * kernel bitmap): import, handoff and re-import across chunk borders. */
static void test_big_kernel_area(void **state)
{
	const uint64_t r = (1ull << 22) + 13;
	const uint64_t changed[] = { 300000, 2000000, r - 1 };
	struct fx f;
	struct bitmap *want;
	uint64_t expect = 0;

	(void)state;
	fx_init(&f, r, 1);
	write_kernel_image(&f, 2, r, 77, r);
	for (uint64_t i = 0; i < r; i++)
		expect += kbit(&f, i);
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), expect);
	for (uint64_t i = 0; i < r; i++)
		assert_int_equal(bitmap_test(f.in_sync, i), kbit(&f, i));
	want = bitmap_new(r, false);
	assert_non_null(want);
	assert_int_equal(bitmap_copy(want, f.in_sync), 0);
	set_sync(&f, changed[0], false);
	mark(&f, changed[1]);
	set_sync(&f, changed[2], false);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(bitmap_clear(want, changed[i]), 0);
	/* scribble over the kernel bitmap: the handoff rewrites all of it */
	memset(img(&f) + 4096, 0xA5, (r + 7) / 8 - 3072);
	fx_close(&f, true);
	for (uint64_t i = 0; i < r; i++)
		assert_int_equal(kbit(&f, i), bitmap_test(want, i));
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	assert_int_equal(bitmap_weight(f.in_sync), bitmap_weight(want));
	for (uint64_t i = 0; i < r; i++)
		assert_int_equal(bitmap_test(f.in_sync, i), bitmap_test(want, i));
	bitmap_free(want);
	fx_fini(&f);
}

/* ---------------------------------------------------------------- */
/* Random operations against a model, with crashes */

struct model {
	uint8_t *acked_dirty, *acked_oos;	/* as of the last good flush */
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void model_ack(struct fx *f, struct model *m)
{
	for (uint64_t r = 0; r < f->regions; r++) {
		m->acked_dirty[r] = !bitmap_test(f->clean, r);
		m->acked_oos[r] = !bitmap_test(f->in_sync, r);
	}
}

static void random_ops(struct fx *f, uint64_t *rs, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t r = rnd(rs) % f->regions;

		switch (rnd(rs) % 4) {
		case 0:
		case 1:
			if (bitmap_test(f->clean, r))
				mark(f, r);
			else
				clear(f, r);
			break;
		case 2:
			set_sync(f, r, true);
			break;
		default:
			set_sync(f, r, false);
			break;
		}
	}
}

static void test_random_crashes_against_model(void **state)
{
	struct fx f;
	struct model m;
	uint64_t rs = 12345;

	(void)state;
	fx_init(&f, 4 * BITS + 1000, 2);
	m.acked_dirty = calloc(f.regions, 1);
	m.acked_oos = calloc(f.regions, 1);
	assert_non_null(m.acked_dirty);
	assert_non_null(m.acked_oos);
	fx_make_synced(&f);
	f.slot = 1;
	fx_open_load(&f, CTR_SYNC_DEFAULT);
	for (int round = 0; round < 40; round++) {
		bool unacked = false;
		uint64_t seed = rnd(&rs);

		for (int k = 0; k < 3; k++) {
			random_ops(&f, &rs, 20);
			assert_int_equal(flush(&f), 0);
			model_ack(&f, &m);
		}
		random_ops(&f, &rs, 20);
		if (rnd(&rs) % 2) {
			f.v->sync_budget = 0;
			assert_int_equal(flush(&f), -EIO);
			unacked = true;
		}
		blockdev_mem_crash(f.mem, seed);
		{
			/* the engine state of the unacknowledged flush */
			uint8_t *nd = calloc(f.regions, 1), *no = calloc(f.regions, 1);

			assert_non_null(nd);
			assert_non_null(no);
			for (uint64_t r = 0; r < f.regions; r++) {
				nd[r] = !bitmap_test(f.clean, r);
				no[r] = !bitmap_test(f.in_sync, r);
			}
			fx_drop(&f);
			f.slot = (uint32_t)(seed % 2);
			fx_open_load(&f, CTR_SYNC_DEFAULT);
			for (uint64_t r = 0; r < f.regions; r++) {
				bool must = m.acked_dirty[r] || m.acked_oos[r];

				if (unacked)
					must = (m.acked_dirty[r] && nd[r]) ||
					       (m.acked_oos[r] && no[r]);
				if (must)
					assert_false(bitmap_test(f.in_sync, r));
				else if (!unacked)
					assert_true(bitmap_test(f.in_sync, r));
			}
			free(nd);
			free(no);
		}
		/* the loaded state is the new baseline */
		model_ack(&f, &m);
	}
	free(m.acked_dirty);
	free(m.acked_oos);
	fx_fini(&f);
}

/* ---------------------------------------------------------------- */
/* blockdev_file */

/* The temporary file of the running test; removed by its teardown even
 * when an assertion failed. */
static char *tmp_path;

static int remove_temp(void **state)
{
	(void)state;
	if (tmp_path) {
		unlink(tmp_path);
		free(tmp_path);
		tmp_path = NULL;
	}
	return 0;
}

static char *temp_file(uint64_t size)
{
	static const char *const dirs[] = { "/var/tmp", "/tmp", "." };

	for (size_t i = 0; i < 3; i++) {
		char *path = malloc(256);
		int fd;

		assert_non_null(path);
		snprintf(path, 256, "%s/dmlog-test-XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd < 0) {
			free(path);
			continue;
		}
		tmp_path = path;
		assert_int_equal(ftruncate(fd, (off_t)size), 0);
		close(fd);
		return path;
	}
	fail_msg("no temporary directory");
	return NULL;
}

static void test_blockdev_file_basics(void **state)
{
	char *path = temp_file(1 << 20);
	struct blockdev *bd = NULL;
	char err[256] = "";
	uint8_t *w, *r;
	void *p = NULL;

	(void)state;
	assert_int_equal(blockdev_file_open(path, 0, &bd, err, sizeof(err)), 0);
	assert_non_null(bd);
	assert_int_equal(bd->size, 1 << 20);
	assert_int_equal(bd->block_size, 4096);
	assert_int_equal(bd->major, 0);
	assert_int_equal(bd->minor, 0);
	assert_string_equal(bd->name, path);
	assert_int_equal(posix_memalign(&p, 4096, 8192), 0);
	w = p;
	assert_int_equal(posix_memalign(&p, 4096, 8192), 0);
	r = p;
	for (int i = 0; i < 8192; i++)
		w[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(blockdev_write(bd, 4096, w, 8192), 0);
	assert_int_equal(blockdev_sync(bd), 0);
	assert_int_equal(blockdev_read(bd, 4096, r, 8192), 0);
	assert_memory_equal(w, r, 8192);
	assert_int_equal(bd->nr_writes, 1);
	assert_int_equal(bd->nr_reads, 1);
	assert_int_equal(bd->nr_syncs, 1);
	assert_int_equal(bd->bytes_written, 8192);
	/* reading past the end is a short read: an error */
	assert_true(blockdev_read(bd, (1 << 20) - 4096, r, 8192) < 0);
	blockdev_close(bd);

	/* the data really is in the file */
	{
		FILE *fp = fopen(path, "rb");
		uint8_t buf[16];

		assert_non_null(fp);
		assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
		assert_int_equal(fread(buf, 1, 16, fp), 16);
		assert_memory_equal(buf, w, 16);
		fclose(fp);
	}
	free(w);
	free(r);
}

static void test_blockdev_file_errors(void **state)
{
	struct blockdev *bd = (struct blockdev *)1;
	char err[256] = "";

	(void)state;
	assert_int_equal(blockdev_file_open("/nonexistent/dmlog", 0, &bd, err,
					    sizeof(err)), -ENOENT);
	assert_null(bd);
	assert_non_null(strstr(err, "/nonexistent/dmlog"));
	assert_true(blockdev_file_open("/tmp", 0, &bd, err, sizeof(err)) < 0);
	assert_null(bd);
	assert_int_equal(blockdev_file_open("/dev/null", 0, &bd, err,
					    sizeof(err)), -ENOTBLK);
	assert_null(bd);
}

/* The whole cycle on a real file: format, mark, crash, recover, handoff,
 * import. */
static void test_store_on_file(void **state)
{
	uint64_t regions = BITS + 999;
	char *path = temp_file(dmlog_min_device_bytes(regions, 1));
	struct ctr_params p = params(regions, CTR_SYNC_NONE);
	struct blockdev *bd;
	struct log_store *st;
	struct bitmap *clean = bitmap_new(regions, true);
	struct bitmap *in_sync = bitmap_new(regions, false);
	char err[256];

	(void)state;
	assert_int_equal(blockdev_file_open(path, 1, &bd, err, sizeof(err)), 0);
	assert_int_equal(store_disk_open(bd, &p, UUID, 1, 0, &st, err,
					 sizeof(err)), 0);
	assert_string_equal(st->dev_name, "0:0");
	assert_int_equal(st->ops->load(st, in_sync), 0);
	assert_int_equal(bitmap_weight(in_sync), regions);
	assert_int_equal(bitmap_clear(clean, 500), 0);
	st->ops->note(st, STORE_BIT_CLEAN, 500);
	assert_int_equal(st->ops->flush(st, clean, in_sync), 0);
	st->ops->destroy(st);			/* crash */

	p.sync = CTR_SYNC_DEFAULT;
	assert_int_equal(blockdev_file_open(path, 1, &bd, err, sizeof(err)), 0);
	assert_int_equal(store_disk_open(bd, &p, UUID, 1, 0, &st, err,
					 sizeof(err)), 0);
	assert_int_equal(st->ops->load(st, in_sync), 0);
	assert_int_equal(bitmap_weight(in_sync), regions - 1);
	assert_false(bitmap_test(in_sync, 500));
	bitmap_fill(clean, true);
	assert_int_equal(st->ops->close(st, clean, in_sync, true), 0);
	st->ops->destroy(st);

	assert_int_equal(blockdev_file_open(path, 0, &bd, err, sizeof(err)), 0);
	assert_int_equal(store_disk_open(bd, &p, UUID, 1, 0, &st, err,
					 sizeof(err)), 0);
	bitmap_fill(in_sync, true);
	assert_int_equal(st->ops->load(st, in_sync), 0);
	assert_int_equal(bitmap_weight(in_sync), regions - 1);
	assert_false(bitmap_test(in_sync, 500));
	st->ops->destroy(st);
	bitmap_free(clean);
	bitmap_free(in_sync);
}

/* reset_slot (cluster refresh after a drained suspend): the marks still
 * on the device go, in this node's slot only, with one write per block
 * that held marks, durably; the OOS area and other slots stay. */
static void test_reset_slot(void **state)
{
	struct fx f, g;
	struct bitmap *dirty;
	uint64_t writes;
	const uint8_t merge[2] = { 0, 1 };	/* only its own slot */

	(void)state;

	fx_init(&f, 3 * BITS, 2);
	fx_open(&f, CTR_SYNC_NONE);
	f.st->cops->set_shared(f.st, true);
	fx_load(&f);
	mark(&f, 5);
	mark(&f, 2 * BITS + 1);
	assert_int_equal(flush(&f), 0);

	g = f;			/* slot 1 on the same device */
	g.slot = 1;
	fx_open(&g, CTR_SYNC_NONE);
	g.st->cops->set_shared(g.st, true);
	assert_int_equal(g.st->cops->set_slot(g.st, 1, 2), 0);
	assert_int_equal(g.st->cops->load_mask(g.st, g.in_sync, merge), 0);
	mark(&g, 7);
	assert_int_equal(flush(&g), 0);

	dirty = bitmap_new(f.regions, false);
	assert_non_null(dirty);
	assert_int_equal(f.st->cops->read_slot(f.st, 0, dirty), 0);
	assert_int_equal(bitmap_weight(dirty), 2);

	/* stale marks: the engine's view is all clean again */
	bitmap_fill(f.clean, true);
	writes = f.v->bd.nr_writes;
	assert_int_equal(f.st->cops->reset_slot(f.st, f.clean), 0);
	assert_int_equal(f.v->bd.nr_writes - writes, 2);	/* blocks 0, 2 */
	blockdev_mem_crash(f.mem, 1);	/* durable? */

	bitmap_fill(dirty, false);
	assert_int_equal(g.st->cops->read_slot(g.st, 0, dirty), 0);
	assert_int_equal(bitmap_weight(dirty), 0);
	assert_int_equal(g.st->cops->read_slot(g.st, 1, dirty), 0);
	assert_int_equal(bitmap_weight(dirty), 1);
	assert_true(bitmap_test(dirty, 7));

	/* nothing marked: no write at all */
	writes = f.v->bd.nr_writes;
	assert_int_equal(f.st->cops->reset_slot(f.st, f.clean), 0);
	assert_int_equal(f.v->bd.nr_writes, writes);

	bitmap_free(dirty);
	fx_drop(&g);
	g.mem = NULL;
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_checks),
		cmocka_unit_test(test_fresh_default_all_out_of_sync),
		cmocka_unit_test(test_fresh_nosync_all_in_sync),
		cmocka_unit_test(test_force_sync_reformats),
		cmocka_unit_test(test_foreign_superblock_formats),
		cmocka_unit_test(test_mark_flush_crash_reload),
		cmocka_unit_test(test_clears_and_sync_changes_durable),
		cmocka_unit_test(test_flush_writes_only_changed_blocks),
		cmocka_unit_test(test_flush_durable_on_return),
		cmocka_unit_test(test_write_error_fails_flush),
		cmocka_unit_test(test_lost_and_torn_writes),
		cmocka_unit_test(test_torn_block_by_hand),
		cmocka_unit_test(test_bad_and_unreadable_oos_blocks),
		cmocka_unit_test(test_stale_block_of_older_format),
		cmocka_unit_test(test_load_twice),
		cmocka_unit_test(test_load_io_errors),
		cmocka_unit_test(test_recover_merges_every_slot),
		cmocka_unit_test(test_existing_slot_count_wins),
		cmocka_unit_test(test_kernel_import),
		cmocka_unit_test(test_kernel_import_variants),
		cmocka_unit_test(test_handoff_roundtrip),
		cmocka_unit_test(test_handoff_crash_safe),
		cmocka_unit_test(test_crash_during_load),
		cmocka_unit_test(test_big_kernel_area),
		cmocka_unit_test(test_random_crashes_against_model),
		cmocka_unit_test(test_reset_slot),
		cmocka_unit_test_teardown(test_blockdev_file_basics, remove_temp),
		cmocka_unit_test(test_blockdev_file_errors),
		cmocka_unit_test_teardown(test_store_on_file, remove_temp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
