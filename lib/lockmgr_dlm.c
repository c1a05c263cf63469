/* The cluster lock manager over libdlm and corosync (see lockmgr_dlm.h).
 *
 * Like blockdev_file.c, this is the real side of a seam: it makes system
 * calls. The state machine (records, cancel/unlock, deferred results,
 * shared lockspaces, membership) is written against struct lmdlm_sys;
 * the bottom of the file binds that to libdlm, libcpg and libquorum. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libdlm.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>

#include "dmlog_log.h"
#include "lockmgr_dlm.h"

#define DLM_CONTROL "/dev/misc/dlm-control"
#define MAX_MEMBERS 256

struct space;
struct handle;

/* One DLM lock (or request) of ours. Lives from lock() until DLM says it
 * is gone (unlock/cancel AST, refusal) or its lockspace is closed. */
struct rec {
	struct space *sp;
	struct handle *h;		/* the opener that made it */
	struct lm_lksb *user;		/* NULL once the caller unlocked it */
	struct dlm_lksb lksb;		/* libdlm writes here on an AST */
	char lvb[LM_LVB_LEN];
	char name[LM_NAME_MAX + 1];
	int gr;				/* granted mode, -1: none */
	int rq;				/* requested mode, -1: none pending */
	unsigned flags;			/* LM_F_* of the last request */
	bool unlocking;			/* unlock sent, waiting for EUNLOCK */
	bool parked;			/* persistent, opener closed: hold */
	lm_ast_fn ast;
	lm_bast_fn bast;
	void *arg;
	struct rec *next;
};

/* One DLM lockspace, shared by every opener of its name. */
struct space {
	char name[LM_NAME_MAX + 1];
	void *dh;			/* sys handle */
	int fd;
	unsigned openers;
	bool closing;			/* last opener gone; close after dispatch */
	struct rec *recs;
	struct space *next;
};

/* What ls_open returns: one per opener, with its membership watcher. */
struct handle {
	struct space *sp;
	lm_node_down_fn down;
	void *down_arg;
	bool closed;
	struct handle *next;
};

/* A result delivered at the next dispatch (adoption answers). */
struct deferred {
	struct rec *rec;
	int status;
	struct deferred *next;
};

struct dlm_lm {
	struct lockmgr base;		/* first */
	const struct lmdlm_sys *sys;
	void *ctx;
	int epfd, wakefd;
	uint32_t nodeid;
	uint32_t members[MAX_MEMBERS];
	size_t nr_members;
	struct space *spaces;
	struct handle *handles;
	struct deferred *dq, **dq_tail;
	unsigned in_dispatch;
	struct lockmgr_dlm_stats st;
	/* corosync (real manager only) */
	quorum_handle_t qh;
	int qfd;
	bool quorum_up;
};

static const struct lockmgr_ops dlm_ops;

static struct dlm_lm *to_dlm(struct lockmgr *lm)
{
	return (struct dlm_lm *)lm;
}

/* lm_mode and libdlm's LKM_* modes are the same numbers. */
static uint32_t dlm_flags(unsigned f)
{
	uint32_t d = 0;

	if (f & LM_F_NOQUEUE)
		d |= LKF_NOQUEUE;
	if (f & LM_F_PERSISTENT)
		d |= LKF_PERSISTENT;
	if (f & LM_F_ORPHAN)
		d |= LKF_ORPHAN;
	if (f & LM_F_VALBLK)
		d |= LKF_VALBLK;
	return d;
}

