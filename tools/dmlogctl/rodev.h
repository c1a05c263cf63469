/* A read-only struct blockdev for the commands that only look (dump,
 * check without --repair): they must work on a live log, on a read-only
 * device and without write permission, so they never open for writing.
 * Writes fail with -EROFS. */
#ifndef DMLOGCTL_RODEV_H
#define DMLOGCTL_RODEV_H

struct blockdev;

/* Open a block device or regular file read-only (O_DIRECT, or buffered
 * when a file's filesystem refuses O_DIRECT). 0 or -errno. */
int rodev_open(const char *path, struct blockdev **out);

#endif
