/* Kernel clean bitmap counting (see kbitmap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"
#include "kbitmap.h"
#include "log_format.h"

#define CHUNK ((uint64_t)DMLOG_IO_CHUNK_BLOCKS * DMLOG_BS)

/* Clean bits of bitmap byte `byte` (value v) that fall below limit. */
static uint64_t byte_bits(uint64_t byte, uint8_t v, uint64_t limit)
{
	uint64_t base = byte * 8;

	if (base >= limit)
		return 0;
	if (limit - base < 8)
		v &= (uint8_t)((1u << (limit - base)) - 1);
	return (uint64_t)__builtin_popcount(v);
}

/* Count the bitmap bytes held in buf, which holds device bytes
 * [off, off + len). */
static void count_chunk(struct ctl_kbitmap *k, const uint8_t *buf,
			uint64_t off, uint64_t len, uint64_t limit)
{
	uint64_t start = off < DMLOG_KBITMAP_OFF ? DMLOG_KBITMAP_OFF - off : 0;

	for (uint64_t i = start; i < len; i++) {
		uint64_t byte = off + i - DMLOG_KBITMAP_OFF;

		if (byte * 8 >= limit)
			break;
		k->clean += byte_bits(byte, buf[i], limit);
		k->clean_import += byte_bits(byte, buf[i], k->import_limit);
	}
	if (off + len > DMLOG_KBITMAP_OFF) {
		uint64_t bits = (off + len - DMLOG_KBITMAP_OFF) * 8;

		k->counted = bits < limit ? bits : limit;
	}
}

int ctl_kbitmap_count(struct blockdev *bd, uint64_t nr_regions,
		      uint64_t import_limit, struct ctl_kbitmap *k)
{
	uint64_t limit = nr_regions, end;
	void *buf = NULL;

	memset(k, 0, sizeof(*k));
	k->nr_regions = nr_regions;
	if (limit > DMLOG_MAX_REGIONS) {
		limit = DMLOG_MAX_REGIONS;
		k->capped = true;
	}
	k->import_limit = import_limit < limit ? import_limit : limit;
	end = DMLOG_KBITMAP_OFF + (limit + 7) / 8;
	if (!limit)
		return 0;
	if (posix_memalign(&buf, DMLOG_BS, CHUNK))
		return -ENOMEM;
	for (uint64_t off = 0; off < end; off += CHUNK) {
		uint64_t len = CHUNK;

		if (off >= bd->size)
			break;
		if (len > bd->size - off)
			len = bd->size - off;
		k->read_error = blockdev_read(bd, off, buf, len);
		if (k->read_error)
			break;
		count_chunk(k, buf, off, len, limit);
	}
	k->truncated = k->counted < nr_regions;
	free(buf);
	return 0;
}
