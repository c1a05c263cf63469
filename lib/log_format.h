/* On-disk format v1 of a dmlog disk log (doc/format.md is normative).
 *
 * Pure encode/decode of the kernel "disk" log header, the dmlog superblock
 * and the dmlog blocks, and the geometry of the areas. The last section
 * (format, scan) does device I/O, but only through the struct blockdev ops:
 * it is what the store and the offline tools share. */
#ifndef DMLOG_LOG_FORMAT_H
#define DMLOG_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitmap;
struct blockdev;

#define DMLOG_BS		4096u	/* block size of every dmlog area */
#define DMLOG_BLOCK_HDR_BYTES	64u
#define DMLOG_BITS_PER_BLOCK	((DMLOG_BS - DMLOG_BLOCK_HDR_BYTES) * 8u)
#define DMLOG_MAX_REGIONS	(UINT64_C(1) << 32)
#define DMLOG_MAX_SLOTS		1024u
#define DMLOG_UUID_MAX		128u	/* characters, without the NUL */
#define DMLOG_IO_CHUNK_BLOCKS	64u	/* largest single I/O, in blocks */

/* Kernel dm-log "disk" format */
#define DMLOG_KHDR_BYTES	16u
#define DMLOG_KMAGIC		0x4D695272u	/* "MiRr" */
#define DMLOG_KVERSION		2u
#define DMLOG_KMARKER		0x474F4C44u	/* "DLOG": header invalidated */
#define DMLOG_KBITMAP_OFF	1024u
#define DMLOG_SB_OFF		512u
#define DMLOG_SB_BYTES		512u

/* ---------------------------------------------------------------- */
/* Geometry */

struct dmlog_geometry {
	uint64_t region_count;
	uint32_t nr_slots;
	uint32_t bits_per_block;
	uint64_t kernel_bitmap_bytes;	/* KB */
	uint64_t kernel_area_bytes;	/* KA */
	uint64_t blocks_per_bitmap;	/* BPB */
	uint64_t slot_info_off;
	uint64_t slot_bitmap_off;
	uint64_t oos_off;
	uint64_t bytes_used;		/* END: minimum device size */
};

/* 0, or -EINVAL when regions is not in 1..2^32 or slots not in 1..1024. */
int dmlog_geometry_compute(uint64_t regions, uint32_t slots,
			   struct dmlog_geometry *g);
/* Minimum device size for (regions, slots); 0 when they are invalid. */
uint64_t dmlog_min_device_bytes(uint64_t regions, uint32_t slots);

enum dmlog_kind {
	DMLOG_KIND_SLOT_INFO = 1,
	DMLOG_KIND_SLOT = 2,		/* a slot's dirty bitmap */
	DMLOG_KIND_OOS = 3,		/* the shared out-of-sync bitmap */
};

/* Device offset of a block; area = slot (ignored for OOS), index = block
 * index in its bitmap (0 for slot info). The caller keeps them in range. */
uint64_t dmlog_block_offset(const struct dmlog_geometry *g,
			    enum dmlog_kind kind, uint32_t area,
			    uint64_t index);
/* Region bits covered by bitmap block `index`; 0 past the end. */
uint32_t dmlog_block_nbits(const struct dmlog_geometry *g, uint64_t index);
static inline uint64_t dmlog_block_first_region(uint64_t index)
{
	return index * DMLOG_BITS_PER_BLOCK;
}

/* Bytes of the kernel's single header+bitmap I/O on a device with logical
 * block size lbs. */
uint64_t dmlog_kernel_io_bytes(uint64_t regions, uint32_t lbs);

/* ---------------------------------------------------------------- */
/* Kernel header (bytes 0..15) */

struct dmlog_khdr {
	uint32_t magic;
	uint32_t version;
	uint64_t nr_regions;
};

void dmlog_khdr_encode(const struct dmlog_khdr *h, uint8_t *out16);
void dmlog_khdr_decode(const uint8_t *in16, struct dmlog_khdr *h);
/* What the kernel accepts: magic MiRr, version 1 or 2. */
bool dmlog_khdr_valid(const struct dmlog_khdr *h);
struct dmlog_khdr dmlog_khdr_kernel(uint64_t regions);
struct dmlog_khdr dmlog_khdr_marker(uint64_t regions);

/* ---------------------------------------------------------------- */
/* Superblock (bytes 512..1023) */

#define DMLOG_SB_VERSION 1u

enum dmlog_sb_state { DMLOG_SB_CLEAN = 1, DMLOG_SB_ACTIVE = 2 };

struct dmlog_sb {
	uint32_t version;
	uint32_t flags;
	uint32_t state;			/* enum dmlog_sb_state */
	uint64_t format_id;
	uint64_t generation;
	uint64_t target_sectors;
	uint32_t region_size;
	struct dmlog_geometry geo;	/* region_count and nr_slots inside */
	char uuid[DMLOG_UUID_MAX + 1];
};

/* Fill a superblock for a new format (state ACTIVE, generation 0; the
 * caller sets those). 0 or -EINVAL (bad uuid, region size, geometry or a
 * zero format id). */
int dmlog_sb_init(struct dmlog_sb *sb, const char *uuid, uint32_t region_size,
		  uint64_t regions, uint32_t slots, uint64_t target_sectors,
		  uint64_t format_id);
/* 512 bytes, crc included. */
void dmlog_sb_encode(const struct dmlog_sb *sb, uint8_t *out512);
/* 0, or -EINVAL with *why (if given) naming the first failed check. */
int dmlog_sb_decode(const uint8_t *in512, struct dmlog_sb *sb,
		    const char **why);
