/* On-disk format v1: see log_format.h and doc/format.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "blockdev.h"
#include "crc32c.h"
#include "log_format.h"

/* ---------------------------------------------------------------- */
/* Little-endian helpers */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t round_up64(uint64_t x, uint64_t m)
{
	return (x + m - 1) / m * m;
}

/* ---------------------------------------------------------------- */
/* Geometry */

int dmlog_geometry_compute(uint64_t regions, uint32_t slots,
			   struct dmlog_geometry *g)
{
	if (regions < 1 || regions > DMLOG_MAX_REGIONS || slots < 1 ||
	    slots > DMLOG_MAX_SLOTS)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->region_count = regions;
	g->nr_slots = slots;
	g->bits_per_block = DMLOG_BITS_PER_BLOCK;
	g->kernel_bitmap_bytes = round_up64(regions, 64) / 8;
	g->kernel_area_bytes = round_up64(DMLOG_KBITMAP_OFF +
					  g->kernel_bitmap_bytes, DMLOG_BS);
	g->blocks_per_bitmap = (regions + DMLOG_BITS_PER_BLOCK - 1) /
			       DMLOG_BITS_PER_BLOCK;
	g->slot_info_off = g->kernel_area_bytes;
	g->slot_bitmap_off = g->slot_info_off + (uint64_t)slots * DMLOG_BS;
	g->oos_off = g->slot_bitmap_off +
		     (uint64_t)slots * g->blocks_per_bitmap * DMLOG_BS;
	g->bytes_used = g->oos_off + g->blocks_per_bitmap * DMLOG_BS;
	return 0;
}

uint64_t dmlog_min_device_bytes(uint64_t regions, uint32_t slots)
{
	struct dmlog_geometry g;

	if (dmlog_geometry_compute(regions, slots, &g))
		return 0;
	return g.bytes_used;
}

uint64_t dmlog_block_offset(const struct dmlog_geometry *g,
			    enum dmlog_kind kind, uint32_t area,
			    uint64_t index)
{
	switch (kind) {
	case DMLOG_KIND_SLOT_INFO:
		return g->slot_info_off + (uint64_t)area * DMLOG_BS;
	case DMLOG_KIND_SLOT:
		return g->slot_bitmap_off +
		       ((uint64_t)area * g->blocks_per_bitmap + index) *
		       DMLOG_BS;
	case DMLOG_KIND_OOS:
		break;
	}
	return g->oos_off + index * DMLOG_BS;
}

uint32_t dmlog_block_nbits(const struct dmlog_geometry *g, uint64_t index)
{
	uint64_t first = dmlog_block_first_region(index);
	uint64_t left;

	if (index >= g->blocks_per_bitmap || first >= g->region_count)
		return 0;
	left = g->region_count - first;
	return left < DMLOG_BITS_PER_BLOCK ? (uint32_t)left :
	       DMLOG_BITS_PER_BLOCK;
}

uint64_t dmlog_kernel_io_bytes(uint64_t regions, uint32_t lbs)
{
	return round_up64(DMLOG_KBITMAP_OFF + round_up64(regions, 64) / 8,
			  lbs ? lbs : 512);
}

/* ---------------------------------------------------------------- */
/* Kernel header */

void dmlog_khdr_encode(const struct dmlog_khdr *h, uint8_t *out16)
{
	put_le32(out16, h->magic);
	put_le32(out16 + 4, h->version);
	put_le64(out16 + 8, h->nr_regions);
}

void dmlog_khdr_decode(const uint8_t *in16, struct dmlog_khdr *h)
{
	h->magic = get_le32(in16);
	h->version = get_le32(in16 + 4);
	h->nr_regions = get_le64(in16 + 8);
}

bool dmlog_khdr_valid(const struct dmlog_khdr *h)
{
	return h->magic == DMLOG_KMAGIC &&
	       (h->version == 1 || h->version == DMLOG_KVERSION);
}

struct dmlog_khdr dmlog_khdr_kernel(uint64_t regions)
{
	struct dmlog_khdr h = { DMLOG_KMAGIC, DMLOG_KVERSION, regions };

