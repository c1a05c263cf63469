/* The local transport: a Unix SOCK_SEQPACKET socket carrying the kernel's
 * frames, one per packet, for root clients only (tests, replay tools).
 * Replies go back on the connection the request came from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmlog_log.h"
#include "event_loop.h"
#include "ratelimit.h"
#include "transport.h"

#define UNIX_MAX_CLIENTS 64
#define UNIX_BACKLOG 16

struct unix_client {
	int fd;			/* -1: free slot */
	uint32_t uid;
	int32_t pid;
};

struct transport_unix {
	struct transport t;
	int lfd;
	struct sockaddr_un addr;
	dev_t dev;		/* the socket inode we created, so that */
	ino_t ino;		/* close unlinks only our own */
	struct unix_client clients[UNIX_MAX_CLIENTS];
	struct ratelimit refuse_rl;
	struct ratelimit error_rl;
};

static struct transport_unix *to_unix(struct transport *t)
{
	return (struct transport_unix *)t;
}

static bool log_ok(struct ratelimit *rl, const char *what)
{
	unsigned missed;
	bool ok = ratelimit_allow(rl, el_now_ms(), &missed);

	if (missed)
		log_warn("unix transport: %u more %s suppressed", missed, what);
	return ok;
}

static struct unix_client *find_client(struct transport_unix *u, int fd)
{
	int i;

	for (i = 0; i < UNIX_MAX_CLIENTS; i++)
		if (u->clients[i].fd == fd && fd >= 0)
			return &u->clients[i];
	return NULL;
}

static void drop_client(struct transport_unix *u, struct unix_client *cl,
			const char *why)
{
	log_debug("unix transport: client pid %d %s", (int)cl->pid, why);
	el_del_fd(u->t.el, cl->fd);
	close(cl->fd);
	cl->fd = -1;
}

static ssize_t unix_recv(struct transport *t, int fd, void *buf, size_t cap,
			 struct transport_peer *from)
{
	struct transport_unix *u = to_unix(t);
	struct unix_client *cl = find_client(u, fd);
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (!cl)
		return 0;
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return 0;
	if (n <= 0) {
		drop_client(u, cl, n == 0 ? "disconnected" : strerror(errno));
		return 0;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		if (log_ok(&u->error_rl, "oversized frames"))
			log_warn("unix transport: dropped an oversized frame "
				 "(more than %zu bytes) from pid %d", cap,
				 (int)cl->pid);
		return 0;
	}
	from->uid = cl->uid;
	from->pid = cl->pid;
	return n;
}

static int unix_send(struct transport *t, const struct transport_peer *to,
		     const void *buf, size_t len)
{
	struct transport_unix *u = to_unix(t);
	struct unix_client *cl = find_client(u, to->fd);
	ssize_t n;
	int e;

	if (!cl)
		return -ENOTCONN;
	do {
		n = send(cl->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	e = n < 0 ? errno : EMSGSIZE;
	/* A client that does not read its replies is broken: drop it
	 * rather than lose replies silently. */
	if (e != EPIPE && e != ECONNRESET &&
	    log_ok(&u->error_rl, "send failures"))
		log_warn("unix transport: reply to pid %d failed: %s; "
			 "closing the connection", (int)cl->pid, strerror(e));
	drop_client(u, cl, "closed on send failure");
	return -e;
}

static void refuse(struct transport_unix *u, int fd, const struct ucred *cr,
		   const char *why)
{
	if (log_ok(&u->refuse_rl, "refused connections"))
		log_warn("unix transport: refused a connection from uid %u "
			 "(pid %d): %s", (unsigned)cr->uid, (int)cr->pid, why);
	close(fd);
}

static void unix_accept(struct event_loop *el, int lfd, void *ctx)
{
	struct transport_unix *u = ctx;
	struct ucred cr = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cr);
	struct unix_client *cl = NULL;
	int fd, i, r;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED &&
		    log_ok(&u->error_rl, "accept failures"))
			log_err("unix transport: accept failed: %s",
				strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		refuse(u, fd, &cr, "cannot read its credentials");
		return;
	}
	if (cr.uid != 0) {
		refuse(u, fd, &cr, "only root may send log requests");
		return;
	}
	for (i = 0; i < UNIX_MAX_CLIENTS && !cl; i++)
		if (u->clients[i].fd < 0)
			cl = &u->clients[i];
	if (!cl) {
		refuse(u, fd, &cr, "too many clients");
		return;
	}
	if ((r = el_add_fd(el, fd, transport_readable, &u->t)) < 0) {
		refuse(u, fd, &cr, strerror(-r));
		return;
	}
	*cl = (struct unix_client){ .fd = fd, .uid = cr.uid, .pid = cr.pid };
	log_debug("unix transport: client pid %d connected", (int)cr.pid);
}

