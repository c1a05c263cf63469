/* One node's dm-raid1 over a userspace log, as the kernel drives it
 * (facts: /work/shared/reference/kernel-userspace-log.md):
 *  - region hash: CLEAN/DIRTY/NOSYNC/RECOVERING, pending counts; MARK on
 *    the first write to a clean region, CLEAR after the last completes;
 *  - every pass with writes ends with FLUSH before they are issued;
 *  - IS_REMOTE_RECOVERING asked first, with in_sync_hint and the 250 ms
 *    rate limit (answering 1 in between); 1 = requeue;
 *  - NOSYNC writes go to the default leg only and the entry stays until
 *    this node recovers the region or the table is reloaded;
 *  - recovery: GET_RESYNC_WORK, wait for pending writes, copy the default
 *    leg to the others block by block, CLEAR + SET_REGION_SYNC(r, 1);
 *  - reads balanced only for regions in sync, else the default leg;
 *  - kmirrord runs only when woken: queued I/O (every read of a userspace
 *    log goes through it: its in_sync cannot answer without blocking;
 *    requeued writes wake it again after HZ/5), the last pending write
 *    of a region or a failed write completing, a finished recovery copy,
 *    a resume. It has no periodic wake: an idle mirror told "no work"
 *    by GET_RESYNC_WORK does not ask again. (The log's delayed FLUSH of
 *    clear-only flushes is the log's own timer, not kmirrord.);
 *  - suspend: stop recovery, drain, POSTSUSPEND; resume resets
 *    in_sync_hint (the log's resume);
 *  - a table reload constructs a NEW log instance (new luid, same uuid)
 *    while the old one is live: CTR new, PRESUSPEND/POSTSUSPEND old,
 *    RESUME new (fresh region hash, hint 0), DTR old;
 *  - an instance the daemon does not know (-ESRCH, a daemon restart):
 *    re-CTR (the saved string, NUL-terminated) + RESUME from inside the
 *    failed request, NOT the log's resume: in_sync_hint is kept;
 *  - write errors (handle_errors): a transient failure of a secondary
 *    leg's write; the write completes only after SET_REGION_SYNC(r, 0)
 *    was answered (dm_rh_mark_nosync before the bio ends), the region
 *    stays NOSYNC in the hash, the leg is failed here (reads avoid it)
 *    until the table is reloaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/dm-log-userspace.h>

#include "sim_world.h"

#define REGION(b) ((b) / SIM_BPR)

void k_init(struct knode *k, struct world *w, uint32_t node)
{
	memset(k, 0, sizeof(*k));
	k->w = w;
	k->node = node;
	k->rec = -1;
}

static int req_to(struct knode *k, uint64_t luid, uint32_t type,
		  const void *in, size_t len, void *out, size_t *olen)
{
	size_t dummy;
	int r = w_req(k->w, k->node, luid, type, in, len, out,
		      olen ? olen : &dummy);

	if (r == -ESRCH && luid == k->luid)
		k->need_recreate = true;
	else if (r == -ESRCH && luid == k->nluid)
		k->nluid_lost = true;
	return r;
}

static int req(struct knode *k, uint32_t type, const void *in, size_t len,
	       void *out, size_t *olen)
{
	return req_to(k, k->luid, type, in, len, out, olen);
}

/* CTR of instance luid: the table's string (no NUL), or the kernel's
 * re-send after -ESRCH (its saved string with a NUL). */
static int ctr(struct knode *k, uint64_t luid, bool resend)
{
	char s[96];
	int n = snprintf(s, sizeof(s), "%u clustered-disk 253:7 2",
			 SIM_REGIONS * 2);

	return req_to(k, luid, DM_ULOG_CTR, s, (size_t)n + resend, NULL,
		      NULL);
}

static int req_u64(struct knode *k, uint32_t type, uint64_t v, void *out)
{
	return req(k, type, &v, sizeof(v), out, NULL);
}

