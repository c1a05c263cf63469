/* The `status` request: one object per log (dmlogctl-json.md, `log_status`
 * object). A shared log (lock_manager dlm) adds its cluster state, read
 * by lib/cluster_info.c (control_cluster.c turns it into JSON). */
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "cluster_info.h"
#include "control_cluster.h"
#include "control_cmds.h"
#include "control_util.h"
#include "event_loop.h"
#include "log_admin.h"
#include "log_engine.h"
#include "log_server.h"
#include "log_store.h"
#include "req_stats.h"
#include "store_disk.h"

static const char *state_name(enum log_state s)
{
	switch (s) {
	case LOG_CONSTRUCTED:
		return "constructed";
	case LOG_RUNNING:
		return "running";
	case LOG_PRESUSPENDED:
		return "presuspended";
	default:
		return "suspended";
	}
}

static bool log_failed(const struct dmlog_log *log)
{
	return log->flush_failed || (log->store && log->store->failed);
}

/* The verdict: a code and a sentence. ci: the cluster state of a shared
 * log, NULL otherwise. */
static void health(const struct dmlog_log *log, const struct cluster_info *ci,
		   uint64_t oos, double rate, struct json_object *o)
{
	char words[768], note[384] = "";
	const char *code;

	if (log_failed(log)) {
		code = "failed";
		snprintf(words, sizeof(words), "log device %s failed an I/O: "
			 "regions stay dirty; check the device and the "
			 "kernel log, then reload the mirror",
			 log->store ? log->store->dev_name : "?");
	} else if (ci && control_cluster_health(ci, &code, words,
						sizeof(words))) {
		/* not joined, or a node lost: the cluster decides */
	} else if (log->state == LOG_CONSTRUCTED) {
		code = "starting";
		snprintf(words, sizeof(words), "constructed, waiting for the "
			 "kernel to resume the mirror");
	} else if (log->state == LOG_SUSPENDED) {
		code = "suspended";
		snprintf(words, sizeof(words), "the mirror is suspended: "
			 "writes wait until it is resumed");
	} else if (oos && (rate > 0 || log_recovering_count(log) ||
			   (ci && ci->nr_locks_held))) {
		code = "resyncing";
		snprintf(words, sizeof(words), "the mirror is copying %llu "
			 "out-of-sync regions; reads use the primary leg "
			 "for them", (unsigned long long)oos);
	} else if (oos) {
		code = "out-of-sync";
		snprintf(words, sizeof(words), "%llu regions out of sync and "
			 "no copy in progress%s", (unsigned long long)oos,
			 ci ? " on this node" : "");
	} else {
		code = "healthy";
		snprintf(words, sizeof(words), "every region in sync");
	}
	if (ci && !log_failed(log))
		control_cluster_note(ci, note, sizeof(note));
	if (note[0])
		snprintf(words + strlen(words), sizeof(words) - strlen(words),
			 "%s", note);
	cj_str(o, "health", code);
	cj_str(o, "verdict", words);
}

static void resync_obj(const struct dmlog_log *log,
		       const struct cluster_info *ci,
		       const struct log_stats *ls, uint64_t oos, double rate,
		       struct json_object *o)
{
	struct json_object *r = cj_obj(o, "resync");

	cj_bool(r, "active", oos > 0 && log->state != LOG_SUSPENDED);
	cj_u64(r, "cursor", log->sync_search);
	cj_u64(r, "recovering_regions", log_recovering_count(log));
	if (ci && ci->nr_locks_held)
		cj_str(r, "recovered_by", "this node");
	else if (ci)
		cj_str(r, "recovered_by", oos ? "cluster" : NULL);
	else
		cj_str(r, "recovered_by", oos ? "this node" : NULL);
	cj_num(r, "rate_regions_per_second", rate);
	if (oos && rate > 0)
		cj_u64(r, "eta_seconds", (uint64_t)((double)oos / rate + 0.5));
	else
		cj_null(r, "eta_seconds");
	cj_u64(r, "regions_recovered", ls ? ls->regions_recovered : 0);
}

/* Every slot of a shared log's device; a single node's slot (a disk
 * log); none (a core log). */
