/* Chunked bitmap: see bitmap.h.
 *
 * A chunk holds CHUNK_BITS bits. chunk[i] == NULL means every bit of the
 * chunk equals uniform[i]; otherwise the words are stored and weight[i]
 * counts the set bits. A stored chunk that becomes uniform again is kept
 * (freeing it on every flip would thrash at chunk boundaries); bitmap_fill
 * releases everything. The last chunk may be partial: bits past nbits are
 * always 0 in storage and never counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

#define CHUNK_SHIFT 15
#define CHUNK_BITS (1ULL << CHUNK_SHIFT)
#define CHUNK_WORDS (CHUNK_BITS / 64)

struct bitmap {
	uint64_t nbits;
	uint64_t nchunks;
	uint64_t weight;
	uint64_t **chunk;
	uint32_t *chunk_weight;
	uint8_t *uniform;	/* value of a NULL chunk's bits */
};

static uint64_t chunk_len(const struct bitmap *bm, uint64_t c)
{
	uint64_t start = c << CHUNK_SHIFT;
	uint64_t left = bm->nbits - start;

	return left < CHUNK_BITS ? left : CHUNK_BITS;
}

static uint64_t word_mask(uint64_t nbits)
{
	return nbits >= 64 ? ~0ULL : ((1ULL << nbits) - 1);
}

struct bitmap *bitmap_new(uint64_t nbits, bool fill)
{
	struct bitmap *bm = calloc(1, sizeof(*bm));

	if (!bm)
		return NULL;
	bm->nbits = nbits;
	bm->nchunks = (nbits + CHUNK_BITS - 1) >> CHUNK_SHIFT;
	bm->chunk = calloc(bm->nchunks ? bm->nchunks : 1, sizeof(*bm->chunk));
	bm->chunk_weight = calloc(bm->nchunks ? bm->nchunks : 1,
				  sizeof(*bm->chunk_weight));
	bm->uniform = calloc(bm->nchunks ? bm->nchunks : 1, 1);
	if (!bm->chunk || !bm->chunk_weight || !bm->uniform) {
		bitmap_free(bm);
		return NULL;
	}
	bitmap_fill(bm, fill);
	return bm;
}

void bitmap_free(struct bitmap *bm)
{
	if (!bm)
		return;
	if (bm->chunk)
		for (uint64_t c = 0; c < bm->nchunks; c++)
			free(bm->chunk[c]);
	free(bm->chunk);
	free(bm->chunk_weight);
	free(bm->uniform);
	free(bm);
}

uint64_t bitmap_nbits(const struct bitmap *bm)
{
	return bm->nbits;
}

uint64_t bitmap_weight(const struct bitmap *bm)
{
	return bm->weight;
}

void bitmap_fill(struct bitmap *bm, bool value)
{
	for (uint64_t c = 0; c < bm->nchunks; c++) {
		free(bm->chunk[c]);
		bm->chunk[c] = NULL;
		bm->uniform[c] = value;
		bm->chunk_weight[c] = value ? (uint32_t)chunk_len(bm, c) : 0;
	}
	bm->weight = value ? bm->nbits : 0;
}

bool bitmap_test(const struct bitmap *bm, uint64_t bit)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t off = bit & (CHUNK_BITS - 1);

	if (bit >= bm->nbits)
		return false;
	if (!bm->chunk[c])
		return bm->uniform[c];
	return (bm->chunk[c][off / 64] >> (off % 64)) & 1;
}

/* Give chunk c storage, expanding its uniform value. */
static int chunk_materialize(struct bitmap *bm, uint64_t c)
{
	uint64_t len = chunk_len(bm, c);
	uint64_t *w;

	if (bm->chunk[c])
		return 0;
	w = calloc(CHUNK_WORDS, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (bm->uniform[c]) {
		uint64_t full = len / 64;

		memset(w, 0xff, full * sizeof(*w));
		if (len % 64)
			w[full] = word_mask(len % 64);
	}
	bm->chunk[c] = w;
	return 0;
}

int bitmap_assign(struct bitmap *bm, uint64_t bit, bool value)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t off = bit & (CHUNK_BITS - 1);
	uint64_t *w, mask;
	int r;

	if (bit >= bm->nbits)
		return -ERANGE;
	if (!bm->chunk[c] && bm->uniform[c] == value)
		return 0;
	r = chunk_materialize(bm, c);
	if (r)
		return r;
	w = &bm->chunk[c][off / 64];
	mask = 1ULL << (off % 64);
	if (!!(*w & mask) == value)
		return 0;
	if (value) {
		*w |= mask;
		bm->chunk_weight[c]++;
		bm->weight++;
	} else {
		*w &= ~mask;
		bm->chunk_weight[c]--;
		bm->weight--;
	}
	return 0;
}

