/* epoll event loop: fds, one-shot timers, signals (see event_loop.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "event_loop.h"

#define EL_BATCH 32

/* A registered fd. `gen` tells a live registration from an earlier one of
 * the same fd number whose event is still in the current batch. */
struct el_fd {
	el_fd_fn fn;
	void *ctx;
	uint32_t gen;
	bool used;
};

struct el_timer {
	uint64_t id;
	uint64_t due;
	el_timer_fn fn;
	void *ctx;
	struct el_timer *next;		/* sorted by due, then id */
};

struct el_signal {
	el_signal_fn fn;
	void *ctx;
};

struct event_loop {
	int epfd;
	int sigfd;
	sigset_t sigmask;		/* signals this loop blocked */
	struct el_fd *fds;
	size_t nfds;
	uint32_t gen;
	struct el_timer *timers;
	uint64_t next_timer_id;
	struct el_signal sigs[_NSIG];
	bool stop;
};

uint64_t el_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct event_loop *el_new(void)
{
	struct event_loop *el = calloc(1, sizeof(*el));

	if (!el)
		return NULL;
	el->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (el->epfd < 0) {
		free(el);
		return NULL;
	}
	el->sigfd = -1;
	el->next_timer_id = 1;
	sigemptyset(&el->sigmask);
	return el;
}

static void drain_signalfd(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
}

void el_free(struct event_loop *el)
{
	struct el_timer *t;

	if (!el)
		return;
	while ((t = el->timers)) {
		el->timers = t->next;
		free(t);
	}
	if (el->sigfd >= 0) {
		/* Signals caught but not yet read must not hit their default
		 * action once unblocked. */
		drain_signalfd(el->sigfd);
		close(el->sigfd);
		sigprocmask(SIG_UNBLOCK, &el->sigmask, NULL);
	}
	close(el->epfd);
	free(el->fds);
	free(el);
}

static int grow_fds(struct event_loop *el, int fd)
{
	size_t n = el->nfds ? el->nfds : 16;
	struct el_fd *nf;

	while (n <= (size_t)fd)
		n *= 2;
	nf = realloc(el->fds, n * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	memset(nf + el->nfds, 0, (n - el->nfds) * sizeof(*nf));
	el->fds = nf;
	el->nfds = n;
	return 0;
}

int el_add_fd(struct event_loop *el, int fd, el_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct el_fd *e;
	int r;

	if (fd < 0 || !fn)
		return -EINVAL;
	if ((size_t)fd >= el->nfds && (r = grow_fds(el, fd)) < 0)
		return r;
	e = &el->fds[fd];
	if (e->used)
		return -EEXIST;
	el->gen++;
	ev.data.u64 = ((uint64_t)el->gen << 32) | (uint32_t)fd;
	if (epoll_ctl(el->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*e = (struct el_fd){ .fn = fn, .ctx = ctx, .gen = el->gen,
			     .used = true };
	return 0;
}

int el_del_fd(struct event_loop *el, int fd)
{
	if (fd < 0 || (size_t)fd >= el->nfds || !el->fds[fd].used)
		return -ENOENT;
	/* Fails only if the fd was closed already, which also removed it
	 * from the epoll set: nothing left to undo either way. */
	epoll_ctl(el->epfd, EPOLL_CTL_DEL, fd, NULL);
	el->fds[fd].used = false;
	return 0;
}

uint64_t el_add_timer(struct event_loop *el, uint64_t ms, el_timer_fn fn,
		      void *ctx)
{
	struct el_timer *t = calloc(1, sizeof(*t));
	struct el_timer **pp;

	if (!t || !fn) {
		free(t);
		return 0;
	}
	t->id = el->next_timer_id++;
	t->due = el_now_ms() + ms;
	t->fn = fn;
	t->ctx = ctx;
	for (pp = &el->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t->id;
}

int el_del_timer(struct event_loop *el, uint64_t id)
{
	struct el_timer **pp, *t;

	for (pp = &el->timers; (t = *pp); pp = &t->next) {
		if (t->id == id) {
			*pp = t->next;
			free(t);
			return 0;
		}
	}
	return -ENOENT;
}

static void signal_ready(struct event_loop *el, int fd, void *ctx)
{
	struct signalfd_siginfo si;
	struct el_signal *s;

	(void)ctx;
	while (!el->stop && read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= (uint32_t)_NSIG)
			continue;
		s = &el->sigs[si.ssi_signo];
		if (s->fn)
			s->fn(el, (int)si.ssi_signo, s->ctx);
	}
}

int el_add_signal(struct event_loop *el, int signo, el_signal_fn fn,
		  void *ctx)
{
	sigset_t one, mask;
	int fd, r;

	if (signo <= 0 || signo >= _NSIG || !fn)
		return -EINVAL;
	if (el->sigs[signo].fn)
		return -EEXIST;
	mask = el->sigmask;
	if (sigaddset(&mask, signo) < 0)
		return -EINVAL;
	fd = signalfd(el->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (el->sigfd < 0) {
		r = el_add_fd(el, fd, signal_ready, NULL);
		if (r < 0) {
			close(fd);
			return r;
		}
		el->sigfd = fd;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	sigprocmask(SIG_BLOCK, &one, NULL);
	el->sigmask = mask;
	el->sigs[signo] = (struct el_signal){ .fn = fn, .ctx = ctx };
	return 0;
}

void el_stop(struct event_loop *el)
{
	el->stop = true;
}

/* Milliseconds epoll may sleep: until the first timer, or forever. */
static int next_timeout(const struct event_loop *el)
{
	uint64_t now, wait;

	if (!el->timers)
		return -1;
	now = el_now_ms();
	if (el->timers->due <= now)
		return 0;
	wait = el->timers->due - now;
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

/* Fire the timers due now. Timers added by these callbacks wait for the
 * next round, so a timer re-arming itself with 0 ms cannot starve fds. */
static void run_timers(struct event_loop *el)
{
	uint64_t now = el_now_ms(), limit = el->next_timer_id;
	struct el_timer *t;
	el_timer_fn fn;
	uint64_t id;
	void *ctx;

	while (!el->stop && (t = el->timers) && t->due <= now &&
	       t->id < limit) {
		el->timers = t->next;
		fn = t->fn;
		ctx = t->ctx;
		id = t->id;
		free(t);
		fn(el, id, ctx);
	}
}

static void dispatch(struct event_loop *el, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)(ev->data.u64 & 0xffffffffu);
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct el_fd *e;

	if ((size_t)fd >= el->nfds)
		return;
	e = &el->fds[fd];
	if (e->used && e->gen == gen)
		e->fn(el, fd, e->ctx);
}

int el_run(struct event_loop *el)
{
	struct epoll_event evs[EL_BATCH];
	int i, n;

	el->stop = false;
	while (!el->stop) {
		n = epoll_wait(el->epfd, evs, EL_BATCH, next_timeout(el));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !el->stop; i++)
			dispatch(el, &evs[i]);
		run_timers(el);
	}
	return 0;
}
