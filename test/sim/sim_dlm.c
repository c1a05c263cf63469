/* A simulated DLM: resources per lockspace, grants in queue order,
 * blocking ASTs, NOQUEUE, LVBs with libdlm's traps, PERSISTENT locks
 * orphaned by a dying daemon and adopted with ORPHAN, node death with
 * locks released only at fencing. Callbacks are queued and delivered
 * later (sim_dlm_run), never from inside a lock call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct slock {
	uint32_t lkid, node;
	struct sim_lm *owner;		/* NULL: orphan */
	char space[LM_NAME_MAX + 1], name[LM_NAME_MAX + 1];
	int mode, rqmode;		/* mode -1: not granted */
	unsigned flags;
	bool basted;
	struct lm_lksb *lksb;
	lm_ast_fn ast;
	lm_bast_fn bast;
	void *arg;
	struct slock *next;		/* all locks, in arrival order */
};

struct sres {
	char space[LM_NAME_MAX + 1], name[LM_NAME_MAX + 1];
	uint8_t lvb[LM_LVB_LEN];
	struct sres *next;
};

struct sev {
	uint64_t due;
	uint32_t lkid;			/* 0: node-down event */
	bool is_bast;
	int val;
	struct sim_lm *to;		/* node-down target */
	uint32_t nodeid;
	struct sev *next;
};

struct sim_lm {
	struct lockmgr base;		/* first */
	struct sim_dlm *d;
	uint32_t node;
	bool dead;
	lm_node_down_fn down;
	void *down_arg;
	struct sim_lm *next;
};

struct sim_dlm {
	struct sim_rng *rng;
	uint64_t *now;
	uint32_t next_lkid;
	struct slock *locks;
	struct sres *res;
	struct sev *ev, **ev_tail;
	struct sim_lm *lms;
	bool alive[SIM_MAX_NODES + 1];
	uint64_t fence_at[SIM_MAX_NODES + 1];
};

static const bool compat[6][6] = {
	{ 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1, 0 }, { 1, 1, 1, 0, 0, 0 },
	{ 1, 1, 0, 1, 0, 0 }, { 1, 1, 0, 0, 0, 0 }, { 1, 0, 0, 0, 0, 0 },
};

static void push(struct sim_dlm *d, struct sev *e)
{
	e->due = *d->now + 1 + sim_below(d->rng, 4);
	e->next = NULL;
	*d->ev_tail = e;
	d->ev_tail = &e->next;
}

static void queue_cb(struct sim_dlm *d, struct slock *l, bool bast, int val)
{
	struct sev *e = calloc(1, sizeof(*e));

	if (!e)
		abort();
	e->lkid = l->lkid;
	e->is_bast = bast;
	e->val = val;
	push(d, e);
}

static struct sres *res_get(struct sim_dlm *d, const char *sp, const char *n)
{
	struct sres *r;

	for (r = d->res; r; r = r->next)
		if (!strcmp(r->space, sp) && !strcmp(r->name, n))
			return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	snprintf(r->space, sizeof(r->space), "%s", sp);
	snprintf(r->name, sizeof(r->name), "%s", n);
	r->next = d->res;
	d->res = r;
	return r;
}

static bool same_res(const struct slock *a, const char *sp, const char *n)
{
	return !strcmp(a->space, sp) && !strcmp(a->name, n);
}

static bool grantable(struct sim_dlm *d, struct slock *l)
{
	for (struct slock *o = d->locks; o; o = o->next)
		if (o != l && o->mode >= 0 && same_res(o, l->space, l->name) &&
		    !compat[o->mode][l->rqmode])
			return false;
	return true;
}

static void grant(struct sim_dlm *d, struct slock *l)
{
	struct sres *r = res_get(d, l->space, l->name);
	int from = l->mode;

	l->mode = l->rqmode;
	l->basted = false;
	l->lksb->mode = l->mode;
	l->lksb->lkid = l->lkid;
	/* LVB trap: NL (or nothing) straight to EX may return a stale LVB */
	if ((l->flags & LM_F_VALBLK) && l->mode >= LM_PR &&
	    !(l->mode == LM_EX && from <= LM_NL))
		memcpy(l->lksb->lvb, r->lvb, LM_LVB_LEN);
	queue_cb(d, l, false, 0);
}

/* Grant waiting requests of one resource in queue order; blocking ASTs
 * to the holders in the way of the first one that must wait. */
