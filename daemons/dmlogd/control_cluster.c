/* The cluster parts of the control replies (see control_cluster.h). Only
 * reads: lib/cluster_info.c gathers the state. */
#include <errno.h>
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bitmap.h"
#include "cluster_info.h"
#include "control_cluster.h"
#include "control_cmds.h"
#include "control_util.h"

static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *join_words(const struct cluster_info *ci)
{
	switch (ci->join) {
	case CI_JOIN_NONE:
		return "not joined yet (the kernel has not resumed the "
		       "mirror)";
	case CI_JOIN_BARRIER:
		return "joining: waiting for the barrier lock (another node "
		       "may be announcing a change)";
	case CI_JOIN_QUEUED:
		return "joining: waiting for the table lock to claim a slot "
		       "(retried while every slot is taken)";
	case CI_JOIN_SLOT:
		return "joining: claiming a slot on the log device";
	case CI_JOIN_DONE:
		return "joined";
	default:
		return "joining failed (see dmlogd's log)";
	}
}

static const char *barrier_words(const struct cluster_info *ci)
{
	switch (ci->barrier) {
	case CI_BAR_WAITING:
		return "waiting for the barrier lock";
	case CI_BAR_MEMBER:
		return "up to date with every announcement";
	case CI_BAR_RELOADING:
		return "another node announced a change: reloading this "
		       "node's mirror";
	case CI_BAR_ANNOUNCING:
		return "announcing a change: waiting for every other node to "
		       "reload its mirror";
	case CI_BAR_ANNOUNCED:
		return "announced a change: every other node reloaded; "
		       "reloading this node's mirror";
	default:
		return "not holding the barrier lock";
	}
}

static void state_words(const struct cluster_info *ci, char *buf,
			size_t len)
{
	buf[0] = '\0';
	appendf(buf, len, "node %u, ", ci->node_id);
	if (ci->has_slot)
		appendf(buf, len, "slot %u, ", ci->slot);
	appendf(buf, len, "%s; %s", join_words(ci), barrier_words(ci));
	if (ci->reload_pending && ci->barrier != CI_BAR_RELOADING &&
	    ci->barrier != CI_BAR_ANNOUNCED)
		appendf(buf, len, "; a reload of this node's mirror is "
			"pending");
	if (ci->table == CI_TABLE_HELD)
		appendf(buf, len, "; holding the table lock");
	else if (ci->table == CI_TABLE_WAITING)
		appendf(buf, len, "; waiting for the table lock");
	if (ci->leaving)
		appendf(buf, len, "; leaving the cluster log");
}

static void lock_obj(const struct ci_lock *l, struct json_object *o)
{
	cj_u64(o, "region", l->region);
	cj_str(o, "state", ci_rlock_name(l->state));
	cj_bool(o, "nosync", l->nosync);
}

void control_cluster_obj(const struct cluster_info *ci,
			 struct json_object *o)
{
	struct json_object *lost, *locks, *nodaemon;
	char words[512];