	return h;
}

struct dmlog_khdr dmlog_khdr_marker(uint64_t regions)
{
	struct dmlog_khdr h = { DMLOG_KMARKER, 1, regions };

	return h;
}

/* ---------------------------------------------------------------- */
/* Superblock */

static const uint8_t sb_magic[8] = { 'D', 'M', 'L', 'O', 'G', 'S', 'B', 0 };

enum {
	SB_MAGIC = 0, SB_VERSION = 8, SB_FLAGS = 12, SB_STATE = 16,
	SB_BLOCK_SIZE = 20, SB_FORMAT_ID = 24, SB_GENERATION = 32,
	SB_REGIONS = 40, SB_TARGET = 48, SB_REGION_SIZE = 56, SB_SLOTS = 60,
	SB_BITS_PER_BLOCK = 64, SB_HDR_BYTES = 68, SB_BPB = 72, SB_KA = 80,
	SB_SLOT_INFO = 88, SB_SLOT_BITMAP = 96, SB_OOS = 104, SB_USED = 112,
	SB_RESERVED1 = 120, SB_UUID = 128, SB_UUID_FIELD = 136,
	SB_RESERVED2 = 264, SB_CRC = 508,
};

static bool region_size_ok(uint32_t rs)
{
	return rs >= 2 && (rs & (rs - 1)) == 0;
}

int dmlog_sb_init(struct dmlog_sb *sb, const char *uuid, uint32_t region_size,
		  uint64_t regions, uint32_t slots, uint64_t target_sectors,
		  uint64_t format_id)
{
	size_t len = uuid ? strnlen(uuid, DMLOG_UUID_MAX + 1) : 0;

	memset(sb, 0, sizeof(*sb));
	if (len < 1 || len > DMLOG_UUID_MAX || !region_size_ok(region_size) ||
	    !format_id)
		return -EINVAL;
	if (dmlog_geometry_compute(regions, slots, &sb->geo))
		return -EINVAL;
	sb->version = DMLOG_SB_VERSION;
	sb->state = DMLOG_SB_ACTIVE;
	sb->format_id = format_id;
	sb->target_sectors = target_sectors;
	sb->region_size = region_size;
	memcpy(sb->uuid, uuid, len);
	return 0;
}

void dmlog_sb_encode(const struct dmlog_sb *sb, uint8_t *out)
{
	const struct dmlog_geometry *g = &sb->geo;

	memset(out, 0, DMLOG_SB_BYTES);
	memcpy(out + SB_MAGIC, sb_magic, sizeof(sb_magic));
	put_le32(out + SB_VERSION, sb->version);
	put_le32(out + SB_FLAGS, sb->flags);
	put_le32(out + SB_STATE, sb->state);
	put_le32(out + SB_BLOCK_SIZE, DMLOG_BS);
	put_le64(out + SB_FORMAT_ID, sb->format_id);
	put_le64(out + SB_GENERATION, sb->generation);
	put_le64(out + SB_REGIONS, g->region_count);
	put_le64(out + SB_TARGET, sb->target_sectors);
	put_le32(out + SB_REGION_SIZE, sb->region_size);
	put_le32(out + SB_SLOTS, g->nr_slots);
	put_le32(out + SB_BITS_PER_BLOCK, g->bits_per_block);
	put_le32(out + SB_HDR_BYTES, DMLOG_BLOCK_HDR_BYTES);
	put_le64(out + SB_BPB, g->blocks_per_bitmap);
	put_le64(out + SB_KA, g->kernel_area_bytes);
	put_le64(out + SB_SLOT_INFO, g->slot_info_off);
	put_le64(out + SB_SLOT_BITMAP, g->slot_bitmap_off);
	put_le64(out + SB_OOS, g->oos_off);
	put_le64(out + SB_USED, g->bytes_used);
	memcpy(out + SB_UUID, sb->uuid, strnlen(sb->uuid, DMLOG_UUID_MAX));
	put_le32(out + SB_CRC, crc32c(out, SB_CRC));
}

