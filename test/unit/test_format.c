/* On-disk format v1 codec and geometry (lib/log_format.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bitmap.h"
#include "blockdev.h"
#include "crc32c.h"
#include "log_format.h"

#define BITS DMLOG_BITS_PER_BLOCK
#define UUID "LVM-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123-mlog"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *xalloc_block(size_t n)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, DMLOG_BS, n), 0);
	memset(p, 0, n);
	return p;
}

/* ---------------------------------------------------------------- */
/* Geometry */

static void check_geometry(uint64_t r, uint32_t s)
{
	struct dmlog_geometry g;
	uint64_t kb = (r + 63) / 64 * 8, nb = 0;

	assert_int_equal(dmlog_geometry_compute(r, s, &g), 0);
	assert_int_equal(g.region_count, r);
	assert_int_equal(g.nr_slots, s);
	assert_int_equal(g.bits_per_block, 32256);
	assert_int_equal(g.kernel_bitmap_bytes, kb);
	assert_int_equal(g.kernel_area_bytes % DMLOG_BS, 0);
	assert_true(g.kernel_area_bytes >= 1024 + kb);
	assert_true(g.kernel_area_bytes < 1024 + kb + DMLOG_BS);
	assert_true(g.blocks_per_bitmap * BITS >= r);
	assert_true((g.blocks_per_bitmap - 1) * BITS < r);
	assert_int_equal(g.slot_info_off, g.kernel_area_bytes);
	assert_int_equal(g.slot_bitmap_off, g.slot_info_off + s * 4096ull);
	assert_int_equal(g.oos_off, g.slot_bitmap_off +
			 (uint64_t)s * g.blocks_per_bitmap * 4096);
	assert_int_equal(g.bytes_used, g.oos_off + g.blocks_per_bitmap * 4096);
	assert_int_equal(dmlog_min_device_bytes(r, s), g.bytes_used);
	/* the kernel's single I/O always fits in the kernel area */
	for (uint32_t lbs = 512; lbs <= 4096; lbs *= 2)
		assert_true(dmlog_kernel_io_bytes(r, lbs) <= g.kernel_area_bytes);
	/* bit counts add up; only the last block is partial */
	for (uint64_t i = 0; i < g.blocks_per_bitmap; i++) {
		uint32_t n = dmlog_block_nbits(&g, i);

		assert_true(n >= 1 && n <= BITS);
		if (i + 1 < g.blocks_per_bitmap)
			assert_int_equal(n, BITS);
		nb += n;
		if (g.blocks_per_bitmap > 4 && i == 1)
			i = g.blocks_per_bitmap - 3;	/* skip the middle */
	}
	if (g.blocks_per_bitmap <= 4)
		assert_int_equal(nb, r);
	assert_int_equal(dmlog_block_nbits(&g, g.blocks_per_bitmap), 0);
	/* area placement: each area ends where the next begins */
	assert_int_equal(dmlog_block_offset(&g, DMLOG_KIND_SLOT_INFO, s - 1, 0) +
			 4096, g.slot_bitmap_off);
	assert_int_equal(dmlog_block_offset(&g, DMLOG_KIND_SLOT, s - 1,
			 g.blocks_per_bitmap - 1) + 4096, g.oos_off);
	assert_int_equal(dmlog_block_offset(&g, DMLOG_KIND_OOS, 0,
			 g.blocks_per_bitmap - 1) + 4096, g.bytes_used);
	if (s > 1)
		assert_int_equal(dmlog_block_offset(&g, DMLOG_KIND_SLOT, 1, 0),
				 g.slot_bitmap_off + g.blocks_per_bitmap * 4096);
}

static void test_geometry_many(void **state)
{
	static const uint64_t regions[] = {
		1, 2, 63, 64, 65, 127, 128, 129, 24575, 24576, 24577,
		BITS - 1, BITS, BITS + 1, 2 * BITS - 1, 2 * BITS, 2 * BITS + 1,
		1000000, 2097152, (1ull << 31) + 7, (1ull << 32) - 1, 1ull << 32,
	};
	static const uint32_t slots[] = { 1, 2, 3, 16, 64, 1024 };

	(void)state;
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		for (size_t j = 0; j < sizeof(slots) / sizeof(slots[0]); j++)
			check_geometry(regions[i], slots[j]);
}

