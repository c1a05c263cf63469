/* The `resync` request: mark a range of regions out of sync (durably for
 * a disk log), rewind the resync cursor, and have the worker restart the
 * mirror so the kernel copies them (see doc/control-protocol.md). A log
 * shared by the cluster goes through the cluster protocol instead: the
 * bits are set under its "table" lock and announced, so every node's
 * kernel reloads before any node copies (cluster hazard 4). */
#include <errno.h>
#include <json.h>
#include <string.h>

#include "control_cmds.h"
#include "control_util.h"
#include "bitmap.h"
#include "cluster_info.h"
#include "cluster_log.h"
#include "dmlog_log.h"
#include "log_admin.h"
#include "log_engine.h"
#include "log_store.h"
#include "mirror_kick.h"

static int range_args(const struct dmlog_log *log, struct json_object *args,
		      uint64_t *first, uint64_t *count,
		      struct control_err *e)
{
	uint64_t n = log_region_count(log);

	*first = 0;
	*count = n;
	if (control_arg_u64(args, "first_region", false, first, e) < 0 ||
	    control_arg_u64(args, "count", false, count, e) < 0)
		return -1;
	if (*first >= n || !*count || *count > n - *first)
		return control_fail(e, "bad-argument", "regions %llu..+%llu "
				    "are outside the log (regions 0-%llu)",
				    (unsigned long long)*first,
				    (unsigned long long)*count,
				    (unsigned long long)(n - 1));
	return 0;
}

static int resync_error(const struct dmlog_log *log, int r,
			struct control_err *e)
{
	switch (r) {
	case -EAGAIN:
		return control_fail(e, "busy", "%s has not joined the cluster "
				    "log yet (see 'dmlogctl status'); nothing "
				    "was changed: retry once it has", log->uuid);
	case -EBUSY:
		return control_fail(e, "busy", "%s is %s; resume the mirror "
				    "(or fix its log device) and retry",
				    log->uuid, log->flush_failed ?
				    "failed (its last flush failed)" :
				    "not resumed yet");
	case -ENOMEM:
		return control_fail(e, "internal", "%s: out of memory; nothing "
				    "or part of the range was queued: retry",
				    log->uuid);
	case -EINVAL:
		return control_fail(e, "bad-argument", "%s: the cluster "
				    "refused the range", log->uuid);
	default:
		return control_fail(e, "io-error", "%s: recording the resync "
				    "failed: %s; the log is now failed",
				    log->uuid, strerror(-r));
	}
}

/* Regions of the range in sync cluster-wide (what the resync marks). */
static int in_sync_count(const struct dmlog_log *log, uint64_t first,
			 uint64_t count, uint64_t *n)
{
	struct bitmap *bm = bitmap_new(log_region_count(log), true);
	int r = bm ? cluster_info_in_sync(log->cl, bm) : -ENOMEM;

	*n = r ? 0 : bitmap_count_range(bm, first, count, true);
	bitmap_free(bm);
	return r;
}

/* Every node's kernel must see the bits before anyone copies: the
 * cluster protocol sets them under "table" and announces them (each
 * node, this one included, reloads its mirror); none is set here. */
static int cluster_resync(const struct control_env *env,
			  const struct dmlog_log *log, uint64_t first,
			  uint64_t count, struct json_object *result,
			  struct control_err *e)
{
	uint64_t marked = 0;
	int r;

	if (log->flush_failed || (log->store && log->store->failed))
		return resync_error(log, -EBUSY, e);
	if (in_sync_count(log, first, count, &marked) == -ENOMEM)
		return resync_error(log, -ENOMEM, e);
	r = cluster_resync_regions(log->cl, first, count);
	if (r)
		return resync_error(log, r, e);
	log_notice("%s: operator resync of regions %llu-%llu on every node "
		   "(%llu were in sync): queued for the cluster's table lock; "
		   "every node reloads its mirror before the copy",
		   log->uuid, (unsigned long long)first,
		   (unsigned long long)(first + count - 1),
		   (unsigned long long)marked);
	cj_str(result, "uuid", log->uuid);
	cj_u64(result, "first_region", first);
	cj_u64(result, "count", count);
	cj_u64(result, "marked", marked);
	cj_bool(result, "mirror_restarted", env->kick != NULL);
	cj_bool(result, "cluster_wide", true);
	return 0;
}

/* Restart the mirror: a disk log is reloaded (a new mirror instance: the
 * kernel's region hash and in_sync_hint start over and its RESUME reads
 * the device); a core log, whose new instance would start from its
 * table, is suspended and resumed. */
static bool kick(const struct control_env *env, const struct dmlog_log *log)
{
	if (!env->kick)
		return false;
	if (log->store)
		mirror_kick_reload(env->kick, log->uuid);
	else
		mirror_kick_queue(env->kick, log->uuid);
	return true;
}

int control_resync(const struct control_env *env, struct json_object *args,
		   struct json_object *result, struct control_err *e)
{
	struct dmlog_log *log = control_arg_log(env, args, e);
	uint64_t first, count, marked;
	bool kicked;
	int r;

	if (!log || range_args(log, args, &first, &count, e))
		return -1;
	if (log->cl)
		return cluster_resync(env, log, first, count, result, e);
	r = log_resync_range(log, first, count, &marked);
	if (r)
		return resync_error(log, r, e);
	kicked = kick(env, log);
	log_notice("%s: operator resync of regions %llu-%llu (%llu were in "
		   "sync)%s", log->uuid, (unsigned long long)first,
		   (unsigned long long)(first + count - 1),
		   (unsigned long long)marked,
		   kicked ? "; restarting its mirror" :
		   "; no kernel transport: nothing to restart");
	cj_str(result, "uuid", log->uuid);
	cj_u64(result, "first_region", first);
	cj_u64(result, "count", count);
	cj_u64(result, "marked", marked);
	cj_bool(result, "mirror_restarted", kicked);
	cj_bool(result, "cluster_wide", false);
	return 0;
}
