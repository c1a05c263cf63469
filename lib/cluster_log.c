/* Cluster protocol for one disk log (doc/design.md section 7).
 *
 * Locks (resource names inside the log's lockspace):
 *   "table"      EX, PERSISTENT: the only lock under which OOS bits are
 *                set, slots claimed/merged/freed; held until every member
 *                has acknowledged a change that set bits (the barrier), so
 *                a node that reads the OOS area under it sees only bits
 *                every kernel already knows about.
 *   "barrier"    PR by every member; EX by an announcer. A member answers
 *                the blocking AST by reloading its mirror table and
 *                re-reading the device, then releasing and re-requesting
 *                PR. The announcer's EX grant = everybody has done so.
 *   "slot.<n>"   EX, PERSISTENT, by the owner; PR by every watcher.
 *   "r.<hex>"    EX, PERSISTENT: copying region r, or writing it while it
 *                is out of sync (NOSYNC) until this node has recovered it.
 *   "live.<n>"   EX, not persistent, by slot n's daemon once its kernel
 *                has reloaded after the join; PR queued by every watcher.
 *                A granted PR: slot n's kernel runs without a daemon that
 *                reloaded it (kill -9, or a restart not finished): it may
 *                miss announcements, so nobody grants anything.
 *
 * No resync work is handed out and no NOSYNC write is allowed unless this
 * node holds "barrier" PR, has no reload pending, suspects no dead node,
 * and has re-checked the region's OOS bit on disk under "table". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "cluster_log.h"
#include "cluster_log_int.h"
#include "dmlog_log.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "log_format.h"
#include "log_store.h"

/* Verified regions kept ready per node for the kernel's next
 * GET_RESYNC_WORK (prefetch): up to 8, but no more than 1/64 of the log,
 * so that on a small log the nodes still share the copying. */
#define CLUSTER_AHEAD_MAX 8
#define CLUSTER_AHEAD_DIV 64

static void kick(struct cluster_log *cl);
static void table_ast(void *arg, int status);
static struct rlock *held_work(struct cluster_log *cl, bool nosync);
static bool waiting_copy(const struct cluster_log *cl);
static void request_candidate(struct cluster_log *cl, bool noqueue);
static void setoos_announced(struct cluster_log *cl);

/* ---------------------------------------------------------------- names */

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Two independent 64-bit FNV-1a passes, finalised: a 128-bit name. The
 * full uuid is checked in the superblock, so a collision is refused, not
 * silently shared (hazard 7). */
void cluster_lockspace_name(const char *uuid, char out[39])
{
	uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;

	for (const unsigned char *p = (const unsigned char *)uuid; *p; p++) {
		a = (a ^ *p) * 0x100000001b3ull;
		b = (b ^ *p) * 0x100000001b3ull + 0x9E37;
	}
	snprintf(out, 39, "dmlog-%016llx%016llx",
		 (unsigned long long)mix(a), (unsigned long long)mix(b ^ a));
}

/* ---------------------------------------------------------------- helpers */

static int lk(struct cluster_log *cl, const char *res, int mode,
	      unsigned flags, struct lm_lksb *lksb, lm_ast_fn ast,
	      lm_bast_fn bast, void *arg)
{
	return cl->am->lock(cl->env.lm, cl->ls, res, mode, flags, lksb, ast,
			    bast, arg);
}

static void unlk(struct cluster_log *cl, struct lm_lksb *lksb)
{
	cl->am->unlock(cl->env.lm, cl->ls, lksb);
}

static void want_reload(struct cluster_log *cl)
{
	cl->reload_pending = true;
	/* An instance not running has no write in flight through it: the
	 * next new instance to resume satisfies the request. That includes
	 * one a restarted daemon re-created but has not resumed: the kernel
	 * may have suspended it before the old daemon died, and then sends
	 * no POSTSUSPEND before resuming the next one (sim seed 4560: the
	 * join's announcement waited for that forever, holding "table").
	 * If the kernel still runs it, dm suspends it (POSTSUSPEND) before
	 * it resumes another instance anyway. */
	cl->saw_postsuspend = cl->log->state != LOG_RUNNING;
	cl->reload_luid = cl->log->luid;
	if (cl->env.reload)
		cl->env.reload(cl->env.ctx, cl->log->uuid);
}

/* Slots whose kernel may have missed an announcement (live_ast). */
static uint32_t daemonless(const struct cluster_log *cl)
{
	uint32_t n = 0;

#ifdef DMLOG_FAULT_COPY_DAEMONLESS
	return 0;	/* test-only broken build (also read_busy) */
#endif
	for (uint32_t m = 0; cl->w && m < cl->nr_slots; m++)
		n += cl->w[m].active && cl->w[m].live == LV_FREE;
	return n;
}

static bool may_grant(const struct cluster_log *cl)
{
	return cl->loaded && cl->b == B_PR && !cl->reload_pending &&
	       !cl->purge_pending && !cl->nr_suspect && !cl->leave_wanted &&
	       !daemonless(cl);
}

static struct rlock *rl_find(struct cluster_log *cl, uint64_t region)
{
	for (struct rlock *r = cl->rl; r; r = r->next)
		if (r->region == region)
			return r;
	return NULL;
}

static void rl_drop(struct cluster_log *cl, struct rlock *x, bool unlock)
{
	struct rlock **pp = &cl->rl;

	while (*pp && *pp != x)
		pp = &(*pp)->next;
	if (*pp)
		*pp = x->next;
	if (unlock)
		unlk(cl, &x->lksb);
	free(x);
}

/* A resync of [first, first + count) was asked (here, or by another node:
 * its announcement): copies of those regions that started before do not
 * count. A copy in flight is answered "still out of sync" when it ends
 * and handed out again; a finished one whose clear is still queued is
 * not cleared (the cache is re-read at the reload). Then the request
 * wins over the copy, as the operator expects. */
static void stale_copies(struct cluster_log *cl, uint64_t first,
			 uint64_t count)
{
	for (struct rlock *x = cl->rl; x; x = x->next) {
		if (x->region < first || x->region - first >= count)
			continue;
		if (x->st == RL_CLEAR) {
			x->st = RL_HELD;
			x->handed = false;
			bitmap_clear(cl->log->in_sync, x->region);
		} else if (x->st == RL_HELD && x->handed) {
			x->stale = true;
		}
	}
}

/* ---------------------------------------------------------------- barrier */

static void barrier_ast(void *arg, int status);
static void barrier_bast(void *arg, int mode);
static void session(struct cluster_log *cl);
static void session_end(struct cluster_log *cl);