static void test_geometry_known_values(void **state)
{
	struct dmlog_geometry g;

	(void)state;
	assert_int_equal(dmlog_min_device_bytes(1, 1), 16384);
	assert_int_equal(dmlog_geometry_compute(1ull << 32, 1, &g), 0);
	assert_int_equal(g.kernel_bitmap_bytes, 536870912ull);
	assert_int_equal(g.kernel_area_bytes, 536875008ull);
	assert_int_equal(g.blocks_per_bitmap, 133153);
	assert_int_equal(g.bytes_used, 1627668480ull);
	assert_int_equal(dmlog_min_device_bytes(1ull << 32, 2) - g.bytes_used,
			 545398784ull);
	/* 1024 slots of a 2^32-region log: ~520 GiB, no overflow */
	assert_int_equal(dmlog_min_device_bytes(1ull << 32, 1024),
			 536875008ull + 1024ull * 4096 +
			 1025ull * 133153 * 4096);
	/* the bitmap block boundary: BITS regions fit one block */
	assert_int_equal(dmlog_geometry_compute(BITS, 1, &g), 0);
	assert_int_equal(g.blocks_per_bitmap, 1);
	assert_int_equal(dmlog_block_nbits(&g, 0), BITS);
	assert_int_equal(dmlog_geometry_compute(BITS + 1, 1, &g), 0);
	assert_int_equal(g.blocks_per_bitmap, 2);
	assert_int_equal(dmlog_block_nbits(&g, 1), 1);
	/* 65 regions: the kernel rounds the bitmap to 64-bit words */
	assert_int_equal(dmlog_geometry_compute(65, 1, &g), 0);
	assert_int_equal(g.kernel_bitmap_bytes, 16);
	assert_int_equal(dmlog_kernel_io_bytes(65, 512), 1536);
	assert_int_equal(dmlog_kernel_io_bytes(65, 4096), 4096);
}

static void test_geometry_rejects(void **state)
{
	struct dmlog_geometry g;

	(void)state;
	assert_int_equal(dmlog_geometry_compute(0, 1, &g), -EINVAL);
	assert_int_equal(dmlog_geometry_compute((1ull << 32) + 1, 1, &g),
			 -EINVAL);
	assert_int_equal(dmlog_geometry_compute(UINT64_MAX, 1, &g), -EINVAL);
	assert_int_equal(dmlog_geometry_compute(10, 0, &g), -EINVAL);
	assert_int_equal(dmlog_geometry_compute(10, 1025, &g), -EINVAL);
	assert_int_equal(dmlog_min_device_bytes(0, 1), 0);
	assert_int_equal(dmlog_min_device_bytes(10, 0), 0);
}

/* ---------------------------------------------------------------- */
/* Kernel header */

static void test_khdr(void **state)
{
	uint8_t b[16];
	struct dmlog_khdr h = dmlog_khdr_kernel(0x0102030405ull), d;

	(void)state;
	dmlog_khdr_encode(&h, b);
	/* "MiRr" as a little-endian u32: bytes 'r' 'R' 'i' 'M' */
	assert_memory_equal(b, "rRiM", 4);
	assert_int_equal(rd32(b + 4), 2);
	assert_int_equal(rd64(b + 8), 0x0102030405ull);
	dmlog_khdr_decode(b, &d);
	assert_int_equal(d.magic, DMLOG_KMAGIC);
	assert_int_equal(d.version, 2);
	assert_int_equal(d.nr_regions, 0x0102030405ull);
	assert_true(dmlog_khdr_valid(&d));
	d.version = 1;		/* the kernel reads v1 as v2 on little endian */
	assert_true(dmlog_khdr_valid(&d));
	d.version = 3;
	assert_false(dmlog_khdr_valid(&d));
	d.version = 0;
	assert_false(dmlog_khdr_valid(&d));
	h = dmlog_khdr_marker(77);
	assert_false(dmlog_khdr_valid(&h));
	dmlog_khdr_encode(&h, b);
	assert_memory_equal(b, "DLOG", 4);
	assert_int_equal(rd64(b + 8), 77);
}