static void wake(struct dlm_lm *m)
{
	uint64_t one = 1;

	if (write(m->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("dlm: cannot wake the event loop: %s",
			strerror(errno));
}

static void defer(struct dlm_lm *m, struct rec *r, int status)
{
	struct deferred *d = calloc(1, sizeof(*d));

	if (!d) {
		log_err("dlm: out of memory queueing a lock result for %s",
			r->name);
		return;
	}
	d->rec = r;
	d->status = status;
	*m->dq_tail = d;
	m->dq_tail = &d->next;
	wake(m);
}

static void undefer(struct dlm_lm *m, struct rec *r)
{
	struct deferred **pp = &m->dq;

	while (*pp) {
		if ((*pp)->rec == r) {
			struct deferred *d = *pp;

			*pp = d->next;
			free(d);
		} else {
			pp = &(*pp)->next;
		}
	}
	m->dq_tail = &m->dq;
	while (*m->dq_tail)
		m->dq_tail = &(*m->dq_tail)->next;
}

static void free_rec(struct dlm_lm *m, struct rec *r)
{
	struct rec **pp = &r->sp->recs;

	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	undefer(m, r);
	free(r);
}

static struct rec *find_rec(struct space *sp, const struct lm_lksb *user)
{
	for (struct rec *r = sp->recs; r; r = r->next)
		if (r->user == user)
			return r;
	return NULL;
}

static void rec_ast(void *arg);
static void rec_bast(void *arg);
static void post_dispatch(struct dlm_lm *m);

/* The caller is done with r: give back whatever DLM still holds. */
static void release(struct dlm_lm *m, struct rec *r)
{
	if (r->rq >= 0 || r->unlocking)
		return;		/* an AST will come; release() again then */
	if (r->gr < 0) {
		free_rec(m, r);
		return;
	}
	if (r->gr >= LM_PW && (r->flags & LM_F_VALBLK)) {
		/* Never unlock from PW/EX after a VALBLK request: libdlm
		 * would write garbage into the LVB. Drop to NL first,
		 * without VALBLK, so nothing is written. */
		r->flags &= ~LM_F_VALBLK;
		r->rq = LM_NL;
		m->st.convert++;
		if (m->sys->lock(m->ctx, r->sp->dh, LKM_NLMODE, &r->lksb,
				 LKF_CONVERT | dlm_flags(r->flags &
							 LM_F_PERSISTENT),
				 r->name, rec_ast, r, NULL) == 0)
			return;
		log_err("dlm: %s/%s: convert to NL before unlock failed: %s",
			r->sp->name, r->name, strerror(errno));
		r->rq = -1;
	}
	m->st.unlock++;
	if (m->sys->unlock(m->ctx, r->sp->dh, r->lksb.sb_lkid, 0, &r->lksb,
			   r) == 0) {
		r->unlocking = true;
		return;
	}
	log_err("dlm: %s/%s: unlock failed: %s", r->sp->name, r->name,
		strerror(errno));
	free_rec(m, r);
}

static struct dlm_lm *rec_lm(struct rec *r);

static void rec_ast(void *arg)
{
	struct rec *r = arg;
	struct dlm_lm *m = rec_lm(r);
	/* The kernel's codes are negative; libdlm flips them positive in
	 * sb_status (EAGAIN for a NOQUEUE refusal, EUNLOCK, ECANCEL, ...).
	 * The lock interface speaks negative errnos: flip back, and
	 * accept either sign. */
	int status = r->lksb.sb_status > 0 ? -r->lksb.sb_status :
					     r->lksb.sb_status;
	struct lm_lksb *u = r->user;

	m->st.ast++;
	if (r->sp->closing)
		return;
	/* Seen on the real cluster before the flip: every unlocked record
	 * stayed, and NOQUEUE refusals were not seen as -EAGAIN. */
	if (status == -EUNLOCK) {
		free_rec(m, r);
		return;
	}
	if (status == -ECANCEL) {
		r->rq = -1;
		if (!u)
			release(m, r);
		return;
	}
	if (status == 0) {
		if (r->rq < 0)
			return;		/* nothing asked: not ours to report */
		r->gr = r->rq;
		r->rq = -1;
		if (!u) {
			release(m, r);
			return;
		}
		u->status = 0;
		u->lkid = r->lksb.sb_lkid;
		u->mode = r->gr;
		if ((r->flags & LM_F_VALBLK) && r->gr >= LM_PR)
			memcpy(u->lvb, r->lvb, LM_LVB_LEN);
		if (r->ast)
			r->ast(r->arg, 0);
		return;
	}
	/* refused (NOQUEUE -EAGAIN, deadlock, ...) */
	r->rq = -1;
	if (!u) {
		release(m, r);
		return;
	}
	u->status = status;
	if (r->gr < 0) {
		/* a new request: no lock remains */
		lm_ast_fn ast = r->ast;
		void *a = r->arg;

		u->lkid = 0;
		u->mode = LM_NL;
		free_rec(m, r);
		if (ast)
			ast(a, status);
		return;
	}
	u->mode = r->gr;		/* a conversion: the old mode stays */
	if (r->ast)
		r->ast(r->arg, status);
}

static void rec_bast(void *arg)
{
	struct rec *r = arg;
	struct dlm_lm *m = rec_lm(r);

	m->st.bast++;
	if (r->sp->closing || !r->user || r->gr < 0 || !r->bast)
		return;
	/* libdlm does not say which mode blocks: the strongest. */
	r->bast(r->arg, LM_EX);
}

/* Records reach their manager through their space's list owner: keep a
 * back pointer in the space (set at creation). */
struct space_ext {
	struct space sp;
	struct dlm_lm *m;
};

static struct dlm_lm *rec_lm(struct rec *r)
{
	return ((struct space_ext *)r->sp)->m;
}

/* ------------------------------------------------------------ lockspaces */

static void close_space_now(struct dlm_lm *m, struct space *sp)
{
	struct space **pp = &m->spaces;
	bool release = true;

	for (struct rec *r = sp->recs; r; r = r->next)
		if (!r->unlocking)
			release = false;	/* held or pending */
	if (sp->fd >= 0)
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, sp->fd, NULL);
	m->sys->ls_close(m->ctx, sp->name, sp->dh, release);
	log_info("dlm: lockspace %s %s", sp->name,
		 release ? "released" : "closed (persistent locks orphaned)");
	while (sp->recs)
		free_rec(m, sp->recs);
	while (*pp && *pp != sp)
		pp = &(*pp)->next;
	if (*pp)
		*pp = sp->next;
	free(sp);
}

static int d_ls_open(struct lockmgr *lm, const char *name,
		     struct lm_space **out)
{
	struct dlm_lm *m = to_dlm(lm);
	struct space *sp;
	struct handle *h;
	struct epoll_event ev = { .events = EPOLLIN };

	if (strlen(name) > LM_NAME_MAX)
		return -ENAMETOOLONG;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (sp = m->spaces; sp; sp = sp->next)
		if (!sp->closing && !strcmp(sp->name, name))
			break;
	if (!sp) {
		struct space_ext *se = calloc(1, sizeof(*se));
		int e;

		if (!se) {
			free(h);
			return -ENOMEM;
		}
		se->m = m;
		sp = &se->sp;
		snprintf(sp->name, sizeof(sp->name), "%s", name);
		sp->dh = m->sys->ls_open(m->ctx, name);
		if (!sp->dh) {
			e = errno ? errno : EIO;
			log_err("dlm: cannot create or open lockspace %s: %s "
				"(dlm_controld not running? " DLM_CONTROL
				" missing? dmlogd needs CAP_SYS_ADMIN)", name,
				strerror(e));
			free(se);
			free(h);
			return -e;
		}
		sp->fd = m->sys->ls_fd(m->ctx, sp->dh);
		ev.data.ptr = sp;
		if (sp->fd < 0 ||
		    epoll_ctl(m->epfd, EPOLL_CTL_ADD, sp->fd, &ev) < 0) {
			e = sp->fd < 0 ? EIO : errno;
			log_err("dlm: lockspace %s: cannot poll its device: %s",
				name, strerror(e));
			m->sys->ls_close(m->ctx, name, sp->dh, false);
			free(se);
			free(h);
			return -e;
		}
		sp->next = m->spaces;
		m->spaces = sp;
		log_info("dlm: lockspace %s joined", name);
	}
	sp->openers++;
	h->sp = sp;
	h->next = m->handles;
	m->handles = h;
	*out = (struct lm_space *)h;
	return 0;
}

static void free_closed_handles(struct dlm_lm *m)
{
	struct handle **pp = &m->handles;

	while (*pp) {
		if ((*pp)->closed) {
			struct handle *h = *pp;

			*pp = h->next;
			free(h);
		} else {
			pp = &(*pp)->next;
		}
	}
}

static void d_ls_close(struct lockmgr *lm, struct lm_space *ls)
{
	struct dlm_lm *m = to_dlm(lm);
	struct handle *h = (struct handle *)ls;
	struct space *sp = h->sp;
	struct rec *r, *nx;

	h->closed = true;
	h->down = NULL;
	if (--sp->openers) {
		/* Others share the lockspace: give back what this opener
		 * held, except persistent grants, which stay held as a
		 * crashed daemon's would. */
		for (r = sp->recs; r; r = nx) {
			nx = r->next;
			if (r->h != h || !r->user)
				continue;
			r->user = NULL;
			if ((r->flags & LM_F_PERSISTENT) && r->gr >= 0 &&
			    r->rq < 0) {
				r->parked = true;
				continue;
			}
			if (r->rq >= 0) {
				m->st.cancel++;
				m->sys->unlock(m->ctx, sp->dh, r->lksb.sb_lkid,
					       LKF_CANCEL, &r->lksb, r);
				continue;
			}
			release(m, r);
		}
	} else {
		sp->closing = true;
		if (!m->in_dispatch)
			close_space_now(m, sp);
	}
	if (!m->in_dispatch)
		free_closed_handles(m);
}

/* ------------------------------------------------------------ locks */

static int d_lock(struct lockmgr *lm, struct lm_space *ls, const char *res,
		  int mode, unsigned flags, struct lm_lksb *lksb,
		  lm_ast_fn ast, lm_bast_fn bast, void *arg)
{
	struct dlm_lm *m = to_dlm(lm);
	struct handle *h = (struct handle *)ls;
	struct space *sp = h->sp;
	struct rec *r;
	int e;

	if (h->closed || sp->closing)
		return -ENOTCONN;
	if (strlen(res) > LM_NAME_MAX || mode < LM_NL || mode > LM_EX)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->sp = sp;
	r->h = h;
	r->user = lksb;
	r->lksb.sb_lvbptr = r->lvb;
	snprintf(r->name, sizeof(r->name), "%s", res);
	r->gr = -1;
	r->rq = mode;
	r->flags = flags;
	r->ast = ast;
	r->bast = bast;
	r->arg = arg;
	if (flags & LM_F_VALBLK)
		memcpy(r->lvb, lksb->lvb, LM_LVB_LEN);
	lksb->lkid = 0;
	lksb->mode = LM_NL;
	m->st.lock++;
	errno = 0;
	if (m->sys->lock(m->ctx, sp->dh, (uint32_t)mode, &r->lksb,
			 dlm_flags(flags), res, rec_ast, r,
			 bast ? rec_bast : NULL) < 0) {
		e = errno ? errno : EIO;
		if (!(flags & LM_F_ORPHAN) || (e != ENOENT && e != EAGAIN)) {
			log_err("dlm: %s/%s: lock request failed: %s",
				sp->name, res, strerror(e));
			free(r);
			return -e;
		}
		/* no orphan of ours in that mode: report it like a refusal */
		r->rq = -1;
		r->next = sp->recs;
		sp->recs = r;
		defer(m, r, -ENOENT);
		return 0;
	}
	r->next = sp->recs;
	sp->recs = r;
	lksb->lkid = r->lksb.sb_lkid;
	if (flags & LM_F_ORPHAN) {
		/* adopted on the spot, no AST from DLM */
		r->gr = mode;
		r->rq = -1;
		defer(m, r, 0);
	}
	return 0;
}

static int d_convert(struct lockmgr *lm, struct lm_space *ls,
		     struct lm_lksb *lksb, int mode, unsigned flags,
		     lm_ast_fn ast, lm_bast_fn bast, void *arg)
{
	struct dlm_lm *m = to_dlm(lm);
	struct handle *h = (struct handle *)ls;
	struct rec *r = find_rec(h->sp, lksb);
	unsigned nf;

	if (!r || r->gr < 0 || mode < LM_NL || mode > LM_EX)
		return -EINVAL;
	if (r->rq >= 0)
		return -EBUSY;
	nf = (flags & ~(unsigned)LM_F_ORPHAN) | (r->flags & LM_F_PERSISTENT);
	if (flags & LM_F_VALBLK)
		memcpy(r->lvb, lksb->lvb, LM_LVB_LEN);
	m->st.convert++;
	if (m->sys->lock(m->ctx, h->sp->dh, (uint32_t)mode, &r->lksb,
			 LKF_CONVERT | dlm_flags(nf), r->name, rec_ast, r,
			 bast ? rec_bast : NULL) < 0) {
		int e = errno ? errno : EIO;

		log_err("dlm: %s/%s: convert failed: %s", h->sp->name,
			r->name, strerror(e));
		return -e;
	}
	r->flags = nf;
	r->rq = mode;
	if (ast)
		r->ast = ast;
	r->bast = bast;
	r->arg = arg;
	/* A down-conversion is always granted: the caller sees it now. */
	if (mode < r->gr)
		lksb->mode = mode;
	return 0;
}

static int d_unlock(struct lockmgr *lm, struct lm_space *ls,
		    struct lm_lksb *lksb)
{
	struct dlm_lm *m = to_dlm(lm);
	struct handle *h = (struct handle *)ls;
	struct rec *r = find_rec(h->sp, lksb);

	lksb->lkid = 0;
	lksb->mode = LM_NL;
	if (!r)
		return 0;
	r->user = NULL;
	undefer(m, r);
	if (r->rq >= 0) {
		/* waiting: cancel; the AST says whether it was granted
		 * first (then release() unlocks it) */
		m->st.cancel++;
		if (m->sys->unlock(m->ctx, h->sp->dh, r->lksb.sb_lkid,
				   LKF_CANCEL, &r->lksb, r) < 0)
			log_err("dlm: %s/%s: cancel failed: %s", h->sp->name,
				r->name, strerror(errno));
		return 0;
	}
	release(m, r);
	return 0;
}

static int d_purge(struct lockmgr *lm, struct lm_space *ls)
{
	struct dlm_lm *m = to_dlm(lm);
	struct handle *h = (struct handle *)ls;

	m->st.purge++;
	/* pid 0: every orphan of this node in the lockspace */
	if (m->sys->purge(m->ctx, h->sp->dh, (int)m->nodeid, 0) < 0) {
		int e = errno ? errno : EIO;

		log_err("dlm: %s: purging orphans failed: %s", h->sp->name,
			strerror(e));
		return -e;
	}
	return 0;
}

static uint32_t d_node_id(struct lockmgr *lm)
{
	return to_dlm(lm)->nodeid;
}

static bool d_node_alive(struct lockmgr *lm, uint32_t nodeid)
{
	struct dlm_lm *m = to_dlm(lm);

	for (size_t i = 0; i < m->nr_members; i++)
		if (m->members[i] == nodeid)
			return true;
	return false;
}

static void d_watch(struct lockmgr *lm, struct lm_space *ls,
		    lm_node_down_fn fn, void *arg)
{
	struct handle *h = (struct handle *)ls;

	(void)lm;
	h->down = fn;
	h->down_arg = arg;
}

void lockmgr_dlm_set_members(struct lockmgr *lm, const uint32_t *ids,
			     size_t n)
{
	struct dlm_lm *m = to_dlm(lm);
	uint32_t old[MAX_MEMBERS];
	size_t nold = m->nr_members;

	if (n > MAX_MEMBERS)
		n = MAX_MEMBERS;
	memcpy(old, m->members, nold * sizeof(old[0]));
	memcpy(m->members, ids, n * sizeof(ids[0]));
	m->nr_members = n;
	m->in_dispatch++;
	for (size_t i = 0; i < nold; i++) {
		if (d_node_alive(lm, old[i]))
			continue;
		m->st.node_down++;
		log_notice("dlm: node %u left the cluster membership",
			   old[i]);
		for (struct handle *h = m->handles; h; h = h->next)
			if (!h->closed && h->down)
				h->down(h->down_arg, old[i]);
	}
	m->in_dispatch--;
	post_dispatch(m);
	for (size_t i = 0; i < n; i++) {
		bool was = false;

		for (size_t j = 0; j < nold; j++)
			was |= old[j] == ids[i];
		if (!was && nold)
			log_notice("dlm: node %u joined the cluster "
				   "membership", ids[i]);
	}
}

/* ------------------------------------------------------------ dispatch */

static void run_deferred(struct dlm_lm *m)
{
	while (m->dq) {
		struct deferred *d = m->dq;
		struct rec *r = d->rec;
		int status = d->status;
		struct lm_lksb *u = r->user;
		lm_ast_fn ast = r->ast;
		void *arg = r->arg;

		m->dq = d->next;
		if (!m->dq)
			m->dq_tail = &m->dq;
		free(d);
		m->st.ast++;
		if (r->sp->closing || !u)
			continue;
		u->status = status;
		if (status) {
			u->lkid = 0;
			u->mode = LM_NL;
			free_rec(m, r);
		} else {
			u->lkid = r->lksb.sb_lkid;
			u->mode = r->gr;
		}
		if (ast)
			ast(arg, status);
	}
}

/* Close what callbacks closed, once no callback runs any more. */
static void post_dispatch(struct dlm_lm *m)
{
	struct space *sp, *nx;

	if (m->in_dispatch)
		return;
	for (sp = m->spaces; sp; sp = nx) {
		nx = sp->next;
		if (sp->closing)
			close_space_now(m, sp);
	}
	free_closed_handles(m);
}

static void quorum_dispatch_fd(struct dlm_lm *m);

void lockmgr_dlm_dispatch(struct lockmgr *lm)
{
	struct dlm_lm *m = to_dlm(lm);
	struct epoll_event ev[16];
	int n;

	m->in_dispatch++;
	n = epoll_wait(m->epfd, ev, 16, 0);
	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;

		if (p == &m->wakefd) {
			uint64_t v;

			if (read(m->wakefd, &v, sizeof(v)) < 0 &&
			    errno != EAGAIN)
				log_err("dlm: wake-up read: %s",
					strerror(errno));
			run_deferred(m);
		} else if (p == &m->qfd) {
			quorum_dispatch_fd(m);
		} else {
			struct space *sp = p;
			bool live = false;

			/* the space may have been closed by a callback
			 * earlier in this batch: it is still allocated
			 * (closing) until the end of the dispatch */
			for (struct space *s = m->spaces; s; s = s->next)
				live |= s == sp;
			if (live && !sp->closing &&
			    m->sys->dispatch(m->ctx, sp->fd) < 0)
				log_err("dlm: %s: dispatch: %s", sp->name,
					strerror(errno));
		}
	}
	run_deferred(m);
	m->in_dispatch--;
	post_dispatch(m);
}