/* The geometry fields on disk must be the ones (R, S) imply. */
static const char *sb_check_geometry(const uint8_t *in,
				     const struct dmlog_geometry *g)
{
	if (get_le32(in + SB_BITS_PER_BLOCK) != g->bits_per_block ||
	    get_le32(in + SB_HDR_BYTES) != DMLOG_BLOCK_HDR_BYTES)
		return "block layout";
	if (get_le64(in + SB_BPB) != g->blocks_per_bitmap ||
	    get_le64(in + SB_KA) != g->kernel_area_bytes ||
	    get_le64(in + SB_SLOT_INFO) != g->slot_info_off ||
	    get_le64(in + SB_SLOT_BITMAP) != g->slot_bitmap_off ||
	    get_le64(in + SB_OOS) != g->oos_off ||
	    get_le64(in + SB_USED) != g->bytes_used)
		return "geometry offsets";
	return NULL;
}

static const char *sb_check_uuid(const uint8_t *in, char *uuid)
{
	const uint8_t *u = in + SB_UUID;
	size_t len = strnlen((const char *)u, DMLOG_UUID_MAX + 1);

	if (len < 1 || len > DMLOG_UUID_MAX)
		return "uuid length";
	if (!all_zero(u + len, SB_UUID_FIELD - len))
		return "uuid padding";
	memcpy(uuid, u, len);
	uuid[len] = 0;
	return NULL;
}

static const char *sb_check_fields(const uint8_t *in, struct dmlog_sb *sb)
{
	uint64_t regions = get_le64(in + SB_REGIONS);
	uint32_t slots = get_le32(in + SB_SLOTS);

	if (memcmp(in + SB_MAGIC, sb_magic, sizeof(sb_magic)))
		return "magic";
	if (get_le32(in + SB_CRC) != crc32c(in, SB_CRC))
		return "crc";
	sb->version = get_le32(in + SB_VERSION);
	if (sb->version != DMLOG_SB_VERSION)
		return "version";
	sb->flags = get_le32(in + SB_FLAGS);
	if (sb->flags)
		return "flags";
	sb->state = get_le32(in + SB_STATE);
	if (sb->state != DMLOG_SB_CLEAN && sb->state != DMLOG_SB_ACTIVE)
		return "state";
	if (get_le32(in + SB_BLOCK_SIZE) != DMLOG_BS)
		return "block size";
	sb->format_id = get_le64(in + SB_FORMAT_ID);
	if (!sb->format_id)
		return "format id";
	sb->generation = get_le64(in + SB_GENERATION);
	sb->target_sectors = get_le64(in + SB_TARGET);
	sb->region_size = get_le32(in + SB_REGION_SIZE);
	if (!region_size_ok(sb->region_size))
		return "region size";
	if (dmlog_geometry_compute(regions, slots, &sb->geo))
		return "region count or slot count";
	if (!all_zero(in + SB_RESERVED1, SB_UUID - SB_RESERVED1) ||
	    !all_zero(in + SB_RESERVED2, SB_CRC - SB_RESERVED2))
		return "reserved bytes";
	return NULL;
}

int dmlog_sb_decode(const uint8_t *in, struct dmlog_sb *sb, const char **why)
{
	const char *bad;

	memset(sb, 0, sizeof(*sb));
	bad = sb_check_fields(in, sb);
	if (!bad)
		bad = sb_check_geometry(in, &sb->geo);
	if (!bad)
		bad = sb_check_uuid(in, sb->uuid);
	if (why)
		*why = bad;
	return bad ? -EINVAL : 0;
}

bool dmlog_sb_matches(const struct dmlog_sb *sb, const char *uuid,
		      uint32_t region_size, uint64_t regions)
{
	return !strncmp(sb->uuid, uuid, DMLOG_UUID_MAX + 1) &&
	       sb->region_size == region_size &&
	       sb->geo.region_count == regions;
}