/* ---------------------------------------------------------------- */
/* Superblock */

static void make_sb(struct dmlog_sb *sb)
{
	assert_int_equal(dmlog_sb_init(sb, UUID, 1024, 100000, 3, 102400000,
				       0x1122334455667788ull), 0);
	sb->generation = 42;
	sb->state = DMLOG_SB_CLEAN;
}

static void test_sb_roundtrip(void **state)
{
	struct dmlog_sb sb, d;
	uint8_t b[512];
	const char *why = "x";

	(void)state;
	make_sb(&sb);
	dmlog_sb_encode(&sb, b);
	assert_memory_equal(b, "DMLOGSB\0", 8);
	assert_int_equal(rd32(b + 8), 1);
	assert_int_equal(rd32(b + 16), DMLOG_SB_CLEAN);
	assert_int_equal(rd32(b + 20), 4096);
	assert_int_equal(rd64(b + 24), 0x1122334455667788ull);
	assert_int_equal(rd64(b + 32), 42);
	assert_int_equal(rd64(b + 40), 100000);
	assert_int_equal(rd64(b + 48), 102400000);
	assert_int_equal(rd32(b + 56), 1024);
	assert_int_equal(rd32(b + 60), 3);
	assert_int_equal(rd32(b + 64), BITS);
	assert_int_equal(rd32(b + 68), 64);
	assert_int_equal(rd64(b + 72), sb.geo.blocks_per_bitmap);
	assert_int_equal(rd64(b + 80), sb.geo.kernel_area_bytes);
	assert_int_equal(rd64(b + 96), sb.geo.slot_bitmap_off);
	assert_int_equal(rd64(b + 104), sb.geo.oos_off);
	assert_int_equal(rd64(b + 112), sb.geo.bytes_used);
	assert_string_equal((const char *)b + 128, UUID);
	assert_int_equal(rd32(b + 508), crc32c(b, 508));

	assert_int_equal(dmlog_sb_decode(b, &d, &why), 0);
	assert_null(why);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.state, DMLOG_SB_CLEAN);
	assert_int_equal(d.format_id, sb.format_id);
	assert_int_equal(d.generation, 42);
	assert_int_equal(d.target_sectors, 102400000);
	assert_int_equal(d.region_size, 1024);
	assert_memory_equal(&d.geo, &sb.geo, sizeof(d.geo));
	assert_string_equal(d.uuid, UUID);
	assert_true(dmlog_sb_matches(&d, UUID, 1024, 100000));
	assert_false(dmlog_sb_matches(&d, UUID, 2048, 100000));
	assert_false(dmlog_sb_matches(&d, UUID, 1024, 100001));
	assert_false(dmlog_sb_matches(&d, "LVM-other", 1024, 100000));
	assert_false(dmlog_sb_matches(&d, UUID "x", 1024, 100000));
}

static void test_sb_init_rejects(void **state)
{
	struct dmlog_sb sb;
	char longu[DMLOG_UUID_MAX + 2];

	(void)state;
	memset(longu, 'u', sizeof(longu) - 1);
	longu[sizeof(longu) - 1] = 0;
	assert_int_equal(dmlog_sb_init(&sb, "", 1024, 10, 1, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, NULL, 1024, 10, 1, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, longu, 1024, 10, 1, 0, 1), -EINVAL);
	longu[DMLOG_UUID_MAX] = 0;	/* exactly 128 characters: fine */
	assert_int_equal(dmlog_sb_init(&sb, longu, 1024, 10, 1, 0, 1), 0);
	assert_int_equal(dmlog_sb_init(&sb, UUID, 1000, 10, 1, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, UUID, 1, 10, 1, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, UUID, 1024, 0, 1, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, UUID, 1024, 10, 0, 0, 1), -EINVAL);
	assert_int_equal(dmlog_sb_init(&sb, UUID, 1024, 10, 1, 0, 0), -EINVAL);
}

