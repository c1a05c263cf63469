/* Block device seam: where a disk log store does its I/O.
 *
 * blockdev_file.c opens a real device or file (O_DIRECT, durable writes);
 * blockdev_mem.c is an in-memory device for tests and the simulation that
 * can lose or tear unsynced writes at a simulated crash. Offsets and
 * lengths are multiples of block_size; buffers are aligned to it. */
#ifndef DMLOG_BLOCKDEV_H
#define DMLOG_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>

struct blockdev;

struct blockdev_ops {
	/* 0 or -errno. Short reads/writes are errors (-EIO). */
	int (*read)(struct blockdev *bd, uint64_t off, void *buf, size_t len);
	int (*write)(struct blockdev *bd, uint64_t off, const void *buf,
		     size_t len);
	/* Every write issued before returns is on stable storage after. */
	int (*sync)(struct blockdev *bd);
	void (*close)(struct blockdev *bd);
};

struct blockdev {
	const struct blockdev_ops *ops;
	uint64_t size;			/* bytes */
	uint32_t block_size;		/* logical block size, >= 512 */
	uint32_t major, minor;		/* 0:0 for a regular file */
	char name[128];			/* path as opened */
	/* counters, for tests and `dmlogctl stats` */
	uint64_t nr_reads, nr_writes, nr_syncs, bytes_written;
};

static inline int blockdev_read(struct blockdev *bd, uint64_t off,
				void *buf, size_t len)
{
	return bd->ops->read(bd, off, buf, len);
}
static inline int blockdev_write(struct blockdev *bd, uint64_t off,
				 const void *buf, size_t len)
{
	return bd->ops->write(bd, off, buf, len);
}
static inline int blockdev_sync(struct blockdev *bd)
{
	return bd->ops->sync(bd);
}
static inline void blockdev_close(struct blockdev *bd)
{
	if (bd)
		bd->ops->close(bd);
}

/* blockdev_file.c: open a path (block device or regular file) for direct,
 * durable I/O. 0 or -errno with a message in err. `exclusive` adds O_EXCL
 * (a block device then fails with -EBUSY while mounted or held). */
int blockdev_file_open(const char *path, int exclusive, struct blockdev **out,
		       char *err, size_t errlen);

/* blockdev_mem.c: an in-memory device of `size` bytes. */
struct blockdev *blockdev_mem_new(uint64_t size, uint32_t block_size);
/* Simulated power loss: every write since the last sync is kept, lost, or
 * (for multi-sector writes) torn at a 512-byte boundary, chosen by `seed`. */
void blockdev_mem_crash(struct blockdev *bd, uint64_t seed);
/* Direct access to the durable image (tests). */
uint8_t *blockdev_mem_image(struct blockdev *bd);

#endif