/* Is this superblock the one of the log (uuid, region size, count)? */
bool dmlog_sb_matches(const struct dmlog_sb *sb, const char *uuid,
		      uint32_t region_size, uint64_t regions);

/* Block 0 (4096 bytes): kernel header h, zeros to 511, superblock sb,
 * bytes 1024..4095 copied from tail (a 4096-byte block; NULL: zeros). */
void dmlog_block0_build(uint8_t *blk, const struct dmlog_khdr *h,
			const struct dmlog_sb *sb, const uint8_t *tail);

/* ---------------------------------------------------------------- */
/* dmlog blocks */

#define DMLOG_BMAGIC 0x4B4C4D44u	/* "DMLK" */

struct dmlog_bhdr {
	uint64_t format_id;
	uint32_t kind;			/* enum dmlog_kind */
	uint32_t area;
	uint64_t index;
	uint64_t generation;
	uint64_t seq;
	uint32_t nbits;
};

enum dmlog_blk_state {
	DMLOG_BLK_GOOD = 0,
	DMLOG_BLK_UNREADABLE,
	DMLOG_BLK_BAD_MAGIC,
	DMLOG_BLK_BAD_CRC,
	DMLOG_BLK_BAD_FORMAT_ID,
	DMLOG_BLK_BAD_KIND,
	DMLOG_BLK_BAD_AREA,
	DMLOG_BLK_BAD_INDEX,
	DMLOG_BLK_BAD_NBITS,
	DMLOG_BLK_BAD_RESERVED,
	DMLOG_BLK_BAD_PAYLOAD,
};
const char *dmlog_blk_state_name(enum dmlog_blk_state st);

static inline uint8_t *dmlog_block_payload(uint8_t *blk)
{
	return blk + DMLOG_BLOCK_HDR_BYTES;
}

/* The header a block at this position must carry (generation, seq 0). */
struct dmlog_bhdr dmlog_bhdr_expect(const struct dmlog_geometry *g,
				    uint64_t format_id, enum dmlog_kind kind,
				    uint32_t area, uint64_t index);
/* Write the header of h into blk and the crc over the whole block; the
 * payload (blk + 64 ..) must already be in place. */
void dmlog_block_seal(uint8_t *blk, const struct dmlog_bhdr *h);
void dmlog_bhdr_decode(const uint8_t *blk, struct dmlog_bhdr *h);
/* Verify a block read from the position `expect` describes (its
 * generation and seq are not compared). */
enum dmlog_blk_state dmlog_block_check(const uint8_t *blk,
				       const struct dmlog_bhdr *expect);

/* Bitmap block: payload bit k = bit (index * BITS + k) of src, inverted
 * when invert (so NOT clean / NOT in_sync); src NULL = all zero. Bits past
 * nbits are 0. Seals the block. */
void dmlog_bitmap_block_encode(uint8_t *blk, const struct dmlog_bhdr *h,
			       const struct bitmap *src, bool invert);

enum dmlog_slot_state { DMLOG_SLOT_FREE = 0, DMLOG_SLOT_ACTIVE = 1 };

struct dmlog_slot_info {
	uint32_t state;			/* enum dmlog_slot_state */
	uint32_t node_id;
	uint64_t claim_generation;
};

void dmlog_slot_info_encode(uint8_t *blk, const struct dmlog_bhdr *h,
			    const struct dmlog_slot_info *si);
void dmlog_slot_info_decode(const uint8_t *blk, struct dmlog_slot_info *si);

/* ---------------------------------------------------------------- */
/* Device helpers (I/O through the blockdev ops only) */

/* Read block 0 into blk (DMLOG_BS bytes, aligned for the device) and
 * decode both headers. *sb_valid tells whether sb was decoded; *why names
 * the reason when not. 0 or -errno of the read. */
int dmlog_read_block0(struct blockdev *bd, uint8_t *blk,
		      struct dmlog_khdr *kh, struct dmlog_sb *sb,
		      bool *sb_valid, const char **why);

/* Called for each block of an area, in index order. blk is the block as
 * read (all zero when unreadable). A nonzero return stops the scan and is
 * returned by dmlog_scan_area. */
typedef int (*dmlog_scan_fn)(void *arg, const struct dmlog_bhdr *where,
			     enum dmlog_blk_state st, const uint8_t *blk);

/* Read every block of one area (kind; area = slot for kinds 1 and 2) of
 * the format described by sb, check each and call fn. A failed multi-block
 * read is retried block by block; blocks still unreadable are reported as
 * DMLOG_BLK_UNREADABLE and counted in *read_errors (may be NULL).
 * 0, -ENOMEM, or fn's nonzero return. */
int dmlog_scan_area(struct blockdev *bd, const struct dmlog_sb *sb,
		    enum dmlog_kind kind, uint32_t area, dmlog_scan_fn fn,
		    void *arg, uint64_t *read_errors);

struct dmlog_format_req {
	const struct dmlog_sb *sb;	/* format id, generation, state, geometry */
	const struct bitmap *in_sync;	/* region_count bits; NULL: none in sync */
	const uint8_t *block0;		/* bytes 1024..4095 kept from here; NULL: 0 */
	int64_t active_slot;		/* slot info written ACTIVE; -1: none */
	uint32_t node_id;		/* for the active slot */
	uint64_t seq;			/* seq stamped in every block */
};

/* Write a complete format (doc/format.md 5.1 FORMAT): every slot info
 * block, every slot bitmap block clean, the OOS bitmap from in_sync; sync;
 * then block 0 with the marker header and sb; sync. 0, -ENOMEM, -EINVAL
 * (device too small or block size unusable) or the I/O error. */
int dmlog_format_write(struct blockdev *bd, const struct dmlog_format_req *req);

#endif