/* A 128-character uuid fills the field up to its NUL. */
static void test_sb_max_uuid(void **state)
{
	struct dmlog_sb sb, d;
	char u[DMLOG_UUID_MAX + 1];
	uint8_t b[512];

	(void)state;
	memset(u, 'q', DMLOG_UUID_MAX);
	u[DMLOG_UUID_MAX] = 0;
	assert_int_equal(dmlog_sb_init(&sb, u, 2, 1, 1, 2, 9), 0);
	dmlog_sb_encode(&sb, b);
	assert_int_equal(b[128 + 128], 0);
	assert_int_equal(dmlog_sb_decode(b, &d, NULL), 0);
	assert_string_equal(d.uuid, u);
}

static void test_sb_every_bit_flip(void **state)
{
	struct dmlog_sb sb, d;
	uint8_t b[512];

	(void)state;
	make_sb(&sb);
	dmlog_sb_encode(&sb, b);
	for (size_t bit = 0; bit < 512 * 8; bit++) {
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(dmlog_sb_decode(b, &d, NULL), -EINVAL);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(dmlog_sb_decode(b, &d, NULL), 0);
}

struct sb_bad {
	size_t off;
	unsigned size;		/* 4 or 8 */
	uint64_t value;
	const char *why;
};

/* Each field with a bad value and a correct crc is still refused. */
static void test_sb_field_corruptions(void **state)
{
	struct dmlog_sb sb, d;
	uint8_t good[512], b[512];
	const struct sb_bad cases[] = {
		{ 8, 4, 2, "version" }, { 8, 4, 0, "version" },
		{ 12, 4, 1, "flags" }, { 12, 4, 0x80000000u, "flags" },
		{ 16, 4, 0, "state" }, { 16, 4, 3, "state" },
		{ 20, 4, 512, "block size" }, { 20, 4, 8192, "block size" },
		{ 24, 8, 0, "format id" },
		{ 40, 8, 0, "region count or slot count" },
		{ 40, 8, (1ull << 32) + 1, "region count or slot count" },
		{ 40, 8, 200000, "geometry offsets" },
		{ 56, 4, 0, "region size" }, { 56, 4, 1, "region size" },
		{ 56, 4, 1000, "region size" },
		{ 60, 4, 0, "region count or slot count" },
		{ 60, 4, 1025, "region count or slot count" },
		{ 60, 4, 4, "geometry offsets" },
		{ 64, 4, BITS + 1, "block layout" },
		{ 68, 4, 32, "block layout" },
		{ 72, 8, 5, "geometry offsets" },
		{ 80, 8, 8192, "geometry offsets" },
		{ 88, 8, 0, "geometry offsets" },
		{ 96, 8, 1, "geometry offsets" },
		{ 104, 8, 1, "geometry offsets" },
		{ 112, 8, 1ull << 40, "geometry offsets" },
		{ 120, 8, 1, "reserved bytes" },
		{ 300, 4, 1, "reserved bytes" }, { 504, 4, 1, "reserved bytes" },
		{ 128, 4, 0, "uuid length" },
		{ 128 + sizeof(UUID) + 3, 4, 0x41, "uuid padding" },
	};

	(void)state;
	make_sb(&sb);
	dmlog_sb_encode(&sb, good);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		memcpy(b, good, sizeof(b));
		if (cases[i].size == 4)
			wr32(b + cases[i].off, (uint32_t)cases[i].value);
		else
			wr64(b + cases[i].off, cases[i].value);
		wr32(b + 508, crc32c(b, 508));
		assert_int_equal(dmlog_sb_decode(b, &d, &why), -EINVAL);
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
	}
	/* a uuid without NUL in its field */
	memcpy(b, good, sizeof(b));
	memset(b + 128, 'z', 136);
	wr32(b + 508, crc32c(b, 508));
	assert_int_equal(dmlog_sb_decode(b, &d, NULL), -EINVAL);
	/* the magic is checked before the crc; the crc itself */
	memcpy(b, good, sizeof(b));
	b[3] = 'X';
	assert_int_equal(dmlog_sb_decode(b, &d, NULL), -EINVAL);
	memcpy(b, good, sizeof(b));
	wr32(b + 508, rd32(b + 508) + 1);
	assert_int_equal(dmlog_sb_decode(b, &d, NULL), -EINVAL);
}

