/* Opening the log device for a command, with the messages and exit codes
 * of every way it can fail.
 *
 * Reading commands open it read-only and work on a live log (they warn
 * that the state may be changing). Writing commands open it exclusively
 * (O_EXCL): the kernel refuses that with EBUSY while a device-mapper table
 * (a live mirror) or a mount holds a block device, and dmlogctl then names
 * the holders and refuses. */
#ifndef DMLOGCTL_DEVICE_H
#define DMLOGCTL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "holders.h"

struct blockdev;

struct ctl_dev {
	struct blockdev *bd;
	const char *path;	/* the device opened (resolved) */
	char resolved[4096];
	bool is_blockdev;
	bool writable;
	struct holder holders[CTL_MAX_HOLDERS];
	size_t nholders;	/* nonzero: a live table holds the device */
};

/* Open path (a device or file, or an LVM vg/lv active here: its mirror's
 * log device, logname_device()) for reading or (exclusive) writing. CTL_EXIT_OK, or the exit
 * code after a message naming the problem and what to do. */
int ctl_dev_open(struct ctl_dev *d, const char *path, bool write);
void ctl_dev_close(struct ctl_dev *d);

/* Warn (stderr) when the device is held by a live table. */
void ctl_dev_warn_live(const struct ctl_dev *d);

#endif
