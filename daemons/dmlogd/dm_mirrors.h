/* Finding live device-mapper mirror tables by what their parameters say.
 *
 * The worker (mirror_kick.c: which mirror uses a log) and the DTR path
 * (logdev_taken.c: does a kernel log already use a log device) both walk
 * every device's live table the same way. */
#ifndef DMLOGD_DM_MIRRORS_H
#define DMLOGD_DM_MIRRORS_H

#include <stdbool.h>
#include <stddef.h>

/* A "mirror" target's parameter string matches. */
typedef bool (*dm_mirror_match_fn)(const char *params, const void *ctx);

/* The name of the first device whose live table has a mirror target that
 * match() accepts: 0 (name copied, len bytes), -ENOENT, or -errno when
 * device-mapper cannot be asked. */
int dm_mirrors_find(dm_mirror_match_fn match, const void *ctx, char *name,
		    size_t len);

#endif
