/* The daemon's log_server_env.open_store: find a disk log's device, open
 * it, claim a slot from the lock manager and build the disk store. */
#ifndef DMLOGD_STORE_OPEN_H
#define DMLOGD_STORE_OPEN_H

#include <stddef.h>

struct ctr_params;
struct lockmgr;
struct log_store;

#define DMLOGD_NODE_DIR "/run/dmlogd"

struct store_opener {
	/* Where to mknod a device node for "major:minor" when /dev/block
	 * has none (no udev). */
	const char *node_dir;
};

/* log_server_env.open_store; ctx is a struct store_opener. */
int store_open(void *ctx, const struct ctr_params *p, const char *uuid,
	       struct lockmgr *lm, struct log_store **out, char *err,
	       size_t errlen);

/* The path to open for the CTR's log device: the path given, or for
 * "major:minor" /dev/block/M:m, else a node made under node_dir.
 * 0 or -errno with a message in err. */
int store_resolve_device(const struct ctr_params *p, const char *node_dir,
			 char *path, size_t pathlen, char *err,
			 size_t errlen);

#endif
