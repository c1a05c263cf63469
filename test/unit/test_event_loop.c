/* dmlogd's event loop: fd readiness, timers, signals, and removal of
 * fds from inside callbacks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* The unit-test rule links lib/ only; the loop lives in the daemon. */
#include "../../daemons/dmlogd/event_loop.c"

struct pipe_pair {
	int r, w;
};

static struct pipe_pair make_pipe(void)
{
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	return (struct pipe_pair){ .r = p[0], .w = p[1] };
}

static void close_pipe(struct pipe_pair *p)
{
	if (p->r >= 0)
		close(p->r);
	if (p->w >= 0)
		close(p->w);
	p->r = p->w = -1;
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* ---- fd readiness ---- */

struct reader {
	char got[64];
	int calls;
	bool stop;
};

static void read_cb(struct event_loop *el, int fd, void *ctx)
{
	struct reader *rd = ctx;
	size_t have = strlen(rd->got);
	ssize_t n = read(fd, rd->got + have, sizeof(rd->got) - have - 1);

	if (n > 0)
		rd->got[have + (size_t)n] = '\0';
	rd->calls++;
	if (rd->stop)
		el_stop(el);
}

static void test_fd_ready(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair p = make_pipe();
	struct reader rd = { .stop = true };

	(void)state;
	assert_non_null(el);
	assert_int_equal(el_add_fd(el, p.r, read_cb, &rd), 0);
	put(p.w, "hello");
	assert_int_equal(el_run(el), 0);
	assert_string_equal(rd.got, "hello");
	assert_int_equal(rd.calls, 1);
	el_free(el);
	close_pipe(&p);
}

static void test_fd_errors(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair p = make_pipe();
	struct reader rd = { 0 };

	(void)state;
	assert_int_equal(el_add_fd(el, -1, read_cb, &rd), -EINVAL);
	assert_int_equal(el_add_fd(el, p.r, NULL, &rd), -EINVAL);
	assert_int_equal(el_add_fd(el, p.r, read_cb, &rd), 0);
	assert_int_equal(el_add_fd(el, p.r, read_cb, &rd), -EEXIST);
	assert_int_equal(el_del_fd(el, p.w), -ENOENT);
	assert_int_equal(el_del_fd(el, 100000), -ENOENT);
	assert_int_equal(el_del_fd(el, p.r), 0);
	assert_int_equal(el_del_fd(el, p.r), -ENOENT);
	/* not pollable by epoll: a regular file */
	{
		int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(el_add_fd(el, fd, read_cb, &rd), -EPERM);
		close(fd);
	}
	el_free(el);
	close_pipe(&p);
}

/* ---- removal during a callback ---- */

struct remover {
	struct pipe_pair *victim;	/* fd to remove and close */
	int calls;
	int (*reopen)(void);		/* optional: reuse the fd number */
	int removed, reopened;
};

static int victim_calls;

static void victim_cb(struct event_loop *el, int fd, void *ctx)
{
	(void)el;
	(void)fd;
	(void)ctx;
	victim_calls++;
}

static void remove_other_cb(struct event_loop *el, int fd, void *ctx)
{
	struct remover *rm = ctx;
	char c;

	(void)fd;
	if (read(fd, &c, 1) < 0)
		fail();
	rm->calls++;
	if (rm->victim->r >= 0) {
		rm->removed = rm->victim->r;
		assert_int_equal(el_del_fd(el, rm->victim->r), 0);
		close_pipe(rm->victim);
		if (rm->reopen) {
			rm->reopened = rm->reopen();
			assert_int_equal(el_add_fd(el, rm->reopened,
						   victim_cb, NULL), 0);
		}
	}
	el_stop(el);
}

/* Both fds are ready in one batch; whichever runs first removes the
 * other, so exactly one callback runs. */
static void test_remove_other_in_batch(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair a = make_pipe(), b = make_pipe();
	struct remover ra = { .victim = &b }, rb = { .victim = &a };

	(void)state;
	assert_int_equal(el_add_fd(el, a.r, remove_other_cb, &ra), 0);
	assert_int_equal(el_add_fd(el, b.r, remove_other_cb, &rb), 0);
	put(a.w, "x");
	put(b.w, "y");
	assert_int_equal(el_run(el), 0);
	assert_int_equal(ra.calls + rb.calls, 1);
	el_free(el);
	close_pipe(&a);
	close_pipe(&b);
}

static int reopen_pipe_r = -1, reopen_pipe_w = -1;
static int reopen_pipe(void)
{
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	reopen_pipe_r = p[0];
	reopen_pipe_w = p[1];
	return p[0];
}

/* A removed fd whose number is reused and re-registered in the same batch
 * must not receive the old registration's event. */
static void test_reused_fd_number(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair a = make_pipe(), b = make_pipe();
	struct remover ra = { .victim = &b, .reopen = reopen_pipe };
	struct remover rb = { .victim = &a, .reopen = reopen_pipe };

	(void)state;
	victim_calls = 0;
	assert_int_equal(el_add_fd(el, a.r, remove_other_cb, &ra), 0);
	assert_int_equal(el_add_fd(el, b.r, remove_other_cb, &rb), 0);
	put(a.w, "x");
	put(b.w, "y");
	assert_int_equal(el_run(el), 0);
	assert_int_equal(ra.calls + rb.calls, 1);
	/* the number really was reused (pipe2 takes the lowest free) */
	if (ra.calls)
		assert_int_equal(ra.reopened, ra.removed);
	else
		assert_int_equal(rb.reopened, rb.removed);
	/* the new pipe is empty: its callback must not have run */
	assert_int_equal(victim_calls, 0);
	el_free(el);
	close_pipe(&a);
	close_pipe(&b);
	close(reopen_pipe_r);
	close(reopen_pipe_w);
}

static void remove_self_cb(struct event_loop *el, int fd, void *ctx)
{
	int *calls = ctx;

	(*calls)++;
	assert_int_equal(el_del_fd(el, fd), 0);
}

static void stop_timer_cb(struct event_loop *el, uint64_t id, void *ctx)
{
	(void)id;
	(void)ctx;
	el_stop(el);
}

/* A callback removing its own fd is not called again, although the fd
 * stays readable (level-triggered). */
static void test_remove_self(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair p = make_pipe();
	int calls = 0;

	(void)state;
	assert_int_equal(el_add_fd(el, p.r, remove_self_cb, &calls), 0);
	put(p.w, "still readable");
	assert_true(el_add_timer(el, 50, stop_timer_cb, NULL) > 0);
	assert_int_equal(el_run(el), 0);
	assert_int_equal(calls, 1);
	el_free(el);
	close_pipe(&p);
}

/* ---- timers ---- */

struct order {
	int seq[8];
	int n;
};

static void order_cb(struct event_loop *el, uint64_t id, void *ctx)
{
	struct order *o = ctx;

	(void)el;
	o->seq[o->n++] = (int)id;
}

static void test_timers_in_order(void **state)
{
	struct event_loop *el = el_new();
	struct order o = { .n = 0 };
	uint64_t t30, t10, t20, tdel, start;

	(void)state;
	start = el_now_ms();
	t30 = el_add_timer(el, 30, order_cb, &o);
	t10 = el_add_timer(el, 10, order_cb, &o);
	t20 = el_add_timer(el, 20, order_cb, &o);
	tdel = el_add_timer(el, 5, order_cb, &o);
	assert_true(t30 && t10 && t20 && tdel);
	assert_int_equal(el_del_timer(el, tdel), 0);
	assert_int_equal(el_del_timer(el, tdel), -ENOENT);
	assert_true(el_add_timer(el, 40, stop_timer_cb, NULL) > 0);
	assert_int_equal(el_run(el), 0);
	assert_true(el_now_ms() - start >= 40);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.seq[0], (int)t10);
	assert_int_equal(o.seq[1], (int)t20);
	assert_int_equal(o.seq[2], (int)t30);
	/* a fired timer is gone */
	assert_int_equal(el_del_timer(el, t10), -ENOENT);
	el_free(el);
}