/* ------------------------------------------------------------ manager */

int lockmgr_dlm_fd(struct lockmgr *lm)
{
	return to_dlm(lm)->epfd;
}

bool lockmgr_is_dlm(const struct lockmgr *lm)
{
	return lm && lm->ops == &dlm_ops;
}

void lockmgr_dlm_get_stats(const struct lockmgr *lm,
			   struct lockmgr_dlm_stats *st)
{
	*st = ((const struct dlm_lm *)lm)->st;
}

int lockmgr_dlm_describe(const struct lockmgr *lm, char *buf, size_t cap)
{
	const struct dlm_lm *m = (const struct dlm_lm *)lm;
	const struct lockmgr_dlm_stats *s = &m->st;
	unsigned spaces = 0, held = 0, waiting = 0;

	for (const struct space *sp = m->spaces; sp; sp = sp->next) {
		spaces++;
		for (const struct rec *r = sp->recs; r; r = r->next) {
			held += r->gr >= 0;
			waiting += r->rq >= 0;
		}
	}
	return snprintf(buf, cap,
			"dlm: node %u, %zu members, %u lockspaces, %u locks "
			"held, %u waiting; requests: lock %llu convert %llu "
			"unlock %llu cancel %llu purge %llu; ast %llu bast "
			"%llu node_down %llu",
			m->nodeid, m->nr_members, spaces, held, waiting,
			(unsigned long long)s->lock,
			(unsigned long long)s->convert,
			(unsigned long long)s->unlock,
			(unsigned long long)s->cancel,
			(unsigned long long)s->purge,
			(unsigned long long)s->ast, (unsigned long long)s->bast,
			(unsigned long long)s->node_down);
}