static void barrier_pr(struct cluster_log *cl)
{
	cl->b = B_WAIT_PR;
	if (lk(cl, "barrier", LM_PR, 0, &cl->barrier, barrier_ast,
	       barrier_bast, cl))
		cl->b = B_NONE;
}

/* Answer an announcer: release PR (our kernel and cache are fresh) and
 * queue for PR again, behind the announcer's EX. */
static void barrier_release(struct cluster_log *cl)
{
	unlk(cl, &cl->barrier);
	barrier_pr(cl);
}

static void barrier_bast(void *arg, int mode)
{
	struct cluster_log *cl = arg;

	(void)mode;
	if (cl->b != B_PR)
		return;
	if (!cl->loaded) {
		barrier_release(cl);
		return;
	}
	cl->b = B_RESPONDING;
	/* the announcement may carry a resync of regions we copy */
	stale_copies(cl, 0, cl->nr_regions);
	want_reload(cl);
}

static void announce_done(struct cluster_log *cl)
{
	unlk(cl, &cl->barrier);
	barrier_pr(cl);
	cl->announce = false;
	cl->t = T_IDLE;
	unlk(cl, &cl->table);
	kick(cl);
}

static void barrier_ast(void *arg, int status)
{
	struct cluster_log *cl = arg;

	if (status) {
		cl->b = B_NONE;
		return;
	}
	if (cl->b == B_WAIT_EX) {
		/* everybody else is fresh; our own kernel too? (its
		 * in-flight writes drain in the reload) */
		cl->b = B_EX;
		setoos_announced(cl);
		if (!cl->reload_pending)
			announce_done(cl);
		return;
	}
	cl->b = B_PR;
	/* after an announcement (a rejoin, a merge): look again */
	bitmap_fill(cl->blocked, false);
	if (cl->join == J_WAIT_PR) {
		cl->join = J_QUEUED;
		if (cl->t == T_HELD) {	/* adopted "table" */
			session(cl);
			return;
		}
	}
	kick(cl);
}

/* Everybody must reload and re-read before a bit we set is used. */
static void announce(struct cluster_log *cl)
{
	if (cl->b == B_PR || cl->b == B_RESPONDING || cl->b == B_WAIT_PR)
		unlk(cl, &cl->barrier);
	cl->b = B_WAIT_EX;
	want_reload(cl);
	if (lk(cl, "barrier", LM_EX, 0, &cl->barrier, barrier_ast, NULL, cl))
		announce_done(cl);
}

/* ---------------------------------------------------------------- live */

/* A daemon killed with kill -9 drops its "barrier" PR, so announcements
 * complete without its kernel reloading: region-hash entries that say
 * clean for regions now out of sync survive, and once a new daemon is
 * loaded it answers the MARK/FLUSH that lets such a write reach every
 * leg. Its "live" EX went with it; the watchers' PR is granted, and its
 * AST is queued before the grant of any later "table" request of theirs,
 * so nobody verifies a region for copying before it knows. */
static void live_bast(void *arg, int mode);

static void live_ast(void *arg, int status)
{
	struct watch *w = arg;

	if (status) {
		w->live = LV_NONE;
		return;
	}
	w->live = LV_FREE;
	if (w->active && w->cl->loaded)
		log_info("%s: slot %u (node %u) has no live daemon: no resync "
			 "until it is back", w->cl->log->uuid, w->slot,
			 w->node_id);
	kick(w->cl);
}

static void live_watch(struct watch *w)
{
	char name[32];

	snprintf(name, sizeof(name), "live.%u", w->slot);
	w->live = LV_WAIT;
	if (lk(w->cl, name, LM_PR, 0, &w->live_lksb, live_ast, live_bast, w))
		w->live = LV_NONE;
}

/* The slot's new daemon wants EX: it asks only after its kernel has
 * reloaded. Let it in and wait behind it again. */
static void live_bast(void *arg, int mode)
{
	struct watch *w = arg;

	(void)mode;
	if (w->live != LV_FREE)
		return;
	unlk(w->cl, &w->live_lksb);
	live_watch(w);
	kick(w->cl);
}

static void live_unwatch(struct watch *w)
{
	if (w->live != LV_NONE)
		unlk(w->cl, &w->live_lksb);
	w->live = LV_NONE;
}

static void live_own_ast(void *arg, int status)
{
	struct cluster_log *cl = arg;

	if (status)
		log_err("%s: lock live.%u refused (%d): other nodes will not "
			"resync", cl->log->uuid, cl->slot, status);
}

/* Our kernel has reloaded since the join: we are live. */
static void live_take(struct cluster_log *cl)
{
	char name[32];

	if (cl->live_taken)
		return;
	snprintf(name, sizeof(name), "live.%u", cl->slot);
	cl->live_taken = !lk(cl, name, LM_EX, 0, &cl->live, live_own_ast,
			     NULL, cl);
}

/* ---------------------------------------------------------------- slots */

static void watch_ast(void *arg, int status)
{
	struct watch *w = arg;

	if (status) {
		w->active = false;
		return;
	}
	w->merge = true;
	kick(w->cl);
}

/* Suspect slot w: OR its bitmap into the suspect regions. A slot that
 * turns lost is re-read even when it was already suspect (probing): the
 * owner may have marked more regions since. */
static int suspect_slot(struct cluster_log *cl, struct watch *w, bool lost)
{
	int r;

	if (!w->suspect) {
		w->suspect = true;
		cl->nr_suspect++;
	} else if (!lost || w->lost) {
		return 0;
	}
	w->lost |= lost;
#ifdef DMLOG_FAULT_NO_TWO_WRITERS
	return 0;	/* test-only broken build: the dead node's marks ignored */
#endif
	if (!lost)
		return cl->cops->read_slot(cl->st, w->slot, cl->suspect);
	/* one read: every lost slot's marks are suspect too */
	r = cl->cops->read_slot(cl->st, w->slot, cl->lost_marks);
	return r ? r : bitmap_or(cl->suspect, cl->lost_marks);
}

static void clear_suspects(struct cluster_log *cl)
{
	bitmap_fill(cl->suspect, false);
	bitmap_fill(cl->lost_marks, false);
	cl->nr_suspect = 0;
}

/* Recompute the suspect regions from the slots still lost or probing. */
static int rebuild_suspect(struct cluster_log *cl)
{
	int r = 0;

	clear_suspects(cl);
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		struct watch *w = &cl->w[m];
		bool lost = w->lost;

		w->suspect = w->lost = false;
		if (m != cl->slot && (lost || w->probe) && !r)
			r = suspect_slot(cl, w, lost);
	}
	return r;
}