static void grant_pass(struct sim_dlm *d, const char *sp, const char *n)
{
	for (struct slock *l = d->locks; l; l = l->next) {
		if (!same_res(l, sp, n) || l->mode == l->rqmode)
			continue;
		if (grantable(d, l)) {
			grant(d, l);
			continue;
		}
		for (struct slock *o = d->locks; o; o = o->next)
			if (o->mode >= 0 && same_res(o, sp, n) && !o->basted &&
			    o->bast && o->owner &&
			    !compat[o->mode][l->rqmode]) {
				o->basted = true;
				queue_cb(d, o, true, l->rqmode);
			}
		return;
	}
}

static struct slock *find(struct sim_dlm *d, uint32_t lkid)
{
	for (struct slock *l = d->locks; l; l = l->next)
		if (l->lkid == lkid)
			return l;
	return NULL;
}

static void remove_lock(struct sim_dlm *d, struct slock *l)
{
	struct slock **pp = &d->locks;
	char sp[LM_NAME_MAX + 1], n[LM_NAME_MAX + 1];

	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	strcpy(sp, l->space);
	strcpy(n, l->name);
	free(l);
	grant_pass(d, sp, n);
}

static struct sim_lm *to_slm(struct lockmgr *lm)
{
	return (struct sim_lm *)lm;
}

static int s_ls_open(struct lockmgr *lm, const char *name,
		     struct lm_space **out)
{
	char *s = strdup(name);

	(void)lm;
	*out = (struct lm_space *)s;
	return s ? 0 : -ENOMEM;
}

static void s_ls_close(struct lockmgr *lm, struct lm_space *ls)
{
	struct sim_lm *m = to_slm(lm);
	struct sim_dlm *d = m->d;
	const char *sp = (const char *)ls;
	struct slock *l, *nx;

	if (!m->dead)
		for (l = d->locks; l; l = nx) {
			nx = l->next;
			if (l->owner == m && !strcmp(l->space, sp)) {
				remove_lock(d, l);
				nx = d->locks;	/* list changed */
			}
		}
	if (m->down_arg)
		m->down = NULL;
	free(ls);
}

static int adopt(struct sim_dlm *d, struct sim_lm *m, struct slock *nl)
{
	for (struct slock *l = d->locks; l; l = l->next)
		if (!l->owner && l->node == m->node &&
		    same_res(l, nl->space, nl->name) && l->mode == nl->rqmode) {
			l->owner = m;
			l->lksb = nl->lksb;
			l->ast = nl->ast;
			l->bast = nl->bast;
			l->arg = nl->arg;
			l->lksb->lkid = l->lkid;
			l->lksb->mode = l->mode;
			queue_cb(d, l, false, 0);
			return 1;
		}
	return 0;
}

static int s_lock(struct lockmgr *lm, struct lm_space *ls, const char *res,
		  int mode, unsigned flags, struct lm_lksb *lksb,
		  lm_ast_fn ast, lm_bast_fn bast, void *arg)
{
	struct sim_lm *m = to_slm(lm);
	struct sim_dlm *d = m->d;
	struct slock *l, **pp;

	if (m->dead)
		return -ENOTCONN;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->lkid = ++d->next_lkid;
	l->node = m->node;
	l->owner = m;
	snprintf(l->space, sizeof(l->space), "%s", (const char *)ls);
	snprintf(l->name, sizeof(l->name), "%s", res);
	l->mode = -1;
	l->rqmode = mode;
	l->flags = flags;
	l->lksb = lksb;
	l->ast = ast;
	l->bast = bast;
	l->arg = arg;
	lksb->lkid = l->lkid;
	lksb->mode = LM_NL;
	if (flags & LM_F_ORPHAN) {
		int found = adopt(d, m, l);

		if (!found) {
			lksb->lkid = 0;
			l->mode = l->rqmode = -1;	/* carries -ENOENT */
			l->next = d->locks;
			d->locks = l;
			queue_cb(d, l, false, -ENOENT);
			return 0;
		}
		free(l);
		return 0;
	}
	for (pp = &d->locks; *pp; pp = &(*pp)->next)
		;
	*pp = l;
	if (flags & LM_F_NOQUEUE) {
		bool waiters = false;

		for (struct slock *o = d->locks; o != l; o = o->next)
			if (same_res(o, l->space, l->name) && o->mode != o->rqmode)
				waiters = true;
		if (waiters || !grantable(d, l)) {
			l->mode = l->rqmode = -1;	/* carries -EAGAIN */
			lksb->lkid = 0;
			queue_cb(d, l, false, -EAGAIN);
			return 0;
		}
	}
	grant_pass(d, l->space, l->name);
	return 0;
}