void dmlog_block0_build(uint8_t *blk, const struct dmlog_khdr *h,
			const struct dmlog_sb *sb, const uint8_t *tail)
{
	memset(blk, 0, DMLOG_KBITMAP_OFF);
	dmlog_khdr_encode(h, blk);
	dmlog_sb_encode(sb, blk + DMLOG_SB_OFF);
	if (!tail)
		memset(blk + DMLOG_KBITMAP_OFF, 0, DMLOG_BS - DMLOG_KBITMAP_OFF);
	else if (tail != blk)
		memmove(blk + DMLOG_KBITMAP_OFF, tail + DMLOG_KBITMAP_OFF,
			DMLOG_BS - DMLOG_KBITMAP_OFF);
}

/* ---------------------------------------------------------------- */
/* Blocks */

enum {
	BH_MAGIC = 0, BH_CRC = 4, BH_FORMAT_ID = 8, BH_KIND = 16, BH_AREA = 20,
	BH_INDEX = 24, BH_GENERATION = 32, BH_SEQ = 40, BH_NBITS = 48,
	BH_RESERVED = 52,
};

enum {
	SI_STATE = 0, SI_NODE = 4, SI_CLAIM_GEN = 8, SI_RESERVED = 16,
};

const char *dmlog_blk_state_name(enum dmlog_blk_state st)
{
	static const char *const names[] = {
		[DMLOG_BLK_GOOD] = "good",
		[DMLOG_BLK_UNREADABLE] = "unreadable",
		[DMLOG_BLK_BAD_MAGIC] = "bad magic",
		[DMLOG_BLK_BAD_CRC] = "bad crc",
		[DMLOG_BLK_BAD_FORMAT_ID] = "stale format id",
		[DMLOG_BLK_BAD_KIND] = "wrong kind",
		[DMLOG_BLK_BAD_AREA] = "wrong area",
		[DMLOG_BLK_BAD_INDEX] = "wrong index",
		[DMLOG_BLK_BAD_NBITS] = "wrong bit count",
		[DMLOG_BLK_BAD_RESERVED] = "reserved bytes set",
		[DMLOG_BLK_BAD_PAYLOAD] = "bad payload",
	};

	if ((unsigned)st < sizeof(names) / sizeof(names[0]))
		return names[st];
	return "unknown";
}

struct dmlog_bhdr dmlog_bhdr_expect(const struct dmlog_geometry *g,
				    uint64_t format_id, enum dmlog_kind kind,
				    uint32_t area, uint64_t index)
{
	struct dmlog_bhdr h = {
		.format_id = format_id,
		.kind = kind,
		.area = kind == DMLOG_KIND_OOS ? 0 : area,
		.index = kind == DMLOG_KIND_SLOT_INFO ? 0 : index,
		.nbits = kind == DMLOG_KIND_SLOT_INFO ? 0 :
			 dmlog_block_nbits(g, index),
	};

	return h;
}

/* crc32c of the block with its crc field read as zero. */
static uint32_t block_crc(const uint8_t *blk)
{
	static const uint8_t zero4[4];
	uint32_t c = crc32c(blk, BH_CRC);

	c = crc32c_update(c, zero4, sizeof(zero4));
	return crc32c_update(c, blk + BH_CRC + 4, DMLOG_BS - BH_CRC - 4);
}

void dmlog_block_seal(uint8_t *blk, const struct dmlog_bhdr *h)
{
	memset(blk, 0, DMLOG_BLOCK_HDR_BYTES);
	put_le32(blk + BH_MAGIC, DMLOG_BMAGIC);
	put_le64(blk + BH_FORMAT_ID, h->format_id);
	put_le32(blk + BH_KIND, h->kind);
	put_le32(blk + BH_AREA, h->area);
	put_le64(blk + BH_INDEX, h->index);
	put_le64(blk + BH_GENERATION, h->generation);
	put_le64(blk + BH_SEQ, h->seq);
	put_le32(blk + BH_NBITS, h->nbits);
	put_le32(blk + BH_CRC, block_crc(blk));
}