/* busy |= the marks of every other ACTIVE slot on the device. A slot's
 * marks cover every write its kernel can issue on the all-legs path
 * without asking its daemon (a mark is flushed before the write and
 * cleared only after the region went clean), so an out-of-sync region
 * not marked there cannot be under such a write, even from a kernel
 * whose daemon was killed and which never reloaded for the announcements
 * that followed. A live member's slot holds no mark of an out-of-sync
 * region here: it reset its slot when it reloaded for the bit
 * (cluster_resume), and "table" was held until it had. */
static int read_busy(struct cluster_log *cl, struct bitmap *busy)
{
	struct dmlog_slot_info si;
	int r;

#ifdef DMLOG_FAULT_COPY_DAEMONLESS
	return 0;	/* test-only broken build: a killed daemon's kernel
			 * is trusted to have reloaded */
#endif
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		if (m == cl->slot)
			continue;
		r = cl->cops->read_slot_info(cl->st, m, &si);
		if (!r && si.state == DMLOG_SLOT_ACTIVE)
			r = cl->cops->read_slot(cl->st, m, busy);
		if (r)
			return r;
	}
	return 0;
}

/* Result of the NOQUEUE PR probe of an ACTIVE slot (scan_slots). A node
 * id that is a live member does not prove the slot's owner alive: the
 * node may have crashed and rebooted, and its new daemon may not have
 * claimed (merged) its old slot yet (sim seeds 179, 260: a read balanced
 * to a leg the dead life's last write reached, the next read, after the
 * merge, from the default leg). Only the owner's EX lock proves it. */
static void probe_ast(void *arg, int status)
{
	struct watch *w = arg;
	struct cluster_log *cl = w->cl;
	char name[32];

	w->probe = false;
	if (status == -EAGAIN) {
		/* EX held: the owner (or its daemon's orphan) lives. Watch
		 * with a queued PR, granted when it goes. */
		snprintf(name, sizeof(name), "slot.%u", w->slot);
		if (lk(cl, name, LM_PR, 0, &w->lksb, watch_ast, NULL, w))
			w->active = false;
		if (rebuild_suspect(cl))
			log_err("%s: reading slots failed", cl->log->uuid);
		kick(cl);
		return;
	}
	if (status) {
		w->active = false;	/* probe again at the next scan */
		return;
	}
	/* granted: nobody holds the slot; its marks are a lost node's */
	if (suspect_slot(cl, w, true))
		log_err("%s: reading slot %u failed", cl->log->uuid, w->slot);
	w->merge = true;
	kick(cl);
}

/* Re-read every slot info: watch new occupants, forget freed suspects.
 * An ACTIVE slot not watched yet is suspect until a NOQUEUE PR probe
 * shows its owner's EX lock (probe_ast). */
static int scan_slots(struct cluster_log *cl)
{
	struct dmlog_slot_info si;
	char name[32];
	int r;

	clear_suspects(cl);
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		struct watch *w = &cl->w[m];
		bool was = w->lost, lost;

		w->suspect = w->lost = false;
		if (m == cl->slot)
			continue;
		r = cl->cops->read_slot_info(cl->st, m, &si);
		if (r)
			return r;
		if (si.state != DMLOG_SLOT_ACTIVE)
			continue;
		w->node_id = si.node_id;
		if (!w->active) {
			snprintf(name, sizeof(name), "slot.%u", m);
			w->active = w->probe = true;
			w->merge = false;
			if (lk(cl, name, LM_PR, LM_F_NOQUEUE, &w->lksb,
			       probe_ast, NULL, w))
				w->active = w->probe = false;
		}
		if (w->active && w->live == LV_NONE)
			live_watch(w);
		/* lost owner, or an earlier life of this very node */
		lost = was || si.node_id == cl->node_id ||
		       !cl->am->node_alive(cl->env.lm, si.node_id);
		/* ... or an owner not proven alive yet */
		if (lost || w->probe) {
			r = suspect_slot(cl, w, lost);
			if (r)
				return r;
		}
	}
	return 0;
}

static void node_down(void *arg, uint32_t nodeid)
{
	struct cluster_log *cl = arg;
	bool any = false;

	if (!cl->loaded || !cl->w)
		return;
	for (uint32_t m = 0; m < cl->nr_slots; m++) {
		struct watch *w = &cl->w[m];

		if (m == cl->slot || !w->active || w->node_id != nodeid)
			continue;
		if (suspect_slot(cl, w, true))
			log_err("%s: reading slot %u failed", cl->log->uuid, m);
		any = true;
	}
	/* Drop region-hash entries that would let reads balance (hazard 5). */
	if (any)
		want_reload(cl);
}

/* ---------------------------------------------------------------- join */

static void slot_ast(void *arg, int status);

/* Claim slot_try or a later one. Our own ACTIVE slot (restarted daemon)
 * and a FREE slot are first tried as our orphan (LM_F_ORPHAN): a daemon
 * killed after its slot lock was granted but before it recorded the slot
 * leaves an orphan EX on a FREE slot that no plain claim can get, and
 * with every other slot taken the join would retry forever (sim seed 911
 * after the 179/260 fix). Then a plain NOQUEUE claim. */
static int try_next_slot(struct cluster_log *cl)
{
	struct dmlog_slot_info si;
	char name[32];

	for (; cl->slot_try < cl->nr_slots;
	     cl->slot_try++, cl->adopt_failed = false) {
		uint32_t m = cl->slot_try;
		unsigned fl = LM_F_PERSISTENT | LM_F_NOQUEUE;
		bool ours;

		if (cl->cops->read_slot_info(cl->st, m, &si))
			return -EIO;
		ours = si.node_id == cl->node_id;
		if (si.state == DMLOG_SLOT_ACTIVE && !ours &&
		    cl->am->node_alive(cl->env.lm, si.node_id))
			continue;
		cl->slot_adopt = !cl->adopt_failed &&
				 (si.state != DMLOG_SLOT_ACTIVE || ours);
		if (cl->slot_adopt)
			fl = LM_F_PERSISTENT | LM_F_ORPHAN;
		/* else FREE, or a lost node's (ours included): granted only
		 * once it is fenced; our load then merges it like our own. */
		snprintf(name, sizeof(name), "slot.%u", m);
		cl->join = J_SLOT_WAIT;
		return lk(cl, name, LM_EX, fl, &cl->slot_lksb, slot_ast, NULL,
			  cl);
	}
	return -ENOSPC;
}

