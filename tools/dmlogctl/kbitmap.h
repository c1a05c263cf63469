/* Counting the kernel dm-log "disk" clean bitmap (doc/format.md 3.2). */
#ifndef DMLOGCTL_KBITMAP_H
#define DMLOGCTL_KBITMAP_H

#include <stdbool.h>
#include <stdint.h>

struct blockdev;

struct ctl_kbitmap {
	uint64_t nr_regions;	/* from the kernel header */
	uint64_t counted;	/* regions whose bit could be read */
	uint64_t clean;		/* clean bits among them */
	uint64_t import_limit;	/* min(nr_regions, R) or nr_regions */
	uint64_t clean_import;	/* clean bits below import_limit */
	bool capped;		/* nr_regions > 2^32: only 2^32 counted */
	bool truncated;		/* not every region counted: short device,
				 * read error, or capped */
	int read_error;		/* -errno of a failed read, or 0 */
};

/* Count the clean bits of the first nr_regions (at most 2^32) regions, and
 * of the first import_limit of them. Reads stop at the end of the device
 * or at a read error (recorded in k). 0 or -ENOMEM. */
int ctl_kbitmap_count(struct blockdev *bd, uint64_t nr_regions,
		      uint64_t import_limit, struct ctl_kbitmap *k);

#endif