/* The kernel's in_sync(): 1 in sync, 0 not, <0 error (pass aborted). */
static int log_in_sync(struct knode *k, int region)
{
	int64_t v = 0;
	int r = req_u64(k, DM_ULOG_IN_SYNC, (uint64_t)region, &v);

	return r ? r : v != 0;
}

static bool is_remote_recovering(struct knode *k, int region, int *err)
{
	struct { int64_t rec; uint64_t hint; } rr = { 0, 0 };

	*err = 0;
	if ((uint64_t)region < k->hint)
		return false;
	if (k->w->now < k->irr_next)
		return true;
	k->irr_next = k->w->now + 250;
	*err = req_u64(k, DM_ULOG_IS_REMOTE_RECOVERING, (uint64_t)region, &rr);
	if (*err)
		return true;
	k->hint = rr.hint;
	return rr.rec != 0;
}

static int send_list(struct knode *k, uint32_t type, bool *set)
{
	uint64_t v[SIM_REGIONS];
	size_t n = 0;

	for (int r = 0; r < SIM_REGIONS; r++)
		if (set[r]) {
			v[n++] = (uint64_t)r;
			set[r] = false;
		}
	return n ? req(k, type, v, n * sizeof(v[0]), NULL, NULL) : 0;
}

static int flush(struct knode *k)
{
	int r = send_list(k, DM_ULOG_CLEAR_REGION, k->clear);

	if (!r)
		r = send_list(k, DM_ULOG_MARK_REGION, k->mark);
	if (!r)
		r = req(k, DM_ULOG_FLUSH, NULL, 0, NULL, NULL);
	return r;
}

/* dm_rh_update_states: clean regions leave the hash with a CLEAR; a
 * finished recovery: CLEAR + SET_REGION_SYNC, region leaves the hash. */
static int update_states(struct knode *k)
{
	for (int r = 0; r < SIM_REGIONS; r++)
		if (k->rh[r].st == RS_DIRTY && !k->rh[r].pending) {
			k->rh[r].st = RS_NONE;
			k->clear[r] = true;
		}
	if (k->rec >= 0 && k->rec_done) {
		struct { uint64_t region; int64_t in_sync; } q =
			{ (uint64_t)k->rec, 1 };
		int e;

		k->clear[k->rec] = true;
		e = req(k, DM_ULOG_SET_REGION_SYNC, &q, sizeof(q), NULL, NULL);
		if (e)
			return e;
		sim_log("n%u: recovered region %d", k->node, k->rec);
		chk_recovered(k->w, k->node, k->rec, k->rec_start);
		k->rh[k->rec].st = RS_NONE;
		k->rec = -1;
		k->rec_done = false;
	}
	return 0;
}

static int do_recovery(struct knode *k)
{
	struct { int64_t i; uint64_t r; } wk = { 0, 0 };
	uint64_t cnt = 0;
	int e;

	if (k->rec >= 0 || k->susp || k->hint >= SIM_REGIONS)
		return 0;
	e = req(k, DM_ULOG_GET_RESYNC_WORK, NULL, 0, &wk, NULL);
	if (e)
		return e;
	if (wk.i) {
		k->rec = (int)wk.r;
		k->rec_next = 0;
		k->rec_done = false;
		k->rh[wk.r].st = RS_RECOVERING;
		k->rec_start = k->w->now;
		sim_log("n%u: recovering region %d", k->node, k->rec);
		chk_copy_start(k->w, k->node, k->rec);
	}
	e = req(k, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &cnt, NULL);
	if (!e && cnt >= SIM_REGIONS)
		k->hint = SIM_REGIONS;
	return e;
}

static int do_reads(struct knode *k)
{
	while (k->nreads) {
		int b = k->reads[0], reg = REGION(b), leg = 0, s;

		switch (k->rh[reg].st) {
		case RS_CLEAN:
		case RS_DIRTY:
			s = 1;
			break;
		case RS_NONE:
			s = log_in_sync(k, reg);
			if (s < 0)
				return s;
			break;
		default:
			s = 0;
		}
		if (s)
			do
				leg = (int)sim_below(&k->w->rng, SIM_LEGS);
			while (k->legs_bad & (1u << leg));
		chk_read(k->w, k->node, b, leg);
		memmove(k->reads, k->reads + 1, --k->nreads * sizeof(int));
	}
	return 0;
}

