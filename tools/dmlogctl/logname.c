/* LOG arguments and mirror devices (see logname.h). */
#include <errno.h>
#include <libdevmapper.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl_exit.h"
#include "logname.h"
#include "lvm_layout.h"
#include "mirror_table.h"
#include "msg.h"

static void quiet(int level, const char *file, int line, int e,
		  const char *f, ...)
{
	(void)level; (void)file; (void)line; (void)e; (void)f;
}

/* Table of the device named (name) or numbered (major:minor when name is
 * NULL): the first mirror target's userspace log uuid. */
/* The first mirror target's parameters in the table of the device named
 * (name) or numbered (major:minor when name is NULL), with its info.
 * Returns the task (the caller destroys it) or NULL when no such device. */
static struct dm_task *mirror_params(const char *name, uint32_t maj,
				     uint32_t min, char **params,
				     struct dm_info *info)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_TABLE);
	uint64_t start, length;
	char *type, *p;
	void *next = NULL;

	*params = NULL;
	if (!t)
		return NULL;
	if (!(name ? dm_task_set_name(t, name) :
	      dm_task_set_major(t, (int)maj) && dm_task_set_minor(t, (int)min))
	    || !dm_task_run(t) || !dm_task_get_info(t, info) ||
	    !info->exists) {
		dm_task_destroy(t);
		return NULL;
	}
	do {
		next = dm_get_next_target(t, next, &start, &length, &type, &p);
		if (type && p && !strcmp(type, "mirror"))
			*params = p;
	} while (next && !*params);
	return t;
}

/* The userspace log uuid of the device's mirror table. */
static bool device_log_uuid(const char *name, uint32_t maj, uint32_t min,
			    char *uuid, size_t len, struct dm_info *info)
{
	char *params;
	struct dm_task *t = mirror_params(name, maj, min, &params, info);
	bool found = t && params && mirror_params_log_uuid(params, uuid, len);

	if (t)
		dm_task_destroy(t);
	return found;
}

/* "vg/lv" (LVM names, one slash) -> LVM's device-mapper name. */
static bool lv_dm_name(const char *arg, char *name, size_t len)
{
	char vg[LVM_NAME_MAX];
	const char *slash = strchr(arg, '/');

	if (!slash || strchr(slash + 1, '/') || slash == arg ||
	    (size_t)(slash - arg) >= sizeof(vg) || !slash[1])
		return false;
	memcpy(vg, arg, (size_t)(slash - arg));
	vg[slash - arg] = '\0';
	return !lvm_dm_name(vg, slash + 1, name, len);
}

static bool dm_device_exists(const char *name)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_INFO);
	struct dm_info info;
	bool r;

	if (!t)
		return false;
	r = dm_task_set_name(t, name) && dm_task_run(t) &&
	    dm_task_get_info(t, &info) && info.exists;
	dm_task_destroy(t);
	return r;
}

static int by_path(const char *arg, const char *path, char *id, size_t len)
{
	struct dm_info info;
	struct stat st;

	if (stat(path, &st) < 0) {
		ctl_err("%s: no such device; name a log by uuid, mirror name, "
			"device path or vg/lv", arg);
		return CTL_EXIT_NOT_FOUND;
	}
	if (S_ISBLK(st.st_mode) &&
	    device_log_uuid(NULL, major(st.st_rdev), minor(st.st_rdev), id,
			    len, &info))
		return CTL_EXIT_OK;
	ctl_err("%s is not a mirror with a userspace log (its table does not "
		"say 'mirror userspace'); 'dmlogctl status' lists the logs",
		arg);
	return CTL_EXIT_NOT_FOUND;
}

/* vg/lv: LVM's device-mapper name first (no /dev/vg/lv link needed, as
 * without udev), then /dev/vg/lv. */
static int by_lv(const char *arg, char *id, size_t len)
{
	char name[LOGNAME_DM_MAX], path[4096];
	struct dm_info info;

	if (lv_dm_name(arg, name, sizeof(name)) && dm_device_exists(name)) {
		if (device_log_uuid(name, 0, 0, id, len, &info))
			return CTL_EXIT_OK;
		ctl_err("%s (%s) is not a mirror with a userspace log (its "
			"table does not say 'mirror userspace'); 'dmlogctl lv "
			"activate %s' activates an LVM mirror with dmlogd's "
			"log", arg, name, arg);
		return CTL_EXIT_NOT_FOUND;
	}
	snprintf(path, sizeof(path), "/dev/%s", arg);
	if (access(path, F_OK) && lv_dm_name(arg, name, sizeof(name))) {
		ctl_err("%s: not active on this host (no device-mapper device "
			"%s)", arg, name);
		return CTL_EXIT_NOT_FOUND;
	}
	return by_path(arg, path, id, len);
}

