/* Bitmaps for region state, sized for up to 2^32 regions (and beyond).
 *
 * Stored as fixed-size chunks; a chunk whose bits are all equal takes no
 * memory, so a fresh or fully synced 2^32-region log costs a few MiB, not
 * 512 MiB per bitmap. Weight (number of set bits) is kept up to date, so
 * counting is O(1), and searches skip uniform chunks.
 *
 * Changing a bit in a uniform chunk allocates it: the setters can fail
 * with -ENOMEM and leave the bitmap unchanged. */
#ifndef DMLOG_BITMAP_H
#define DMLOG_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitmap;

struct bitmap *bitmap_new(uint64_t nbits, bool fill);
void bitmap_free(struct bitmap *bm);

uint64_t bitmap_nbits(const struct bitmap *bm);
uint64_t bitmap_weight(const struct bitmap *bm);
bool bitmap_test(const struct bitmap *bm, uint64_t bit);

/* 0, or -ENOMEM (bitmap unchanged). Out-of-range bits are a caller bug:
 * they return -ERANGE. */
int bitmap_assign(struct bitmap *bm, uint64_t bit, bool value);
static inline int bitmap_set(struct bitmap *bm, uint64_t bit)
{
	return bitmap_assign(bm, bit, true);
}
static inline int bitmap_clear(struct bitmap *bm, uint64_t bit)
{
	return bitmap_assign(bm, bit, false);
}
int bitmap_assign_range(struct bitmap *bm, uint64_t first, uint64_t count,
			bool value);
void bitmap_fill(struct bitmap *bm, bool value);

/* First bit >= from whose value is `value`; bitmap_nbits() when none. */
uint64_t bitmap_find_next(const struct bitmap *bm, uint64_t from, bool value);

/* Number of bits equal to `value` in [first, first + count). */
uint64_t bitmap_count_range(const struct bitmap *bm, uint64_t first,
			    uint64_t count, bool value);

/* dst |= src, dst = src (same sizes): 0, -ENOMEM or -EINVAL. */
int bitmap_or(struct bitmap *dst, const struct bitmap *src);
int bitmap_copy(struct bitmap *dst, const struct bitmap *src);

/* Little-endian bit order, as on disk: bit n is byte n/8, bit n%8.
 * first_bit must be a multiple of 8; bits past the end read as 0 and are
 * ignored on import. Import returns 0, -ENOMEM or -EINVAL. */
void bitmap_export(const struct bitmap *bm, uint64_t first_bit,
		   uint8_t *out, size_t nbytes);
int bitmap_import(struct bitmap *bm, uint64_t first_bit,
		  const uint8_t *in, size_t nbytes);

#endif
