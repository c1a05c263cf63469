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
#define LOGNAME_DM_MAX 128	/* a device-mapper name, with its NUL */

/* The id to send to dmlogd for arg: the log uuid of the mirror arg names,
 * or arg itself. 0, or an exit code after a message (a path that is no
 * mirror with a userspace log). */
int logname_resolve(const char *arg, char *id, size_t len);

/* The log device a device argument names (dump, check, format): an
 * existing path as is; an LVM vg/lv active here: the log device of its
 * mirror table (vg/m -> /dev/mapper/vg-m_mlog), or the LV itself when it
 * is not a mirror (vg/m_mlog). 0, or an exit code after a message. */
int logname_device(const char *arg, char *path, size_t len);

struct mirror_dev {
	char name[128];		/* device-mapper name */
	uint32_t major, minor;
};

/* The mirror whose table uses log uuid: 0, or -ENOENT (none, or no
 * device-mapper). */
int logname_find_mirror(const char *uuid, struct mirror_dev *m);

#endif