int logname_resolve(const char *arg, char *id, size_t len)
{
	struct dm_info info;
	int r = CTL_EXIT_OK;

	dm_log_with_errno_init(quiet);
	if (arg[0] == '/')
		r = by_path(arg, arg, id, len);
	else if (strchr(arg, '/'))
		r = by_lv(arg, id, len);
	else if (!device_log_uuid(arg, 0, 0, id, len, &info))
		snprintf(id, len, "%s", arg);	/* a uuid or prefix */
	dm_log_with_errno_init(NULL);
	return r;
}

static bool name_uses(const char *name, const char *uuid,
		      struct mirror_dev *m)
{
	char id[LOGNAME_MAX];
	struct dm_info info;

	if (!device_log_uuid(name, 0, 0, id, sizeof(id), &info) ||
	    strcmp(id, uuid))
		return false;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->major = info.major;
	m->minor = info.minor;
	return true;
}

int logname_find_mirror(const char *uuid, struct mirror_dev *m)
{
	struct dm_task *t;
	struct dm_names *n;
	unsigned next = 0;
	int r = -ENOENT;

	dm_log_with_errno_init(quiet);
	t = dm_task_create(DM_DEVICE_LIST);
	if (t && dm_task_run(t) && (n = dm_task_get_names(t)) && n->dev) {
		do {
			n = (struct dm_names *)((char *)n + next);
			if (name_uses(n->name, uuid, m)) {
				r = 0;
				break;
			}
			next = n->next;
		} while (next);
	}
	if (t)
		dm_task_destroy(t);
	dm_log_with_errno_init(NULL);
	return r;
}

/* The path of block device ma:mi: /dev/mapper/<name> for a device-mapper
 * device when that node exists, else the kernel's name from sysfs
 * (/dev/dm-N: devtmpfs has it even without udev). */
static bool devnum_path(unsigned ma, unsigned mi, char *path, size_t len)
{
	struct dm_task *t;
	struct dm_info info;
	const char *name;
	char sys[64], line[256];
	bool ok = false;
	FILE *f;

	if ((t = dm_task_create(DM_DEVICE_INFO))) {
		if (dm_task_set_major(t, (int)ma) && dm_task_set_minor(t, (int)mi)
		    && dm_task_run(t) && dm_task_get_info(t, &info) &&
		    info.exists && (name = dm_task_get_name(t)) && *name)
			ok = snprintf(path, len, "/dev/mapper/%s", name) <
			     (int)len && !access(path, F_OK);
		dm_task_destroy(t);
		if (ok)
			return true;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/uevent", ma, mi);
	if (!(f = fopen(sys, "re")))
		return false;
	while (!ok && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			ok = snprintf(path, len, "/dev/%s", line + 8) <
			     (int)len;
		}
	fclose(f);
	return ok;
}

static int lv_device(const char *arg, const char *name, char *path,
		     size_t len)
{
	struct dm_info info;
	char *params, dev[32];
	struct dm_task *t = mirror_params(name, 0, 0, &params, &info);
	unsigned ma, mi;
	int r = CTL_EXIT_OK;

	if (!t) {
		ctl_err("%s: not active on this host (no device-mapper device "
			"%s); name the log device itself", arg, name);
		return CTL_EXIT_NOT_FOUND;
	}
	ma = info.major;
	mi = info.minor;
	/* a mirror: its log device; anything else: the LV (vg/m_mlog) */
	if (params && (!mirror_params_log_dev(params, dev, sizeof(dev)) ||
		       sscanf(dev, "%u:%u", &ma, &mi) != 2)) {
		ctl_err("%s: the mirror has no log device (core log)", arg);
		r = CTL_EXIT_NOT_FOUND;
	} else if (!devnum_path(ma, mi, path, len)) {
		ctl_err("%s: no device node for %u:%u", arg, ma, mi);
		r = CTL_EXIT_NOT_FOUND;
	}
	dm_task_destroy(t);
	return r;
}

int logname_device(const char *arg, char *path, size_t len)
{
	char name[LOGNAME_DM_MAX];
	struct stat st;
	int r;

	/* an existing path (even a relative "dir/file") is taken as is */
	if (arg[0] == '/' || !stat(arg, &st) ||
	    !lv_dm_name(arg, name, sizeof(name))) {
		snprintf(path, len, "%s", arg);
		return CTL_EXIT_OK;
	}
	dm_log_with_errno_init(quiet);
	r = lv_device(arg, name, path, len);
	dm_log_with_errno_init(NULL);
	return r;
}