/* Set [first, first+count) within one chunk to value. */
static int chunk_assign_range(struct bitmap *bm, uint64_t c, uint64_t first,
			      uint64_t count, bool value)
{
	uint64_t len = chunk_len(bm, c);
	uint64_t *w;
	uint64_t before, after;

	if (first == 0 && count == len) {
		free(bm->chunk[c]);
		bm->chunk[c] = NULL;
		bm->uniform[c] = value;
		bm->weight -= bm->chunk_weight[c];
		bm->chunk_weight[c] = value ? (uint32_t)len : 0;
		bm->weight += bm->chunk_weight[c];
		return 0;
	}
	if (!bm->chunk[c] && bm->uniform[c] == value)
		return 0;
	if (chunk_materialize(bm, c))
		return -ENOMEM;
	w = bm->chunk[c];
	before = bm->chunk_weight[c];
	for (uint64_t b = first; b < first + count;) {
		uint64_t n = 64 - b % 64;
		uint64_t m;

		if (n > first + count - b)
			n = first + count - b;
		m = word_mask(n) << (b % 64);
		if (value)
			w[b / 64] |= m;
		else
			w[b / 64] &= ~m;
		b += n;
	}
	after = 0;
	for (uint64_t i = 0; i < CHUNK_WORDS; i++)
		after += (uint64_t)__builtin_popcountll(w[i]);
	bm->chunk_weight[c] = (uint32_t)after;
	bm->weight = bm->weight - before + after;
	return 0;
}

int bitmap_assign_range(struct bitmap *bm, uint64_t first, uint64_t count,
			bool value)
{
	if (first > bm->nbits || count > bm->nbits - first)
		return -ERANGE;
	while (count) {
		uint64_t c = first >> CHUNK_SHIFT;
		uint64_t off = first & (CHUNK_BITS - 1);
		uint64_t n = chunk_len(bm, c) - off;
		int r;

		if (n > count)
			n = count;
		r = chunk_assign_range(bm, c, off, n, value);
		if (r)
			return r;
		first += n;
		count -= n;
	}
	return 0;
}

/* First bit >= off in stored chunk c equal to value, or chunk_len. */
static uint64_t chunk_find(const struct bitmap *bm, uint64_t c, uint64_t off,
			   bool value)
{
	uint64_t len = chunk_len(bm, c);
	const uint64_t *w = bm->chunk[c];

	while (off < len) {
		uint64_t word = value ? w[off / 64] : ~w[off / 64];

		word &= ~0ULL << (off % 64);
		if (word) {
			uint64_t b = (off & ~63ULL) +
				     (uint64_t)__builtin_ctzll(word);
			return b < len ? b : len;
		}
		off = (off & ~63ULL) + 64;
	}
	return len;
}

uint64_t bitmap_find_next(const struct bitmap *bm, uint64_t from, bool value)
{
	while (from < bm->nbits) {
		uint64_t c = from >> CHUNK_SHIFT;
		uint64_t off = from & (CHUNK_BITS - 1);
		uint64_t len = chunk_len(bm, c);
		uint64_t have = value ? bm->chunk_weight[c]
				      : len - bm->chunk_weight[c];

		if (!bm->chunk[c]) {
			if (bm->uniform[c] == value)
				return from;
		} else if (have) {
			uint64_t b = chunk_find(bm, c, off, value);

			if (b < len)
				return (c << CHUNK_SHIFT) + b;
		}
		from = (c + 1) << CHUNK_SHIFT;
	}
	return bm->nbits;
}