static void test_block0_build(void **state)
{
	struct dmlog_sb sb, d;
	struct dmlog_khdr kh = dmlog_khdr_kernel(100000), kd;
	uint8_t *blk = xalloc_block(4096), *tail = xalloc_block(4096);

	(void)state;
	make_sb(&sb);
	memset(blk, 0xEE, 4096);
	for (int i = 0; i < 4096; i++)
		tail[i] = (uint8_t)(i * 7);
	dmlog_block0_build(blk, &kh, &sb, tail);
	dmlog_khdr_decode(blk, &kd);
	assert_true(dmlog_khdr_valid(&kd));
	for (int i = 16; i < 512; i++)
		assert_int_equal(blk[i], 0);
	assert_int_equal(dmlog_sb_decode(blk + 512, &d, NULL), 0);
	assert_memory_equal(blk + 1024, tail + 1024, 3072);
	dmlog_block0_build(blk, &kh, &sb, NULL);
	for (int i = 1024; i < 4096; i++)
		assert_int_equal(blk[i], 0);
	/* in place: tail == blk keeps the bitmap bytes */
	memcpy(blk + 1024, tail + 1024, 3072);
	kh = dmlog_khdr_marker(100000);
	dmlog_block0_build(blk, &kh, &sb, blk);
	assert_memory_equal(blk + 1024, tail + 1024, 3072);
	assert_memory_equal(blk, "DLOG", 4);
	free(blk);
	free(tail);
}

/* ---------------------------------------------------------------- */
/* Blocks */

static struct bitmap *pattern_bitmap(uint64_t n, uint32_t seed)
{
	struct bitmap *bm = bitmap_new(n, false);

	assert_non_null(bm);
	for (uint64_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) & 1)
			assert_int_equal(bitmap_set(bm, i), 0);
	}
	return bm;
}

static void test_bitmap_block_roundtrip(void **state)
{
	struct dmlog_geometry g;
	uint64_t r = 2 * BITS + 100;
	struct bitmap *src = pattern_bitmap(r, 5);
	uint8_t *blk = xalloc_block(4096);

	(void)state;
	assert_int_equal(dmlog_geometry_compute(r, 2, &g), 0);
	for (uint64_t idx = 0; idx < 3; idx++) {
		for (int inv = 0; inv < 2; inv++) {
			struct dmlog_bhdr h = dmlog_bhdr_expect(&g, 77,
					DMLOG_KIND_SLOT, 1, idx), d;
			uint8_t *pl = dmlog_block_payload(blk);

			h.generation = 9;
			h.seq = 1234;
			dmlog_bitmap_block_encode(blk, &h, src, inv);
			assert_int_equal(dmlog_block_check(blk, &h),
					 DMLOG_BLK_GOOD);
			dmlog_bhdr_decode(blk, &d);
			assert_int_equal(d.format_id, 77);
			assert_int_equal(d.kind, DMLOG_KIND_SLOT);
			assert_int_equal(d.area, 1);
			assert_int_equal(d.index, idx);
			assert_int_equal(d.generation, 9);
			assert_int_equal(d.seq, 1234);
			assert_int_equal(d.nbits, idx < 2 ? BITS : 100);
			for (uint32_t k = 0; k < 4032 * 8; k++) {
				bool bit = (pl[k / 8] >> (k % 8)) & 1;
				bool want = false;

				if (k < d.nbits)
					want = bitmap_test(src, idx * BITS + k)
					       != (bool)inv;
				assert_int_equal(bit, want);
			}
		}
	}
	bitmap_free(src);
	free(blk);
}

