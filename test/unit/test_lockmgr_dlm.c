/* The DLM lock manager's state machine over a fake libdlm: ASTs only from
 * dispatch, refusals, cancel-on-unlock, the LVB rule on unlock, orphan
 * adoption answered at the next dispatch, shared lockspaces, closing from
 * inside a callback, membership. The real libdlm is tested in the cluster
 * VM scenarios (test/vm/scenarios/cluster-*.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <libdlm.h>

#include "lockmgr_dlm.h"

/* ---------------------------------------------------------------- fake */

struct fast {				/* one queued AST */
	void (*fn)(void *);
	void *arg;
	struct dlm_lksb *lksb;
	int status;
	int fd;
};

struct fake {
	char log[4096];			/* "open x;lock r 5 f;..." */
	int fds[8];
	char names[8][80];
	int nr_spaces, closes, releases;
	struct fast q[64];
	int nq;
	uint32_t next_lkid;
	bool refuse_next;		/* answer the next lock -EAGAIN */
	bool hold_next;			/* leave the next lock waiting */
	int orphans;			/* ORPHAN requests that find one */
	struct { void (*ast)(void *); void *arg; struct dlm_lksb *lksb;
		 int fd; } held;	/* the waiting request */
};

static struct fake F;

static void flog(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(F.log);

	va_start(ap, fmt);
	vsnprintf(F.log + n, sizeof(F.log) - n, fmt, ap);
	va_end(ap);
	n = strlen(F.log);
	snprintf(F.log + n, sizeof(F.log) - n, ";");
}

static int hfd(void *h)
{
	return (int)(intptr_t)h;
}

static void queue(int fd, void (*fn)(void *), void *arg,
		  struct dlm_lksb *lksb, int status)
{
	uint64_t one = 1;

	assert_true(F.nq < 64);
	F.q[F.nq++] = (struct fast){ fn, arg, lksb, status, fd };
	assert_int_equal(write(fd, &one, 8), 8);
}

static void *f_open(void *ctx, const char *name)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	(void)ctx;
	flog("open %s", name);
	F.fds[F.nr_spaces] = fd;
	snprintf(F.names[F.nr_spaces++], 80, "%s", name);
	return (void *)(intptr_t)fd;
}

static void f_close(void *ctx, const char *name, void *h, bool release)
{
	(void)ctx;
	flog("%s %s", release ? "release" : "close", name);
	F.closes++;
	F.releases += release;
	/* the device goes: its pending ASTs are never read */
	for (int i = 0; i < F.nq; i++)
		if (F.q[i].fd == hfd(h))
			F.q[i].fn = NULL;
	close(hfd(h));
}

static int f_fd(void *ctx, void *h)
{
	(void)ctx;
	return hfd(h);
}

static int f_dispatch(void *ctx, int fd)
{
	uint64_t v;

	(void)ctx;
	if (read(fd, &v, 8) < 0)
		return 0;
	/* deliver in order; callbacks may queue more (delivered later) */
	int n = F.nq;
	struct fast now[64];

	memcpy(now, F.q, sizeof(now));
	F.nq = 0;
	for (int i = 0; i < n; i++) {
		if (now[i].fd != fd) {
			queue(now[i].fd, now[i].fn, now[i].arg, now[i].lksb,
			      now[i].status);
			continue;
		}
		if (!now[i].fn)
			continue;
		if (now[i].lksb)
			now[i].lksb->sb_status = now[i].status;
		now[i].fn(now[i].arg);
	}
	return 0;
}

