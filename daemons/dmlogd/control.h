/* The control socket: dmlogctl's versioned JSON request/response
 * protocol (doc/control-protocol.md) on a root-only Unix SOCK_SEQPACKET
 * socket, separate from the frame socket. One JSON object per packet
 * each way; requests are answered in the event loop, in order. */
#ifndef DMLOGD_CONTROL_H
#define DMLOGD_CONTROL_H

#include <stddef.h>

struct event_loop;
struct log_server;
struct mirror_kick;
struct req_stats;

#define CONTROL_VERSION 1
/* Largest request and reply packet. */
#define CONTROL_MAX_REQUEST 65536
#define CONTROL_MAX_REPLY (1024 * 1024)

/* What the handlers see. */
struct control_env {
	struct log_server *srv;
	struct req_stats *stats;
	struct mirror_kick *kick;	/* NULL with --no-kernel */
	const char *lock_manager;	/* "local" or "dlm" */
};

struct control;

/* Listen on path (mode 0600; a stale socket is replaced, a live one is an
 * error). env must outlive the socket. 0 or -errno (logged). */
int control_open(struct event_loop *el, const char *path,
		 const struct control_env *env, struct control **out);
void control_close(struct control *c);

/* Answer one request packet: a malloc'd JSON reply (NUL-terminated), or
 * NULL when out of memory. Never fails on bad input: that is an error
 * reply. (control_proto.c) */
char *control_answer(const struct control_env *env, const char *req,
		     size_t len);

#endif