static void unix_close(struct transport *t)
{
	struct transport_unix *u = to_unix(t);
	struct stat st;
	int i;

	for (i = 0; i < UNIX_MAX_CLIENTS; i++)
		if (u->clients[i].fd >= 0)
			drop_client(u, &u->clients[i], "closed at exit");
	el_del_fd(t->el, u->lfd);
	close(u->lfd);
	/* Remove the path only if it is still our socket. */
	if (stat(u->addr.sun_path, &st) == 0 && st.st_dev == u->dev &&
	    st.st_ino == u->ino)
		unlink(u->addr.sun_path);
	free(u);
}

static const struct transport_ops unix_ops = {
	.name = "unix",
	.recv = unix_recv,
	.send = unix_send,
	.close = unix_close,
};

/* Make room for our socket at addr: nothing there, or a stale socket
 * nobody listens on (removed). A live socket or another kind of file is
 * an error. */
static int clear_path(const struct sockaddr_un *addr)
{
	const char *path = addr->sun_path;
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		log_err("unix transport: cannot check %s: %s", path,
			strerror(-r));
		return r;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("unix transport: %s exists and is not a socket; "
			"refusing to replace it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_err("unix transport: socket: %s", strerror(-r));
		return r;
	}
	r = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (r == 0) {
		log_err("unix transport: another process is listening on %s",
			path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		log_err("unix transport: cannot remove stale socket %s: %s",
			path, strerror(-r));
		return r;
	}
	log_info("unix transport: removed stale socket %s", path);
	return 0;
}

static int listen_on(struct transport_unix *u)
{
	const char *path = u->addr.sun_path;
	struct stat st;
	mode_t old;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_err("unix transport: socket: %s", strerror(-r));
		return r;
	}
	old = umask(0177);		/* the socket is born 0600 */
	r = bind(fd, (struct sockaddr *)&u->addr, sizeof(u->addr));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || stat(path, &st) < 0 ||
	    listen(fd, UNIX_BACKLOG) < 0) {
		r = -errno;
		log_err("unix transport: cannot listen on %s: %s", path,
			strerror(-r));
		close(fd);
		return r;
	}
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	return fd;
}

static int set_path(struct transport_unix *u, const char *path)
{
	u->addr.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(u->addr.sun_path)) {
		log_err("unix transport: bad socket path \"%s\"", path);
		return -EINVAL;
	}
	memcpy(u->addr.sun_path, path, strlen(path) + 1);
	return 0;
}

int transport_unix_open(struct event_loop *el, const char *path,
			transport_frame_fn fn, void *ctx,
			struct transport **out)
{
	struct transport_unix *u = calloc(1, sizeof(*u));
	int i, r;

	if (!u) {
		log_err("unix transport: out of memory");
		return -ENOMEM;
	}
	u->t = (struct transport){ .ops = &unix_ops, .el = el,
				   .on_frame = fn, .ctx = ctx };
	u->refuse_rl = (struct ratelimit)RATELIMIT_INIT(60000, 10);
	u->error_rl = (struct ratelimit)RATELIMIT_INIT(60000, 10);
	for (i = 0; i < UNIX_MAX_CLIENTS; i++)
		u->clients[i].fd = -1;
	if ((r = set_path(u, path)) < 0 || (r = clear_path(&u->addr)) < 0 ||
	    (r = u->lfd = listen_on(u)) < 0)
		goto fail;
	if ((r = el_add_fd(el, u->lfd, unix_accept, u)) < 0) {
		log_err("unix transport: cannot watch %s: %s", path,
			strerror(-r));
		close(u->lfd);
		unlink(path);
		goto fail;
	}
	log_notice("unix transport: listening on %s", path);
	*out = &u->t;
	return 0;
fail:
	free(u);
	return r;
}
