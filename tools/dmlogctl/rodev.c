/* Read-only block device (see rodev.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "log_format.h"
#include "rodev.h"

struct ro_dev {
	struct blockdev bd;	/* first: the public part */
	int fd;
};

static int ro_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct ro_dev *d = (struct ro_dev *)bd;
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(d->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* past the end */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	bd->nr_reads++;
	return 0;
}

static int ro_write(struct blockdev *bd, uint64_t off, const void *buf,
		    size_t len)
{
	(void)bd;
	(void)off;
	(void)buf;
	(void)len;
	return -EROFS;
}

static int ro_sync(struct blockdev *bd)
{
	(void)bd;
	return 0;	/* nothing was written */
}

static void ro_close(struct blockdev *bd)
{
	struct ro_dev *d = (struct ro_dev *)bd;

	close(d->fd);
	free(d);
}

static const struct blockdev_ops ro_ops = {
	.read = ro_read,
	.write = ro_write,
	.sync = ro_sync,
	.close = ro_close,
};

static int ro_open_fd(const char *path, bool regular)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

	if (fd < 0 && errno == EINVAL && regular)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int ro_probe(struct ro_dev *d)
{
	struct stat st;
	uint64_t bytes = 0;
	int ssz = 0;

	if (fstat(d->fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode)) {
		d->bd.block_size = DMLOG_BS;
		d->bd.size = (uint64_t)st.st_size / DMLOG_BS * DMLOG_BS;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (ioctl(d->fd, BLKSSZGET, &ssz) || ioctl(d->fd, BLKGETSIZE64, &bytes))
		return -errno;
	if (ssz < 512 || ssz > (int)DMLOG_BS || (ssz & (ssz - 1)))
		return -EINVAL;
	d->bd.block_size = (uint32_t)ssz;
	d->bd.size = bytes;
	d->bd.major = major(st.st_rdev);
	d->bd.minor = minor(st.st_rdev);
	return 0;
}

int rodev_open(const char *path, struct blockdev **out)
{
	struct ro_dev *d;
	struct stat st;
	int r;

	*out = NULL;
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return -ENOTBLK;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bd.ops = &ro_ops;
	snprintf(d->bd.name, sizeof(d->bd.name), "%s", path);
	d->fd = ro_open_fd(path, S_ISREG(st.st_mode));
	if (d->fd < 0) {
		r = d->fd;
		free(d);
		return r;
	}
	r = ro_probe(d);
	if (r) {
		ro_close(&d->bd);
		return r;
	}
	*out = &d->bd;
	return 0;
}