static int d_attach(struct lockmgr *lm, const char *uuid, uint32_t n,
		    uint32_t *slot)
{
	(void)lm;
	(void)uuid;
	(void)n;
	*slot = 0;	/* the cluster protocol claims the real slot */
	return 0;
}

static void d_detach(struct lockmgr *lm, const char *uuid)
{
	(void)lm;
	(void)uuid;
}

static bool d_remote_recovering(struct lockmgr *lm, const char *uuid,
				uint64_t region)
{
	(void)lm;
	(void)uuid;
	(void)region;
	return false;	/* cluster logs answer through cluster_log */
}

static uint32_t d_default_slots(struct lockmgr *lm)
{
	(void)lm;
	return 16;
}

static void d_destroy(struct lockmgr *lm)
{
	struct dlm_lm *m = to_dlm(lm);
	char line[512];

	lockmgr_dlm_describe(lm, line, sizeof(line));
	log_notice("%s", line);
	while (m->spaces) {
		m->spaces->closing = true;
		close_space_now(m, m->spaces);
	}
	while (m->handles) {
		struct handle *h = m->handles;

		m->handles = h->next;
		free(h);
	}
	while (m->dq) {
		struct deferred *d = m->dq;

		m->dq = d->next;
		free(d);
	}
	if (m->sys->destroy)
		m->sys->destroy(m->ctx);
	if (m->quorum_up)
		quorum_finalize(m->qh);
	if (m->wakefd >= 0)
		close(m->wakefd);
	if (m->epfd >= 0)
		close(m->epfd);
	free(m);
}