static int f_lock(void *ctx, void *h, uint32_t mode, struct dlm_lksb *lksb,
		  uint32_t flags, const char *name, void (*ast)(void *),
		  void *arg, void (*bast)(void *))
{
	(void)ctx;
	(void)bast;
	flog("%s %s %u%s%s%s", flags & LKF_CONVERT ? "convert" : "lock",
	     name, mode, flags & LKF_VALBLK ? " valblk" : "",
	     flags & LKF_PERSISTENT ? " persistent" : "",
	     flags & LKF_ORPHAN ? " orphan" : "");
	if (flags & LKF_ORPHAN) {
		if (!F.orphans) {
			errno = ENOENT;
			return -1;
		}
		F.orphans--;
		lksb->sb_lkid = ++F.next_lkid;
		return 0;
	}
	if (!(flags & LKF_CONVERT))
		lksb->sb_lkid = ++F.next_lkid;
	if (F.refuse_next) {
		F.refuse_next = false;
		queue(hfd(h), ast, arg, lksb, EAGAIN);	/* as libdlm */
	} else if (F.hold_next) {
		F.hold_next = false;
		F.held.ast = ast;
		F.held.arg = arg;
		F.held.lksb = lksb;
		F.held.fd = hfd(h);
	} else {
		queue(hfd(h), ast, arg, lksb, 0);
	}
	return 0;
}

static int f_purge(void *ctx, void *h, int nodeid, int pid)
{
	(void)ctx;
	(void)h;
	flog("purge %d %d", nodeid, pid);
	return 0;
}

/* The unlock AST goes to the record's AST function: remember it from the
 * first lock so f_unlock can queue it (the real DLM calls the lock's). */
static void (*rec_ast_fn)(void *);

static int f_lock_remember(void *ctx, void *h, uint32_t mode,
			   struct dlm_lksb *lksb, uint32_t flags,
			   const char *name, void (*ast)(void *), void *arg,
			   void (*bast)(void *))
{
	rec_ast_fn = ast;
	return f_lock(ctx, h, mode, lksb, flags, name, ast, arg, bast);
}

static int f_unlock_ast(void *ctx, void *h, uint32_t lkid, uint32_t flags,
			struct dlm_lksb *lksb, void *arg)
{
	(void)ctx;
	flog("%s %u", flags & LKF_CANCEL ? "cancel" : "unlock", lkid);
	if (flags & LKF_CANCEL && F.held.ast) {
		/* positive, as libdlm reports them (dlm_unlock(3)) */
		queue(F.held.fd, F.held.ast, arg, lksb, ECANCEL);
		F.held.ast = NULL;
	} else if (!(flags & LKF_CANCEL)) {
		queue(hfd(h), rec_ast_fn, arg, lksb, EUNLOCK);
	}
	return 0;
}

static const struct lmdlm_sys fake_sys = {
	.ls_open = f_open, .ls_close = f_close, .ls_fd = f_fd,
	.dispatch = f_dispatch, .lock = f_lock_remember, .unlock = f_unlock_ast,
	.purge = f_purge,
};

static struct lmdlm_sys sys;

/* ---------------------------------------------------------------- user */

struct user {
	struct lm_lksb lksb;
	int asts, last, basts;
	struct lockmgr *lm;
	struct lm_space *close_me;	/* ls_close from inside the AST */
};

static void u_ast(void *arg, int status)
{
	struct user *u = arg;

	u->asts++;
	u->last = status;
	if (u->close_me) {
		u->lm->ops->async->ls_close(u->lm, u->close_me);
		u->close_me = NULL;
	}
}

static void u_bast(void *arg, int mode)
{
	struct user *u = arg;

	(void)mode;
	u->basts++;
}

static uint32_t downs[8];
static int nr_downs;

static void on_down(void *arg, uint32_t node)
{
	(void)arg;
	downs[nr_downs++] = node;
}

static struct lockmgr *mk(void)
{
	static const uint32_t members[] = { 1, 2, 3 };
	char err[128];
	struct lockmgr *lm;

	memset(&F, 0, sizeof(F));
	nr_downs = 0;
	sys = fake_sys;
	lm = lockmgr_dlm_new_sys(&sys, NULL, 1, members, 3, err,
				 sizeof(err));
	assert_non_null(lm);
	assert_true(lockmgr_is_dlm(lm));
	return lm;
}

#define A(lm) ((lm)->ops->async)

static const char *desc(struct lockmgr *lm)
{
	static char buf[512];

	lockmgr_dlm_describe(lm, buf, sizeof(buf));
	return buf;
}

