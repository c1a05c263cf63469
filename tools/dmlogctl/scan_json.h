/* JSON rendering shared by the commands that read a log; the keys and
 * types are documented in doc/dmlogctl-json.md. */
#ifndef DMLOGCTL_SCAN_JSON_H
#define DMLOGCTL_SCAN_JSON_H

#include "jdoc.h"

struct ctl_dev;
struct ctl_scan;
struct ctl_block;
struct ctl_block_sum;
struct dmlog_geometry;
struct dmlog_sb;

void json_device(struct jdoc *d, const struct ctl_dev *dev);
void json_kernel_header(struct jdoc *d, const struct ctl_scan *s);
/* "superblock": present/valid/invalid_reason + fields (null when invalid) */
void json_superblock(struct jdoc *d, const struct ctl_scan *s);
/* "superblock" for a superblock just written (format). */
void json_superblock_written(struct jdoc *d, const struct dmlog_sb *sb);
/* "geometry": object, or null without a valid superblock. */
void json_geometry(struct jdoc *d, const struct dmlog_geometry *g,
		   uint64_t dev_size);
void json_slots(struct jdoc *d, const struct ctl_scan *s);
void json_out_of_sync(struct jdoc *d, const struct ctl_scan *s);
void json_kernel_bitmap(struct jdoc *d, const struct ctl_scan *s);
/* A blocks summary object under parent[key]; list (may be NULL: null) is
 * attached as "list". */
void json_blocks(struct jdoc *d, struct json_object *parent, const char *key,
		 const struct dmlog_geometry *g,
		 const struct ctl_block_sum *sum, struct json_object *list);
/* One block object appended to arr (the -v list). */
void json_block(struct jdoc *d, struct json_object *arr,
		const struct dmlog_geometry *g, const struct ctl_block *b);
/* Bad-run objects appended to arr. */
void json_runs(struct jdoc *d, struct json_object *arr,
	       const struct dmlog_geometry *g,
	       const struct ctl_block_sum *sum);

#endif
