/* In-memory block device with a volatile write cache.
 *
 * The durable image holds what survives a power loss. Writes go to a list
 * of pending writes (each with its own copy of the data) until sync moves
 * them, in order, into the image. Reads see the image with the pending
 * writes applied on top, in order. blockdev_mem_crash() resolves every
 * pending write as kept, lost or torn (each 512-byte sector kept or lost
 * on its own), from a deterministic generator seeded by the caller, so a
 * simulation replays exactly.
 *
 * Misuse that a real O_DIRECT device would reject (offsets, lengths or
 * buffers not aligned to the block size, I/O past the end) fails with
 * -EINVAL here too. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"

#define MEM_SECTOR 512u

struct mem_write {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

struct mem_dev {
	struct blockdev bd;		/* first: the public part */
	uint8_t *image;			/* durable */
	struct mem_write *pending;
	size_t npending, cap;
};

static struct mem_dev *to_mem(struct blockdev *bd)
{
	return (struct mem_dev *)bd;
}

static int mem_check(const struct blockdev *bd, uint64_t off,
		     const void *buf, size_t len)
{
	uint32_t bs = bd->block_size;

	if (off % bs || len % bs || (uintptr_t)buf % bs)
		return -EINVAL;
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	return 0;
}

/* Copy the part of pending write w that overlaps [off, off + len). */
static void overlay(const struct mem_write *w, uint64_t off, uint8_t *buf,
		    size_t len)
{
	uint64_t lo = w->off > off ? w->off : off;
	uint64_t hi_w = w->off + w->len, hi = off + len;

	if (hi_w < hi)
		hi = hi_w;
	if (lo >= hi)
		return;
	memcpy(buf + (lo - off), w->data + (lo - w->off), hi - lo);
}

static int mem_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct mem_dev *m = to_mem(bd);
	int r = mem_check(bd, off, buf, len);

	if (r)
		return r;
	memcpy(buf, m->image + off, len);
	for (size_t i = 0; i < m->npending; i++)
		overlay(&m->pending[i], off, buf, len);
	bd->nr_reads++;
	return 0;
}

static int mem_write(struct blockdev *bd, uint64_t off, const void *buf,
		     size_t len)
{
	struct mem_dev *m = to_mem(bd);
	struct mem_write *w;
	int r = mem_check(bd, off, buf, len);

	if (r)
		return r;
	if (m->npending == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct mem_write *p = realloc(m->pending, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->pending = p;
		m->cap = cap;
	}
	w = &m->pending[m->npending];
	w->data = malloc(len ? len : 1);
	if (!w->data)
		return -ENOMEM;
	memcpy(w->data, buf, len);
	w->off = off;
	w->len = len;
	m->npending++;
	bd->nr_writes++;
	bd->bytes_written += len;
	return 0;
}

static void drop_pending(struct mem_dev *m)
{
	for (size_t i = 0; i < m->npending; i++)
		free(m->pending[i].data);
	m->npending = 0;
}

static int mem_sync(struct blockdev *bd)
{
	struct mem_dev *m = to_mem(bd);

	for (size_t i = 0; i < m->npending; i++) {
		struct mem_write *w = &m->pending[i];

		memcpy(m->image + w->off, w->data, w->len);
	}
	drop_pending(m);
	bd->nr_syncs++;
	return 0;
}

static void mem_close(struct blockdev *bd)
{
	struct mem_dev *m = to_mem(bd);

	drop_pending(m);
	free(m->pending);
	free(m->image);
	free(m);
}

static const struct blockdev_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.sync = mem_sync,
	.close = mem_close,
};

struct blockdev *blockdev_mem_new(uint64_t size, uint32_t block_size)
{
	struct mem_dev *m;

	if (block_size < MEM_SECTOR || (block_size & (block_size - 1)) ||
	    size % block_size || size > SIZE_MAX)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->image = calloc(size ? (size_t)size : 1, 1);
	if (!m->image) {
		free(m);
		return NULL;
	}
	m->bd.ops = &mem_ops;
	m->bd.size = size;
	m->bd.block_size = block_size;
	snprintf(m->bd.name, sizeof(m->bd.name), "mem");
	return &m->bd;
}

/* splitmix64: a tiny, well-mixed, deterministic generator. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Apply a torn write: each sector independently kept or lost. */
static void apply_torn(struct mem_dev *m, const struct mem_write *w,
		       uint64_t *rng)
{
	for (size_t s = 0; s < w->len; s += MEM_SECTOR)
		if (next_rand(rng) & 1)
			memcpy(m->image + w->off + s, w->data + s, MEM_SECTOR);
}

void blockdev_mem_crash(struct blockdev *bd, uint64_t seed)
{
	struct mem_dev *m;
	uint64_t rng = seed;

	if (!bd || bd->ops != &mem_ops)
		return;
	m = to_mem(bd);
	for (size_t i = 0; i < m->npending; i++) {
		const struct mem_write *w = &m->pending[i];

		switch (next_rand(&rng) % 3) {
		case 0:		/* kept */
			memcpy(m->image + w->off, w->data, w->len);
			break;
		case 1:		/* lost */
			break;
		default:	/* torn (a one-sector write: kept or lost) */
			apply_torn(m, w, &rng);
			break;
		}
	}
	drop_pending(m);
}

uint8_t *blockdev_mem_image(struct blockdev *bd)
{
	if (!bd || bd->ops != &mem_ops)
		return NULL;
	return to_mem(bd)->image;
}
