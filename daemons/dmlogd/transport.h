/* Transports: where request frames come from and replies go back to.
 *
 * Every transport carries the same frames
 * (nlmsghdr | cn_msg | dm_ulog_request | payload), one per datagram or
 * packet. A transport registers its descriptors with the event loop and
 * hands each accepted frame, with the identity of its sender, to the
 * frame callback; the reply is sent back to that sender with ops->send.
 *
 *   connector: the kernel, over the netlink connector (transport_connector.c)
 *   unix:      local root clients on a SOCK_SEQPACKET socket
 *              (transport_unix.c): tests, replay tools. */
#ifndef DMLOGD_TRANSPORT_H
#define DMLOGD_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_loop;
struct transport;

/* Who sent a frame. Valid until the frame callback returns. */
struct transport_peer {
	int fd;			/* socket the frame arrived on */
	uint32_t nl_pid;	/* connector: sender's port id (0 = kernel) */
	uint32_t uid;		/* unix: peer credentials at connect */
	int32_t pid;
};

typedef void (*transport_frame_fn)(void *ctx, struct transport *t,
				   const struct transport_peer *from,
				   const void *frame, size_t len);

struct transport_ops {
	const char *name;	/* "kernel", "unix" */
	/* Read one frame from fd, which the loop reported readable.
	 * Returns its length, or 0 when there is nothing to deliver (would
	 * block, interrupted, frame ignored, connection closed). Never
	 * fails otherwise: errors are logged and handled inside. */
	ssize_t (*recv)(struct transport *t, int fd, void *buf, size_t cap,
			struct transport_peer *from);
	/* Send a reply to the sender of a request. 0 or -errno (logged). */
	int (*send)(struct transport *t, const struct transport_peer *to,
		    const void *buf, size_t len);
	/* Unregister from the loop, close everything, free t. */
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	struct event_loop *el;
	transport_frame_fn on_frame;
	void *ctx;
};

/* Receive buffer: large enough to see (and reject) oversized frames. */
#define TRANSPORT_RECV_MAX 8192

/* The event-loop callback transports register for a frame-carrying fd:
 * ctx is the struct transport. Receives one frame, calls on_frame. */
void transport_readable(struct event_loop *el, int fd, void *ctx);

static inline void transport_close(struct transport *t)
{
	if (t)
		t->ops->close(t);
}

/* The kernel: NETLINK_CONNECTOR, group CN_IDX_DM. Accepts frames from
 * port id 0 only. 0 or -errno (logged). */
int transport_connector_open(struct event_loop *el, transport_frame_fn fn,
			     void *ctx, struct transport **out);

/* A root-only Unix SOCK_SEQPACKET socket at path (mode 0600; a stale
 * socket is replaced, a live one is an error). 0 or -errno (logged). */
int transport_unix_open(struct event_loop *el, const char *path,
			transport_frame_fn fn, void *ctx,
			struct transport **out);

#endif