	cj_u64(o, "node_id", ci->node_id);
	if (ci->has_slot)
		cj_u64(o, "slot", ci->slot);
	else
		cj_null(o, "slot");
	cj_str(o, "join", ci_join_name(ci->join));
	cj_bool(o, "loaded", ci->loaded);
	cj_str(o, "barrier", ci_barrier_name(ci->barrier));
	cj_str(o, "table", ci_table_name(ci->table));
	cj_bool(o, "reload_pending", ci->reload_pending);
	cj_bool(o, "leaving", ci->leaving);
	state_words(ci, words, sizeof(words));
	cj_str(o, "state_words", words);
	cj_u64(o, "nr_slots", ci->nr_slots);
	lost = cj_arr(o, "lost_nodes");
	for (uint32_t m = 0; m < ci->nr_slots; m++)
		if (ci->slots[m].owner == CI_OWNER_LOST ||
		    ci->slots[m].owner == CI_OWNER_MERGING)
			cj_arr_u64(lost, ci->slots[m].node_id);
	cj_bool(o, "merge_in_progress", ci->nr_merging > 0);
	nodaemon = cj_arr(o, "nodes_without_daemon");
	for (uint32_t m = 0; m < ci->nr_slots; m++)
		if (ci->slots[m].no_daemon)
			cj_arr_u64(nodaemon, ci->slots[m].node_id);
	cj_u64(o, "suspect_regions", ci->suspect_regions);
	cj_u64(o, "out_of_sync_regions", ci->out_of_sync);
	cj_u64(o, "out_of_sync_on_device", ci->oos_device);
	cj_u64(o, "out_of_sync_queued", ci->oos_pending);
	cj_u64(o, "out_of_sync_announcing", ci->oos_announcing);
	cj_u64(o, "region_locks", ci->nr_locks);
	cj_u64(o, "region_locks_held", ci->nr_locks_held);
	locks = cj_arr(o, "region_locks_list");
	for (size_t i = 0; i < ci->nr_locks_listed; i++)
		lock_obj(&ci->locks[i], cj_arr_obj(locks));
	cj_str(o, "device_error", ci->error ? strerror(-ci->error) : NULL);
}

void control_cluster_slots(const struct cluster_info *ci,
			   struct json_object *arr)
{
	for (uint32_t m = 0; m < ci->nr_slots; m++) {
		const struct ci_slot *s = &ci->slots[m];
		struct json_object *o = cj_arr_obj(arr);

		cj_u64(o, "slot", s->slot);
		cj_u64(o, "node_id", s->node_id);
		cj_bool(o, "this_node", s->this_node);
		cj_str(o, "state", !s->info_ok && !s->this_node ? NULL :
		       s->active ? "ACTIVE" : "FREE");
		cj_str(o, "owner", ci_owner_name(s->owner));
		cj_bool(o, "member", s->member);
		cj_bool(o, "suspect", s->suspect);
		cj_bool(o, "merging", s->merging);
		cj_bool(o, "no_daemon", s->no_daemon);
		if (s->dirty_known)
			cj_u64(o, "dirty_regions", s->dirty);
		else
			cj_null(o, "dirty_regions");
	}
}

/* "node 3 lost: merging its 12 dirty regions; ..." */
static void lost_words(const struct cluster_info *ci, char *words,
		       size_t len)
{
	for (uint32_t m = 0; m < ci->nr_slots; m++) {
		const struct ci_slot *s = &ci->slots[m];
		char dirty[48];

		if (s->owner != CI_OWNER_LOST && s->owner != CI_OWNER_MERGING)
			continue;
		if (s->dirty_known)
			snprintf(dirty, sizeof(dirty), "%llu dirty regions",
				 (unsigned long long)s->dirty);
		else
			snprintf(dirty, sizeof(dirty), "dirty regions (its "
				 "slot could not be read)");
		appendf(words, len, "%snode %u lost (slot %u): ",
			words[0] ? "; " : "", s->node_id, s->slot);
		if (s->merging)
			appendf(words, len, "merging its %s", dirty);
		else
			appendf(words, len, "its %s read as out of sync until "
				"its slot is merged (once the node is fenced)",
				dirty);
	}
}

bool control_cluster_health(const struct cluster_info *ci,
			    const char **code, char *words, size_t len)
{
	words[0] = '\0';
	if (ci->join == CI_JOIN_FAILED) {
		*code = "failed";
		appendf(words, len, "joining the cluster log failed (dmlogd's "
			"log says why): the mirror cannot resume; check the "
			"log device and the lockspace (dlm_tool ls), then "
			"reload the mirror");
		return true;
	}
	if (!ci->loaded) {
		if (ci->join == CI_JOIN_NONE)
			return false;	/* not resumed: the usual words */
		*code = "starting";
		appendf(words, len, "%s; the mirror's resume waits for it",
			join_words(ci));
		return true;
	}
	if (ci->nr_lost) {
		*code = "node-lost";
		lost_words(ci, words, len);
		return true;
	}
	if (ci->nr_no_daemon) {
		*code = "node-without-daemon";
		for (uint32_t m = 0; m < ci->nr_slots; m++)
			if (ci->slots[m].no_daemon)
				appendf(words, len, "%snode %u (slot %u) has no "
					"running dmlogd that reloaded its "
					"mirror", words[0] ? "; " : "",
					ci->slots[m].node_id,
					ci->slots[m].slot);
		appendf(words, len, ": no node starts a resync copy and "
			"writes to out-of-sync regions wait until it is back "
			"(start dmlogd there)");
		return true;
	}
	return false;
}

