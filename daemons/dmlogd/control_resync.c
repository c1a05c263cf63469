/* The `resync` request: mark a range of regions out of sync (durably for
 * a disk log), rewind the resync cursor, and have the worker restart the
 * mirror so the kernel copies them (see doc/control-protocol.md). */
#include <errno.h>
#include <json.h>
#include <string.h>

#include "control_cmds.h"
#include "control_util.h"
#include "dmlog_log.h"
#include "log_admin.h"
#include "log_engine.h"
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
	case -EOPNOTSUPP:
		return control_fail(e, "not-supported", "%s is shared by the "
				    "cluster (lock_manager dlm): cluster-wide "
				    "resync is not available yet; nothing was "
				    "changed", log->uuid);
	case -EBUSY:
		return control_fail(e, "busy", "%s is %s; resume the mirror "
				    "(or fix its log device) and retry",
				    log->uuid, log->flush_failed ?
				    "failed (its last flush failed)" :
				    "not resumed yet");
	default:
		return control_fail(e, "io-error", "%s: recording the resync "
				    "failed: %s; the log is now failed",
				    log->uuid, strerror(-r));
	}
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
	return 0;
}
