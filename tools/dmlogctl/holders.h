/* Which devices hold a block device open (sysfs "holders"): a mirror's
 * device-mapper table holds its log device while it exists. */
#ifndef DMLOGCTL_HOLDERS_H
#define DMLOGCTL_HOLDERS_H

#include <stddef.h>

#define CTL_SYSFS "/sys"
#define CTL_MAX_HOLDERS 16

struct holder {
	char name[64];		/* kernel name: dm-3 */
	char dm_name[128];	/* device-mapper name, "" when none */
};

/* Holders of block device maj:min from <sysfs>/dev/block/MAJ:MIN/holders,
 * sorted by name, at most max. 0 (*n may be 0: no holders, or no such
 * sysfs entry) or -errno of reading the directory. */
int holders_list(const char *sysfs, unsigned maj, unsigned min,
		 struct holder *out, size_t max, size_t *n);

/* "dm-3 (vg-mirror), dm-4" into buf. */
void holders_format(const struct holder *h, size_t n, char *buf, size_t len);

#endif