/* Region state for a write, creating the hash entry like __rh_alloc. */
static int write_state(struct knode *k, int reg)
{
	int s;

	if (k->rh[reg].st != RS_NONE)
		return k->rh[reg].st;
	s = log_in_sync(k, reg);
	if (s < 0)
		return s;
	k->rh[reg].st = s ? RS_CLEAN : RS_NOSYNC;
	k->rh[reg].pending = 0;
	return k->rh[reg].st;
}

static void issue(struct knode *k, struct kwrite *wr, bool nosync)
{
	struct kreg *g = &k->rh[REGION(wr->block)];

	if (g->st == RS_CLEAN) {
		g->st = RS_DIRTY;
		k->mark[REGION(wr->block)] = true;
	}
	g->pending++;
	wr->legs_left = nosync ? 1u : (1u << SIM_LEGS) - 1;
	wr->legs_failed = 0;
	k->fl[k->nfl++] = *wr;
}

static int do_writes(struct knode *k)
{
	struct kwrite go[64];
	bool ns[64];
	int n = 0, i = 0, e;

	while (i < k->nq) {
		struct kwrite *wr = &k->q[i];
		int reg = REGION(wr->block), st;

		if (wr->not_before > k->w->now) {
			i++;
			continue;
		}
		if (is_remote_recovering(k, reg, &e)) {
			if (e)
				return e;
			wr->not_before = k->w->now + 200;	/* HZ/5 */
			i++;
			continue;
		}
		st = write_state(k, reg);
		if (st < 0)
			return st;
		if (st == RS_RECOVERING) {	/* delayed until recovered */
			i++;
			continue;
		}
		/* inc_pending now: the region's state is fixed for the pass */
		ns[n] = st == RS_NOSYNC;
		go[n] = *wr;
		issue(k, &go[n], ns[n]);
		k->nfl--;	/* issued below, after the flush */
		n++;
		memmove(wr, wr + 1, (size_t)(--k->nq - i) * sizeof(*wr));
	}
	if (!n)
		return 0;
	e = flush(k);
	if (e)
		return e;	/* (never after the daemon answered the rest) */
	for (i = 0; i < n; i++) {
		k->fl[k->nfl++] = go[i];
		chk_write_issued(k->w, go[i].block);
		sim_log("n%u: write %llu block %d issued%s", k->node,
			(unsigned long long)go[i].id, go[i].block,
			ns[i] ? " NOSYNC (default leg only)" : "");
	}
	return 0;
}

/* do_failures: SET_REGION_SYNC(r, 0) for each failed write, which then
 * completes (the data is on the default leg). -EAGAIN: resent later. */
static int do_failures(struct knode *k)
{
	while (k->nfail) {
		struct kwrite *wr = &k->fail[0];
		int reg = REGION(wr->block), e;
		struct { uint64_t region; int64_t in_sync; } q =
			{ (uint64_t)reg, 0 };

		e = req(k, DM_ULOG_SET_REGION_SYNC, &q, sizeof(q), NULL, NULL);
		if (e)
			return e == -EAGAIN ? 0 : e;
		k->rh[reg].st = RS_NOSYNC;
		k->rh[reg].pending--;
		k->legs_bad |= wr->legs_failed;
		sim_log("n%u: write %llu block %d completes after a leg error",
			k->node, (unsigned long long)wr->id, wr->block);
		chk_write_done(k->w, wr->block, wr->id);
		if (!k->w->copy_due[reg])
			k->w->copy_due[reg] = k->w->now;
		memmove(wr, wr + 1, (size_t)--k->nfail * sizeof(*wr));
	}
	return 0;
}

static void resume_done(struct knode *k)
{
	k->hint = 0;
	k->irr_next = 0;
	k->w->resumed[k->node] = k->w->now;
	k->wake = true;
}

