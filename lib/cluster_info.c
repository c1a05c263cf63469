/* Read-only reporting of a cluster log's protocol state (see
 * cluster_info.h). Reads struct cluster_log; never changes it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "cluster_info.h"
#include "cluster_log.h"
#include "cluster_log_int.h"
#include "log_engine.h"
#include "log_format.h"
#include "log_store.h"

const char *ci_join_name(enum ci_join j)
{
	static const char *const n[] = { "none", "waiting-barrier", "queued",
					 "claiming-slot", "joined",
					 "failed" };

	return (unsigned)j < sizeof(n) / sizeof(n[0]) ? n[j] : "?";
}

const char *ci_barrier_name(enum ci_barrier b)
{
	static const char *const n[] = { "none", "waiting", "member",
					 "reloading", "announcing",
					 "announced" };

	return (unsigned)b < sizeof(n) / sizeof(n[0]) ? n[b] : "?";
}

const char *ci_table_name(enum ci_table t)
{
	static const char *const n[] = { "idle", "waiting", "held" };

	return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

const char *ci_owner_name(enum ci_owner o)
{
	static const char *const n[] = { "free", "this-node", "alive",
					 "probing", "lost", "merging",
					 "unwatched" };

	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

const char *ci_rlock_name(enum ci_rlock s)
{
	static const char *const n[] = { "waiting", "verifying", "held",
					 "copying", "clearing" };

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static enum ci_join join_of(const struct cluster_log *cl)
{
	switch (cl->join) {
	case J_NONE:
		return CI_JOIN_NONE;
	case J_WAIT_PR:
		return CI_JOIN_BARRIER;
	case J_QUEUED:
		return CI_JOIN_QUEUED;
	case J_SLOT_WAIT:
		return CI_JOIN_SLOT;
	case J_DONE:
		return CI_JOIN_DONE;
	default:
		return CI_JOIN_FAILED;
	}
}

static enum ci_barrier barrier_of(const struct cluster_log *cl)
{
	switch (cl->b) {
	case B_WAIT_PR:
		return CI_BAR_WAITING;
	case B_PR:
		return CI_BAR_MEMBER;
	case B_RESPONDING:
		return CI_BAR_RELOADING;
	case B_WAIT_EX:
		return CI_BAR_ANNOUNCING;
	case B_EX:
		return CI_BAR_ANNOUNCED;
	default:
		return CI_BAR_NONE;
	}
}

static enum ci_table table_of(const struct cluster_log *cl)
{
	return cl->t == T_HELD ? CI_TABLE_HELD :
	       cl->t == T_WAIT ? CI_TABLE_WAITING : CI_TABLE_IDLE;
}

/* This node owns a slot once its claim was granted. */
static bool has_slot(const struct cluster_log *cl)
{
	return cl->join == J_DONE && cl->slot < cl->nr_slots;
}

/* Slots can be read once the device was probed (join_start_slots). */
static bool slots_readable(const struct cluster_log *cl)
{
	return cl->w && cl->nr_slots && cl->cops && cl->st;
}

/* dirty |= this node's marks not flushed yet (the engine's idle = 0). */
static int or_unflushed(const struct cluster_log *cl, struct bitmap *dirty)
{
	const struct bitmap *idle = cl->log->idle;
	uint64_t n = bitmap_nbits(dirty);

	for (uint64_t r = bitmap_find_next(idle, 0, false); r < n;
	     r = bitmap_find_next(idle, r + 1, false)) {
		int e = bitmap_set(dirty, r);

		if (e)
			return e;
	}
	return 0;
}

/* dirty |= slot m's marks (this node's unflushed ones too for its own). */
static int or_slot(const struct cluster_log *cl, uint32_t m,
		   struct bitmap *dirty)
{
	int r = cl->cops->read_slot(cl->st, m, dirty);

	if (!r && has_slot(cl) && m == cl->slot)
		r = or_unflushed(cl, dirty);
	return r;
}

static enum ci_owner owner_of(const struct cluster_log *cl,
			      const struct ci_slot *s)
{
	const struct watch *w = &cl->w[s->slot];

	if (!s->active)
		return CI_OWNER_FREE;
	if (s->this_node)
		return CI_OWNER_THIS;
	if (w->merge)
		return CI_OWNER_MERGING;
	if (w->lost)
		return CI_OWNER_LOST;
	if (w->probe)
		return CI_OWNER_PROBING;
	if (w->active)
		return CI_OWNER_ALIVE;
	return CI_OWNER_UNWATCHED;
}

static void note_error(struct cluster_info *ci, int r)
{
	if (r && !ci->error)
		ci->error = r;
}

