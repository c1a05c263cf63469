/* Region views: `regions` (runs of regions by state, paged), `progress`
 * (counts over a range: resync --wait) and `map` (counts per cell). */
#include <json.h>
#include <string.h>

#include "control_cluster.h"
#include "control_cmds.h"
#include "control_util.h"
#include "cluster_log.h"
#include "log_admin.h"
#include "log_engine.h"
#include "store_disk.h"

#define REGIONS_MAX_RANGES 2048
#define MAP_MAX_CELLS 65536

static const struct {
	const char *name;
	unsigned flag;
} states[] = {
	{ "dirty", LOG_RANGE_DIRTY },
	{ "out-of-sync", LOG_RANGE_OUT_OF_SYNC },
	{ "recovering", LOG_RANGE_RECOVERING },
};

static int state_flag(const char *name, unsigned *flag)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(states[i].name, name)) {
			*flag |= states[i].flag;
			return 0;
		}
	return -1;
}

/* args["states"]: an array of state names; absent: all of them. */
static int state_mask(struct json_object *args, unsigned *mask,
		      struct control_err *e)
{
	struct json_object *a;

	*mask = LOG_RANGE_ALL;
	if (!args || !json_object_object_get_ex(args, "states", &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return control_fail(e, "bad-argument", "\"states\" must be an "
				    "array");
	*mask = 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) ||
		    state_flag(json_object_get_string(s), mask))
			return control_fail(e, "bad-argument", "unknown "
					    "region state in \"states\" "
					    "(dirty, out-of-sync, recovering)");
	}
	if (!*mask)
		*mask = LOG_RANGE_ALL;
	return 0;
}

static void range_obj(const struct log_range *r, struct json_object *o)
{
	cj_u64(o, "first_region", r->first);
	cj_u64(o, "count", r->count);
	cj_bool(o, "dirty", r->flags & LOG_RANGE_DIRTY);
	cj_bool(o, "out_of_sync", r->flags & LOG_RANGE_OUT_OF_SYNC);
	cj_bool(o, "recovering", r->flags & LOG_RANGE_RECOVERING);
}

/* args["node"]: the node whose slot's marks are the dirty regions.
 * 0: none given (*given false); -1 with e set. */
static int node_arg(const struct dmlog_log *log, struct json_object *args,
		    bool *given, uint32_t *node, struct control_err *e)
{
	struct store_io_counters c;
	uint64_t v;
	int r = control_arg_u64(args, "node", false, &v, e);

	*given = false;
	if (r < 0)
		return -1;
	if (r > 0)
		return 0;
	if (v > UINT32_MAX)
		return control_fail(e, "bad-argument", "\"node\" must be a "
				    "cluster node id (0..%u)", UINT32_MAX);
	*given = true;
	*node = (uint32_t)v;
	if (log->cl)
		return 0;
	/* single node: only this node has marks */
	if (store_disk_io_counters(log->store, &c))
		c.node_id = 0;
	if (c.node_id != *node)
		return control_fail(e, "bad-argument", "%s is not shared by a "
				    "cluster: only this node (node id %u) has "
				    "a slot", log->uuid, c.node_id);
	return 0;
}

/* The log to read ranges and counts from: log itself, or for a shared
 * log its cluster-wide view (marks of every slot or of one node's, the
 * out-of-sync area of the device). */
static const struct dmlog_log *view_of(const struct dmlog_log *log,
				       bool node_given, uint32_t node,
				       struct cluster_view *v,
				       struct control_err *e)
{
	memset(v, 0, sizeof(*v));
	if (!log->cl)
		return log;
	if (control_cluster_view(log, node_given, node, v, e))
		return NULL;
	return &v->log;
}

int control_regions(const struct control_env *env, struct json_object *args,
		    struct json_object *result, struct control_err *e)
{
	uint64_t from = 0, max = REGIONS_MAX_RANGES, n;
	struct dmlog_log *log = control_arg_log(env, args, e);
	const struct dmlog_log *view;
	struct cluster_view cv;
	struct json_object *arr;
	struct log_range r;
	uint32_t node = 0;
	bool node_given;
	unsigned mask;