static void join_loaded(struct cluster_log *cl)
{
	uint8_t *merge = calloc(cl->nr_slots, 1);
	int r = merge ? 0 : -ENOMEM;

	if (!r) {
		merge[cl->slot] = 1;
		cl->cops->set_shared(cl->st, true);
		r = cl->cops->set_slot(cl->st, cl->slot, cl->node_id);
	}
	if (!r)
		r = cl->cops->load_mask(cl->st, cl->log->in_sync, merge);
	free(merge);
	if (!r)
		r = scan_slots(cl);
	if (r) {
		log_err("%s: joining the cluster log failed: %s",
			cl->log->uuid, strerror(-r));
		cl->join = J_FAIL;
		return;
	}
	cl->join = J_DONE;
	cl->loaded = cl->fresh_load = true;
	/* Nodes start their candidate scans far apart (golden-ratio spread
	 * by slot), so they do not all race for the same regions. */
	cl->search = (uint64_t)(((unsigned __int128)((cl->slot *
		      0x9E3779B97F4A7C15ull) >> 32) * cl->nr_regions) >> 32);
	cl->announce = true;	/* new slot, and our merged marks */
	/* A previous daemon of this node may have left orphans (region
	 * locks of NOSYNC regions the kernel still has in its region hash,
	 * a slot it had not recorded yet): they go only after our kernel
	 * has been reloaded (the join's announcement reloads it). */
	cl->purge_pending = true;
}

static void slot_ast(void *arg, int status)
{
	struct cluster_log *cl = arg;
	int r;

	if (status == 0) {
		cl->slot = cl->slot_try;
		cl->restarted = cl->slot_adopt;
		join_loaded(cl);
		session(cl);
		return;
	}
	if (cl->slot_adopt) {
		cl->adopt_failed = true;	/* no orphan: plain claim */
	} else {
		cl->slot_try++;
		cl->adopt_failed = false;
	}
	r = try_next_slot(cl);
	if (r) {
		/* -ENOSPC: every slot busy (a watcher's PR on a freed slot
		 * goes away at its next session): try again later. */
		cl->join = r == -ENOSPC ? J_QUEUED : J_FAIL;
		if (r != -ENOSPC)
			log_err("%s: no slot on the log device", cl->log->uuid);
		session_end(cl);
	}
}

static int join_start_slots(struct cluster_log *cl)
{
	int r = cl->cops->probe(cl->st, &cl->nr_slots);

	if (r)
		return r;
	if (!cl->w) {
		cl->w = calloc(cl->nr_slots, sizeof(*cl->w));
		if (!cl->w)
			return -ENOMEM;
		for (uint32_t m = 0; m < cl->nr_slots; m++) {
			cl->w[m].cl = cl;
			cl->w[m].slot = m;
		}
	}
	cl->slot_try = 0;
	cl->adopt_failed = false;
	cl->slot = UINT32_MAX;
	return try_next_slot(cl);
}

/* ---------------------------------------------------------------- session */

static int verify_held(struct cluster_log *cl)
{
	struct bitmap *disk = NULL, *busy = NULL;
	struct rlock *x, *nx;
	int r = 0;

	for (x = cl->rl; x; x = nx) {
		nx = x->next;
		if (x->st != RL_VERIFY)
			continue;
		if (!disk) {
			disk = bitmap_new(cl->nr_regions, true);
			busy = bitmap_new(cl->nr_regions, false);
			r = disk && busy ? cl->cops->read_oos(cl->st, disk) :
					   -ENOMEM;
			if (!r)
				r = read_busy(cl, busy);
			if (r)
				break;
		}
		if (bitmap_test(disk, x->region)) {
			bitmap_set(cl->log->in_sync, x->region);
			rl_drop(cl, x, true);
		} else if (bitmap_test(busy, x->region)) {
			/* a daemonless kernel may write it (read_busy) */
			bitmap_clear(cl->log->in_sync, x->region);
			bitmap_set(cl->blocked, x->region);
			rl_drop(cl, x, true);
		} else {
			bitmap_clear(cl->log->in_sync, x->region);
			x->st = RL_HELD;
		}
	}
	bitmap_free(busy);
	bitmap_free(disk);
	return r;
}

static void do_clears(struct cluster_log *cl)
{
	struct rlock *x, *nx;

	for (x = cl->rl; x; x = nx) {
		nx = x->next;
		if (x->st != RL_CLEAR)
			continue;
		if (cl->cops->oos_update(cl->st, x->region, false))
			bitmap_clear(cl->log->in_sync, x->region);
		rl_drop(cl, x, true);
	}
}

static void do_merges(struct cluster_log *cl)
{
	struct dmlog_slot_info si;

	for (uint32_t m = 0; cl->w && m < cl->nr_slots; m++) {
		struct watch *w = &cl->w[m];

		if (!w->merge)
			continue;
		if (!cl->cops->read_slot_info(cl->st, m, &si) &&
		    si.state == DMLOG_SLOT_ACTIVE) {
			if (cl->cops->merge_slot(cl->st, m))
				log_err("%s: merging slot %u failed",
					cl->log->uuid, m);
			cl->announce = true;
			log_info("%s: merged slot %u of lost node %u",
				 cl->log->uuid, m, si.node_id);
		} else if (w->suspect) {
			/* freed meanwhile: nothing to merge, no announcement
			 * (whose refresh would drop the suspicion) */
			w->lost = w->probe = false;
			if (rebuild_suspect(cl))
				log_err("%s: reading slots failed",
					cl->log->uuid);
		}
		w->merge = false;
		w->active = false;
		unlk(cl, &w->lksb);
		live_unwatch(w);
	}
}

/* A mark kept only for a queued bit (setoos_marked): the kernel never
 * sends its CLEAR (the region left its region hash at the reload). */
static void unmark(struct cluster_log *cl, uint64_t region)
{
	struct dmlog_log *log = cl->log;

	if (log->state != LOG_RUNNING || bitmap_test(log->idle, region) ||
	    bitmap_test(log->recovering, region))
		return;
	bitmap_set(log->idle, region);
	cl->st->ops->note(cl->st, STORE_BIT_CLEAN, region);
}

