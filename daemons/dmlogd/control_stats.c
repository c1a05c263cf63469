/* The `stats` request: per request type counts and latency, flush sizes
 * (dmlogctl-json.md, `log_stats` object). */
#include <json.h>

#include "control_cmds.h"
#include "control_util.h"
#include "log_engine.h"
#include "log_server.h"
#include "req_stats.h"
#include "store_disk.h"
#include "ulog_codec.h"

#define FORMAT_BLOCK 4096

static void requests_arr(const struct dmlog_log *log,
			 const struct log_stats *ls, struct json_object *o)
{
	struct json_object *arr = cj_arr(o, "requests");

	for (unsigned t = DM_ULOG_CTR; t < REQ_STATS_TYPES; t++) {
		const struct vhist *h = ls ? &ls->latency_ns[t] : NULL;
		struct json_object *r;

		if (!h || !h->count)
			continue;
		r = cj_arr_obj(arr);
		cj_str(r, "type", ulog_type_name(t));
		cj_u64(r, "count", h->count);
		cj_u64(r, "errors", ls->errors[t]);
		cj_quantiles(r, "latency_ns", h);
	}
	(void)log;
}

static void flush_obj(const struct dmlog_log *log,
		      const struct log_stats *ls, struct json_object *o)
{
	static const struct vhist empty;
	const struct vhist *b = ls ? &ls->flush_blocks : &empty;
	struct json_object *f = cj_obj(o, "flush"), *q;

	cj_u64(f, "requests", ls ? ls->latency_ns[DM_ULOG_FLUSH].count : 0);
	cj_u64(f, "written", b->count);
	cj_u64(f, "blocks", b->sum);
	cj_u64(f, "bytes", ls ? ls->flush_bytes : 0);
	cj_u64(f, "syncs", ls ? ls->flush_syncs : 0);
	cj_quantiles(f, "blocks_per_flush", b);
	q = cj_obj(f, "bytes_per_flush");
	cj_u64(q, "p50", vhist_quantile(b, 0.50) * FORMAT_BLOCK);
	cj_u64(q, "p99", vhist_quantile(b, 0.99) * FORMAT_BLOCK);
	cj_u64(q, "max", b->max * FORMAT_BLOCK);
	cj_u64(f, "marks", log->counters.marks);
	cj_u64(f, "clears", log->counters.clears);
}

static void device_obj(const struct dmlog_log *log, struct json_object *o)
{
	struct store_io_counters c;
	struct json_object *d;

	if (store_disk_io_counters(log->store, &c)) {
		cj_null(o, "device");
		return;
	}
	d = cj_obj(o, "device");
	cj_str(d, "name", log->store->dev_name);
	cj_u64(d, "reads", c.reads);
	cj_u64(d, "writes", c.writes);
	cj_u64(d, "bytes_written", c.bytes_written);
	cj_u64(d, "syncs", c.syncs);
}

static void stats_log(const struct control_env *env,
		      const struct dmlog_log *log, struct json_object *o)
{
	const struct log_stats *ls = req_stats_find(env->stats, log->uuid);

	cj_str(o, "uuid", log->uuid);
	cj_u64(o, "luid", log->luid);
	requests_arr(log, ls, o);
	flush_obj(log, ls, o);
	device_obj(log, o);
	cj_u64(o, "regions_recovered", ls ? ls->regions_recovered : 0);
}

int control_stats(const struct control_env *env, struct json_object *args,
		  struct json_object *result, struct control_err *e)
{
	struct json_object *arr = cj_arr(result, "logs");
	const char *id = control_arg_str(args, "log", false, e);
	struct dmlog_log *log;

	if (id) {
		if (!(log = control_find_log(env, id, e)))
			return -1;
		stats_log(env, log, cj_arr_obj(arr));
		return 0;
	}
	if (e->code)
		return -1;
	for (size_t i = 0; (log = log_server_at(env->srv, i)); i++)
		stats_log(env, log, cj_arr_obj(arr));
	return 0;
}
