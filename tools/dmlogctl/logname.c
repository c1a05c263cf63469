/* LOG arguments and mirror devices (see logname.h). */
#include <errno.h>
#include <libdevmapper.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ctl_exit.h"
#include "logname.h"
#include "mirror_table.h"
#include "msg.h"

static void quiet(int level, const char *file, int line, int e,
		  const char *f, ...)
{
	(void)level; (void)file; (void)line; (void)e; (void)f;
}

/* Table of the device named (name) or numbered (major:minor when name is
 * NULL): the first mirror target's userspace log uuid. */
static bool device_log_uuid(const char *name, uint32_t maj, uint32_t min,
			    char *uuid, size_t len, struct dm_info *info)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_TABLE);
	uint64_t start, length;
	char *type, *params;
	void *next = NULL;
	bool found = false;

	if (!t)
		return false;
	if ((name ? dm_task_set_name(t, name) :
	     dm_task_set_major(t, (int)maj) && dm_task_set_minor(t, (int)min))
	    && dm_task_run(t) && dm_task_get_info(t, info) && info->exists) {
		do {
			next = dm_get_next_target(t, next, &start, &length,
						  &type, &params);
			if (type && params && !strcmp(type, "mirror"))
				found = mirror_params_log_uuid(params, uuid,
							       len);
		} while (next && !found);
	}
	dm_task_destroy(t);
	return found;
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

int logname_resolve(const char *arg, char *id, size_t len)
{
	struct dm_info info;
	char path[4096];
	int r = CTL_EXIT_OK;

	dm_log_with_errno_init(quiet);
	if (arg[0] == '/')
		r = by_path(arg, arg, id, len);
	else if (strchr(arg, '/')) {
		snprintf(path, sizeof(path), "/dev/%s", arg);	/* vg/lv */
		r = by_path(arg, path, id, len);
	} else if (!device_log_uuid(arg, 0, 0, id, len, &info))
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