static void do_setoos(struct cluster_log *cl)
{
	bool any = false;

	for (size_t i = 0; i < cl->nr_setoos; i++) {
		struct setoos *o = &cl->setoos[i];

		if (o->st != SO_QUEUED)
			continue;
		if (cl->cops->oos_update(cl->st, o->region, true))
			log_err("%s: setting region %llu out of sync failed",
				cl->log->uuid, (unsigned long long)o->region);
		o->st = SO_WRITTEN;
		any = true;
		unmark(cl, o->region);
	}
	if (any) {
		cl->announce = true;
		/* the marks setoos_marked kept are not needed any more */
		if (cl->log->state == LOG_RUNNING &&
		    cl->st->ops->flush(cl->st, cl->log->idle, cl->log->in_sync))
			log_err("%s: flushing the slot failed", cl->log->uuid);
	}
}

/* Our barrier EX is granted: every other member reloaded and re-read. */
static void setoos_announced(struct cluster_log *cl)
{
	size_t j = 0;

	for (size_t i = 0; i < cl->nr_setoos; i++) {
		struct setoos o = cl->setoos[i];

		if (o.st == SO_WRITTEN)
			o.st = SO_DONE;
		if (o.st != SO_DONE || o.ack)	/* drop the unawaited */
			cl->setoos[j++] = o;
	}
	cl->nr_setoos = j;
}

/* A failed write answered before its bit is on the device (the
 * reload exception in cluster_set_region_sync) has only our slot's mark
 * to survive our death: keep it marked until do_setoos wrote the bit. */
static void setoos_marked(struct cluster_log *cl, struct dmlog_log *log)
{
	for (size_t i = 0; i < cl->nr_setoos; i++)
		if (cl->setoos[i].st == SO_QUEUED)
			bitmap_clear(log->idle, cl->setoos[i].region);
}

/* Bits still to be set are out of sync here already: a refresh that
 * re-reads the device before our session wrote them must not make the
 * kernel trust a leg a write just failed on. */
static void setoos_in_cache(struct cluster_log *cl)
{
	for (size_t i = 0; i < cl->nr_setoos; i++)
		if (cl->setoos[i].st == SO_QUEUED)
			bitmap_clear(cl->log->in_sync, cl->setoos[i].region);
}

static struct setoos *setoos_find(struct cluster_log *cl, uint64_t region)
{
	for (size_t i = 0; i < cl->nr_setoos; i++)
		if (cl->setoos[i].region == region)
			return &cl->setoos[i];
	return NULL;
}