static void test_block_position_checks(void **state)
{
	struct dmlog_geometry g;
	uint8_t *blk = xalloc_block(4096);
	struct dmlog_bhdr h, e;

	(void)state;
	assert_int_equal(dmlog_geometry_compute(3 * BITS, 4, &g), 0);
	h = dmlog_bhdr_expect(&g, 1000, DMLOG_KIND_OOS, 0, 1);
	dmlog_bitmap_block_encode(blk, &h, NULL, true);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_GOOD);
	e = h; e.format_id = 1001;
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_BAD_FORMAT_ID);
	e = dmlog_bhdr_expect(&g, 1000, DMLOG_KIND_SLOT, 0, 1);
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_BAD_KIND);
	e = h; e.area = 2;
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_BAD_AREA);
	e = dmlog_bhdr_expect(&g, 1000, DMLOG_KIND_OOS, 0, 2);
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_BAD_INDEX);
	e = h; e.nbits = 5;
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_BAD_NBITS);
	/* generation and seq do not matter */
	e = h; e.generation = 99; e.seq = 99;
	assert_int_equal(dmlog_block_check(blk, &e), DMLOG_BLK_GOOD);
	/* a zeroed (never written) block */
	memset(blk, 0, 4096);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_MAGIC);
	free(blk);
}

static void test_block_every_bit_flip(void **state)
{
	struct dmlog_geometry g;
	uint8_t *blk = xalloc_block(4096);
	struct bitmap *src = pattern_bitmap(BITS, 11);
	struct dmlog_bhdr h;

	(void)state;
	assert_int_equal(dmlog_geometry_compute(BITS, 1, &g), 0);
	h = dmlog_bhdr_expect(&g, 0xABCDEF, DMLOG_KIND_SLOT, 0, 0);
	dmlog_bitmap_block_encode(blk, &h, src, false);
	for (size_t bit = 0; bit < 4096 * 8; bit++) {
		blk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(dmlog_block_check(blk, &h), DMLOG_BLK_GOOD);
		blk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_GOOD);
	bitmap_free(src);
	free(blk);
}

/* Sectors of two versions of one block, mixed: never good. */
static void test_block_torn(void **state)
{
	struct dmlog_geometry g;
	uint8_t *a = xalloc_block(4096), *b = xalloc_block(4096);
	uint8_t *t = xalloc_block(4096);
	struct bitmap *s1 = pattern_bitmap(BITS, 1), *s2 = pattern_bitmap(BITS, 2);
	struct dmlog_bhdr h;

	(void)state;
	assert_int_equal(dmlog_geometry_compute(BITS, 1, &g), 0);
	h = dmlog_bhdr_expect(&g, 5, DMLOG_KIND_OOS, 0, 0);
	dmlog_bitmap_block_encode(a, &h, s1, false);
	h.seq = 1;
	dmlog_bitmap_block_encode(b, &h, s2, false);
	for (unsigned mask = 1; mask < 255; mask++) {
		for (int sec = 0; sec < 8; sec++)
			memcpy(t + sec * 512, ((mask >> sec) & 1 ? b : a) +
			       sec * 512, 512);
		assert_int_equal(dmlog_block_check(t, &h), DMLOG_BLK_BAD_CRC);
	}
	bitmap_free(s1);
	bitmap_free(s2);
	free(a);
	free(b);
	free(t);
}

/* Valid crc, but a bit past nbits or a reserved byte set: refused. */
static void test_block_strict_payload(void **state)
{
	struct dmlog_geometry g;
	uint8_t *blk = xalloc_block(4096);
	struct dmlog_bhdr h;
	uint8_t *pl = dmlog_block_payload(blk);

	(void)state;
	assert_int_equal(dmlog_geometry_compute(BITS + 13, 1, &g), 0);
	h = dmlog_bhdr_expect(&g, 5, DMLOG_KIND_SLOT, 0, 1);
	assert_int_equal(h.nbits, 13);
	dmlog_bitmap_block_encode(blk, &h, NULL, true);
	assert_int_equal(pl[0], 0xFF);
	assert_int_equal(pl[1], 0x1F);
	assert_int_equal(pl[2], 0);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_GOOD);
	pl[1] |= 0x20;				/* bit 13 */
	dmlog_block_seal(blk, &h);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_PAYLOAD);
	pl[1] &= 0x1F;
	pl[4031] = 1;
	dmlog_block_seal(blk, &h);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_PAYLOAD);
	pl[4031] = 0;
	dmlog_block_seal(blk, &h);
	blk[60] = 1;				/* reserved header byte */
	wr32(blk + 4, 0);
	wr32(blk + 4, crc32c(blk, 4096));
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_RESERVED);
	free(blk);
}