static int suspend_step(struct knode *k)
{
	int e;

	if (k->susp == 1 && (k->susp_drop || k->reload_req) && !k->nluid) {
		/* dm table load: the new table's log while the old is live */
		k->nluid = ++k->w->luid;
		k->nluid_lost = false;
		e = ctr(k, k->nluid, false);
		if (e) {
			k->nluid = 0;
			return e;
		}
	}
	if (k->susp == 1) {
		e = do_failures(k);
		if (!e)
			e = update_states(k);
		if (e || k->rec >= 0 || (!sim_drain_requeued &&
					 (k->nfl || k->nfail)))
			return e;
		/* --drain-requeued: mirror_presuspend (recovery stopped),
		 * then dm core waits for every write the target took, the
		 * requeued ones too: kmirrord keeps passing them, asking
		 * IS_REMOTE_RECOVERING through the presuspended instance.
		 * Found on the real cluster (cluster-lvm-shared.sh): an
		 * answer that waits for this very reload hangs it. Without
		 * it, queued writes stay queued across the suspend. */
		if (!k->presusp || !sim_drain_requeued) {
			e = req(k, DM_ULOG_PRESUSPEND, NULL, 0, NULL, NULL);
			if (e)
				return e;
			k->presusp = true;
		}
		if (sim_drain_requeued && k->nq && (e = do_writes(k)))
			return e;
		if ((sim_drain_requeued && k->nq) || k->nfl || k->nfail)
			return 0;
		e = flush(k);
		if (!e)
			e = req(k, DM_ULOG_POSTSUSPEND, NULL, 0, NULL, NULL);
		if (e)
			return e;
		k->presusp = false;
		k->susp = 2;
	}
	if (k->nluid && k->nluid_lost) {
		e = ctr(k, k->nluid, true);
		if (e)
			return e;
		k->nluid_lost = false;
	}
	e = req_to(k, k->nluid ? k->nluid : k->luid, DM_ULOG_RESUME, NULL, 0,
		   NULL, NULL);
	if (e)
		return e;
	if (k->nluid) {
		/* the new table is live: its region hash is empty */
		memset(k->rh, 0, sizeof(k->rh));
		k->legs_bad = 0;
		k->reload_req = false;
		k->dtr_luid = k->luid;
		k->luid = k->nluid;
		k->nluid = 0;
		sim_log("n%u: table reloaded (instance %llu, region hash "
			"dropped)", k->node, (unsigned long long)k->luid);
	}
	resume_done(k);
	k->susp = 0;
	if (k->reload_req)
		k_suspend(k, true);
	return 0;
}

void k_suspend(struct knode *k, bool reload)
{
	if (!k->up)
		return;
	if (reload)
		k->reload_req = true;
	if (k->susp)
		return;
	k->susp = 1;
	k->susp_drop = reload;
}

/* Boot (CTR + the device's resume), or the kernel's re-CTR + RESUME
 * after -ESRCH (no log resume: the hint stays), and the DTR of a
 * reload's old instance. */
static int recreate(struct knode *k)
{
	int e;

	if (k->need_recreate) {
		e = ctr(k, k->luid, !k->boot);
		if (e)
			return e;
		k->need_recreate = false;
		k->need_resume = true;
	}
	if (k->need_resume) {
		e = req(k, DM_ULOG_RESUME, NULL, 0, NULL, NULL);
		if (e)
			return e;
		k->need_resume = false;
		if (k->boot)
			resume_done(k);
		k->boot = false;
	}
	if (k->dtr_luid) {
		uint64_t cnt = 0;

		/* mirror_dtr flushes the old table's kmirrord, which may
		 * ask first: an -EAGAIN is resent for ever (the reload hangs;
		 * found on the real cluster) */
		if (req_to(k, k->dtr_luid, DM_ULOG_GET_SYNC_COUNT, NULL, 0,
			   &cnt, NULL) == -EAGAIN)
			w_fail(k->w, "n%u: GET_SYNC_COUNT through the old "
			       "instance %llx got -EAGAIN: mirror_dtr would "
			       "wait for ever", k->node,
			       (unsigned long long)k->dtr_luid);
		e = req_to(k, k->dtr_luid, DM_ULOG_DTR, NULL, 0, NULL, NULL);
		if (e == -EAGAIN)
			return e;
		k->dtr_luid = 0;
	}
	return 0;
}

