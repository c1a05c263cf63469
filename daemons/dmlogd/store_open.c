/* Opening a disk log's store (see store_open.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "ctr_parse.h"
#include "dmlog_log.h"
#include "lockmgr.h"
#include "store_disk.h"
#include "store_open.h"

static bool is_node_for(const char *path, dev_t rdev, int *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*err = errno;
		return false;
	}
	*err = 0;
	return S_ISBLK(st.st_mode) && st.st_rdev == rdev;
}

/* A block device node for rdev under dir, made if needed. */
static int make_node(const char *dir, dev_t rdev, char *path, size_t len,
		     char *err, size_t errlen)
{
	int e;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		e = errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(e));
		return -e;
	}
	snprintf(path, len, "%s/%u:%u", dir, major(rdev), minor(rdev));
	if (is_node_for(path, rdev, &e))
		return 0;
	if (e != ENOENT && unlink(path) < 0 && errno != ENOENT) {
		e = errno;
		snprintf(err, errlen, "cannot replace %s: %s", path,
			 strerror(e));
		return -e;
	}
	if (mknod(path, S_IFBLK | 0600, rdev) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot create device node %s: %s",
			 path, strerror(e));
		return -e;
	}
	return 0;
}

int store_resolve_device(const struct ctr_params *p, const char *node_dir,
			 char *path, size_t pathlen, char *err,
			 size_t errlen)
{
	dev_t rdev;
	int e;

	if (!p->log_dev_is_majmin) {
		if ((size_t)snprintf(path, pathlen, "%s", p->log_dev) >=
		    pathlen) {
			snprintf(err, errlen, "device path too long");
			return -ENAMETOOLONG;
		}
		return 0;
	}
	rdev = makedev(p->log_dev_major, p->log_dev_minor);
	snprintf(path, pathlen, "/dev/block/%u:%u", p->log_dev_major,
		 p->log_dev_minor);
	if (is_node_for(path, rdev, &e))
		return 0;
	return make_node(node_dir, rdev, path, pathlen, err, errlen);
}

int store_open(void *ctx, const struct ctr_params *p, const char *uuid,
	       struct lockmgr *lm, struct log_store **out, char *err,
	       size_t errlen)
{
	const struct store_opener *so = ctx;
	char path[CTR_DEV_MAX + 64], why[256];
	struct blockdev *bd;
	uint32_t slots, slot;
	int r;

	path[0] = '\0';
	r = store_resolve_device(p, so->node_dir, path, sizeof(path), why,
				 sizeof(why));
	if (r < 0)
		goto fail;
	r = blockdev_file_open(path, 0, &bd, why, sizeof(why));
	if (r < 0)
		goto fail;
	slots = lm->ops->default_slots(lm);
	r = lm->ops->attach(lm, uuid, slots, &slot);
	if (r < 0) {
		snprintf(why, sizeof(why), "lock manager %s cannot attach: %s",
			 lm->ops->name, strerror(-r));
		blockdev_close(bd);
		goto fail;
	}
	r = store_disk_open(bd, p, uuid, slots, slot, out, why, sizeof(why));
	if (r < 0) {
		lm->ops->detach(lm, uuid);	/* bd closed by the store */
		goto fail;
	}
	log_info("%s: log device %s opened (%s), slot %u of %u", uuid,
		 p->log_dev, path, slot, slots);
	return 0;
fail:
	/* The dispatcher names the device as given; add the node used. */
	if (path[0] && strcmp(path, p->log_dev))
		snprintf(err, errlen, "%s: %s", path, why);
	else
		snprintf(err, errlen, "%s", why);
	return r;
}
