/* Parser for the constructor string the kernel sends with DM_ULOG_CTR:
 *
 *   "<target sectors> <log type> <log args>"
 *
 * log type and args (cmirrord's syntax, and the kernel's own spellings):
 *   clustered-core <region_size> [sync|nosync] [block_on_error]
 *   clustered-disk <log_dev> <region_size> [sync|nosync] [block_on_error]
 *   core <region_size> [sync|nosync]
 *   disk <log_dev> <region_size> [sync|nosync]
 * log_dev is a path or "major:minor". region_size is in sectors: a power of
 * two, >= 2 (the kernel's rule) and <= target length. Optional flags may
 * come in any order, at most once each; sync and nosync exclude each
 * other. The string need not be NUL-terminated (the first CTR is not). */
#ifndef DMLOG_CTR_PARSE_H
#define DMLOG_CTR_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTR_DEV_MAX 128

enum ctr_log_kind { CTR_LOG_CORE, CTR_LOG_DISK };
enum ctr_sync { CTR_SYNC_DEFAULT, CTR_SYNC_FORCE, CTR_SYNC_NONE };

struct ctr_params {
	uint64_t target_sectors;
	enum ctr_log_kind kind;
	bool clustered;			/* clustered-core / clustered-disk */
	char type_name[16];		/* as spelled: "clustered-disk", "core" */
	char log_dev[CTR_DEV_MAX];	/* disk kinds: as given */
	bool log_dev_is_majmin;
	uint32_t log_dev_major, log_dev_minor;	/* when is_majmin */
	uint32_t region_size;		/* sectors */
	uint64_t region_count;		/* ceil(target_sectors / region_size) */
	enum ctr_sync sync;
	bool block_on_error;
};

/* 0 on success; -EINVAL with a message naming the bad argument in err. */
int ctr_parse(const char *str, size_t len, struct ctr_params *p,
	      char *err, size_t errlen);

#endif