uint64_t bitmap_count_range(const struct bitmap *bm, uint64_t first,
			    uint64_t count, bool value)
{
	uint64_t ones = 0, total;

	if (first >= bm->nbits)
		return 0;
	if (count > bm->nbits - first)
		count = bm->nbits - first;
	total = count;
	while (count) {
		uint64_t c = first >> CHUNK_SHIFT;
		uint64_t off = first & (CHUNK_BITS - 1);
		uint64_t len = chunk_len(bm, c);
		uint64_t n = len - off;

		if (n > count)
			n = count;
		if (!bm->chunk[c]) {
			ones += bm->uniform[c] ? n : 0;
		} else if (off == 0 && n == len) {
			ones += bm->chunk_weight[c];
		} else {
			for (uint64_t b = off; b < off + n; b++)
				ones += (bm->chunk[c][b / 64] >> (b % 64)) & 1;
		}
		first += n;
		count -= n;
	}
	return value ? ones : total - ones;
}

static int same_size(const struct bitmap *a, const struct bitmap *b)
{
	return a->nbits == b->nbits ? 0 : -EINVAL;
}

int bitmap_or(struct bitmap *dst, const struct bitmap *src)
{
	if (same_size(dst, src))
		return -EINVAL;
	for (uint64_t c = 0; c < src->nchunks; c++) {
		uint64_t len = chunk_len(src, c);

		if (!src->chunk[c]) {
			if (src->uniform[c] &&
			    chunk_assign_range(dst, c, 0, len, true))
				return -ENOMEM;
			continue;
		}
		if (src->chunk_weight[c] == 0)
			continue;
		if (chunk_materialize(dst, c))
			return -ENOMEM;
		uint64_t w = 0;

		for (uint64_t i = 0; i < CHUNK_WORDS; i++) {
			dst->chunk[c][i] |= src->chunk[c][i];
			w += (uint64_t)__builtin_popcountll(dst->chunk[c][i]);
		}
		dst->weight = dst->weight - dst->chunk_weight[c] + w;
		dst->chunk_weight[c] = (uint32_t)w;
	}
	return 0;
}

int bitmap_copy(struct bitmap *dst, const struct bitmap *src)
{
	if (same_size(dst, src))
		return -EINVAL;
	for (uint64_t c = 0; c < src->nchunks; c++) {
		if (!src->chunk[c]) {
			chunk_assign_range(dst, c, 0, chunk_len(src, c),
					   src->uniform[c]);
			continue;
		}
		if (chunk_materialize(dst, c))
			return -ENOMEM;
		memcpy(dst->chunk[c], src->chunk[c],
		       CHUNK_WORDS * sizeof(uint64_t));
		dst->weight = dst->weight - dst->chunk_weight[c] +
			      src->chunk_weight[c];
		dst->chunk_weight[c] = src->chunk_weight[c];
	}
	return 0;
}

/* Bits [bit, bit + 8*n) where bit is a multiple of 64 and the range stays
 * inside one chunk: one 64-bit word per 8 bytes. */
static uint64_t word_at(const struct bitmap *bm, uint64_t bit)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t left = bm->nbits - bit;
	uint64_t w;

	if (!bm->chunk[c])
		w = bm->uniform[c] ? ~0ULL : 0;
	else
		w = bm->chunk[c][(bit & (CHUNK_BITS - 1)) / 64];
	return w & word_mask(left);
}

static uint8_t byte_at(const struct bitmap *bm, uint64_t bit)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t off = bit & (CHUNK_BITS - 1);
	uint8_t byte;

	if (!bm->chunk[c])
		byte = bm->uniform[c] ? 0xff : 0;
	else
		byte = (uint8_t)(bm->chunk[c][off / 64] >> (off % 64));
	if (bm->nbits - bit < 8)
		byte &= (uint8_t)word_mask(bm->nbits - bit);
	return byte;
}

