/* The cluster parts of the control replies (control_cluster.c): a shared
 * log's (lock_manager dlm, log->cl != NULL) protocol state, slots and
 * cluster-wide region views, from lib/cluster_info.h. */
#ifndef DMLOGD_CONTROL_CLUSTER_H
#define DMLOGD_CONTROL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log_engine.h"

struct bitmap;
struct cluster_info;
struct control_err;
struct json_object;

/* The log_cluster object of log_status (dmlogctl-json.md). */
void control_cluster_obj(const struct cluster_info *ci,
			 struct json_object *o);
/* One log_slot object per slot of the device into arr. */
void control_cluster_slots(const struct cluster_info *ci,
			   struct json_object *arr);
/* The cluster's part of the verdict: true with code and words set when
 * the cluster state decides the health (not joined, a node lost, its
 * slot being merged); false to let the single-node rules decide. */
bool control_cluster_health(const struct cluster_info *ci,
			    const char **code, char *words, size_t len);
/* Words for the cluster state behind a healthy or resyncing log (an
 * announcement going on), appended to the verdict; "" when none. */
void control_cluster_note(const struct cluster_info *ci, char *words,
			  size_t len);

/* A cluster-wide copy of log for the region views (log_admin.h): the
 * same log with `idle` = not dirty in any ACTIVE slot (or, with
 * `node_given`, in node `node`'s slot) and `in_sync` = the cluster-wide
 * view (cluster_info_in_sync). The bitmaps are the view's own. */
struct cluster_view {
	struct dmlog_log log;
	struct bitmap *idle, *in_sync;
};

/* 0, or -1 with e set (bad-argument: no slot of node `node`; internal;
 * io-error). */
int control_cluster_view(const struct dmlog_log *log, bool node_given,
			 uint32_t node, struct cluster_view *v,
			 struct control_err *e);
void control_cluster_view_free(struct cluster_view *v);

#endif
