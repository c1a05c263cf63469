/* Opening the log device (see device.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockdev.h"
#include "ctl_exit.h"
#include "device.h"
#include "logname.h"
#include "msg.h"
#include "rodev.h"

static void find_holders(struct ctl_dev *d, dev_t rdev)
{
	if (holders_list(CTL_SYSFS, major(rdev), minor(rdev), d->holders,
			 CTL_MAX_HOLDERS, &d->nholders))
		d->nholders = 0;	/* unknown: nothing to name */
}

static void busy_message(const struct ctl_dev *d)
{
	char names[512];

	if (!d->nholders) {
		ctl_err("%s: device busy: open exclusively by another program "
			"(mounted, or used by device-mapper, md, LVM or another "
			"dmlogctl); release it and retry", d->path);
		return;
	}
	holders_format(d->holders, d->nholders, names, sizeof(names));
	ctl_err("%s: device busy: in use by %s; a live mirror (or dmlogd "
		"through it) holds this log: remove or reload the mirror "
		"without it before writing offline", d->path, names);
}

static int open_error(const struct ctl_dev *d, int e, const char *detail)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		ctl_err("%s: no such device or file; check the path",
			d->path);
		break;
	case ENOTBLK:
		ctl_err("%s: not a block device or regular file", d->path);
		break;
	case EACCES:
	case EPERM:
		ctl_err("%s: permission denied; %s needs root (or write access "
			"to the device)", d->path,
			d->writable ? "writing" : "reading");
		break;
	case EROFS:
		ctl_err("%s: read-only device or filesystem; cannot write the "
			"log", d->path);
		break;
	case EBUSY:
		busy_message(d);
		break;
	default:
		ctl_err("%s", detail[0] ? detail : strerror(e));
		break;
	}
	return ctl_exit_from_errno(e);
}

int ctl_dev_open(struct ctl_dev *d, const char *path, bool write)
{
	char detail[256] = "";
	struct stat st;
	int r;

	memset(d, 0, sizeof(*d));
	r = logname_device(path, d->resolved, sizeof(d->resolved));
	if (r)
		return r;
	d->path = path = d->resolved;
	d->writable = write;
	if (stat(path, &st))
		return open_error(d, errno, "");
	d->is_blockdev = S_ISBLK(st.st_mode);
	if (d->is_blockdev)
		find_holders(d, st.st_rdev);
	if (write)
		r = blockdev_file_open(path, 1, &d->bd, detail,
				       sizeof(detail));
	else
		r = rodev_open(path, &d->bd);
	if (r && !detail[0])
		snprintf(detail, sizeof(detail), "%.200s: %s", path, strerror(-r));
	return r ? open_error(d, -r, detail) : CTL_EXIT_OK;
}

void ctl_dev_close(struct ctl_dev *d)
{
	blockdev_close(d->bd);
	d->bd = NULL;
}

void ctl_dev_warn_live(const struct ctl_dev *d)
{
	char names[512];

	if (!d->nholders)
		return;
	holders_format(d->holders, d->nholders, names, sizeof(names));
	ctl_warn("%s is in use by %s: the log is live, the state shown may be "
		 "changing", d->path, names);
}