static void test_grant_only_from_dispatch(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user u = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "dmlog-x", &ls), 0);
	assert_int_equal(A(lm)->lock(lm, ls, "table", LM_EX, LM_F_PERSISTENT,
				     &u.lksb, u_ast, u_bast, &u), 0);
	assert_int_equal(u.asts, 0);
	assert_int_equal(u.lksb.mode, LM_NL);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.asts, 1);
	assert_int_equal(u.last, 0);
	assert_int_equal(u.lksb.mode, LM_EX);
	assert_int_not_equal(u.lksb.lkid, 0);
	assert_int_equal(A(lm)->unlock(lm, ls, &u.lksb), 0);
	assert_int_equal(u.lksb.lkid, 0);
	assert_non_null(strstr(desc(lm), " 1 locks held"));
	lockmgr_dlm_dispatch(lm);	/* EUNLOCK frees the record */
	assert_non_null(strstr(desc(lm), " 0 locks held"));
	A(lm)->ls_close(lm, ls);
	assert_string_equal(F.log, "open dmlog-x;lock table 5 persistent;"
			    "unlock 1;release dmlog-x;");
	assert_int_equal(u.asts, 1);
	lm->ops->destroy(lm);
}

static void test_noqueue_refused(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user u = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	F.refuse_next = true;
	assert_int_equal(A(lm)->lock(lm, ls, "slot.1", LM_EX, LM_F_NOQUEUE,
				     &u.lksb, u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.asts, 1);
	assert_int_equal(u.last, -EAGAIN);
	assert_int_equal(u.lksb.lkid, 0);
	/* the same lksb can ask again at once */
	assert_int_equal(A(lm)->lock(lm, ls, "slot.1", LM_PR, 0, &u.lksb,
				     u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.last, 0);
	assert_int_equal(u.lksb.mode, LM_PR);
	A(lm)->ls_close(lm, ls);	/* held: close, not release */
	assert_int_equal(F.releases, 0);
	assert_int_equal(F.closes, 1);
	lm->ops->destroy(lm);
}

static void test_unlock_waiting_cancels(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user u = { 0 };
	struct lockmgr_dlm_stats st;

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	F.hold_next = true;
	assert_int_equal(A(lm)->lock(lm, ls, "r.10", LM_EX, LM_F_PERSISTENT,
				     &u.lksb, u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.asts, 0);
	assert_int_equal(A(lm)->unlock(lm, ls, &u.lksb), 0);
	lockmgr_dlm_dispatch(lm);	/* ECANCEL: gone, no user AST */
	assert_int_equal(u.asts, 0);
	lockmgr_dlm_get_stats(lm, &st);
	assert_int_equal(st.cancel, 1);
	A(lm)->ls_close(lm, ls);
	assert_int_equal(F.releases, 1);	/* nothing left */
	lm->ops->destroy(lm);
}

static void test_unlock_after_valblk_goes_through_nl(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user u = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	assert_int_equal(A(lm)->lock(lm, ls, "m", LM_EX, LM_F_VALBLK,
				     &u.lksb, u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	memcpy(u.lksb.lvb, "hello", 6);
	assert_int_equal(A(lm)->unlock(lm, ls, &u.lksb), 0);
	lockmgr_dlm_dispatch(lm);	/* NL granted -> unlock */
	lockmgr_dlm_dispatch(lm);	/* EUNLOCK */
	assert_string_equal(F.log, "open s;lock m 5 valblk;convert m 0;"
			    "unlock 1;");
	A(lm)->ls_close(lm, ls);
	assert_int_equal(F.releases, 1);
	lm->ops->destroy(lm);
}

static void test_down_convert_writes_lvb(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user u = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	assert_int_equal(A(lm)->lock(lm, ls, "m", LM_EX, LM_F_PERSISTENT,
				     &u.lksb, u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	memcpy(u.lksb.lvb, "msg", 4);
	assert_int_equal(A(lm)->convert(lm, ls, &u.lksb, LM_NL, LM_F_VALBLK,
					u_ast, NULL, &u), 0);
	assert_int_equal(u.lksb.mode, LM_NL);	/* down: seen at once */
	/* a second conversion before the AST is refused */
	assert_int_equal(A(lm)->convert(lm, ls, &u.lksb, LM_PR, 0, u_ast,
					NULL, &u), -EBUSY);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.asts, 2);
	/* persistence survives the conversion */
	assert_string_equal(F.log, "open s;lock m 5 persistent;"
			    "convert m 0 valblk persistent;");
	lm->ops->destroy(lm);
}

static void test_orphan_adoption(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	struct user a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	F.orphans = 1;
	assert_int_equal(A(lm)->lock(lm, ls, "table", LM_EX,
				     LM_F_PERSISTENT | LM_F_ORPHAN, &a.lksb,
				     u_ast, NULL, &a), 0);
	assert_int_equal(A(lm)->lock(lm, ls, "slot.2", LM_EX,
				     LM_F_PERSISTENT | LM_F_ORPHAN, &b.lksb,
				     u_ast, NULL, &b), 0);
	assert_int_equal(a.asts + b.asts, 0);	/* never from the call */
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(a.asts, 1);
	assert_int_equal(a.last, 0);
	assert_int_equal(a.lksb.mode, LM_EX);
	assert_int_equal(b.asts, 1);
	assert_int_equal(b.last, -ENOENT);
	assert_int_equal(b.lksb.lkid, 0);
	assert_int_equal(A(lm)->purge_orphans(lm, ls), 0);
	assert_non_null(strstr(F.log, "purge 1 0;"));
	lm->ops->destroy(lm);
}

static void test_shared_space_and_close_in_callback(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *l1, *l2;
	struct user u = { 0 }, p = { 0 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &l1), 0);
	assert_int_equal(A(lm)->ls_open(lm, "s", &l2), 0);
	assert_int_equal(F.nr_spaces, 1);
	/* l1 holds a persistent lock; closing l1 keeps it held */
	assert_int_equal(A(lm)->lock(lm, l1, "slot.0", LM_EX,
				     LM_F_PERSISTENT, &p.lksb, u_ast, NULL,
				     &p), 0);
	lockmgr_dlm_dispatch(lm);
	A(lm)->ls_close(lm, l1);
	assert_int_equal(F.closes, 0);
	/* the last opener closes from inside its own AST */
	u.lm = lm;
	u.close_me = l2;
	assert_int_equal(A(lm)->lock(lm, l2, "barrier", LM_PR, 0, &u.lksb,
				     u_ast, NULL, &u), 0);
	lockmgr_dlm_dispatch(lm);
	assert_int_equal(u.asts, 1);
	assert_int_equal(F.closes, 1);
	assert_int_equal(F.releases, 0);	/* slot.0 orphaned */
	lm->ops->destroy(lm);
}

static void test_membership(void **state)
{
	struct lockmgr *lm = mk();
	struct lm_space *ls;
	static const uint32_t two[] = { 1, 3 }, back[] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(A(lm)->ls_open(lm, "s", &ls), 0);
	A(lm)->watch_nodes(lm, ls, on_down, NULL);
	assert_int_equal(A(lm)->node_id(lm), 1);
	assert_true(A(lm)->node_alive(lm, 2));
	lockmgr_dlm_set_members(lm, two, 2);
	assert_int_equal(nr_downs, 1);
	assert_int_equal(downs[0], 2);
	assert_false(A(lm)->node_alive(lm, 2));
	lockmgr_dlm_set_members(lm, back, 3);
	assert_int_equal(nr_downs, 1);
	assert_true(A(lm)->node_alive(lm, 2));
	A(lm)->ls_close(lm, ls);
	lockmgr_dlm_set_members(lm, two, 2);	/* no watcher any more */
	assert_int_equal(nr_downs, 1);
	lm->ops->destroy(lm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_only_from_dispatch),
		cmocka_unit_test(test_noqueue_refused),
		cmocka_unit_test(test_unlock_waiting_cancels),
		cmocka_unit_test(test_unlock_after_valblk_goes_through_nl),
		cmocka_unit_test(test_down_convert_writes_lvb),
		cmocka_unit_test(test_orphan_adoption),
		cmocka_unit_test(test_shared_space_and_close_in_callback),
		cmocka_unit_test(test_membership),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
