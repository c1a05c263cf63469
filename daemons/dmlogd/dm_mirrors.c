/* Live mirror tables (see dm_mirrors.h). */
#include <errno.h>
#include <libdevmapper.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dm_mirrors.h"

static bool device_matches(const char *name, dm_mirror_match_fn match,
			   const void *ctx)
{
	struct dm_task *dmt = dm_task_create(DM_DEVICE_TABLE);
	uint64_t start, length;
	char *type, *params;
	void *next = NULL;
	bool found = false;

	if (!dmt)
		return false;
	if (dm_task_set_name(dmt, name) && dm_task_run(dmt)) {
		do {
			next = dm_get_next_target(dmt, next, &start, &length,
						  &type, &params);
			if (type && params && !strcmp(type, "mirror") &&
			    match(params, ctx))
				found = true;
		} while (next && !found);
	}
	dm_task_destroy(dmt);
	return found;
}

int dm_mirrors_find(dm_mirror_match_fn match, const void *ctx, char *name,
		    size_t len)
{
	struct dm_task *dmt = dm_task_create(DM_DEVICE_LIST);
	struct dm_names *names;
	unsigned next = 0;
	int r = -ENOENT;

	if (!dmt)
		return -ENOMEM;
	if (!dm_task_run(dmt) || !(names = dm_task_get_names(dmt))) {
		dm_task_destroy(dmt);
		return -EIO;
	}
	if (names->dev) {
		do {
			names = (struct dm_names *)((char *)names + next);
			if (device_matches(names->name, match, ctx)) {
				snprintf(name, len, "%s", names->name);
				r = 0;
				break;
			}
			next = names->next;
		} while (next);
	}
	dm_task_destroy(dmt);
	return r;
}