static void test_slot_info(void **state)
{
	struct dmlog_geometry g;
	uint8_t *blk = xalloc_block(4096);
	struct dmlog_bhdr h;
	struct dmlog_slot_info si = { DMLOG_SLOT_ACTIVE, 7, 12345 }, d;

	(void)state;
	assert_int_equal(dmlog_geometry_compute(10, 4, &g), 0);
	h = dmlog_bhdr_expect(&g, 3, DMLOG_KIND_SLOT_INFO, 2, 0);
	assert_int_equal(h.nbits, 0);
	dmlog_slot_info_encode(blk, &h, &si);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_GOOD);
	dmlog_slot_info_decode(blk, &d);
	assert_int_equal(d.state, DMLOG_SLOT_ACTIVE);
	assert_int_equal(d.node_id, 7);
	assert_int_equal(d.claim_generation, 12345);
	assert_int_equal(rd32(blk + 64), 1);
	assert_int_equal(rd32(blk + 68), 7);
	si.state = 5;
	dmlog_slot_info_encode(blk, &h, &si);
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_PAYLOAD);
	/* the slot number is checked */
	si.state = DMLOG_SLOT_FREE;
	dmlog_slot_info_encode(blk, &h, &si);
	h.area = 1;
	assert_int_equal(dmlog_block_check(blk, &h), DMLOG_BLK_BAD_AREA);
	free(blk);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(dmlog_blk_state_name(DMLOG_BLK_GOOD), "good");
	assert_string_equal(dmlog_blk_state_name(DMLOG_BLK_BAD_CRC), "bad crc");
	assert_string_equal(dmlog_blk_state_name((enum dmlog_blk_state)99),
			    "unknown");
}

/* ---------------------------------------------------------------- */
/* Device helpers */

struct scan_count {
	uint64_t good, bad, set_bits, calls;
	uint64_t next_index;
};

static int count_cb(void *arg, const struct dmlog_bhdr *where,
		    enum dmlog_blk_state st, const uint8_t *blk)
{
	struct scan_count *c = arg;

	assert_int_equal(where->index, c->next_index);
	c->next_index++;
	c->calls++;
	if (st != DMLOG_BLK_GOOD) {
		c->bad++;
		return 0;
	}
	c->good++;
	for (uint32_t k = 0; k < where->nbits; k++)
		c->set_bits += (blk[64 + k / 8] >> (k % 8)) & 1;
	return 0;
}

static struct scan_count scan(struct blockdev *bd, const struct dmlog_sb *sb,
			      enum dmlog_kind kind, uint32_t area)
{
	struct scan_count c = { 0 };
	uint64_t errs = 99;

	assert_int_equal(dmlog_scan_area(bd, sb, kind, area, count_cb, &c,
					 &errs), 0);
	assert_int_equal(errs, 0);
	return c;
}

