/* A deliberately simple reference model of the kernel's dm-log semantics
 * for one core log, as the userspace dirty log must serve them.
 *
 * Plain arrays of bool, linear scans, no cleverness: it is meant to be
 * correct by inspection, so that the engine (lib/log_engine.c) can be
 * compared with it request by request. Same calling convention as
 * log_request(). */
#ifndef DMLOG_MODEL_H
#define DMLOG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum model_sync { MODEL_SYNC_DEFAULT, MODEL_SYNC_FORCE, MODEL_SYNC_NONE };

struct model_log {
	const char *type_name;		/* "clustered-core" or "core" */
	uint32_t region_size;		/* sectors */
	uint64_t region_count;
	enum model_sync sync;
	bool block_on_error;

	bool *clean;			/* kernel clean bit: true = clean */
	bool *in_sync;
	bool *recovering;		/* handed out by GET_RESYNC_WORK */
	uint64_t sync_count;
	uint64_t sync_search;
};

/* region_count = ceil(target_sectors / region_size). NULL on ENOMEM. */
struct model_log *model_create(const char *type_name, uint64_t target_sectors,
			       uint32_t region_size, enum model_sync sync,
			       bool block_on_error);
void model_destroy(struct model_log *m);

/* Returns 0 or a negative errno; *out_len is the reply's data_size. */
int model_request(struct model_log *m, uint32_t type, const void *in,
		  size_t in_len, void *out, size_t out_cap, size_t *out_len);

/* The model's own invariant: sync_count equals the number of in_sync
 * regions. */
bool model_consistent(const struct model_log *m);

/* Status strings without the trailing NUL. */
void model_status_info(const struct model_log *m, char *buf, size_t cap);
void model_status_table(const struct model_log *m, char *buf, size_t cap);

#endif