static const struct lockmgr_async_ops dlm_async = {
	.ls_open = d_ls_open, .ls_close = d_ls_close, .lock = d_lock,
	.convert = d_convert, .unlock = d_unlock, .purge_orphans = d_purge,
	.node_id = d_node_id, .node_alive = d_node_alive,
	.watch_nodes = d_watch,
};

static const struct lockmgr_ops dlm_ops = {
	.name = "dlm", .attach = d_attach, .detach = d_detach,
	.remote_recovering = d_remote_recovering,
	.default_slots = d_default_slots, .destroy = d_destroy,
	.async = &dlm_async,
};

static struct dlm_lm *alloc_lm(const struct lmdlm_sys *sys, void *ctx,
			       char *err, size_t errlen)
{
	struct dlm_lm *m = calloc(1, sizeof(*m));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->base.ops = &dlm_ops;
	m->sys = sys;
	m->ctx = ctx;
	m->dq_tail = &m->dq;
	m->qfd = -1;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.ptr = &m->wakefd;
	if (m->epfd < 0 || m->wakefd < 0 ||
	    epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->wakefd, &ev) < 0) {
		snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
		if (m->epfd >= 0)
			close(m->epfd);
		if (m->wakefd >= 0)
			close(m->wakefd);
		free(m);
		return NULL;
	}
	return m;
}