static int setoos_add(struct cluster_log *cl, uint64_t region, bool ack)
{
	struct setoos *n, *o = setoos_find(cl, region);

	if (o && o->st == SO_QUEUED) {
		o->ack |= ack;
		return 0;
	}
	n = realloc(cl->setoos, (cl->nr_setoos + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	cl->setoos = n;
	n[cl->nr_setoos++] = (struct setoos){ region, SO_QUEUED, ack };
	return 0;
}

static bool setoos_queued(const struct cluster_log *cl)
{
	for (size_t i = 0; i < cl->nr_setoos; i++)
		if (cl->setoos[i].st == SO_QUEUED)
			return true;
	return false;
}

static void do_leave(struct cluster_log *cl)
{
	struct dmlog_slot_info si;
	bool alone = true;

	for (uint32_t m = 0; m < cl->nr_slots; m++)
		if (m != cl->slot &&
		    (cl->cops->read_slot_info(cl->st, m, &si) ||
		     si.state == DMLOG_SLOT_ACTIVE))
			alone = false;
	bool handoff = cl->leave_handoff && alone;
	struct bitmap *clean = handoff ? NULL :
			       bitmap_new(cl->nr_regions, true);
	int r = 0;

	/* Not the last: free the slot while the store is open (the close
	 * ends it). The DTR follows a suspend, so no mark of ours is live:
	 * a FREE slot starts empty for the next node that claims it. */
	if (!handoff) {
		r = clean ? cl->cops->reset_slot(cl->st, clean) : -ENOMEM;
		if (!r)
			r = cl->cops->write_slot_info(cl->st, cl->slot,
						      DMLOG_SLOT_FREE, 0);
		bitmap_free(clean);
	}
	if (!r)
		r = cl->st->ops->close(cl->st, cl->log->idle, cl->log->in_sync,
				       handoff);
	if (r)
		log_err("%s: leaving the cluster log: freeing slot %u failed "
			"(%s): the other nodes will treat it as a lost node's "
			"and resync its marks", cl->log->uuid, cl->slot,
			strerror(-r));
	else
		log_info("%s: left the cluster log (slot %u %s)",
			 cl->log->uuid, cl->slot,
			 handoff ? "last: log handed back in the kernel's "
				   "format" : "freed");
	unlk(cl, &cl->slot_lksb);
	if (cl->live_taken)
		unlk(cl, &cl->live);
	cl->live_taken = false;
	cl->left = true;
}

static bool has_jobs(const struct cluster_log *cl)
{
	if (cl->join == J_QUEUED || setoos_queued(cl) || cl->announce ||
	    (cl->leave_wanted && !cl->left))
		return true;
	for (uint32_t m = 0; cl->w && m < cl->nr_slots; m++)
		if (cl->w[m].merge)
			return true;
	for (const struct rlock *x = cl->rl; x; x = x->next)
		if (x->st == RL_CLEAR || (x->st == RL_VERIFY && may_grant(cl)))
			return true;
	return false;
}

static void session(struct cluster_log *cl)
{
	if (cl->join == J_QUEUED) {
		int r = join_start_slots(cl);

		if (r == -ENOSPC) {
			session_end(cl);	/* retry in a later session */
			return;
		}
		if (r) {
			cl->join = J_FAIL;
			log_err("%s: no slot on the log device", cl->log->uuid);
		}
		if (cl->join == J_SLOT_WAIT)
			return;		/* slot_ast continues */
	}
	if (cl->loaded) {
		do_merges(cl);
		do_clears(cl);	/* before: a resync asked after a copy wins */
		do_setoos(cl);
		if (may_grant(cl) && verify_held(cl))
			log_err("%s: OOS read failed", cl->log->uuid);
		if (cl->leave_wanted && !cl->left && !cl->announce)
			do_leave(cl);
	}
	if (cl->announce && !cl->left) {
		announce(cl);
		return;
	}
	session_end(cl);
}

static void session_end(struct cluster_log *cl)
{
	cl->announce = false;
	cl->t = T_IDLE;
	unlk(cl, &cl->table);
	kick(cl);
}

static void table_ast(void *arg, int status)
{
	struct cluster_log *cl = arg;

	if (status) {
		cl->t = T_IDLE;
		if (!cl->table_adopt_done) {
			cl->table_adopt_done = true;	/* no orphan */
			kick(cl);
		}
		return;
	}
	cl->t = T_HELD;
	if (!cl->table_adopt_done) {
		/* Our previous daemon died holding "table": what it set
		 * may not be announced yet; our join announces. */
		cl->table_adopt_done = true;
		cl->join = J_WAIT_PR;
		barrier_pr(cl);
		return;
	}
	session(cl);
}

/* Regions being locked or verified, or held and not handed out yet. */
static unsigned ahead(const struct cluster_log *cl)
{
	unsigned n = 0;

	for (const struct rlock *x = cl->rl; x; x = x->next)
		n += x->st == RL_WAIT || x->st == RL_VERIFY ||
		     (x->st == RL_HELD && !x->handed);
	return n;
}

/* Regions ahead (7.6): lock and verify up to CLUSTER_AHEAD_MAX out-of-sync
 * regions before the kernel asks (NOQUEUE). One was not enough: with
 * the lock masters on other nodes the next grant was rarely there when
 * kmirrord asked, so nearly every region cost a wake (a suspend/resume;
 * bench row 5: 3 nodes resynced 0.13x as fast as one). After as many
 * refusals in a row as there are out-of-sync regions (others hold them
 * all), a queued request: its grant, when the holder has copied the
 * region, re-reads it, so the cache (and the sync count every node
 * reports) catches up with clears no announcement tells us about. */
static void prefetch(struct cluster_log *cl)
{
	uint64_t oos, most = cl->nr_regions / CLUSTER_AHEAD_DIV;

	if (!may_grant(cl))
		return;
	if (most > CLUSTER_AHEAD_MAX)
		most = CLUSTER_AHEAD_MAX;
	if (!most)
		most = 1;
	oos = cl->nr_regions - bitmap_weight(cl->log->in_sync);
	while (oos && ahead(cl) < most) {
		bool noqueue = cl->refused < oos;
		const struct rlock *before = cl->rl;

		if (!noqueue)
			cl->refused = 0;
		request_candidate(cl, noqueue);
		if (cl->rl == before)
			return;		/* no candidate left */
	}
}

/* Work is ready but the kernel was told "no work" last: an idle
 * kmirrord will not ask again, so ask the daemon for a suspend/resume of
 * the mirror (its worker thread, never the request loop); the RESUME
 * makes kmirrord run and ask. Not while the log is suspended (the
 * operator's suspend stays; its resume makes the kernel ask anyway). */
static void wake_kernel(struct cluster_log *cl)
{
	if (!cl->told_no_work || !may_grant(cl) ||
	    cl->log->state != LOG_RUNNING ||
	    (!held_work(cl, true) && !held_work(cl, false)))
		return;
	cl->told_no_work = false;
	cl->log->needs_kick = true;
}

/* Start a "table" session when there is something to do under it. */
static void kick(struct cluster_log *cl)
{
	if (cl->loaded && cl->log) {
		prefetch(cl);
		wake_kernel(cl);
	}
	if (cl->t != T_IDLE || cl->b == B_WAIT_EX || cl->b == B_EX)
		return;
	if (!cl->table_adopt_done) {
		cl->t = T_WAIT;
		if (lk(cl, "table", LM_EX, LM_F_PERSISTENT | LM_F_ORPHAN,
		       &cl->table, table_ast, NULL, cl))
			cl->t = T_IDLE;
		return;
	}
	if (cl->join == J_NONE) {
		cl->join = J_WAIT_PR;
		barrier_pr(cl);
		return;
	}
	if (cl->join == J_WAIT_PR || cl->join == J_SLOT_WAIT ||
	    !has_jobs(cl))
		return;
	cl->t = T_WAIT;
	if (lk(cl, "table", LM_EX, LM_F_PERSISTENT, &cl->table, table_ast,
	       NULL, cl))
		cl->t = T_IDLE;
}

/* ---------------------------------------------------------------- API */

int cluster_log_new(const struct cluster_env *env, struct dmlog_log *log,
		    struct cluster_log **out)
{
	struct cluster_log *cl;
	char name[39];
	int r;

	*out = NULL;
	if (!env->lm || !env->lm->ops->async || !log->store ||
	    !log->store->cops)
		return -EINVAL;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->users = malloc(sizeof(*cl->users));
	if (!cl->users) {
		free(cl);
		return -ENOMEM;
	}
	cl->users[cl->nr_users++] = log;
	cl->env = *env;
	cl->am = env->lm->ops->async;
	cl->log = log;
	cl->st = log->store;
	cl->cops = log->store->cops;
	cl->nr_regions = log_region_count(log);
	cl->node_id = cl->am->node_id(env->lm);
	cl->suspect = bitmap_new(cl->nr_regions, false);
	cl->lost_marks = bitmap_new(cl->nr_regions, false);
	cl->blocked = bitmap_new(cl->nr_regions, false);
	cluster_lockspace_name(log->uuid, name);
	r = cl->suspect && cl->lost_marks && cl->blocked ?
	    cl->am->ls_open(env->lm, name, &cl->ls) : -ENOMEM;
	if (r) {
		bitmap_free(cl->blocked);
		bitmap_free(cl->lost_marks);
		bitmap_free(cl->suspect);
		free(cl->users);
		free(cl);
		return r;
	}
	cl->am->watch_nodes(env->lm, cl->ls, node_down, cl);
	*out = cl;
	return 0;
}

static void cluster_log_free(struct cluster_log *cl)
{
	while (cl->rl)
		rl_drop(cl, cl->rl, false);
	cl->am->ls_close(cl->env.lm, cl->ls);
	bitmap_free(cl->suspect);
	bitmap_free(cl->lost_marks);
	bitmap_free(cl->blocked);
	free(cl->w);
	free(cl->setoos);
	free(cl->users);
	free(cl);
}

int cluster_log_attach(struct cluster_log *cl, struct dmlog_log *log)
{
	struct dmlog_log **n;

	if (cl->leave_wanted || cl->left)
		return -EAGAIN;		/* the last instance is leaving */
	if (log_region_count(log) != cl->nr_regions)
		return -EINVAL;
	n = realloc(cl->users, (cl->nr_users + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	cl->users = n;
	cl->users[cl->nr_users++] = log;
	log->cl = cl;
	if (log->store && log->store != cl->st)
		log->store->ops->destroy(log->store);
	log->store = cl->st;
	return 0;
}

/* The instance whose in_sync bitmap is the cache changes: carry it. */
static void set_owner(struct cluster_log *cl, struct dmlog_log *log)
{
	if (cl->log == log)
		return;
	if (bitmap_copy(log->in_sync, cl->log->in_sync))
		log_err("%s: copying the sync state failed", log->uuid);
	log_info("%s: instance %llx takes over the cluster state of %llx",
		 log->uuid, (unsigned long long)log->luid,
		 (unsigned long long)cl->log->luid);
	cl->log = log;
}

bool cluster_log_detach(struct cluster_log *cl, struct dmlog_log *log)
{
	size_t i;

	for (i = 0; i < cl->nr_users && cl->users[i] != log; i++)
		;
	if (i < cl->nr_users)
		memmove(&cl->users[i], &cl->users[i + 1],
			(cl->nr_users - i - 1) * sizeof(cl->users[0]));
	if (i < cl->nr_users)
		cl->nr_users--;
	if (cl->nr_users) {
		if (cl->log == log)
			set_owner(cl, cl->users[cl->nr_users - 1]);
		return false;
	}
	cluster_log_free(cl);
	return true;
}

bool cluster_loaded(const struct cluster_log *cl)
{
	return cl->loaded;
}

bool cluster_serves(const struct cluster_log *cl,
		    const struct dmlog_log *log)
{
	return cl->loaded && cl->log == log;
}

int cluster_resume(struct cluster_log *cl, struct dmlog_log *log)
{
	int r;

	if (cl->join == J_FAIL)
		return -EIO;
	/* A reload's new instance: it takes over state and locks. */
	set_owner(cl, log);
	cl->refused = 0;	/* a fresh look for resync work */
	if (!cl->loaded) {
		kick(cl);
		return -EAGAIN;
	}
	if (cl->fresh_load) {
		cl->fresh_load = false;
		return 0;
	}
	/* refresh: another node may have set or cleared bits. Every RESUME
	 * but the join's follows a drained suspend (of this instance or of
	 * the one a reload replaced): no write of ours is in flight and
	 * each next one marks again, so marks still on the device are
	 * stale; other nodes would not copy those regions (read_busy). */
	bitmap_fill(log->idle, true);
	setoos_marked(cl, log);
	r = cl->cops->reset_slot(cl->st, log->idle);
	if (!r)
		r = cl->cops->read_oos(cl->st, cl->log->in_sync);
	if (!r)
		setoos_in_cache(cl);
	if (!r)
		r = scan_slots(cl);
	if (r)
		return r;
	/* A reload is done when a NEW instance resumes after the old one
	 * drained (POSTSUSPEND): its region hash is fresh (NOSYNC entries
	 * gone) and its in_sync_hint is 0. A plain suspend/resume of the
	 * same instance keeps the region hash. */
	if (cl->reload_pending && cl->saw_postsuspend &&
	    log->luid != cl->reload_luid) {
		cl->reload_pending = false;
		if (cl->purge_pending) {
			cl->am->purge_orphans(cl->env.lm, cl->ls);
			cl->purge_pending = false;
		}
		live_take(cl);
		if (cl->b == B_RESPONDING)
			barrier_release(cl);
		else if (cl->b == B_EX)
			announce_done(cl);
	}
	kick(cl);
	return 0;
}

void cluster_postsuspend(struct cluster_log *cl, struct dmlog_log *log)
{
	if (cl->reload_pending && log == cl->log)
		cl->saw_postsuspend = true;
}

int cluster_leave(struct cluster_log *cl, bool handoff)
{
	/* Another instance of the uuid lives (a reload): it keeps the
	 * cluster state; this one only detaches. */
	if (cl->nr_users > 1 || cl->left || !cl->loaded)
		return 0;
	cl->leave_wanted = true;
	cl->leave_handoff = handoff;
	kick(cl);
	return -EAGAIN;
}

bool cluster_in_sync(struct cluster_log *cl, uint64_t region)
{
	return bitmap_test(cl->log->in_sync, region) &&
	       !bitmap_test(cl->suspect, region);
}

static void rl_ast(void *arg, int status)
{
	struct rlock *x = arg;
	struct cluster_log *cl = x->cl;

	if (status) {
		rl_drop(cl, x, false);
		cl->refused++;
		kick(cl);	/* prefetch: the next candidate */
		return;
	}
	cl->refused = 0;
	x->st = RL_VERIFY;
	kick(cl);
}

static struct rlock *rl_request(struct cluster_log *cl, uint64_t region,
				bool noqueue)
{
	struct rlock *x = calloc(1, sizeof(*x));
	char name[32];

	if (!x)
		return NULL;
	x->cl = cl;
	x->region = region;
	x->st = RL_WAIT;
	x->next = cl->rl;
	cl->rl = x;
	snprintf(name, sizeof(name), "r.%llx", (unsigned long long)region);
	if (lk(cl, name, LM_EX, LM_F_PERSISTENT |
	       (noqueue ? LM_F_NOQUEUE : 0), &x->lksb, rl_ast, NULL, x)) {
		rl_drop(cl, x, false);
		return NULL;
	}
	return x;
}

static uint64_t lowest(const struct bitmap *bm, bool value, uint64_t n)
{
	uint64_t r = bitmap_find_next(bm, 0, value);

	return r < n ? r : n;
}

/* A kernel suspending for a reload waits for every write it took, the
 * ones our 1 requeues too, and that reload is what the merge's barrier
 * waits for: a 1 that only the reload could turn into 0 hangs the
 * cluster (found on the real cluster, design.md 7.10). Such a write may
 * go now (IN_SYNC being 0 for a suspect region: NOSYNC, to the default
 * leg only) when it is a lost slot's region that was in sync for us: the
 * merge puts it in the OOS area, and nobody can be copying it (making it
 * out of sync took an announcement, whose "table" would still be held
 * until our reload), so it is copied after our write. Out-of-sync
 * regions still wait (open, 7.10). */
static bool draining_write_ok(const struct cluster_log *cl, uint64_t region)
{
	return bitmap_test(cl->suspect, region) &&
	       bitmap_test(cl->lost_marks, region) &&
	       bitmap_test(cl->log->in_sync, region);
}

void cluster_is_remote_recovering(struct cluster_log *cl, uint64_t region,
				  bool draining, int64_t *is_recovering,
				  uint64_t *hint)
{
	uint64_t a = lowest(cl->log->in_sync, false, cl->nr_regions);
	uint64_t b = lowest(cl->suspect, true, cl->nr_regions);
	struct rlock *x;

	*hint = a < b ? a : b;
	*is_recovering = 1;
	if (bitmap_test(cl->suspect, region)) {
		if (draining && draining_write_ok(cl, region))
			*is_recovering = 0;
		return;
	}
	if (bitmap_test(cl->log->in_sync, region)) {
		*is_recovering = 0;
		return;
	}
	x = rl_find(cl, region);
	if (x && x->st == RL_HELD) {
		x->nosync = true;	/* written NOSYNC: we recover it */
		*is_recovering = 0;
		return;
	}
	/* blocked: a daemonless kernel may write it on every leg */
	if (!x && may_grant(cl) && !bitmap_test(cl->blocked, region))
		rl_request(cl, region, false);
}

static struct rlock *held_work(struct cluster_log *cl, bool nosync)
{
	for (struct rlock *x = cl->rl; x; x = x->next)
		if (x->st == RL_HELD && !x->handed && x->nosync == nosync)
			return x;
	return NULL;
}

static bool waiting_copy(const struct cluster_log *cl)
{
	for (const struct rlock *x = cl->rl; x; x = x->next)
		if (x->st == RL_WAIT || x->st == RL_VERIFY)
			return true;
	return false;
}

/* Next candidate: out of sync, not suspect, not blocked, no lock of
 * ours yet. */
static void request_candidate(struct cluster_log *cl, bool noqueue)
{
	uint64_t n = cl->nr_regions;

	for (uint64_t tries = 0; tries < 2; tries++) {
		uint64_t r = bitmap_find_next(cl->log->in_sync, cl->search,
					      false);

		while (r < n && (rl_find(cl, r) ||
				 bitmap_test(cl->suspect, r) ||
				 bitmap_test(cl->blocked, r)))
			r = bitmap_find_next(cl->log->in_sync, r + 1, false);
		if (r < n) {
			cl->search = r + 1;
			rl_request(cl, r, noqueue);
			return;
		}
		cl->search = 0;
	}
}

#ifdef DMLOG_FAULT_COPY_WITHOUT_LOCK
/* Test-only broken build: resync work handed out with no region lock. */
static struct rlock *fake_held(struct cluster_log *cl)
{
	uint64_t r = bitmap_find_next(cl->log->in_sync, 0, false);
	struct rlock *x;

	while (r < cl->nr_regions && (rl_find(cl, r) ||
	       bitmap_test(cl->log->recovering, r)))
		r = bitmap_find_next(cl->log->in_sync, r + 1, false);
	if (r >= cl->nr_regions)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->cl = cl;
	x->region = r;
	x->st = RL_HELD;
	x->lksb.lkid = 0;	/* never locked: unlock is a no-op */
	x->next = cl->rl;
	cl->rl = x;
	return x;
}
#endif

int cluster_resync_work(struct cluster_log *cl, uint64_t *region)
{
	struct rlock *x;

	if (!may_grant(cl)) {
		cl->told_no_work = true;
		return 0;
	}
#ifdef DMLOG_FAULT_COPY_WITHOUT_LOCK
	x = fake_held(cl);	/* an unlocked region first */
	if (!x)
		x = held_work(cl, true);
#else
	x = held_work(cl, true);
#endif
	if (!x)
		x = held_work(cl, false);
	if (x) {
		x->handed = true;
		*region = x->region;
		cl->told_no_work = false;
		prefetch(cl);	/* one region ahead of this copy */
		return 1;
	}
	if (!waiting_copy(cl))
		request_candidate(cl, true);
	cl->told_no_work = true;
	return 0;
}

int cluster_set_region_sync(struct cluster_log *cl, uint64_t region,
			    bool in_sync)
{
	struct rlock *x = rl_find(cl, region);
	struct setoos *o;

	if (in_sync) {
		if (!x || x->st != RL_HELD)
			return 1;	/* not copied under our lock */
		if (x->stale) {		/* asked again meanwhile: recopy */
			x->stale = x->handed = false;
			kick(cl);
			return 1;
		}
		x->st = RL_CLEAR;
		kick(cl);
		return 0;
	}
	if (x && x->st != RL_WAIT && x->st != RL_VERIFY)
		rl_drop(cl, x, true);
	o = setoos_find(cl, region);
	if (o && o->st == SO_DONE) {
		o->ack = false;		/* announced: answer, entry dropped */
		setoos_announced(cl);
		return 0;
	}
	if (setoos_add(cl, region, true))
		return -ENOMEM;
	kick(cl);
	/* Not announced yet: the kernel resends. But a kernel that must
	 * reload (for another node's announcement, for our own, after a
	 * death) cannot drain while the failed write waits for this answer,
	 * and the announcement that would answer it needs "table", which
	 * that reload holds up: answer now, announce later (a read window on
	 * other nodes, 7.10; sim --write-errors seed 8: our own join's
	 * announcement waited for our own reload). */
	if (cl->b == B_RESPONDING || cl->reload_pending) {
		setoos_find(cl, region)->ack = false;
		return 0;
	}
	return -EAGAIN;
}

int cluster_resync_regions(struct cluster_log *cl, uint64_t first,
			   uint64_t count)
{
	if (!cl->loaded || first > cl->nr_regions ||
	    count > cl->nr_regions - first)
		return cl->loaded ? -EINVAL : -EAGAIN;
	for (uint64_t r = first; r < first + count; r++)
		if (setoos_add(cl, r, false))
			return -ENOMEM;
	stale_copies(cl, first, count);
	kick(cl);
	return 0;
}

bool cluster_resync_pending(const struct cluster_log *cl)
{
	for (size_t i = 0; i < cl->nr_setoos; i++)
		if (cl->setoos[i].st == SO_QUEUED)
			return true;
	return false;
}

uint64_t cluster_sync_count(struct cluster_log *cl)
{
	uint64_t s = bitmap_weight(cl->log->in_sync);
	uint64_t d = bitmap_weight(cl->suspect);

	return s > d ? s - d : 0;
}

/* One line of protocol state, for status and debugging. */
int cluster_describe(const struct cluster_log *cl, char *buf, size_t cap)
{
	int held = 0, waiting = 0;

	for (const struct rlock *x = cl->rl; x; x = x->next)
		x->st == RL_HELD ? held++ : waiting++;
	return snprintf(buf, cap, "slot %u join %d loaded %d barrier %d "
			"table %d reload %d/%d purge %d suspects %u "
			"rlocks held %d other %d in_sync %llu",
			cl->slot, cl->join, cl->loaded, cl->b, cl->t,
			cl->reload_pending, cl->saw_postsuspend,
			cl->purge_pending, cl->nr_suspect, held, waiting,
			(unsigned long long)bitmap_weight(cl->log->in_sync));
}