void dmlog_bhdr_decode(const uint8_t *blk, struct dmlog_bhdr *h)
{
	h->format_id = get_le64(blk + BH_FORMAT_ID);
	h->kind = get_le32(blk + BH_KIND);
	h->area = get_le32(blk + BH_AREA);
	h->index = get_le64(blk + BH_INDEX);
	h->generation = get_le64(blk + BH_GENERATION);
	h->seq = get_le64(blk + BH_SEQ);
	h->nbits = get_le32(blk + BH_NBITS);
}

/* Bitmap payload: nothing set at or after nbits. */
static bool bitmap_payload_ok(const uint8_t *pl, uint32_t nbits)
{
	size_t full = nbits / 8;
	size_t payload = DMLOG_BS - DMLOG_BLOCK_HDR_BYTES;

	if (nbits % 8) {
		if (pl[full] >> (nbits % 8))
			return false;
		full++;
	}
	return all_zero(pl + full, payload - full);
}

static bool slot_info_payload_ok(const uint8_t *pl)
{
	uint32_t st = get_le32(pl + SI_STATE);

	if (st != DMLOG_SLOT_FREE && st != DMLOG_SLOT_ACTIVE)
		return false;
	return all_zero(pl + SI_RESERVED,
			DMLOG_BS - DMLOG_BLOCK_HDR_BYTES - SI_RESERVED);
}

enum dmlog_blk_state dmlog_block_check(const uint8_t *blk,
				       const struct dmlog_bhdr *expect)
{
	struct dmlog_bhdr h;
	const uint8_t *pl = blk + DMLOG_BLOCK_HDR_BYTES;

	if (get_le32(blk + BH_MAGIC) != DMLOG_BMAGIC)
		return DMLOG_BLK_BAD_MAGIC;
	if (get_le32(blk + BH_CRC) != block_crc(blk))
		return DMLOG_BLK_BAD_CRC;
	dmlog_bhdr_decode(blk, &h);
	if (h.format_id != expect->format_id)
		return DMLOG_BLK_BAD_FORMAT_ID;
	if (h.kind != expect->kind)
		return DMLOG_BLK_BAD_KIND;
	if (h.area != expect->area)
		return DMLOG_BLK_BAD_AREA;
	if (h.index != expect->index)
		return DMLOG_BLK_BAD_INDEX;
	if (h.nbits != expect->nbits)
		return DMLOG_BLK_BAD_NBITS;
	if (!all_zero(blk + BH_RESERVED, DMLOG_BLOCK_HDR_BYTES - BH_RESERVED))
		return DMLOG_BLK_BAD_RESERVED;
	if (h.kind == DMLOG_KIND_SLOT_INFO ? !slot_info_payload_ok(pl) :
	    !bitmap_payload_ok(pl, h.nbits))
		return DMLOG_BLK_BAD_PAYLOAD;
	return DMLOG_BLK_GOOD;
}

void dmlog_bitmap_block_encode(uint8_t *blk, const struct dmlog_bhdr *h,
			       const struct bitmap *src, bool invert)
{
	uint8_t *pl = dmlog_block_payload(blk);
	size_t payload = DMLOG_BS - DMLOG_BLOCK_HDR_BYTES;
	size_t nbytes = (h->nbits + 7) / 8;

	memset(pl, 0, payload);
	if (src)
		bitmap_export(src, dmlog_block_first_region(h->index), pl,
			      nbytes);
	if (invert) {
		for (size_t i = 0; i < nbytes; i++)
			pl[i] = (uint8_t)~pl[i];
		if (h->nbits % 8)
			pl[nbytes - 1] &= (uint8_t)((1u << (h->nbits % 8)) - 1);
	}
	dmlog_block_seal(blk, h);
}

void dmlog_slot_info_encode(uint8_t *blk, const struct dmlog_bhdr *h,
			    const struct dmlog_slot_info *si)
{
	uint8_t *pl = dmlog_block_payload(blk);

	memset(pl, 0, DMLOG_BS - DMLOG_BLOCK_HDR_BYTES);
	put_le32(pl + SI_STATE, si->state);
	put_le32(pl + SI_NODE, si->node_id);
	put_le64(pl + SI_CLAIM_GEN, si->claim_generation);
	dmlog_block_seal(blk, h);
}