static void test_format_write_and_scan(void **state)
{
	uint64_t r = 100 * BITS + 17;	/* > one I/O chunk of blocks */
	struct dmlog_sb sb, d;
	struct dmlog_khdr kh;
	struct blockdev *bd;
	struct bitmap *in_sync = pattern_bitmap(r, 3);
	uint8_t *b0 = xalloc_block(4096), *rd = xalloc_block(4096);
	struct dmlog_format_req req = { .sb = &sb, .in_sync = in_sync,
					.block0 = b0, .active_slot = 1,
					.node_id = 4, .seq = 7 };
	struct scan_count c;
	bool ok = false;

	(void)state;
	assert_int_equal(dmlog_sb_init(&sb, UUID, 64, r, 2, r * 64, 0xF00D), 0);
	sb.generation = 3;
	bd = blockdev_mem_new(sb.geo.bytes_used, 512);
	assert_non_null(bd);
	memset(b0 + 1024, 0x5A, 3072);
	assert_int_equal(dmlog_format_write(bd, &req), 0);
	assert_int_equal(bd->nr_syncs, 2);

	assert_int_equal(dmlog_read_block0(bd, rd, &kh, &d, &ok, NULL), 0);
	assert_true(ok);
	assert_false(dmlog_khdr_valid(&kh));
	assert_int_equal(kh.magic, DMLOG_KMARKER);
	assert_int_equal(d.format_id, 0xF00D);
	assert_int_equal(d.generation, 3);
	assert_memory_equal(rd + 1024, b0 + 1024, 3072);

	c = scan(bd, &sb, DMLOG_KIND_OOS, 0);
	assert_int_equal(c.good, sb.geo.blocks_per_bitmap);
	assert_int_equal(c.set_bits, r - bitmap_weight(in_sync));
	for (uint32_t s = 0; s < 2; s++) {
		struct dmlog_slot_info si;
		uint8_t *blk = blockdev_mem_image(bd) +
			dmlog_block_offset(&sb.geo, DMLOG_KIND_SLOT_INFO, s, 0);

		c = scan(bd, &sb, DMLOG_KIND_SLOT, s);
		assert_int_equal(c.good, sb.geo.blocks_per_bitmap);
		assert_int_equal(c.set_bits, 0);
		c = scan(bd, &sb, DMLOG_KIND_SLOT_INFO, s);
		assert_int_equal(c.good, 1);
		dmlog_slot_info_decode(blk, &si);
		assert_int_equal(si.state, s == 1 ? DMLOG_SLOT_ACTIVE :
				 DMLOG_SLOT_FREE);
		assert_int_equal(si.node_id, s == 1 ? 4 : 0);
	}
	/* another format id sees every block as stale */
	d = sb;
	d.format_id = 0xF00E;
	c = scan(bd, &d, DMLOG_KIND_OOS, 0);
	assert_int_equal(c.bad, sb.geo.blocks_per_bitmap);

	/* no in-sync bitmap: everything out of sync */
	req.in_sync = NULL;
	req.block0 = NULL;
	assert_int_equal(dmlog_format_write(bd, &req), 0);
	c = scan(bd, &sb, DMLOG_KIND_OOS, 0);
	assert_int_equal(c.set_bits, r);
	assert_int_equal(dmlog_read_block0(bd, rd, &kh, &d, &ok, NULL), 0);
	for (int i = 1024; i < 4096; i++)
		assert_int_equal(rd[i], 0);
	blockdev_close(bd);
	bitmap_free(in_sync);
	free(b0);
	free(rd);
}

static void test_format_write_rejects(void **state)
{
	struct dmlog_sb sb;
	struct blockdev *bd;
	struct bitmap *wrong = bitmap_new(5, true);
	struct dmlog_format_req req = { .sb = &sb, .active_slot = -1 };

	(void)state;
	assert_int_equal(dmlog_sb_init(&sb, UUID, 64, 10, 1, 640, 1), 0);
	bd = blockdev_mem_new(sb.geo.bytes_used - 4096, 512);
	assert_int_equal(dmlog_format_write(bd, &req), -EINVAL);
	assert_int_equal(bd->nr_writes, 0);
	blockdev_close(bd);
	bd = blockdev_mem_new(sb.geo.bytes_used, 512);
	req.in_sync = wrong;
	assert_int_equal(dmlog_format_write(bd, &req), -EINVAL);
	assert_int_equal(bd->nr_writes, 0);
	blockdev_close(bd);
	bitmap_free(wrong);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_many),
		cmocka_unit_test(test_geometry_known_values),
		cmocka_unit_test(test_geometry_rejects),
		cmocka_unit_test(test_khdr),
		cmocka_unit_test(test_sb_roundtrip),
		cmocka_unit_test(test_sb_init_rejects),
		cmocka_unit_test(test_sb_max_uuid),
		cmocka_unit_test(test_sb_every_bit_flip),
		cmocka_unit_test(test_sb_field_corruptions),
		cmocka_unit_test(test_block0_build),
		cmocka_unit_test(test_bitmap_block_roundtrip),
		cmocka_unit_test(test_block_position_checks),
		cmocka_unit_test(test_block_every_bit_flip),
		cmocka_unit_test(test_block_torn),
		cmocka_unit_test(test_block_strict_payload),
		cmocka_unit_test(test_slot_info),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_format_write_and_scan),
		cmocka_unit_test(test_format_write_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