static int s_convert(struct lockmgr *lm, struct lm_space *ls,
		     struct lm_lksb *lksb, int mode, unsigned flags,
		     lm_ast_fn ast, lm_bast_fn bast, void *arg)
{
	struct sim_dlm *d = to_slm(lm)->d;
	struct slock *l = find(d, lksb->lkid);
	struct sres *r;

	(void)ls;
	if (!l || l->mode < 0)
		return -EINVAL;
	r = res_get(d, l->space, l->name);
	if ((flags & LM_F_VALBLK) && l->mode >= LM_PW && mode < l->mode)
		memcpy(r->lvb, lksb->lvb, LM_LVB_LEN);
	l->flags = flags | (l->flags & LM_F_PERSISTENT);
	l->rqmode = mode;
	if (ast)
		l->ast = ast;
	l->bast = bast;
	l->arg = arg;
	if (mode < l->mode) {
		l->mode = mode;
		lksb->mode = mode;
		queue_cb(d, l, false, 0);
		grant_pass(d, l->space, l->name);
		return 0;
	}
	grant_pass(d, l->space, l->name);
	return 0;
}

static int s_unlock(struct lockmgr *lm, struct lm_space *ls,
		    struct lm_lksb *lksb)
{
	struct sim_lm *m = to_slm(lm);
	struct slock *l;

	(void)ls;
	if (m->dead || !lksb->lkid)
		return 0;
	l = find(m->d, lksb->lkid);
	if (!l || l->owner != m)
		return 0;
	/* LVB trap: unlocking from PW/EX with VALBLK leaves garbage */
	if ((l->flags & LM_F_VALBLK) && l->mode >= LM_PW) {
		struct sres *r = res_get(m->d, l->space, l->name);

		for (int i = 0; i < LM_LVB_LEN; i++)
			r->lvb[i] = (uint8_t)sim_rand(m->d->rng);
	}
	lksb->lkid = 0;
	remove_lock(m->d, l);
	return 0;
}

static int s_purge(struct lockmgr *lm, struct lm_space *ls)
{
	struct sim_lm *m = to_slm(lm);
	struct slock *l, *nx;

	for (l = m->d->locks; l; l = nx) {
		nx = l->next;
		if (!l->owner && l->node == m->node &&
		    !strcmp(l->space, (const char *)ls) && l->mode >= 0) {
			remove_lock(m->d, l);
			nx = m->d->locks;
		}
	}
	return 0;
}

static uint32_t s_node_id(struct lockmgr *lm)
{
	return to_slm(lm)->node;
}

static bool s_node_alive(struct lockmgr *lm, uint32_t nodeid)
{
	return nodeid <= SIM_MAX_NODES && to_slm(lm)->d->alive[nodeid];
}

static void s_watch(struct lockmgr *lm, struct lm_space *ls,
		    lm_node_down_fn fn, void *arg)
{
	(void)ls;
	to_slm(lm)->down = fn;
	to_slm(lm)->down_arg = arg;
}

static int s_attach(struct lockmgr *lm, const char *uuid, uint32_t n,
		    uint32_t *slot)
{
	(void)lm;
	(void)uuid;
	(void)n;
	*slot = 0;
	return 0;
}

static void s_detach(struct lockmgr *lm, const char *uuid)
{
	(void)lm;
	(void)uuid;
}

static bool s_rr(struct lockmgr *lm, const char *uuid, uint64_t region)
{
	(void)lm;
	(void)uuid;
	(void)region;
	return false;
}

static uint32_t s_slots(struct lockmgr *lm)
{
	(void)lm;
	return SIM_SLOTS;
}

static void s_destroy(struct lockmgr *lm)
{
	struct sim_lm *m = to_slm(lm);
	struct sim_lm **pp = &m->d->lms;

	while (*pp && *pp != m)
		pp = &(*pp)->next;
	if (*pp)
		*pp = m->next;
	for (struct sev *e = m->d->ev; e; e = e->next)
		if (e->to == m)
			e->to = NULL;
	free(m);
}

static const struct lockmgr_async_ops sim_async = {
	.ls_open = s_ls_open, .ls_close = s_ls_close, .lock = s_lock,
	.convert = s_convert, .unlock = s_unlock, .purge_orphans = s_purge,
	.node_id = s_node_id, .node_alive = s_node_alive,
	.watch_nodes = s_watch,
};

static const struct lockmgr_ops sim_ops = {
	.name = "simdlm", .attach = s_attach, .detach = s_detach,
	.remote_recovering = s_rr, .default_slots = s_slots,
	.destroy = s_destroy, .async = &sim_async,
};

struct sim_dlm *sim_dlm_new(struct sim_rng *rng, uint64_t *now)
{
	struct sim_dlm *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	d->rng = rng;
	d->now = now;
	d->ev_tail = &d->ev;
	return d;
}