/* One slot: its info, owner and dirty count; union |= its marks. */
static int read_one_slot(const struct cluster_log *cl, uint32_t m,
			 struct ci_slot *s, struct bitmap *one,
			 struct bitmap *all, struct cluster_info *ci)
{
	struct dmlog_slot_info si;
	int r = cl->cops->read_slot_info(cl->st, m, &si);

	s->slot = m;
	s->this_node = has_slot(cl) && m == cl->slot;
	s->info_ok = !r;
	note_error(ci, r);
	s->active = s->this_node || (!r && si.state == DMLOG_SLOT_ACTIVE);
	s->node_id = s->this_node ? cl->node_id : r ? 0 : si.node_id;
	s->member = s->this_node ||
		    (s->active && s->node_id &&
		     cl->am->node_alive(cl->env.lm, s->node_id));
	s->suspect = !s->this_node && cl->w[m].suspect;
	s->owner = owner_of(cl, s);
	s->merging = s->owner == CI_OWNER_MERGING;
	s->no_daemon = !s->this_node && s->active && cl->w[m].active &&
		       cl->w[m].live == LV_FREE;
	if (!s->active)
		return 0;
	bitmap_fill(one, false);
	r = or_slot(cl, m, one);
	if (r == -ENOMEM)
		return r;
	note_error(ci, r);
	if (r)
		return 0;
	s->dirty_known = true;
	s->dirty = bitmap_weight(one);
	return bitmap_or(all, one);
}

static int read_slots(const struct cluster_log *cl, struct cluster_info *ci)
{
	struct bitmap *one = bitmap_new(cl->nr_regions, false);
	struct bitmap *all = bitmap_new(cl->nr_regions, false);
	int r = one && all ? 0 : -ENOMEM;

	ci->slots = r ? NULL : calloc(cl->nr_slots, sizeof(*ci->slots));
	if (!r && !ci->slots)
		r = -ENOMEM;
	for (uint32_t m = 0; !r && m < cl->nr_slots; m++) {
		struct ci_slot *s = &ci->slots[m];

		r = read_one_slot(cl, m, s, one, all, ci);
		ci->nr_lost += s->owner == CI_OWNER_LOST ||
			       s->owner == CI_OWNER_MERGING;
		ci->nr_merging += s->merging;
		ci->nr_probing += s->owner == CI_OWNER_PROBING;
		ci->nr_no_daemon += s->no_daemon;
	}
	if (!r) {
		ci->nr_slots = cl->nr_slots;
		/* before a slot is ours, our marks live only in memory */
		if (!has_slot(cl))
			r = or_unflushed(cl, all);
		ci->dirty_cluster = bitmap_weight(all);
	}
	bitmap_free(one);
	bitmap_free(all);
	return r;
}

static int lock_cmp(const void *a, const void *b)
{
	const struct ci_lock *x = a, *y = b;

	return x->region < y->region ? -1 : x->region > y->region;
}

static enum ci_rlock rlock_of(const struct rlock *x)
{
	switch (x->st) {
	case RL_WAIT:
		return CI_RL_WAITING;
	case RL_VERIFY:
		return CI_RL_VERIFYING;
	case RL_HELD:
		return x->handed ? CI_RL_COPYING : CI_RL_HELD;
	default:
		return CI_RL_CLEARING;
	}
}