struct rearm {
	int fired;
};

static void rearm_cb(struct event_loop *el, uint64_t id, void *ctx)
{
	struct rearm *r = ctx;

	(void)id;
	if (++r->fired < 5)
		assert_true(el_add_timer(el, 0, rearm_cb, r) > 0);
	else
		el_stop(el);
}

/* A 0 ms timer re-arming itself still lets fds run. */
static void test_timer_rearm_does_not_starve(void **state)
{
	struct event_loop *el = el_new();
	struct pipe_pair p = make_pipe();
	struct reader rd = { 0 };
	struct rearm r = { 0 };

	(void)state;
	assert_int_equal(el_add_fd(el, p.r, read_cb, &rd), 0);
	put(p.w, "a");
	assert_true(el_add_timer(el, 0, rearm_cb, &r) > 0);
	assert_int_equal(el_run(el), 0);
	assert_int_equal(r.fired, 5);
	assert_int_equal(rd.calls, 1);
	el_free(el);
	close_pipe(&p);
}

static void del_timer_cb(struct event_loop *el, uint64_t id, void *ctx)
{
	uint64_t *victim = ctx;

	(void)id;
	assert_int_equal(el_del_timer(el, *victim), 0);
}

/* A timer cancelled by an earlier timer due at the same time never runs. */
static void test_timer_cancelled_by_timer(void **state)
{
	struct event_loop *el = el_new();
	struct order o = { .n = 0 };
	uint64_t victim;

	(void)state;
	assert_true(el_add_timer(el, 10, del_timer_cb, &victim) > 0);
	victim = el_add_timer(el, 10, order_cb, &o);
	assert_true(victim > 0);
	assert_true(el_add_timer(el, 30, stop_timer_cb, NULL) > 0);
	assert_int_equal(el_run(el), 0);
	assert_int_equal(o.n, 0);
	el_free(el);
}