struct lockmgr *lockmgr_dlm_new_sys(const struct lmdlm_sys *sys, void *ctx,
				    uint32_t nodeid, const uint32_t *members,
				    size_t nr_members, char *err,
				    size_t errlen)
{
	struct dlm_lm *m = alloc_lm(sys, ctx, err, errlen);

	if (!m)
		return NULL;
	m->nodeid = nodeid;
	lockmgr_dlm_set_members(&m->base, members, nr_members);
	return &m->base;
}

/* ------------------------------------------------------------ libdlm */

static void *sys_ls_open(void *ctx, const char *name)
{
	(void)ctx;
	/* creates it, or opens it when it exists (a restart, or another
	 * log instance): the kernel counts the creations */
	return dlm_new_lockspace(name, 0600, 0);
}

static void sys_ls_close(void *ctx, const char *name, void *h, bool release)
{
	(void)ctx;
	/* force 1: refuse only while this node holds locks in it */
	if (release && dlm_release_lockspace(name, h, 1) == 0)
		return;
	if (release)
		log_info("dlm: lockspace %s not released (%s): closing it",
			 name, strerror(errno));
	dlm_close_lockspace(h);
}

static int sys_ls_fd(void *ctx, void *h)
{
	(void)ctx;
	return dlm_ls_get_fd(h);
}

