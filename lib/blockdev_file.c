/* The real log device: a block device or a regular file opened for direct,
 * durable I/O.
 *
 * O_DIRECT keeps the page cache out of the way (another host sharing the
 * device must see what we wrote, and we must see what it wrote). A regular
 * file on a filesystem that rejects O_DIRECT (tmpfs) is opened without it,
 * with a warning: tests only, durability then rests on fdatasync.
 *
 * Writes are durable on their own where the kernel supports RWF_DSYNC
 * (pwritev2; a FUA write on devices that have it). Otherwise, and after the
 * first write that shows the flag is unsupported, writes are plain pwrite
 * and durability comes from sync. sync calls fdatasync only when a write
 * since the last sync went out without RWF_DSYNC: after durable writes it
 * would be a second cache flush for nothing (a third of a flush's time,
 * measured in bench/). The blockdev contract ("every write issued before
 * sync returns is stable after") holds either way. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blockdev.h"
#include "dmlog_log.h"

/* Block size reported for a regular file: every O_DIRECT-capable
 * filesystem accepts 4096-aligned I/O. */
#define FILE_BLOCK_SIZE 4096u

struct file_dev {
	struct blockdev bd;		/* first: the public part */
	int fd;
	bool use_dsync;			/* RWF_DSYNC still believed to work */
	bool unsynced;			/* a plain write since the last sync */
};

static struct file_dev *to_file(struct blockdev *bd)
{
	return (struct file_dev *)bd;
}

static int file_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct file_dev *f = to_file(bd);
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* past the end: a short read */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	bd->nr_reads++;
	return 0;
}

/* One pwritev2(RWF_DSYNC) or pwrite call. */
static ssize_t write_once(struct file_dev *f, const uint8_t *p, size_t len,
			  uint64_t off, bool dsync)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };

	if (dsync)
		return pwritev2(f->fd, &iov, 1, (off_t)off, RWF_DSYNC);
	return pwrite(f->fd, p, len, (off_t)off);
}

/* The first RWF_DSYNC write failed with err: is the flag the problem?
 * Retry as a plain write; if that works, stop using the flag. */
static ssize_t dsync_fallback(struct file_dev *f, const uint8_t *p,
			      size_t len, uint64_t off, int err)
{
	ssize_t n;

	if (err != EOPNOTSUPP && err != ENOSYS && err != EINVAL) {
		errno = err;
		return -1;
	}
	n = write_once(f, p, len, off, false);
	if (n >= 0) {
		f->use_dsync = false;
		log_info("%s: RWF_DSYNC unsupported (%s), using fdatasync",
			 f->bd.name, strerror(err));
	}
	return n;
}

static int file_write(struct blockdev *bd, uint64_t off, const void *buf,
		      size_t len)
{
	struct file_dev *f = to_file(bd);
	const uint8_t *p = buf;
	size_t total = len;

	while (len) {
		bool dsync = f->use_dsync;
		ssize_t n = write_once(f, p, len, off, dsync);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && dsync)
			n = dsync_fallback(f, p, len, off, errno);
		if (n < 0)
			return -errno;
		if (!f->use_dsync)
			f->unsynced = true;
		if (n == 0)
			return -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	bd->nr_writes++;
	bd->bytes_written += total;
	return 0;
}

static int file_sync(struct blockdev *bd)
{
	struct file_dev *f = to_file(bd);

	while (f->unsynced && fdatasync(f->fd)) {
		if (errno != EINTR)
			return -errno;
	}
	f->unsynced = false;
	bd->nr_syncs++;
	return 0;
}

static void file_close(struct blockdev *bd)
{
	struct file_dev *f = to_file(bd);

	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

static const struct blockdev_ops file_ops = {
	.read = file_read,
	.write = file_write,
	.sync = file_sync,
	.close = file_close,
};

/* Open with O_DIRECT; a regular file whose filesystem refuses O_DIRECT
 * is opened without it. Returns the fd or -errno. */
static int open_direct(const char *path, int exclusive, bool regular)
{
	int flags = O_RDWR | O_CLOEXEC | (exclusive ? O_EXCL : 0);
	int fd = open(path, flags | O_DIRECT);

	if (fd >= 0)
		return fd;
	if (errno != EINVAL || !regular)
		return -errno;
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	log_warn("%s: filesystem rejects O_DIRECT, using buffered I/O "
		 "with fdatasync (not for shared devices)", path);
	return fd;
}

static int probe_blockdev(struct file_dev *f, const struct stat *st,
			  char *err, size_t errlen)
{
	uint64_t bytes = 0;
	int ssz = 0;

	if (ioctl(f->fd, BLKSSZGET, &ssz) || ioctl(f->fd, BLKGETSIZE64, &bytes)) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot get device geometry: %s",
			 f->bd.name, strerror(e));
		return -e;
	}
	if (ssz < 512 || (ssz & (ssz - 1))) {
		snprintf(err, errlen, "%s: odd logical block size %d",
			 f->bd.name, ssz);
		return -EINVAL;
	}
	f->bd.block_size = (uint32_t)ssz;
	f->bd.size = bytes;
	f->bd.major = major(st->st_rdev);
	f->bd.minor = minor(st->st_rdev);
	return 0;
}

static int probe(struct file_dev *f, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(f->fd, &st)) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", f->bd.name, strerror(e));
		return -e;
	}
	if (S_ISBLK(st.st_mode))
		return probe_blockdev(f, &st, err, errlen);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a block device or regular file",
			 f->bd.name);
		return -ENOTBLK;
	}
	f->bd.block_size = FILE_BLOCK_SIZE;
	f->bd.size = (uint64_t)st.st_size / FILE_BLOCK_SIZE * FILE_BLOCK_SIZE;
	return 0;
}

/* Only block devices and regular files can hold a log. */
static int check_type(const char *path, bool *regular, char *err,
		      size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	*regular = S_ISREG(st.st_mode);
	if (!*regular && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s: not a block device or regular file",
			 path);
		return -ENOTBLK;
	}
	return 0;
}

int blockdev_file_open(const char *path, int exclusive, struct blockdev **out,
		       char *err, size_t errlen)
{
	struct file_dev *f;
	bool regular = false;
	int r;

	*out = NULL;
	if (strlen(path) >= sizeof(f->bd.name)) {
		snprintf(err, errlen, "device path too long");
		return -ENAMETOOLONG;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->bd.ops = &file_ops;
	f->use_dsync = true;
	snprintf(f->bd.name, sizeof(f->bd.name), "%s", path);
	r = check_type(path, &regular, err, errlen);
	if (!r) {
		f->fd = open_direct(path, exclusive, regular);
		r = f->fd < 0 ? f->fd : 0;
		if (r)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
	}
	if (r) {
		free(f);
		return r;
	}
	r = probe(f, err, errlen);
	if (r) {
		file_close(&f->bd);
		return r;
	}
	*out = &f->bd;
	return 0;
}