void sim_dlm_free(struct sim_dlm *d)
{
	while (d->locks) {
		struct slock *l = d->locks;

		d->locks = l->next;
		free(l);
	}
	while (d->res) {
		struct sres *r = d->res;

		d->res = r->next;
		free(r);
	}
	while (d->ev) {
		struct sev *e = d->ev;

		d->ev = e->next;
		free(e);
	}
	free(d);
}

struct lockmgr *sim_dlm_connect(struct sim_dlm *d, uint32_t node)
{
	struct sim_lm *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	m->base.ops = &sim_ops;
	m->d = d;
	m->node = node;
	m->next = d->lms;
	d->lms = m;
	d->alive[node] = true;
	return &m->base;
}

/* A process exit: cancel what waits, orphan persistent grants. */
void sim_dlm_proc_exit(struct lockmgr *lm)
{
	struct sim_lm *m = to_slm(lm);
	struct slock *l, *nx;

	for (l = m->d->locks; l; l = nx) {
		nx = l->next;
		if (l->owner != m)
			continue;
		if (l->mode >= 0 && (l->flags & LM_F_PERSISTENT) &&
		    l->mode == l->rqmode) {
			l->owner = NULL;
			l->bast = NULL;
		} else {
			remove_lock(m->d, l);
			nx = m->d->locks;
		}
	}
	m->dead = true;
}

void sim_dlm_node_die(struct sim_dlm *d, uint32_t node, uint64_t fence_at)
{
	struct slock *l, *nx;

	d->alive[node] = false;
	d->fence_at[node] = fence_at;
	/* held until fencing, by nobody */
	for (l = d->locks; l; l = nx) {
		nx = l->next;
		if (l->node != node)
			continue;
		if (l->mode >= 0 && l->mode == l->rqmode) {
			l->owner = NULL;
			l->bast = NULL;
		} else {
			remove_lock(d, l);
			nx = d->locks;
		}
	}
	for (struct sim_lm *m = d->lms; m; m = m->next) {
		if (m->node == node) {
			m->dead = true;
			continue;
		}
		/* membership: the model takes detection as instant (in a
		 * real cluster, corosync's token timeout is a window no log
		 * can close: md-cluster has it too) */
		if (!m->dead && m->down)
			m->down(m->down_arg, node);
	}
}

bool sim_dlm_fenced(struct sim_dlm *d, uint32_t node)
{
	return !d->alive[node] && !d->fence_at[node];
}

void sim_dlm_node_up(struct sim_dlm *d, uint32_t node)
{
	d->alive[node] = true;
}

static void fence_due(struct sim_dlm *d)
{
	for (uint32_t n = 1; n <= SIM_MAX_NODES; n++) {
		struct slock *l, *nx;

		if (d->alive[n] || !d->fence_at[n] || d->fence_at[n] > *d->now)
			continue;
		d->fence_at[n] = 0;
		sim_log("dlm: node %u fenced, its locks released", n);
		for (l = d->locks; l; l = nx) {
			nx = l->next;
			if (l->node == n) {
				remove_lock(d, l);
				nx = d->locks;
			}
		}
	}
}

static void deliver(struct sim_dlm *d, struct sev *e)
{
	struct slock *l;

	if (!e->lkid) {
		if (e->to && !e->to->dead && e->to->down)
			e->to->down(e->to->down_arg, e->nodeid);
		return;
	}
	l = find(d, e->lkid);
	if (!l)
		return;
	if (e->is_bast) {
		if (l->owner && !l->owner->dead && l->bast)
			l->bast(l->arg, e->val);
		return;
	}
	if (e->val) {
		/* refused request: the dummy goes away, then the AST */
		lm_ast_fn ast = l->ast;
		void *arg = l->arg;
		bool live = l->owner && !l->owner->dead;

		remove_lock(d, l);
		if (live && ast)
			ast(arg, e->val);
		return;
	}
	if (l->owner && !l->owner->dead && l->ast)
		l->ast(l->arg, 0);
}

int sim_dlm_run(struct sim_dlm *d)
{
	int n = 0;

	fence_due(d);
	while (d->ev && d->ev->due <= *d->now) {
		struct sev *e = d->ev;

		d->ev = e->next;
		if (!d->ev)
			d->ev_tail = &d->ev;
		deliver(d, e);
		free(e);
		n++;
	}
	return n;
}

bool sim_dlm_idle(struct sim_dlm *d)
{
	return !d->ev;
}

void sim_dlm_dump(struct sim_dlm *d)
{
	for (struct slock *l = d->locks; l; l = l->next)
		printf("lock %u %s node %u owner %s mode %d rq %d flags %x\n",
		       l->lkid, l->name, l->node, l->owner ? "live" : "orphan",
		       l->mode, l->rqmode, l->flags);
}