void control_cluster_note(const struct cluster_info *ci, char *words,
			  size_t len)
{
	words[0] = '\0';
	if (!ci->loaded)
		return;
	for (uint32_t m = 0; m < ci->nr_slots; m++) {
		const struct ci_slot *s = &ci->slots[m];

		if (s->owner == CI_OWNER_PROBING)
			appendf(words, len, "; slot %u (node %u): its owner "
				"is not proven alive yet, its %llu dirty "
				"regions read as out of sync", s->slot,
				s->node_id, (unsigned long long)s->dirty);
	}
	if (ci->barrier == CI_BAR_RELOADING ||
	    ci->barrier == CI_BAR_ANNOUNCING ||
	    ci->barrier == CI_BAR_ANNOUNCED)
		appendf(words, len, "; %s", barrier_words(ci));
	if (ci->oos_pending)
		appendf(words, len, "; %llu regions queued to be marked out "
			"of sync on every node",
			(unsigned long long)ci->oos_pending);
	if (ci->error)
		appendf(words, len, "; reading the log device failed (%s): "
			"the cluster numbers are partial",
			strerror(-ci->error));
}

/* idle := NOT dirty. */
static int invert_into(struct bitmap *idle, const struct bitmap *dirty)
{
	uint64_t n = bitmap_nbits(dirty);
	int r = 0;

	bitmap_fill(idle, true);
	for (uint64_t x = bitmap_find_next(dirty, 0, true); !r && x < n;
	     x = bitmap_find_next(dirty, x + 1, true))
		r = bitmap_clear(idle, x);
	return r;
}

static int view_fail(struct cluster_view *v, const struct dmlog_log *log,
		     int r, struct control_err *e)
{
	control_cluster_view_free(v);
	if (r == -ENOMEM)
		return control_fail(e, "internal", "out of memory");
	return control_fail(e, "io-error", "%s: reading the shared log device "
			    "failed: %s", log->uuid, strerror(-r));
}

int control_cluster_view(const struct dmlog_log *log, bool node_given,
			 uint32_t node, struct cluster_view *v,
			 struct control_err *e)
{
	uint64_t n = log_region_count(log);
	struct bitmap *dirty;
	bool found = true;
	int r;

	memset(v, 0, sizeof(*v));
	v->log = *log;
	dirty = bitmap_new(n, false);
	v->idle = bitmap_new(n, true);
	v->in_sync = bitmap_new(n, true);
	if (!dirty || !v->idle || !v->in_sync) {
		bitmap_free(dirty);
		return view_fail(v, log, -ENOMEM, e);
	}
	r = node_given ? cluster_info_node_dirty(log->cl, node, dirty, &found) :
	    cluster_info_dirty(log->cl, dirty);
	if (!r)
		r = invert_into(v->idle, dirty);
	bitmap_free(dirty);
	if (!r)
		r = cluster_info_in_sync(log->cl, v->in_sync);
	if (r)
		return view_fail(v, log, r, e);
	if (!found) {
		control_cluster_view_free(v);
		return control_fail(e, "bad-argument", "node %u has no ACTIVE "
				    "slot on the log device of %s ('dmlogctl "
				    "status' lists the slots and their nodes)",
				    node, log->uuid);
	}
	v->log.idle = v->idle;
	v->log.in_sync = v->in_sync;
	return 0;
}

void control_cluster_view_free(struct cluster_view *v)
{
	bitmap_free(v->idle);
	bitmap_free(v->in_sync);
	v->idle = v->in_sync = NULL;
}