void k_pass(struct knode *k)
{
	if (!k->up || recreate(k))
		return;
	if (k->susp) {
		suspend_step(k);
		return;
	}
	if (k->wake || k->nq || k->nreads || k->nfail) {
		k->wake = false;
		/* an error (-EAGAIN: the kernel resends inside the request)
		 * leaves the pass to finish later */
		if (do_failures(k) || update_states(k) || do_recovery(k) ||
		    do_reads(k) || do_writes(k)) {
			k->wake = true;
			return;
		}
	}
	/* the delayed flush of clear-only passes */
	if (k->w->now - k->last_clear_flush > 30) {
		bool any = false;

		for (int r = 0; r < SIM_REGIONS; r++)
			any |= k->clear[r];
		if (any)
			flush(k);
		k->last_clear_flush = k->w->now;
	}
}

bool k_complete_one(struct knode *k)
{
	struct kwrite *wr;
	int i, leg;

	if (!k->nfl)
		return false;
	i = (int)sim_below(&k->w->rng, (uint64_t)k->nfl);
	wr = &k->fl[i];
	do
		leg = (int)sim_below(&k->w->rng, SIM_LEGS);
	while (!(wr->legs_left & (1u << leg)));
	/* a transient error of a secondary leg (never the default leg,
	 * never all legs: the mirror then fails the write, not modelled) */
	if (leg && sim_write_errors && k->w->chaos && sim_pct(&k->w->rng, 2)) {
		wr->legs_failed |= 1u << leg;
		k->w->nr_write_errors++;
		sim_log("n%u: write %llu block %d: leg %d write error",
			k->node, (unsigned long long)wr->id, wr->block, leg);
	} else {
		k->w->legs[leg][wr->block] = wr->id;
	}
	wr->legs_left &= ~(1u << leg);
	if (wr->legs_left)
		return true;
	if (wr->legs_failed) {
		k->wake = true;
		k->fail[k->nfail++] = *wr;
		*wr = k->fl[--k->nfl];
		return true;
	}
	chk_write_done(k->w, wr->block, wr->id);
	if (!--k->rh[REGION(wr->block)].pending)
		k->wake = true;		/* dm_rh_dec */
	*wr = k->fl[--k->nfl];
	return true;
}

bool k_copy_one(struct knode *k)
{
	int b;

	if (k->rec < 0 || k->rec_done || k->rh[k->rec].pending)
		return false;
	b = k->rec * SIM_BPR + k->rec_next;
	chk_copy_block(k->w, k->node, k->rec);
	for (int l = 1; l < SIM_LEGS; l++)
		k->w->legs[l][b] = k->w->legs[0][b];
	if (++k->rec_next == SIM_BPR) {
		k->rec_done = true;
		k->wake = true;		/* recovery_complete */
	}
	return true;
}

bool k_quiet(const struct knode *k)
{
	return !k->nq && !k->nfl && !k->nfail && k->rec < 0 && !k->susp &&
	       !k->need_recreate && !k->need_resume && !k->dtr_luid;
}

void k_crash(struct knode *k)
{
	for (int i = 0; i < k->nfl; i++) {
		struct kwrite *wr = &k->fl[i];

		for (int l = 0; l < SIM_LEGS; l++)
			if ((wr->legs_left & (1u << l)) &&
			    sim_pct(&k->w->rng, 50))
				k->w->legs[l][wr->block] = wr->id;
		sim_log("n%u: write %llu block %d dies in flight", k->node,
			(unsigned long long)wr->id, wr->block);
		chk_write_died(k->w, wr->block, wr->id);
	}
	for (int i = 0; i < k->nfail; i++)
		chk_write_died(k->w, k->fail[i].block, k->fail[i].id);
	k->up = false;
}