void dmlog_slot_info_decode(const uint8_t *blk, struct dmlog_slot_info *si)
{
	const uint8_t *pl = blk + DMLOG_BLOCK_HDR_BYTES;

	si->state = get_le32(pl + SI_STATE);
	si->node_id = get_le32(pl + SI_NODE);
	si->claim_generation = get_le64(pl + SI_CLAIM_GEN);
}

/* ---------------------------------------------------------------- */
/* Device helpers */

static uint8_t *io_alloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, DMLOG_BS, bytes))
		return NULL;
	return p;
}

int dmlog_read_block0(struct blockdev *bd, uint8_t *blk,
		      struct dmlog_khdr *kh, struct dmlog_sb *sb,
		      bool *sb_valid, const char **why)
{
	int r = blockdev_read(bd, 0, blk, DMLOG_BS);

	if (r)
		return r;
	dmlog_khdr_decode(blk, kh);
	*sb_valid = dmlog_sb_decode(blk + DMLOG_SB_OFF, sb, why) == 0;
	return 0;
}

static uint64_t area_blocks(const struct dmlog_geometry *g,
			    enum dmlog_kind kind)
{
	return kind == DMLOG_KIND_SLOT_INFO ? 1 : g->blocks_per_bitmap;
}

/* Read n blocks at off into buf; on failure, block by block, zeroing and
 * flagging (bad[i] = 1) the ones that still fail. */
static void read_blocks(struct blockdev *bd, uint64_t off, uint8_t *buf,
			uint64_t n, uint8_t *bad, uint64_t *errors)
{
	memset(bad, 0, n);
	if (!blockdev_read(bd, off, buf, n * DMLOG_BS))
		return;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *b = buf + i * DMLOG_BS;

		if (blockdev_read(bd, off + i * DMLOG_BS, b, DMLOG_BS)) {
			memset(b, 0, DMLOG_BS);
			bad[i] = 1;
			(*errors)++;
		}
	}
}

static int scan_chunk(const struct dmlog_sb *sb, enum dmlog_kind kind,
		      uint32_t area, uint64_t first, uint64_t n,
		      const uint8_t *buf, const uint8_t *bad,
		      dmlog_scan_fn fn, void *arg)
{
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *b = buf + i * DMLOG_BS;
		struct dmlog_bhdr where = dmlog_bhdr_expect(&sb->geo,
				sb->format_id, kind, area, first + i);
		enum dmlog_blk_state st = bad[i] ? DMLOG_BLK_UNREADABLE :
					  dmlog_block_check(b, &where);
		int r = fn(arg, &where, st, b);

		if (r)
			return r;
	}
	return 0;
}

int dmlog_scan_area(struct blockdev *bd, const struct dmlog_sb *sb,
		    enum dmlog_kind kind, uint32_t area, dmlog_scan_fn fn,
		    void *arg, uint64_t *read_errors)
{
	uint64_t total = area_blocks(&sb->geo, kind), errors = 0;
	uint8_t *buf = io_alloc((size_t)DMLOG_IO_CHUNK_BLOCKS * DMLOG_BS);
	uint8_t bad[DMLOG_IO_CHUNK_BLOCKS];
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t i = 0; i < total && !r; i += DMLOG_IO_CHUNK_BLOCKS) {
		uint64_t n = total - i < DMLOG_IO_CHUNK_BLOCKS ?
			     total - i : DMLOG_IO_CHUNK_BLOCKS;

		read_blocks(bd, dmlog_block_offset(&sb->geo, kind, area, i),
			    buf, n, bad, &errors);
		r = scan_chunk(sb, kind, area, i, n, buf, bad, fn, arg);
	}
	free(buf);
	if (read_errors)
		*read_errors = errors;
	return r;
}

