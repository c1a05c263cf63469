/* Naming a log on the command line (LOG): its uuid, a unique prefix of
 * it (dmlogd resolves those), the mirror's device-mapper name, a device
 * path (/dev/mapper/m, /dev/dm-3), or an LVM vg/lv. Mirror names and
 * paths are resolved here with libdevmapper: the mirror's table names the
 * log uuid ("mirror userspace <#args> <uuid> ..."). */
#ifndef DMLOGCTL_LOGNAME_H
#define DMLOGCTL_LOGNAME_H

#include <stddef.h>
#include <stdint.h>

#define LOGNAME_MAX 129

/* The id to send to dmlogd for arg: the log uuid of the mirror arg names,
 * or arg itself. 0, or an exit code after a message (a path that is no
 * mirror with a userspace log). */
int logname_resolve(const char *arg, char *id, size_t len);

struct mirror_dev {
	char name[128];		/* device-mapper name */
	uint32_t major, minor;
};

/* The mirror whose table uses log uuid: 0, or -ENOENT (none, or no
 * device-mapper). */
int logname_find_mirror(const char *uuid, struct mirror_dev *m);

#endif