void bitmap_export(const struct bitmap *bm, uint64_t first_bit, uint8_t *out,
		   size_t nbytes)
{
	size_t i = 0;

	/* a byte at a time up to a word boundary, then words, then bytes */
	for (; i < nbytes; i++) {
		uint64_t bit = first_bit + (uint64_t)i * 8;

		if (bit >= bm->nbits) {
			memset(out + i, 0, nbytes - i);
			return;
		}
		if (bit % 64 == 0 && nbytes - i >= 8)
			break;
		out[i] = byte_at(bm, bit);
	}
	for (; i + 8 <= nbytes; i += 8) {
		uint64_t bit = first_bit + (uint64_t)i * 8;
		uint64_t w = bit < bm->nbits ? word_at(bm, bit) : 0;

		for (unsigned b = 0; b < 8; b++)
			out[i + b] = (uint8_t)(w >> (8 * b));
	}
	for (; i < nbytes; i++) {
		uint64_t bit = first_bit + (uint64_t)i * 8;

		out[i] = bit < bm->nbits ? byte_at(bm, bit) : 0;
	}
}

/* Store one byte of bits at bit offset `bit` (a multiple of 8). */
static int import_byte(struct bitmap *bm, uint64_t bit, uint8_t byte)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t off = bit & (CHUNK_BITS - 1);
	uint64_t left = bm->nbits - bit;
	uint8_t valid = left < 8 ? (uint8_t)word_mask(left) : 0xff;
	uint64_t *w, old, shift = off % 64;
	int r;

	byte &= valid;
	if (!bm->chunk[c] && byte == (bm->uniform[c] ? valid : 0))
		return 0;
	r = chunk_materialize(bm, c);
	if (r)
		return r;
	w = &bm->chunk[c][off / 64];
	old = (*w >> shift) & 0xff;
	*w = (*w & ~(0xffULL << shift)) | ((uint64_t)byte << shift);
	bm->chunk_weight[c] = bm->chunk_weight[c] -
			      (uint32_t)__builtin_popcountll(old) +
			      (uint32_t)__builtin_popcount(byte);
	bm->weight = bm->weight - (uint64_t)__builtin_popcountll(old) +
		     (uint64_t)__builtin_popcount(byte);
	return 0;
}

/* Store one 64-bit word of bits at `bit` (a multiple of 64). */
static int import_word(struct bitmap *bm, uint64_t bit, uint64_t w)
{
	uint64_t c = bit >> CHUNK_SHIFT;
	uint64_t valid = word_mask(bm->nbits - bit);
	uint64_t *dst, old;
	int r;

	w &= valid;
	if (!bm->chunk[c] && w == (bm->uniform[c] ? valid : 0))
		return 0;
	r = chunk_materialize(bm, c);
	if (r)
		return r;
	dst = &bm->chunk[c][(bit & (CHUNK_BITS - 1)) / 64];
	old = *dst;
	if (old == w)
		return 0;
	*dst = w;
	bm->chunk_weight[c] = bm->chunk_weight[c] -
			      (uint32_t)__builtin_popcountll(old) +
			      (uint32_t)__builtin_popcountll(w);
	bm->weight = bm->weight - (uint64_t)__builtin_popcountll(old) +
		     (uint64_t)__builtin_popcountll(w);
	return 0;
}

int bitmap_import(struct bitmap *bm, uint64_t first_bit, const uint8_t *in,
		  size_t nbytes)
{
	size_t i = 0;
	int r = 0;

	if (first_bit % 8)
		return -EINVAL;
	for (; i < nbytes && !r; i++) {
		uint64_t bit = first_bit + (uint64_t)i * 8;

		if (bit >= bm->nbits)
			return 0;
		if (bit % 64 == 0 && nbytes - i >= 8)
			break;
		r = import_byte(bm, bit, in[i]);
	}
	for (; i + 8 <= nbytes && !r; i += 8) {
		uint64_t bit = first_bit + (uint64_t)i * 8;
		uint64_t w = 0;

		if (bit >= bm->nbits)
			return 0;
		for (unsigned b = 0; b < 8; b++)
			w |= (uint64_t)in[i + b] << (8 * b);
		r = import_word(bm, bit, w);
	}
	for (; i < nbytes && !r; i++) {
		uint64_t bit = first_bit + (uint64_t)i * 8;

		if (bit >= bm->nbits)
			return 0;
		r = import_byte(bm, bit, in[i]);
	}
	return r;
}
