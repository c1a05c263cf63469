/* Is a log device used by another live log (see logdev_taken.h)? */
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ctr_parse.h"
#include "dm_mirrors.h"
#include "logdev_taken.h"
#include "dmlog_log.h"
#include "mirror_table.h"

/* A kernel "disk" log (not "userspace": dmlogd's own instances are
 * accounted for by the server) on device *dev. */
static bool kernel_log_on(const char *params, const void *ctx)
{
	const dev_t *dev = ctx;
	char mm[32];
	unsigned ma, mi;

	if (!strncmp(params, "userspace ", 10))
		return false;
	return mirror_params_log_dev(params, mm, sizeof(mm)) &&
	       sscanf(mm, "%u:%u", &ma, &mi) == 2 &&
	       makedev(ma, mi) == *dev;
}

bool logdev_taken(void *ctx, const struct ctr_params *p)
{
	char name[DM_NAME_LEN];
	struct stat st;
	dev_t dev;
	int r;

	(void)ctx;
	if (p->log_dev_is_majmin)
		dev = makedev(p->log_dev_major, p->log_dev_minor);
	else if (!stat(p->log_dev, &st) && S_ISBLK(st.st_mode))
		dev = st.st_rdev;
	else
		return false;	/* a file: no kernel log can use it */
	/* -EIO (no device-mapper to ask) means no kernel log either */
	r = dm_mirrors_find(kernel_log_on, &dev, name, sizeof(name));
	if (!r)
		log_notice("mirror %s uses log device %s with the kernel's disk "
			   "log", name, p->log_dev);
	return !r;
}
