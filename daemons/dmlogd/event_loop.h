/* A small single-threaded event loop on epoll: readable file descriptors,
 * one-shot timers on the monotonic clock (milliseconds) and signals
 * delivered through a signalfd.
 *
 * Callbacks may add or remove any fd, timer or signal, including their
 * own: a removed fd gets no further callback, even if it was already
 * reported ready in the same epoll batch. */
#ifndef DMLOGD_EVENT_LOOP_H
#define DMLOGD_EVENT_LOOP_H

#include <stdint.h>

struct event_loop;

typedef void (*el_fd_fn)(struct event_loop *el, int fd, void *ctx);
typedef void (*el_timer_fn)(struct event_loop *el, uint64_t id, void *ctx);
typedef void (*el_signal_fn)(struct event_loop *el, int signo, void *ctx);

struct event_loop *el_new(void);
/* Closes the loop's own descriptors (epoll, signalfd) and unblocks the
 * signals it blocked; registered fds stay open (their owners close them). */
void el_free(struct event_loop *el);

/* Call fn when fd is readable (or hung up / in error). 0, -EEXIST,
 * -EINVAL, -ENOMEM or the epoll_ctl errno. */
int el_add_fd(struct event_loop *el, int fd, el_fd_fn fn, void *ctx);
/* 0 or -ENOENT. */
int el_del_fd(struct event_loop *el, int fd);

/* One-shot timer firing after `ms` milliseconds. Returns its id (> 0), or
 * 0 when out of memory. */
uint64_t el_add_timer(struct event_loop *el, uint64_t ms, el_timer_fn fn,
		      void *ctx);
/* 0, or -ENOENT when the id is unknown or has already fired. */
int el_del_timer(struct event_loop *el, uint64_t id);

/* Block signo and deliver it through the loop. One handler per signal.
 * 0, -EEXIST, -EINVAL or -errno. */
int el_add_signal(struct event_loop *el, int signo, el_signal_fn fn,
		  void *ctx);

/* Run until el_stop(). 0, or -errno when epoll itself fails. */
int el_run(struct event_loop *el);
/* Make el_run() return after the current callback. */
void el_stop(struct event_loop *el);

/* Monotonic clock in milliseconds. */
uint64_t el_now_ms(void);

#endif
