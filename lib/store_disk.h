/* The clustered-disk store: on-disk format v1 (doc/format.md) over a
 * struct blockdev. */
#ifndef DMLOG_STORE_DISK_H
#define DMLOG_STORE_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "log_store.h"

struct ctr_params;

/* Create the store for one log instance. Takes ownership of bd (closes it
 * on destroy, and on failure). Checks the device is large enough for the
 * format with `nr_slots` slots; reads nothing else until load().
 * 0 or -errno with a message naming the problem in err. */
int store_disk_open(struct blockdev *bd, const struct ctr_params *p,
		    const char *uuid, uint32_t nr_slots, uint32_t slot,
		    struct log_store **out, char *err, size_t errlen);

/* I/O done on the log device so far (dmlogctl stats): the store's block
 * device counters. Additive accessor; 0, or -EINVAL when s is not a disk
 * store. */
struct store_io_counters {
	uint64_t writes, bytes_written, syncs, reads;
	uint32_t slot, node_id;		/* this node's slot */
};

int store_disk_io_counters(const struct log_store *s,
			   struct store_io_counters *out);

#endif