/* ---- signals ---- */

struct sigrec {
	int signo;
	int calls;
};

static void sig_cb(struct event_loop *el, int signo, void *ctx)
{
	struct sigrec *s = ctx;

	s->signo = signo;
	s->calls++;
	el_stop(el);
}

static void test_signal(void **state)
{
	struct event_loop *el = el_new();
	struct sigrec s = { 0 };
	sigset_t cur;

	(void)state;
	assert_int_equal(el_add_signal(el, SIGUSR1, sig_cb, &s), 0);
	assert_int_equal(el_add_signal(el, SIGUSR1, sig_cb, &s), -EEXIST);
	assert_int_equal(el_add_signal(el, 0, sig_cb, &s), -EINVAL);
	assert_int_equal(el_add_signal(el, SIGUSR2, sig_cb, &s), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(el_run(el), 0);
	assert_int_equal(s.signo, SIGUSR2);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(el_run(el), 0);
	assert_int_equal(s.signo, SIGUSR1);
	assert_int_equal(s.calls, 2);
	/* A signal still pending at el_free is discarded, and the loop's
	 * signals are unblocked again. */
	assert_int_equal(raise(SIGUSR1), 0);
	el_free(el);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_false(sigismember(&cur, SIGUSR1));
	assert_false(sigismember(&cur, SIGUSR2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_ready),
		cmocka_unit_test(test_fd_errors),
		cmocka_unit_test(test_remove_other_in_batch),
		cmocka_unit_test(test_reused_fd_number),
		cmocka_unit_test(test_remove_self),
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_timer_rearm_does_not_starve),
		cmocka_unit_test(test_timer_cancelled_by_timer),
		cmocka_unit_test(test_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