static void slots_arr(const struct dmlog_log *log,
		      const struct cluster_info *ci, struct json_object *o)
{
	struct json_object *arr = cj_arr(o, "slots"), *s;
	struct store_io_counters c;

	if (ci) {
		control_cluster_slots(ci, arr);
		return;
	}
	if (store_disk_io_counters(log->store, &c))
		return;		/* core log: no slot */
	s = cj_arr_obj(arr);
	cj_u64(s, "slot", c.slot);
	cj_u64(s, "node_id", c.node_id);
	cj_bool(s, "this_node", true);
	cj_str(s, "state", "ACTIVE");
	cj_str(s, "owner", "this-node");
	cj_bool(s, "member", true);
	cj_bool(s, "suspect", false);
	cj_bool(s, "merging", false);
	cj_bool(s, "no_daemon", false);
	cj_u64(s, "dirty_regions", log_dirty_count(log));
}

static void flush_obj(const struct log_stats *ls, struct json_object *o)
{
	static const struct vhist empty;
	struct json_object *f = cj_obj(o, "flush");
	const struct vhist *h = ls ? &ls->latency_ns[DM_ULOG_FLUSH] : &empty;

	cj_u64(f, "count", h->count);
	/* as `stats`: flushes whose device writes the counters saw */
	cj_u64(f, "written", ls ? ls->flush_blocks.count : 0);
	cj_quantiles(f, "latency_ns", h);
}

/* in: regions in sync (a shared log: what GET_SYNC_COUNT answers the
 * kernel, as dmsetup status shows it). */
static void counts(const struct dmlog_log *log,
		   const struct cluster_info *ci, uint64_t in,
		   struct json_object *o)
{
	uint64_t n = log_region_count(log);

	cj_u64(o, "region_size_sectors", log->params.region_size);
	cj_u64(o, "region_count", n);
	cj_u64(o, "target_sectors", log->params.target_sectors);
	cj_u64(o, "in_sync_regions", in);
	cj_u64(o, "out_of_sync_regions", n - in);
	cj_num(o, "in_sync_percent", n ? 100.0 * (double)in / (double)n : 0);
	cj_u64(o, "dirty_regions", log_dirty_count(log));
	if (ci)
		cj_u64(o, "dirty_regions_cluster", ci->dirty_cluster);
	else	/* single node: nobody else's marks */
		cj_null(o, "dirty_regions_cluster");
}

void control_status_log(const struct control_env *env,
			const struct dmlog_log *log, struct json_object *o)
{
	const struct log_stats *ls = req_stats_find(env->stats, log->uuid);
	double rate = req_stats_rate(ls, el_now_ms());
	struct cluster_info info, *ci = NULL;
	uint64_t in = log_sync_count(log);

	if (log->cl) {
		if (cluster_info_get(log->cl, &info))
			control_cj_fail();	/* out of memory */
		ci = &info;
		in = ci->sync_count;
	}
	cj_str(o, "uuid", log->uuid);
	cj_u64(o, "luid", log->luid);
	cj_str(o, "log_type", log->params.type_name);
	cj_bool(o, "clustered", log->params.clustered);
	cj_bool(o, "cluster_mode", log->cl != NULL);
	cj_str(o, "log_device", log->store ? log->store->dev_name : NULL);
	cj_str(o, "state", state_name(log->state));
	counts(log, ci, in, o);
	resync_obj(log, ci, ls, log_region_count(log) - in, rate, o);
	slots_arr(log, ci, o);
	flush_obj(ls, o);
	health(log, ci, log_region_count(log) - in, rate, o);
	if (ci)
		control_cluster_obj(ci, cj_obj(o, "cluster"));
	else
		cj_null(o, "cluster");
	if (ci)
		cluster_info_free(ci);
}

/* The logs named in args["logs"] (each once), or every log. */
int control_status(const struct control_env *env, struct json_object *args,
		   struct json_object *result, struct control_err *e)
{
	struct json_object *names = NULL, *arr = cj_arr(result, "logs");
	struct dmlog_log *log;

	if (args && json_object_object_get_ex(args, "logs", &names) && names) {
		if (!json_object_is_type(names, json_type_array))
			return control_fail(e, "bad-argument", "\"logs\" must "
					    "be an array of strings");
		for (size_t i = 0; i < json_object_array_length(names); i++) {
			struct json_object *n =
				json_object_array_get_idx(names, i);

			if (!json_object_is_type(n, json_type_string))
				return control_fail(e, "bad-argument", "\"logs\" "
						    "must be an array of "
						    "strings");
			if (!(log = control_find_log(
				      env, json_object_get_string(n), e)))
				return -1;
			control_status_log(env, log, cj_arr_obj(arr));
		}
		return 0;
	}
	for (size_t i = 0; (log = log_server_at(env->srv, i)); i++)
		control_status_log(env, log, cj_arr_obj(arr));
	return 0;
}