static int read_locks(const struct cluster_log *cl, struct cluster_info *ci)
{
	struct ci_lock *all;
	size_t n = 0, i = 0;

	for (const struct rlock *x = cl->rl; x; x = x->next)
		n++;
	if (!n)
		return 0;
	all = calloc(n, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (const struct rlock *x = cl->rl; x; x = x->next, i++) {
		all[i] = (struct ci_lock){ x->region, rlock_of(x), x->nosync };
		ci->nr_locks_held += all[i].state >= CI_RL_HELD;
	}
	qsort(all, n, sizeof(*all), lock_cmp);
	ci->nr_locks = n;
	ci->nr_locks_listed = n < CI_MAX_LOCKS ? n : CI_MAX_LOCKS;
	memcpy(ci->locks, all, ci->nr_locks_listed * sizeof(*all));
	free(all);
	return 0;
}

static void count_setoos(const struct cluster_log *cl,
			 struct cluster_info *ci)
{
	for (size_t i = 0; i < cl->nr_setoos; i++) {
		if (cl->setoos[i].st == SO_QUEUED)
			ci->oos_pending++;
		else if (cl->setoos[i].st == SO_WRITTEN)
			ci->oos_announcing++;
	}
}

int cluster_info_get(const struct cluster_log *cl, struct cluster_info *ci)
{
	struct bitmap *ins = NULL;
	int r;

	memset(ci, 0, sizeof(*ci));
	ci->node_id = cl->node_id;
	ci->has_slot = has_slot(cl);
	ci->slot = ci->has_slot ? cl->slot : 0;
	ci->join = join_of(cl);
	ci->loaded = cl->loaded;
	ci->barrier = barrier_of(cl);
	ci->table = table_of(cl);
	ci->reload_pending = cl->reload_pending;
	ci->leaving = cl->leave_wanted && !cl->left;
	ci->region_count = cl->nr_regions;
	/* GET_SYNC_COUNT's answer; it only reads */
	ci->sync_count = cluster_sync_count((struct cluster_log *)cl);
	ci->suspect_regions = cl->suspect ? bitmap_weight(cl->suspect) : 0;
	count_setoos(cl, ci);
	if ((r = read_locks(cl, ci)))
		return r;
	/* not loaded: nothing on the device is ours to read yet, and this
	 * node's cache holds the kernel's view only */
	ci->out_of_sync = cl->nr_regions - ci->sync_count;
	ci->dirty_cluster = log_region_count(cl->log) -
			    bitmap_weight(cl->log->idle);
	if (!cl->loaded || !slots_readable(cl))
		return 0;
	if ((r = read_slots(cl, ci)))
		return r;
	if (!(ins = bitmap_new(cl->nr_regions, true)))
		return -ENOMEM;
	r = cl->cops->read_oos(cl->st, ins);
	note_error(ci, r);
	if (!r) {
		ci->oos_device = cl->nr_regions - bitmap_weight(ins);
		r = cluster_info_in_sync(cl, ins);
		if (r == -ENOMEM) {
			bitmap_free(ins);
			return r;
		}
		note_error(ci, r);
		if (!r)
			ci->out_of_sync = cl->nr_regions - bitmap_weight(ins);
	}
	bitmap_free(ins);
	return 0;
}

void cluster_info_free(struct cluster_info *ci)
{
	free(ci->slots);
	ci->slots = NULL;
	ci->nr_slots = 0;
}

int cluster_info_node_dirty(const struct cluster_log *cl, uint32_t node_id,
			    struct bitmap *dirty, bool *found)
{
	struct dmlog_slot_info si;
	int r;

	*found = false;
	bitmap_fill(dirty, false);
	if (bitmap_nbits(dirty) != cl->nr_regions)
		return -EINVAL;
	if (node_id == cl->node_id && !has_slot(cl)) {
		*found = true;	/* joining: our marks are in memory only */
		return or_unflushed(cl, dirty);
	}
	if (!cl->loaded || !slots_readable(cl))
		return 0;
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		bool mine = has_slot(cl) && m == cl->slot;

		if (!mine) {
			if ((r = cl->cops->read_slot_info(cl->st, m, &si)))
				return r;
			if (si.state != DMLOG_SLOT_ACTIVE ||
			    si.node_id != node_id)
				continue;
		} else if (node_id != cl->node_id) {
			continue;
		}
		*found = true;
		if ((r = or_slot(cl, m, dirty)))
			return r;
	}
	return 0;
}

int cluster_info_dirty(const struct cluster_log *cl, struct bitmap *dirty)
{
	struct dmlog_slot_info si;
	int r;

	bitmap_fill(dirty, false);
	if (bitmap_nbits(dirty) != cl->nr_regions)
		return -EINVAL;
	if (!has_slot(cl) && (r = or_unflushed(cl, dirty)))
		return r;
	if (!cl->loaded || !slots_readable(cl))
		return 0;
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		bool mine = has_slot(cl) && m == cl->slot;

		if (!mine) {
			if ((r = cl->cops->read_slot_info(cl->st, m, &si)))
				return r;
			if (si.state != DMLOG_SLOT_ACTIVE)
				continue;
		}
		if ((r = or_slot(cl, m, dirty)))
			return r;
	}
	return 0;
}

int cluster_info_in_sync(const struct cluster_log *cl,
			 struct bitmap *in_sync)
{
	int r;

	if (bitmap_nbits(in_sync) != cl->nr_regions)
		return -EINVAL;
	if (!cl->loaded || !cl->cops || !cl->st) {
		/* not joined: the cache (all out of sync until the load) */
		r = bitmap_copy(in_sync, cl->log->in_sync);
	} else {
		r = cl->cops->read_oos(cl->st, in_sync);
	}
	for (size_t i = 0; !r && i < cl->nr_setoos; i++)
		if (cl->setoos[i].st == SO_QUEUED &&
		    cl->setoos[i].region < cl->nr_regions)
			r = bitmap_clear(in_sync, cl->setoos[i].region);
	for (uint64_t x = cl->suspect ? bitmap_find_next(cl->suspect, 0, true) :
			  cl->nr_regions;
	     !r && x < cl->nr_regions;
	     x = bitmap_find_next(cl->suspect, x + 1, true))
		r = bitmap_clear(in_sync, x);
	return r;
}