static int sys_dispatch(void *ctx, int fd)
{
	(void)ctx;
	return dlm_dispatch(fd);
}

static int sys_lock(void *ctx, void *h, uint32_t mode, struct dlm_lksb *lksb,
		    uint32_t flags, const char *name, void (*ast)(void *),
		    void *arg, void (*bast)(void *))
{
	(void)ctx;
	return dlm_ls_lockx(h, mode, lksb, flags, name,
			    (unsigned)strlen(name), 0, ast, arg, bast, NULL,
			    NULL);
}

static int sys_unlock(void *ctx, void *h, uint32_t lkid, uint32_t flags,
		      struct dlm_lksb *lksb, void *arg)
{
	(void)ctx;
	return dlm_ls_unlock(h, lkid, flags, lksb, arg);
}

static int sys_purge(void *ctx, void *h, int nodeid, int pid)
{
	(void)ctx;
	return dlm_ls_purge(h, nodeid, pid);
}

static const struct lmdlm_sys libdlm_sys = {
	.ls_open = sys_ls_open, .ls_close = sys_ls_close,
	.ls_fd = sys_ls_fd, .dispatch = sys_dispatch, .lock = sys_lock,
	.unlock = sys_unlock, .purge = sys_purge,
};

/* ------------------------------------------------------------ corosync */

static void q_members(struct dlm_lm *m, uint32_t n, const uint32_t *ids)
{
	lockmgr_dlm_set_members(&m->base, ids, n);
}

static struct dlm_lm *q_lm(quorum_handle_t h)
{
	const void *ctx = NULL;

	if (quorum_context_get(h, &ctx) != CS_OK)
		return NULL;
	return (struct dlm_lm *)ctx;
}

static void q_quorum(quorum_handle_t h, uint32_t quorate,
		     struct quorum_ring_id ring, uint32_t n,
		     const uint32_t *ids)
{
	struct dlm_lm *m = q_lm(h);

	(void)ring;
	if (!m)
		return;
	if (!quorate)
		log_warn("dlm: the cluster is not quorate (%u members): "
			 "lock requests wait for quorum", n);
	q_members(m, n, ids);
}

