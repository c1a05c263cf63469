/* The kernel transport: dm-log-userspace over the netlink connector.
 *
 * The kernel multicasts requests to connector group CN_IDX_DM from port
 * id 0; replies go back unicast to port 0. Any other sender is a local
 * process trying to impersonate the kernel: its frames are ignored. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "dmlog_log.h"
#include "event_loop.h"
#include "ratelimit.h"
#include "transport.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Room for bursts of requests from many mirrors at once. */
#define CONNECTOR_RCVBUF (4 * 1024 * 1024)

struct transport_connector {
	struct transport t;
	int fd;
	uint32_t port;
	struct ratelimit foreign_rl;	/* senders that are not the kernel */
	struct ratelimit error_rl;	/* overruns, truncation, errors */
};

static struct transport_connector *to_conn(struct transport *t)
{
	return (struct transport_connector *)t;
}

static bool error_log_ok(struct transport_connector *c)
{
	unsigned missed;
	bool ok = ratelimit_allow(&c->error_rl, el_now_ms(), &missed);

	if (missed)
		log_warn("kernel transport: %u similar messages suppressed",
			 missed);
	return ok;
}

static void note_recv_error(struct transport_connector *c, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
		return;
	if (!error_log_ok(c))
		return;
	if (err == ENOBUFS)
		log_warn("kernel transport: netlink receive buffer overrun, "
			 "requests were lost (the kernel resends them after "
			 "15 s)");
	else
		log_err("kernel transport: receive failed: %s",
			strerror(err));
}

static void note_foreign(struct transport_connector *c,
			 const struct sockaddr_nl *sa, size_t len)
{
	unsigned missed;

	if (!ratelimit_allow(&c->foreign_rl, el_now_ms(), &missed))
		return;
	if (missed)
		log_warn("kernel transport: %u more messages from netlink "
			 "ports other than the kernel's were ignored", missed);
	log_warn("kernel transport: ignored a %zu-byte message from netlink "
		 "port %u (groups 0x%x): only the kernel (port 0) may send "
		 "log requests", len, sa->nl_pid, sa->nl_groups);
}

static ssize_t connector_recv(struct transport *t, int fd, void *buf,
			      size_t cap, struct transport_peer *from)
{
	struct transport_connector *c = to_conn(t);
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		note_recv_error(c, errno);
		return 0;
	}
	if (mh.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid != 0) {
		note_foreign(c, &sa, (size_t)n);
		return 0;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		if (error_log_ok(c))
			log_warn("kernel transport: dropped an oversized "
				 "message (more than %zu bytes)", cap);
		return 0;
	}
	from->nl_pid = 0;
	return n;
}

static int connector_send(struct transport *t,
			  const struct transport_peer *to, const void *buf,
			  size_t len)
{
	struct transport_connector *c = to_conn(t);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	(void)to;		/* only ever the kernel: port 0, no groups */
	do {
		n = sendto(c->fd, buf, len, 0, (struct sockaddr *)&sa,
			   sizeof(sa));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EMSGSIZE;
	if (error_log_ok(c))
		log_err("kernel transport: sending a reply failed: %s "
			"(the kernel will resend the request)",
			strerror(errno));
	return -errno;
}

static void connector_close(struct transport *t)
{
	struct transport_connector *c = to_conn(t);

	el_del_fd(t->el, c->fd);
	close(c->fd);
	free(c);
}

static const struct transport_ops connector_ops = {
	.name = "kernel",
	.recv = connector_recv,
	.send = connector_send,
	.close = connector_close,
};

static void grow_rcvbuf(int fd)
{
	int sz = CONNECTOR_RCVBUF;

	/* FORCE ignores rmem_max (needs CAP_NET_ADMIN); else best effort. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0)
		log_warn("kernel transport: cannot enlarge the receive "
			 "buffer: %s", strerror(errno));
}

/* Socket bound to connector group CN_IDX_DM; its port id in *port. */
static int open_socket(uint32_t *port)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		/* bind()'s legacy mask: bit n-1 is group n */
		.nl_groups = 1u << (CN_IDX_DM - 1),
	};
	socklen_t salen = sizeof(sa);
	int fd, group = CN_IDX_DM, e;

	fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_CONNECTOR);
	if (fd < 0) {
		e = errno;
		log_err("kernel transport: cannot open a netlink connector "
			"socket: %s (is CONFIG_CONNECTOR enabled?)",
			strerror(e));
		return -e;
	}
	grow_rcvbuf(fd);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			sizeof(group)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		e = errno;
		log_err("kernel transport: cannot join netlink connector "
			"group %d: %s", CN_IDX_DM, strerror(e));
		close(fd);
		return -e;
	}
	*port = sa.nl_pid;
	return fd;
}

int transport_connector_open(struct event_loop *el, transport_frame_fn fn,
			     void *ctx, struct transport **out)
{
	struct transport_connector *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		log_err("kernel transport: out of memory");
		return -ENOMEM;
	}
	c->t = (struct transport){ .ops = &connector_ops, .el = el,
				   .on_frame = fn, .ctx = ctx };
	c->foreign_rl = (struct ratelimit)RATELIMIT_INIT(60000, 5);
	c->error_rl = (struct ratelimit)RATELIMIT_INIT(60000, 10);
	if ((c->fd = open_socket(&c->port)) < 0) {
		r = c->fd;
		free(c);
		return r;
	}
	if ((r = el_add_fd(el, c->fd, transport_readable, &c->t)) < 0) {
		log_err("kernel transport: cannot watch the socket: %s",
			strerror(-r));
		close(c->fd);
		free(c);
		return r;
	}
	log_notice("kernel transport: listening on netlink connector "
		   "%d:%d, port id %u", CN_IDX_DM, CN_VAL_DM_USERSPACE_LOG,
		   c->port);
	*out = &c->t;
	return 0;
}