	if (!log || state_mask(args, &mask, e) ||
	    control_arg_u64(args, "from_region", false, &from, e) < 0 ||
	    control_arg_u64(args, "max_ranges", false, &max, e) < 0 ||
	    node_arg(log, args, &node_given, &node, e))
		return -1;
	if (!(view = view_of(log, node_given, node, &cv, e)))
		return -1;
	if (!max || max > REGIONS_MAX_RANGES)
		max = REGIONS_MAX_RANGES;
	cj_str(result, "uuid", log->uuid);
	cj_u64(result, "region_size_sectors", log->params.region_size);
	cj_u64(result, "region_count", log_region_count(log));
	if (node_given)
		cj_u64(result, "node", node);
	else
		cj_null(result, "node");
	cj_bool(result, "cluster_wide", log->cl != NULL);
	arr = cj_arr(result, "ranges");
	for (n = 0; n < max && log_next_range(view, from, mask, &r); n++) {
		range_obj(&r, cj_arr_obj(arr));
		from = r.first + r.count;
	}
	if (n == max && log_next_range(view, from, mask, &r))
		cj_u64(result, "next_region", r.first);
	else
		cj_null(result, "next_region");
	control_cluster_view_free(&cv);
	return 0;
}

/* Counts over [first_region, first_region + count): resync --wait. A
 * shared log counts cluster-wide (the device's out-of-sync area and the
 * regions queued to be set there; marks of every slot). */
int control_progress(const struct control_env *env, struct json_object *args,
		     struct json_object *result, struct control_err *e)
{
	struct dmlog_log *log = control_arg_log(env, args, e);
	const struct dmlog_log *view;
	uint64_t first = 0, count = 0;
	struct log_range_counts c;
	struct cluster_view cv;

	if (!log)
		return -1;
	count = log_region_count(log);
	if (control_arg_u64(args, "first_region", false, &first, e) < 0 ||
	    control_arg_u64(args, "count", false, &count, e) < 0)
		return -1;
	if (!(view = view_of(log, false, 0, &cv, e)))
		return -1;
	log_count_range(view, first, count, &c);
	control_cluster_view_free(&cv);
	cj_str(result, "uuid", log->uuid);
	cj_u64(result, "first_region", first);
	cj_u64(result, "count", count);
	cj_u64(result, "out_of_sync", c.out_of_sync);
	cj_u64(result, "recovering", c.recovering);
	cj_u64(result, "dirty", c.dirty);
	cj_bool(result, "cluster_wide", log->cl != NULL);
	/* an operator resync asked here and not on the device yet */
	cj_bool(result, "resync_queued", log->cl &&
		cluster_resync_pending(log->cl));
	control_status_log(env, log, cj_obj(result, "status"));
	return 0;
}

/* The log cut into `cells` groups of equal size (the last may be
 * smaller): per group, regions dirty and regions out of sync. */
int control_map(const struct control_env *env, struct json_object *args,
		struct json_object *result, struct control_err *e)
{
	struct dmlog_log *log = control_arg_log(env, args, e);
	struct json_object *dirty, *oos;
	uint64_t cells = 80, n, per;

	if (!log || control_arg_u64(args, "cells", false, &cells, e) < 0)
		return -1;
	if (!cells || cells > MAP_MAX_CELLS)
		return control_fail(e, "bad-argument", "\"cells\" must be "
				    "1..%d", MAP_MAX_CELLS);
	n = log_region_count(log);
	per = (n + cells - 1) / cells;
	cells = (n + per - 1) / per;
	cj_str(result, "uuid", log->uuid);
	cj_u64(result, "region_count", n);
	cj_u64(result, "regions_per_cell", per);
	dirty = cj_arr(result, "dirty");
	oos = cj_arr(result, "out_of_sync");
	for (uint64_t i = 0; i < cells; i++) {
		struct log_range_counts c;

		log_count_range(log, i * per, per, &c);
		cj_arr_u64(dirty, c.dirty);
		cj_arr_u64(oos, c.out_of_sync);
	}
	return 0;
}