/* Encode blocks [first, first + n) of one area into buf. */
static void format_encode(const struct dmlog_format_req *req,
			  enum dmlog_kind kind, uint32_t area,
			  uint64_t first, uint64_t n, uint8_t *buf)
{
	const struct dmlog_sb *sb = req->sb;

	for (uint64_t i = 0; i < n; i++) {
		uint8_t *b = buf + i * DMLOG_BS;
		struct dmlog_bhdr h = dmlog_bhdr_expect(&sb->geo,
				sb->format_id, kind, area, first + i);

		h.generation = sb->generation;
		h.seq = req->seq;
		if (kind == DMLOG_KIND_SLOT_INFO) {
			struct dmlog_slot_info si = { DMLOG_SLOT_FREE, 0, 0 };

			if (req->active_slot == (int64_t)area) {
				si.state = DMLOG_SLOT_ACTIVE;
				si.node_id = req->node_id;
				si.claim_generation = sb->generation;
			}
			dmlog_slot_info_encode(b, &h, &si);
		} else if (kind == DMLOG_KIND_OOS) {
			/* NULL in_sync: NOT nothing = all out of sync */
			dmlog_bitmap_block_encode(b, &h, req->in_sync, true);
		} else {
			dmlog_bitmap_block_encode(b, &h, NULL, false);
		}
	}
}

static int format_area(struct blockdev *bd, const struct dmlog_format_req *req,
		       enum dmlog_kind kind, uint32_t area, uint8_t *buf)
{
	const struct dmlog_geometry *g = &req->sb->geo;
	uint64_t total = area_blocks(g, kind);

	for (uint64_t i = 0; i < total; i += DMLOG_IO_CHUNK_BLOCKS) {
		uint64_t n = total - i < DMLOG_IO_CHUNK_BLOCKS ?
			     total - i : DMLOG_IO_CHUNK_BLOCKS;
		int r;

		format_encode(req, kind, area, i, n, buf);
		r = blockdev_write(bd, dmlog_block_offset(g, kind, area, i),
				   buf, n * DMLOG_BS);
		if (r)
			return r;
	}
	return 0;
}

static int format_check(struct blockdev *bd, const struct dmlog_format_req *req)
{
	const struct dmlog_sb *sb = req->sb;

	if (!sb || bd->size < sb->geo.bytes_used || bd->block_size < 512 ||
	    bd->block_size > DMLOG_BS ||
	    (bd->block_size & (bd->block_size - 1)))
		return -EINVAL;
	if (req->in_sync &&
	    bitmap_nbits(req->in_sync) != sb->geo.region_count)
		return -EINVAL;
	return 0;
}

static int format_areas(struct blockdev *bd, const struct dmlog_format_req *req,
			uint8_t *buf)
{
	uint32_t slots = req->sb->geo.nr_slots;
	int r = 0;

	/* Slot info blocks are contiguous: one area scan per slot keeps the
	 * code simple; they are few. */
	for (uint32_t s = 0; s < slots && !r; s++)
		r = format_area(bd, req, DMLOG_KIND_SLOT_INFO, s, buf);
	for (uint32_t s = 0; s < slots && !r; s++)
		r = format_area(bd, req, DMLOG_KIND_SLOT, s, buf);
	if (!r)
		r = format_area(bd, req, DMLOG_KIND_OOS, 0, buf);
	return r;
}

int dmlog_format_write(struct blockdev *bd, const struct dmlog_format_req *req)
{
	struct dmlog_khdr kh;
	uint8_t *buf;
	int r = format_check(bd, req);

	if (r)
		return r;
	buf = io_alloc((size_t)DMLOG_IO_CHUNK_BLOCKS * DMLOG_BS);
	if (!buf)
		return -ENOMEM;
	r = format_areas(bd, req, buf);
	if (!r)
		r = blockdev_sync(bd);
	if (!r) {
		kh = dmlog_khdr_marker(req->sb->geo.region_count);
		if (req->block0)
			memcpy(buf, req->block0, DMLOG_BS);
		dmlog_block0_build(buf, &kh, req->sb,
				   req->block0 ? buf : NULL);
		r = blockdev_write(bd, 0, buf, DMLOG_BS);
	}
	if (!r)
		r = blockdev_sync(bd);
	free(buf);
	return r;
}
