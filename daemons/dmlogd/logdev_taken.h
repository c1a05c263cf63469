/* log_server_env.log_dev_taken for the daemon: does a live mirror table
 * use a log's device with a log other than dmlogd's (the kernel's own
 * "disk" log after a reload, as LVM does when it refreshes or converts a
 * mirror whose log dmlogd served)? Then the DTR of dmlogd's old instance
 * must not write the kernel format under it (doc/lvm.md section 2). */
#ifndef DMLOGD_LOGDEV_TAKEN_H
#define DMLOGD_LOGDEV_TAKEN_H

#include <stdbool.h>

struct ctr_params;

bool logdev_taken(void *ctx, const struct ctr_params *p);

#endif