static void q_nodelist(quorum_handle_t h, struct quorum_ring_id ring,
		       uint32_t n, const uint32_t *ids, uint32_t nj,
		       const uint32_t *joined, uint32_t nl,
		       const uint32_t *left)
{
	struct dlm_lm *m = q_lm(h);

	(void)ring;
	(void)nj;
	(void)joined;
	(void)nl;
	(void)left;
	if (m)
		q_members(m, n, ids);
}

static void quorum_dispatch_fd(struct dlm_lm *m)
{
	cs_error_t e = quorum_dispatch(m->qh, CS_DISPATCH_ALL);

	if (e == CS_OK)
		return;
	log_err("dlm: lost the connection to corosync (quorum_dispatch "
		"error %d): node failures are no longer noticed until "
		"dmlogd restarts", (int)e);
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->qfd, NULL);
}

static int corosync_nodeid(uint32_t *nodeid, char *err, size_t errlen)
{
	cpg_handle_t h;
	cpg_callbacks_t cb = { 0 };
	unsigned int id = 0;
	cs_error_t e = cpg_initialize(&h, &cb);

	if (e != CS_OK) {
		snprintf(err, errlen, "cannot reach corosync (cpg_initialize "
			 "error %d): is corosync running?", (int)e);
		return -1;
	}
	e = cpg_local_get(h, &id);
	cpg_finalize(h);
	if (e != CS_OK || !id) {
		snprintf(err, errlen, "corosync did not give this node's id "
			 "(cpg_local_get error %d)", (int)e);
		return -1;
	}
	*nodeid = id;
	return 0;
}

static int corosync_membership(struct dlm_lm *m, char *err, size_t errlen)
{
	quorum_model_v1_data_t md = { .model = QUORUM_MODEL_V1,
				      .quorum_notify_fn = q_quorum,
				      .nodelist_notify_fn = q_nodelist };
	struct epoll_event ev = { .events = EPOLLIN };
	uint32_t qtype = 0;
	cs_error_t e;
	struct pollfd pfd;

	e = quorum_model_initialize(&m->qh, QUORUM_MODEL_V1,
				    (quorum_model_data_t *)&md, &qtype, m);
	if (e != CS_OK) {
		snprintf(err, errlen, "cannot reach corosync's quorum "
			 "service (quorum_initialize error %d)", (int)e);
		return -1;
	}
	m->quorum_up = true;
	if ((e = quorum_trackstart(m->qh, CS_TRACK_CURRENT |
				   CS_TRACK_CHANGES)) != CS_OK ||
	    (e = quorum_fd_get(m->qh, &m->qfd)) != CS_OK) {
		snprintf(err, errlen, "corosync quorum tracking failed "
			 "(error %d)", (int)e);
		return -1;
	}
	/* the current membership, before any log can ask node_alive */
	pfd = (struct pollfd){ .fd = m->qfd, .events = POLLIN };
	for (int waited = 0; !m->nr_members && waited < 10000;
	     waited += 100) {
		if (poll(&pfd, 1, 100) > 0 &&
		    quorum_dispatch(m->qh, CS_DISPATCH_ALL) != CS_OK)
			break;
	}
	if (!m->nr_members) {
		snprintf(err, errlen, "corosync reported no membership "
			 "within 10 s");
		return -1;
	}
	ev.data.ptr = &m->qfd;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->qfd, &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct lockmgr *lockmgr_dlm_new(char *err, size_t errlen)
{
	struct dlm_lm *m;
	uint32_t nodeid;

	if (access(DLM_CONTROL, F_OK) < 0) {
		snprintf(err, errlen, "DLM is not available: %s: %s "
			 "(dlm_controld not running? /dev/misc/dlm-control "
			 "missing? without udev: ln -s /dev /dev/misc)",
			 DLM_CONTROL, strerror(errno));
		return NULL;
	}
	if (corosync_nodeid(&nodeid, err, errlen) < 0)
		return NULL;
	if (!(m = alloc_lm(&libdlm_sys, NULL, err, errlen)))
		return NULL;
	m->nodeid = nodeid;
	if (corosync_membership(m, err, errlen) < 0) {
		d_destroy(&m->base);
		return NULL;
	}
	log_notice("dlm: node id %u, %zu members", m->nodeid,
		   m->nr_members);
	return &m->base;
}
